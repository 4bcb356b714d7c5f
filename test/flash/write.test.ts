/** The write path on the simulated ESP32-C3: skipping, partial sectors, transfer modes, progress, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlashError } from '../../src/flash/errors.js';
import type { FlashProgressEvent } from '../../src/flash/progress.js';
import { openFlashSession } from '../../src/flash/session.js';
import { planFlashWrite, writeFlash } from '../../src/flash/write.js';
import type { TransferMode } from '../../src/flash/transfer.js';
import { transferBuffers } from '../../src/flash/transfer-buffers.js';
import { INFLATE_WINDOW_MAX } from '../../src/flash/stub-protocol.js';
import { changingCommands, demoSim, firstDifferenceOutside, random, recordingTarget, VFS } from './flash-fixture.js';

async function withSession<T>(body: (ctx: { session: Awaited<ReturnType<typeof openFlashSession>>; rec: ReturnType<typeof recordingTarget>; flash: () => Uint8Array }) => Promise<T>): Promise<T> {
  const sim = demoSim();
  const rec = recordingTarget(sim.target);
  const session = await openFlashSession(rec.target, { timeoutScale: 10 });
  try {
    return await body({ session, rec, flash: () => sim.flash.bytes });
  } finally {
    await session.close();
    await sim.close();
  }
}

for (const mode of ['deflate', 'stream', 'calls'] as TransferMode[]) {
  test(`${mode}: write, rewrite the same (nothing erased or programmed), change one byte (exactly one sector)`, async () => {
    await withSession(async ({ session, rec, flash }) => {
      const at = VFS.offset + 0x10000;
      const data = random(0x40000);
      // Half of it compressible, so deflate has something to do.
      data.fill(0x5a, 0x20000, 0x30000);
      const before = flash().slice();
      rec.reset();
      const first = await writeFlash(session, at, data, { mode });
      assert.equal(first.verified, 'sha256');
      assert.deepEqual(flash().subarray(at, at + data.length), data);
      assert.equal(firstDifferenceOutside(before, flash(), at, at + data.length), undefined, 'nothing outside the range changed');
      assert.equal(first.transfer?.mode, mode);
      if (mode === 'deflate') assert.ok(first.transfer!.deflatedCalls > 0 && first.wireBytes < data.length, JSON.stringify(first.transfer));
      if (mode === 'stream') assert.ok(rec.count('STREAM_WRITE') > 0);
      if (mode === 'calls') assert.ok(rec.count('WRITE') > 0 && rec.count('STREAM_WRITE') === 0 && rec.count('WRITE_DEFLATED') === 0);

      rec.reset();
      const again = await writeFlash(session, at, data, { mode });
      assert.deepEqual(changingCommands(rec.commands), [], `rewriting the same data ran ${rec.commands.join(',')}`);
      assert.deepEqual([again.sectorsSkipped, again.sectorsErased, again.sectorsProgrammed, again.verified], [64, 0, 0, 'plan']);

      const changed = data.slice();
      changed[0x12345] ^= 0x01;
      rec.reset();
      const one = await writeFlash(session, at, changed, { mode });
      assert.deepEqual([one.sectorsSkipped, one.sectorsErased, one.sectorsProgrammed, one.bytesProgrammed], [63, 1, 1, 0x1000]);
      assert.equal(rec.count('ERASE'), 1);
      assert.equal(changingCommands(rec.commands).length, 2, rec.commands.join(','));
      assert.deepEqual(flash().subarray(at, at + data.length), changed);
    });
  });
}

test('deflate: the image compressed while planning serves scattered ranges, cut cells and MiB boundaries', async () => {
  await withSession(async ({ session, rec, flash }) => {
    const at = VFS.offset + 0x3000; // cells (64 KiB) and stream pieces (1 MiB) cut mid-range
    const data = random(0x118000);
    data.fill(0x11, 0x40000, 0x90000);
    await writeFlash(session, at, data, { compress: true });
    const changed = data.slice();
    // Sectors changed here and there: one in the first (short) cell, a run across a cell boundary,
    // a run across the 1 MiB boundary at 0x300000, and the last sector.
    for (const offset of [0x0, 0x1c000, 0x21000, 0xfc000, 0x104000, data.length - 0x10]) changed[offset] ^= 0xff;
    changed.fill(0x22, 0x1d000, 0x23000);
    changed.fill(0x33, VFS.offset + 0x100000 - at - 0x2000, VFS.offset + 0x100000 - at + 0x3000);
    const before = flash().slice();
    rec.reset();
    const r = await writeFlash(session, at, changed, { compress: true });
    assert.equal(r.transfer?.mode, 'deflate');
    assert.ok(rec.count('STREAM_WRITE_DEFLATED') >= 5, rec.commands.join(','));
    assert.ok(r.sectorsSkipped > 250, `${r.sectorsSkipped} sectors skipped`);
    assert.equal(r.verified, 'sha256');
    assert.deepEqual(flash().subarray(at, at + changed.length), changed);
    assert.equal(firstDifferenceOutside(before, flash(), at, at + changed.length), undefined, 'nothing outside the range changed');
  });
});

test('a range that starts and ends inside sectors keeps the other bytes of those sectors', async () => {
  await withSession(async ({ session, flash }) => {
    const at = VFS.offset + 0x3ffc;
    const seed = random(0x6000);
    await writeFlash(session, VFS.offset, seed);
    const before = flash().slice();
    const data = random(0x2010);
    const r = await writeFlash(session, at, data);
    assert.equal(r.sectorsTotal, 4);
    assert.deepEqual(flash().subarray(at, at + data.length), data);
    assert.equal(firstDifferenceOutside(before, flash(), at, at + data.length), undefined, 'the partial sectors kept their other bytes');
    // An odd length works too (the rest of the last word is kept).
    const odd = random(7);
    await writeFlash(session, VFS.offset + 0x100, odd);
    assert.deepEqual(flash().subarray(VFS.offset + 0x100, VFS.offset + 0x107), odd);
    assert.equal(flash()[VFS.offset + 0x107], before[VFS.offset + 0x107]);
  });
});

test('progress events: plan, erase, write, verify with bytes, skipped sectors and KiB/s', async () => {
  await withSession(async ({ session }) => {
    const at = VFS.offset + 0x80000;
    const data = random(0x20000);
    await writeFlash(session, at, data);
    data[0x8001] ^= 0xff;
    const events: FlashProgressEvent[] = [];
    await writeFlash(session, at, data, { onProgress: (e) => events.push(e) });
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.deepEqual(phases, ['plan', 'erase', 'write', 'verify']);
    for (const phase of phases) {
      const own = events.filter((e) => e.phase === phase);
      assert.equal(own[0]!.state, 'start');
      assert.equal(own.at(-1)!.state, 'done');
      assert.equal(own.at(-1)!.bytesDone, own.at(-1)!.bytesTotal, `${phase} ends complete`);
      for (let i = 1; i < own.length; i++) assert.ok(own[i]!.bytesDone >= own[i - 1]!.bytesDone, `${phase} bytes never go back`);
    }
    const write = events.filter((e) => e.phase === 'write');
    assert.equal(write.at(-1)!.sectorsSkipped, 31);
    assert.equal(write.at(-1)!.sectorsTotal, 32);
    assert.equal(write.at(-1)!.bytesTotal, 0x1000);
    assert.ok((write.at(-1)!.kbps ?? 0) > 0);
    assert.ok((write.at(-1)!.wireBytes ?? 0) > 0);
    const plan = events.filter((e) => e.phase === 'plan').at(-1)!;
    assert.equal(plan.sectorsSkipped, 31);
  });
});

test('bad requests are refused before the target is touched', async () => {
  await withSession(async ({ session, rec, flash }) => {
    const before = flash().slice();
    const ops = rec.ops;
    const cases: [number, Uint8Array, string][] = [
      [0x10001, new Uint8Array(16), 'FLASH_UNALIGNED'],
      [0x3ff000, new Uint8Array(0x2000), 'FLASH_OUT_OF_RANGE'],
      [0, new Uint8Array(0x400001), 'FLASH_TOO_LARGE'],
      [0x1000, new Uint8Array(0), 'FLASH_EMPTY'],
    ];
    for (const [at, data, code] of cases) {
      await assert.rejects(writeFlash(session, at, data), (e: unknown) => e instanceof FlashError && e.code === code && e.address === at);
      await assert.rejects(planFlashWrite(session, at, data), (e: unknown) => e instanceof FlashError && e.code === code);
    }
    for (const mode of ['deflate', 'calls'] as TransferMode[]) {
      await assert.rejects(writeFlash(session, 0x200000, new Uint8Array(0x1000), { mode, level: 12 }), RangeError);
    }
    assert.equal(rec.ops, ops, 'no target operation for a refused request');
    assert.deepEqual(flash(), before);
  });
});

test('--no-skip rewrites every sector; verify off reports not-verified', async () => {
  await withSession(async ({ session, rec }) => {
    const at = VFS.offset + 0x100000;
    const data = random(0x8000);
    await writeFlash(session, at, data);
    rec.reset();
    const forced = await writeFlash(session, at, data, { skipUnchanged: false, verify: false });
    assert.deepEqual([forced.sectorsSkipped, forced.sectorsErased, forced.sectorsProgrammed, forced.verified], [0, 8, 8, 'not-verified']);
    assert.equal(rec.count('SHA256'), 0);
    assert.equal(rec.count('ERASE_CHECK'), 0);
    assert.ok(rec.count('ERASE') >= 1);
  });
});

test('deflate and calls keep their buffers in the stub scratch (clear of the inflate window); a buffer size asked for borrows work-area RAM and gives it back', async () => {
  await withSession(async ({ session, flash }) => {
    const scratch = session.loaded.image.symbols.scratch!;
    const deflate = await transferBuffers(session, INFLATE_WINDOW_MAX);
    const calls = await transferBuffers(session, undefined);
    assert.deepEqual([deflate.inScratch, deflate.addresses[0], deflate.addresses[1] + deflate.size], [true, scratch.address + INFLATE_WINDOW_MAX, scratch.address + scratch.size]);
    const smallWindow = await transferBuffers(session, 0x1000);
    assert.deepEqual([smallWindow.addresses[0], smallWindow.addresses[1] + smallWindow.size], [scratch.address + 0x1000, scratch.address + scratch.size], 'a 4 KiB window leaves the rest');
    assert.deepEqual([calls.inScratch, calls.addresses[0], calls.addresses[1] + calls.size], [true, scratch.address, scratch.address + scratch.size]);
    assert.equal(deflate.addresses[0] + deflate.size, deflate.addresses[1]);
    // A short write's buffers are no larger than its data (a 4 KiB floor): little scratch borrowed.
    const short = await transferBuffers(session, undefined, undefined, 0x1802);
    assert.deepEqual([short.addresses[0], short.size], [scratch.address, 0x1804]);
    assert.equal((await transferBuffers(session, INFLATE_WINDOW_MAX, undefined, 0x100)).size, 0x1000);

    const allocator = session.loaded.allocator;
    const labels: string[] = [];
    const allocate = allocator.allocate.bind(allocator);
    allocator.allocate = (size, label, options) => (label.startsWith('flash write buffer') && labels.push(label), allocate(size, label, options));
    const at = VFS.offset + 0x30000;
    const data = random(0x18000);
    data.fill(0, 0x8000, 0x14000); // compressible: several WRITE_DEFLATED calls, and plain WRITEs for the random parts
    for (const mode of ['deflate', 'calls'] as TransferMode[]) {
      const r = await writeFlash(session, at, mode === 'calls' ? data.map((b) => b ^ 0xff) : data, { mode });
      assert.equal(r.verified, 'sha256');
    }
    assert.deepEqual(labels, [], 'no work-area RAM borrowed');
    assert.deepEqual(flash().subarray(at, at + data.length), data.map((b) => b ^ 0xff));

    const borrowed = await writeFlash(session, at, data, { mode: 'deflate', bufferSize: 0x2000 });
    assert.equal(borrowed.verified, 'sha256');
    assert.deepEqual(labels, ['flash write buffer A', 'flash write buffer B']);
    assert.deepEqual(allocator.allocated.filter((a) => a.label.startsWith('flash write buffer')), [], 'given back');
    assert.deepEqual(flash().subarray(at, at + data.length), data);
  });
});
