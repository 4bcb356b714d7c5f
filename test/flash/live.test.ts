/**
 * The flash driver on a live target: through the simulator's own GDB server over loopback, and
 * while the demo firmware runs (its self-check must stay clean).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { serveSim } from '../gdb/sim-server.js';
import { findSymbol, parseElf } from '../../src/image/elf.js';
import { openFlashSession } from '../../src/flash/session.js';
import { verifyFlash } from '../../src/flash/verify.js';
import { writeFlash } from '../../src/flash/write.js';
import type { Target } from '../../src/target/types.js';
import { demoSim, firstDifferenceOutside, random, VFS } from './flash-fixture.js';

const elf = parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf')));
function symbol(name: string): number {
  const s = findSymbol(elf, name);
  assert.ok(s, `the demo firmware has ${name}`);
  return s.value;
}
async function word(target: Target, name: string): Promise<number> {
  const b = await target.readMemory(symbol(name), 4);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

test('64 KiB write and verify through the simulator\'s GDB server over loopback (deflate and stream)', async (t) => {
  const { sim, port } = await serveSim(t, demoSim({ run: true }));
  const remote = await connectRemote('127.0.0.1', port, { timeoutMs: 3000 });
  try {
    assert.equal(remote.capabilities.memoryWhileRunning, true);
    if (remote.state() !== 'running') await remote.resume(); // attaching stopped it; let the firmware run
    const session = await openFlashSession(remote, { timeoutScale: 20 });
    try {
      assert.equal(session.flashSize, 0x400000);
      const before = sim.flash.bytes.slice();
      const at = VFS.offset + 0x30000;
      const data = random(0x10000);
      data.fill(0, 0x4000, 0xc000);
      const r = await writeFlash(session, at, data);
      assert.equal(r.verified, 'sha256');
      assert.equal(r.transfer?.doubleBuffered, true);
      assert.ok(r.wireBytes < data.length, 'deflate sent fewer bytes');
      const next = random(0x10000);
      const s = await writeFlash(session, at, next, { compress: false });
      assert.equal(s.transfer?.mode, 'stream');
      assert.equal(s.transfer?.doubleBuffered, true, 'the ring is filled while the stub drains it');
      assert.ok((await verifyFlash(session, at, next)).match);
      assert.ok(Buffer.from(sim.flash.bytes.subarray(at, at + next.length)).equals(Buffer.from(next)));
      assert.equal(firstDifferenceOutside(before, sim.flash.bytes, at, at + next.length), undefined);
    } finally {
      assert.deepEqual(await session.close(), { resumed: true, ramRestored: true });
    }
    assert.equal(remote.state(), 'running');
  } finally {
    await remote.close();
  }
});

test('a write into the vfs partition while the demo firmware runs leaves it running with its self-check clean', async () => {
  const sim = demoSim({ run: true });
  try {
    const target = sim.target;
    const waitHeartbeat = async (from: number) => {
      const deadline = Date.now() + 3000;
      while ((await word(target, 'demo_heartbeat')) === from && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      return word(target, 'demo_heartbeat');
    };
    const hb0 = await waitHeartbeat(await word(target, 'demo_heartbeat'));
    const runs0 = await word(target, 'demo_selfcheck_runs');
    for (let round = 0; round < 3; round++) {
      const session = await openFlashSession(target, { timeoutScale: 10 });
      assert.equal(session.wasRunning, true);
      const data = random(0x8000);
      await writeFlash(session, VFS.offset + round * 0x8000, data);
      assert.deepEqual(await session.close(), { resumed: true, ramRestored: true });
      assert.equal(target.state(), 'running');
      assert.ok(Buffer.from(sim.flash.bytes.subarray(VFS.offset + round * 0x8000, VFS.offset + (round + 1) * 0x8000)).equals(Buffer.from(data)));
    }
    // Let the firmware run several self-check periods.
    const deadline = Date.now() + 5000;
    while ((await word(target, 'demo_selfcheck_runs')) < runs0 + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok((await word(target, 'demo_selfcheck_runs')) >= runs0 + 3, 'the self-check kept running');
    assert.ok((await waitHeartbeat(hb0)) > hb0, 'heartbeat moves');
    assert.equal(await word(target, 'demo_selfcheck_failures'), 0, 'self-check clean');
  } finally {
    await sim.close();
  }
});
