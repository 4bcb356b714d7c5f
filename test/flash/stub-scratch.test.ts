/**
 * The stub's on-demand RAM (its scratch buffer and the deflate commands' state) is backed up only
 * where a call writes it. The proof asked of that: after every kind of call, each byte of the work
 * area that differs from the program's lies inside RAM the session holds (and so restores), and
 * closing gives all of it back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AlgorithmRunner } from '../../src/algorithm/runner.js';
import { esp32c3 } from '../../src/chips/index.js';
import { blankCheckFlash } from '../../src/flash/blank-check.js';
import { probeWithStub } from '../../src/flash/probe.js';
import { readFlash } from '../../src/flash/read.js';
import { openFlashSession, type FlashSession } from '../../src/flash/session.js';
import { loadEsp32c3FlasherImage } from '../../src/flash/stub-client.js';
import { verifyFlash } from '../../src/flash/verify.js';
import { writeFlash } from '../../src/flash/write.js';
import { demoSim, heldBytes, random, VFS } from './flash-fixture.js';

const WORK = { start: 0x3fc80000, end: 0x3fca4000 }; // the ESP32-C3 stub work area
const image = loadEsp32c3FlasherImage();
const onDemand = image.symbols.onDemand!;

/** Addresses in the work area whose byte differs from `before` and that no held area covers. */
async function changedOutsideHeld(session: FlashSession, before: Uint8Array): Promise<number[]> {
  const now = await session.target.readMemory(WORK.start, WORK.end - WORK.start);
  const held = session.loaded.allocator.allocated;
  const out: number[] = [];
  for (let i = 0; i < now.length; i++) {
    if (now[i] === before[i]) continue;
    const address = WORK.start + i;
    if (!held.some((a) => address >= a.address && address < a.address + a.size)) out.push(address);
  }
  return out;
}

const regions = image.symbols.regions!;

test('the image declares its on-demand range: the scratch buffer first, then the deflate state, at the end of its BSS', () => {
  const scratch = image.symbols.scratch!;
  assert.equal(onDemand.address, scratch.address);
  assert.ok(onDemand.size > scratch.size, 'the inflaters\' state follows the scratch buffer');
  const bss = image.bss[0]!;
  assert.equal(onDemand.address + onDemand.size, bss.address + bss.size);
  // Each inflater's decoder state is a region of its own after the scratch buffer.
  const { romInflater, inflateTables } = regions;
  for (const r of [romInflater!, inflateTables!]) {
    assert.ok(r.address >= scratch.address + scratch.size && r.address + r.size <= onDemand.address + onDemand.size);
  }
  assert.ok(romInflater!.address >= inflateTables!.address + inflateTables!.size || inflateTables!.address >= romInflater!.address + romInflater!.size);
});

/**
 * Runs `step` in a session of its own over a work area full of random bytes (the program's RAM):
 * checks that every byte that changed is held, and that closing gives the RAM back. Returns what
 * the session held of the on-demand range, and backed up in all.
 */
interface Held {
  readonly onDemand: number;
  readonly total: number;
  /** Bytes held of each named region (the inflaters' decoder state). */
  readonly regions: Readonly<Record<string, number>>;
}

async function inSession(name: string, step: (session: FlashSession) => Promise<unknown>): Promise<Held> {
  const sim = demoSim();
  try {
    await sim.target.writeMemory(WORK.start, new Uint8Array(randomBytes(WORK.end - WORK.start)));
    const before = await sim.target.readMemory(WORK.start, WORK.end - WORK.start);
    const session = await openFlashSession(sim.target, { timeoutScale: 10 });
    let held: Held;
    try {
      await step(session);
      assert.deepEqual(await changedOutsideHeld(session, before), [], `${name}: nothing changed outside held RAM`);
      held = {
        onDemand: heldBytes(session, onDemand),
        total: session.loaded.allocator.backedUpBytes,
        regions: Object.fromEntries(Object.entries(regions).map(([k, r]) => [k, heldBytes(session, r)])),
      };
    } finally {
      await session.close();
    }
    const after = await sim.target.readMemory(WORK.start, WORK.end - WORK.start);
    assert.ok(Buffer.from(after).equals(Buffer.from(before)), `${name}: work-area RAM restored byte for byte`);
    return held;
  } finally {
    await sim.close();
  }
}

test('a probe session holds a few KiB of the on-demand range, and only RAM it holds changes', async () => {
  const opened = await inSession('open (PING, FLASH_INFO)', async () => undefined);
  assert.equal(opened.onDemand, 0);
  const probe = await inSession('probe (MAP_GET, table and header reads)', (s) => probeWithStub(s.stub, s.target.description, esp32c3, {}, s.info));
  // A probe reads a table (3 KiB) and headers: a few KiB of the 84 KiB range.
  assert.ok(probe.onDemand > 0 && probe.onDemand <= 0x1000, `probe holds ${probe.onDemand} bytes of the on-demand range`);
  assert.ok(probe.total < 0x6000, `probe session backed up ${probe.total} bytes in all`);
});

test('every kind of call changes only RAM its session holds (each in a session of its own)', async () => {
  const sim = demoSim();
  // Compressible (the demo app's code), so the deflate modes do send deflated calls.
  const code = sim.flash.bytes.slice(0x10000, 0x13000);
  await sim.close();
  const steps: [string, (s: FlashSession) => Promise<unknown>][] = [
    ['read', (s) => readFlash(s, 0x10000, 0x9000)],
    ['table search (READ_STRIDED)', (s) => s.stub.readStrided(0x9000, 32, 0x1000, 247)],
    ['blank check (ERASE_CHECK)', (s) => blankCheckFlash(s, VFS.offset + 0x100000, 0x2000)],
    ['verify (SHA256)', (s) => verifyFlash(s, 0x10000, code)],
    ['write, plain calls', (s) => writeFlash(s, VFS.offset, random(0x3000), { mode: 'calls' })],
    ['write, deflate calls, own inflater', (s) => writeFlash(s, VFS.offset, code, { mode: 'deflate', inflater: 'stub' })],
    ['write, deflate calls, ROM inflater', (s) => writeFlash(s, VFS.offset, code, { mode: 'deflate', chunkSize: 0x1000 })],
    ['write, plain stream', (s) => writeFlash(s, VFS.offset, random(0x3000), { mode: 'stream' })],
    ['write, deflated stream', (s) => writeFlash(s, VFS.offset, code, { mode: 'deflate' })],
    ['write, deflate calls, own inflater, 4 KiB window', (s) => writeFlash(s, VFS.offset, code, { mode: 'deflate', inflater: 'stub', window: 0x1000 })],
    ['write, deflate calls, ROM inflater, 4 KiB window', (s) => writeFlash(s, VFS.offset, code, { mode: 'deflate', chunkSize: 0x1000, window: 0x1000 })],
    ['write, deflated stream, 4 KiB window', (s) => writeFlash(s, VFS.offset, code, { mode: 'deflate', window: 0x1000 })],
  ];
  for (const [name, step] of steps) {
    const held = await inSession(name, step);
    // A deflate write holds its own inflater's decoder state, and not the other's.
    const inflater = name.startsWith('write, deflate calls, own inflater') ? 'inflateTables' : name.startsWith('write, deflate') ? 'romInflater' : undefined;
    for (const [region, bytes] of Object.entries(held.regions)) {
      assert.equal(bytes, region === inflater ? regions[region]!.size : 0, `${name}: holds ${bytes} bytes of ${region}`);
    }
    // The survey's SHA256 buffer (4 KiB), and a ring no larger than the 12 KiB written with its control block.
    if (name === 'write, plain stream') assert.ok(held.onDemand <= 0x1000 + 0x3000 + 32, `${name}: holds ${held.onDemand} bytes`);
    // Calls: two buffers no larger than the 12 KiB written.
    if (name === 'write, plain calls') assert.ok(held.onDemand <= 2 * 0x3000, `${name}: holds ${held.onDemand} bytes`);
    // Calls through a 4 KiB window: the window, buffers for 12 KiB and the decoder state, not a 32
    // KiB window. (In process a stream's ring takes the rest of the scratch buffer whatever the window.)
    const state = inflater ? regions[inflater]!.size : 0;
    if (name.startsWith('write, deflate calls') && name.endsWith('4 KiB window')) assert.ok(held.onDemand - state < 0x8000, `${name}: holds ${held.onDemand - state} bytes besides the decoder state`);
  }
});

test('loaded without claimOnDemand (a caller that cannot know what a routine writes), the whole image is backed up at load', async () => {
  const sim = demoSim();
  try {
    const runner = new AlgorithmRunner(sim.target, { chip: esp32c3 });
    const loaded = await runner.load(image);
    try {
      const bss = image.bss[0]!;
      assert.ok(loaded.allocator.allocated.some((a) => a.address <= onDemand.address && a.address + a.size >= bss.address + bss.size));
    } finally {
      await runner.unload(loaded);
    }
  } finally {
    await sim.close();
  }
});
