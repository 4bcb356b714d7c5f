/**
 * Power cuts and link loss in the middle of a write. Odd trials lose the link at a random target
 * operation (the hart is halted, a pending flash operation cut short). Even trials cut the power
 * at a random program or erase command of the flash chip itself: that command takes effect only
 * in part (a random share of its bytes) and the chip ignores every later program or erase, while
 * the debugger loses the target. Then the chip is reset and the debugger re-attaches — and the
 * rerun of the same write always ends verified, rewrites only the sectors the cut left wrong, and
 * changes nothing outside the range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFlashSession } from '../../src/flash/session.js';
import { writeFlash } from '../../src/flash/write.js';
import type { TransferMode } from '../../src/flash/transfer.js';
import { demoSim, firstDifferenceOutside, LinkCutError, recordingTarget, VFS } from './flash-fixture.js';

const TRIALS = 20;

/**
 * The cut points come from a seeded generator: ESPALGO_SEED=n repeats a run; the seed of every run
 * is printed as a test diagnostic, so a failure can be replayed.
 */
const SEED = Number(process.env.ESPALGO_SEED ?? Math.floor(Math.random() * 0x7fffffff)) >>> 0 || 1;
let state = SEED;
function unit(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 0x100000000;
}
const randomInt = (n: number): number => Math.floor(unit() * n);
const random = (length: number): Uint8Array => Uint8Array.from({ length }, () => randomInt(256));
const SECTOR = 0x1000;

function sectorStates(now: Uint8Array, want: Uint8Array, old: Uint8Array): string {
  const same = (a: Uint8Array, b: Uint8Array, i: number) => Buffer.from(a.subarray(i * SECTOR, (i + 1) * SECTOR)).equals(Buffer.from(b.subarray(i * SECTOR, (i + 1) * SECTOR)));
  return Array.from({ length: now.length / SECTOR }, (_, i) => (same(now, want, i) ? 'N' : same(now, old, i) ? 'O' : 'x')).join('');
}

test(`a write cut at ${TRIALS} random points always ends verified after the rerun`, async (t) => {
  t.diagnostic(`seed ${SEED} (ESPALGO_SEED=${SEED} repeats this run)`);
  const sim = demoSim();
  const at = VFS.offset + 0x24000;
  const length = 0x5000;
  const modes: TransferMode[] = ['deflate', 'stream', 'calls'];
  try {
    // Power to the flash chip: the chip counts program/erase commands (frames, and the page programs
    // the simulated ROM hands it in one step); an armed cut applies part of the chosen one and the
    // chip ignores later ones.
    const changeCommands = () => sim.flash.stats.changeCommands;
    let interruptedFlashOps = 0;

    // A complete write of fresh data per mode: its target operations and its flash program/erase commands.
    const fullOps = new Map<TransferMode, number>();
    const fullFrames = new Map<TransferMode, number>();
    for (const mode of modes) {
      const rec = recordingTarget(sim.target);
      const s = await openFlashSession(rec.target, { timeoutScale: 10 });
      const ops = rec.ops;
      const frames = changeCommands();
      await writeFlash(s, at, random(length), { mode });
      fullOps.set(mode, rec.ops - ops);
      fullFrames.set(mode, changeCommands() - frames);
      await s.close();
    }
    const seen: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const mode = modes[trial % modes.length]!;
      const data = random(length);
      if (trial % 3 === 1) data.fill(0x42, 0x1000, 0x3000); // a compressible part
      const before = sim.flash.bytes.slice();
      const rec = recordingTarget(sim.target);
      const session = await openFlashSession(rec.target, { timeoutScale: 10 });
      const powerCut = async () => {
        await sim.target.halt().catch(() => undefined);
        if (sim.flash.cutPower(unit()).interrupted) interruptedFlashOps++;
      };
      let how: string;
      if (trial % 2) {
        const n = 1 + randomInt(fullOps.get(mode)!);
        rec.cutAfter(n, powerCut);
        how = `link lost at op ${n}`;
      } else {
        const n = 1 + randomInt(fullFrames.get(mode)!);
        sim.flash.armPowerCut(n, unit, () => {
          if (sim.flash.lastCut?.interrupted) interruptedFlashOps++;
          rec.cutNow();
        });
        how = `power cut at flash program/erase command ${n} of ${fullFrames.get(mode)}`;
      }
      const outcome = await writeFlash(session, at, data, { mode }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (rec.cut) assert.ok(outcome instanceof LinkCutError || (outcome as Error)?.cause instanceof LinkCutError, `trial ${trial}: ${String(outcome)}`);
      await session.close().catch(() => undefined);
      // Power comes back: the chip boots the firmware again and the debugger re-attaches.
      sim.flash.restorePower();
      await sim.target.reset('run');
      await new Promise((r) => setTimeout(r, 5));
      const cutState = sim.flash.bytes.slice(at, at + length);
      const states = sectorStates(cutState, data, before.subarray(at, at + length));
      seen.push(states);

      const rerunSession = await openFlashSession(sim.target, { timeoutScale: 10 });
      try {
        const rerun = await writeFlash(rerunSession, at, data, { mode });
        const where = `trial ${trial} (${mode}, ${how}, sectors after the cut ${states})`;
        assert.notEqual(rerun.verified, 'not-verified');
        assert.ok(Buffer.from(sim.flash.bytes.subarray(at, at + length)).equals(Buffer.from(data)), `${where}: data complete after the rerun`);
        assert.equal(firstDifferenceOutside(before, sim.flash.bytes, at, at + length), undefined, `${where}: nothing outside the range changed`);
        assert.equal(rerun.sectorsSkipped, states.split('').filter((c) => c === 'N').length, `${where}: skipped exactly the sectors the cut left right`);
      } finally {
        await rerunSession.close();
      }
    }
    t.diagnostic(`sector states after the cuts (N new, O old, x other): ${seen.join(' ')}; flash operations cut short: ${interruptedFlashOps}`);
    assert.ok(seen.some((s) => s.includes('x')), 'some cuts left the range half written');
    assert.ok(interruptedFlashOps > 0, 'some cuts landed inside a flash program or erase');
  } finally {
    await sim.close();
  }
});
