/** Read, erase, blank check and verify on the simulated ESP32-C3. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { AlgorithmError } from '../../src/algorithm/errors.js';
import { blankCheckFlash } from '../../src/flash/blank-check.js';
import { eraseFlash } from '../../src/flash/erase.js';
import { FlashError } from '../../src/flash/errors.js';
import type { FlashProgressEvent } from '../../src/flash/progress.js';
import { readFlash } from '../../src/flash/read.js';
import { openFlashSession } from '../../src/flash/session.js';
import { assertFlashMatches, verifyFlash } from '../../src/flash/verify.js';
import { commitFlashWrite, planFlashWrite, writeFlash } from '../../src/flash/write.js';
import { demoSim, firstDifferenceOutside, random, recordingTarget, VFS } from './flash-fixture.js';

test('read, erase, blank check and verify agree with the flash contents', async () => {
  const sim = demoSim();
  const rec = recordingTarget(sim.target);
  const session = await openFlashSession(rec.target, { timeoutScale: 10 });
  try {
    const flash = () => sim.flash.bytes;
    const events: FlashProgressEvent[] = [];
    const onProgress = (e: FlashProgressEvent) => events.push(e);
    assert.deepEqual(await readFlash(session, 0x8000, 0x23, { onProgress }), flash().subarray(0x8000, 0x8023));
    assert.deepEqual(await readFlash(session, 0x10000, 0x30000), flash().subarray(0x10000, 0x40000));
    assert.ok(events.some((e) => e.phase === 'read' && e.state === 'done' && e.bytesDone === 0x23));

    const at = VFS.offset + 0x40000;
    const data = random(0x10000);
    data[0] = 0x5a; // not 0xFF: the blank check below finds the first byte
    await writeFlash(session, at, data);
    // The on-target digest against an independent host implementation (@noble/hashes).
    assert.deepEqual(await session.stub.sha256(at, data.length), sha256(data));
    assert.equal((await verifyFlash(session, at, data)).match, true);
    const blank = await blankCheckFlash(session, at, 0x10000);
    assert.deepEqual([blank.blank, blank.firstNonBlank], [false, at]);

    const before = flash().slice();
    const erased = await eraseFlash(session, at + 0x3000, 0x5000, { onProgress });
    assert.equal(erased.calls, 1);
    assert.ok(flash().subarray(at + 0x3000, at + 0x8000).every((b) => b === 0xff));
    assert.equal(firstDifferenceOutside(before, flash(), at + 0x3000, at + 0x8000), undefined);
    assert.deepEqual(await blankCheckFlash(session, at + 0x3000, 0x5000), { address: at + 0x3000, length: 0x5000, blank: true });
    assert.ok(events.some((e) => e.phase === 'erase' && e.state === 'done' && e.sectorsTotal === 5));

    // Verify locates the first differing sector.
    const verifyEvents: FlashProgressEvent[] = [];
    const v = await verifyFlash(session, at, data, { onProgress: (e) => verifyEvents.push(e) });
    assert.equal(v.match, false);
    assert.equal(v.firstMismatch, at + 0x3000);
    // Its progress ends with what was found equal: the sectors before the first bad one.
    assert.equal(verifyEvents.at(-1)?.state, 'done');
    assert.equal(verifyEvents.at(-1)?.bytesDone, 0x3000);
    // A range that starts inside a sector: its head is located on its own, then whole sectors.
    const inside = data.subarray(0x800);
    assert.equal((await verifyFlash(session, at + 0x800, inside)).firstMismatch, at + 0x3000);
    const badHead = inside.slice();
    badHead[0x100] ^= 1;
    assert.equal((await verifyFlash(session, at + 0x800, badHead)).firstMismatch, at + 0x800);
    assert.equal((await verifyFlash(session, at + 0x800, inside.subarray(0, 0x2000))).match, true, 'the sectors before the erased ones still match');
    await assert.rejects(assertFlashMatches(session, at, data), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_VERIFY_FAILED' && e.address === at + 0x3000);

    const ops = rec.ops;
    await assert.rejects(eraseFlash(session, at + 0x800, 0x1000), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_UNALIGNED');
    await assert.rejects(eraseFlash(session, 0x3ff000, 0x2000), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_OUT_OF_RANGE');
    await assert.rejects(readFlash(session, 2, 4), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_UNALIGNED');
    await assert.rejects(blankCheckFlash(session, 0, 6), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_UNALIGNED');
    await assert.rejects(verifyFlash(session, 0x3ffffc, new Uint8Array(8)), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_OUT_OF_RANGE');
    assert.equal(rec.ops, ops, 'refused before touching the target');
  } finally {
    await session.close();
    await sim.close();
  }
});

test('the session gives the target back: RAM restored, a running target resumed; backup off leaves it halted', async () => {
  const sim = demoSim({ run: true });
  try {
    const work = { start: 0x3fc80000, end: 0x3fca4000 }; // the ESP32-C3 stub work area, which the demo firmware uses too
    await sim.target.halt();
    const ram = await sim.target.readMemory(work.start, work.end - work.start);
    const halted = await openFlashSession(sim.target, { timeoutScale: 10 });
    assert.equal(halted.wasRunning, false);
    await halted.stub.sha256(0, 0x1000);
    await writeFlash(halted, VFS.offset, random(0x2000));
    await writeFlash(halted, VFS.offset + 0x2000, random(0x3000), { mode: 'stream' }); // the ring is the stub's scratch buffer
    assert.deepEqual(await halted.close(), { resumed: false, ramRestored: true });
    assert.equal(sim.target.state(), 'halted');
    const after = await sim.target.readMemory(work.start, work.end - work.start);
    assert.ok(Buffer.from(after).equals(Buffer.from(ram)), 'work-area RAM restored byte for byte');

    await sim.target.resume();
    const session = await openFlashSession(sim.target, { timeoutScale: 10 });
    assert.equal(session.wasRunning, true);
    assert.equal(sim.target.state(), 'halted');
    assert.deepEqual(await session.close(), { resumed: true, ramRestored: true });
    assert.deepEqual(await session.close(), { resumed: true, ramRestored: true }, 'close is idempotent');
    assert.equal(sim.target.state(), 'running');

    const noResume = await openFlashSession(sim.target, { backup: false, timeoutScale: 10 });
    assert.equal(noResume.wasRunning, true);
    assert.deepEqual(await noResume.close(), { resumed: false, ramRestored: false });
    assert.equal(sim.target.state(), 'halted', 'RAM was not preserved, so the program is not resumed');
  } finally {
    await sim.close();
  }
});

test('operations started together on one session run one after the other: each gets its own bytes', async () => {
  const sim = demoSim();
  const session = await openFlashSession(sim.target, { timeoutScale: 10 });
  try {
    const flash = () => sim.flash.bytes;
    // Reads share the stub's scratch buffer (two halves in turn): together they used to take each other's bytes.
    const [a, b, c] = await Promise.all([readFlash(session, 0, 0x20000), readFlash(session, 0x20000, 0x20000), session.stub.read(0x8000, 0x1000)]);
    assert.ok(Buffer.from(a).equals(Buffer.from(flash().subarray(0, 0x20000))), 'first read');
    assert.ok(Buffer.from(b).equals(Buffer.from(flash().subarray(0x20000, 0x40000))), 'second read');
    assert.ok(Buffer.from(c).equals(Buffer.from(flash().subarray(0x8000, 0x9000))), 'third read');
    // A write (a stream through the same scratch buffer) and a read started together: both right. (They
    // take turns call by call; a read that must see the write's bytes awaits the write.)
    const data = random(0x3000);
    const [written, read] = await Promise.all([writeFlash(session, VFS.offset, data, { mode: 'stream' }), readFlash(session, 0x10000, 0x20000)]);
    assert.equal(written.verified, 'sha256');
    assert.ok(Buffer.from(flash().subarray(VFS.offset, VFS.offset + data.length)).equals(Buffer.from(data)), 'the write');
    assert.ok(Buffer.from(read).equals(Buffer.from(flash().subarray(0x10000, 0x30000))), 'the read beside it');
  } finally {
    await session.close();
    await sim.close();
  }
});

test('readFlash refuses a length that is no whole number of bytes (1.5 used to read 1 byte)', async () => {
  const sim = demoSim();
  const session = await openFlashSession(sim.target, { timeoutScale: 10 });
  try {
    await assert.rejects(readFlash(session, 0x1000, 1.5), (e: unknown) => e instanceof FlashError && e.code === 'FLASH_EMPTY' && /read: nothing to do \(length 1\.5\)/.test(e.message));
    assert.equal((await readFlash(session, 0x1000, 3)).length, 3, 'an odd whole length is read');
  } finally {
    await session.close();
    await sim.close();
  }
});

test('sessions on one target close in the reverse order of opening: closing the first while the second is open is refused, nothing changed', async () => {
  const sim = demoSim();
  try {
    const work = { start: 0x3fc80000, end: 0x3fca4000 };
    const ram = await sim.target.readMemory(work.start, work.end - work.start);
    const first = await openFlashSession(sim.target, { timeoutScale: 10 });
    const second = await openFlashSession(sim.target, { timeoutScale: 10 });
    const underSecond = await sim.target.readMemory(work.start, work.end - work.start);
    await assert.rejects(first.close(), (e: unknown) => e instanceof AlgorithmError && e.code === 'ALGO_UNLOAD_ORDER' && /close flash sessions in the reverse order of opening/.test(e.message));
    assert.equal(first.closed, false, 'still open: it can be closed later');
    assert.ok(Buffer.from(await sim.target.readMemory(work.start, work.end - work.start)).equals(Buffer.from(underSecond)), 'nothing was given back');
    assert.equal(await second.stub.ping(), 0x45410002, 'the second session still works');
    assert.deepEqual(await second.close(), { resumed: false, ramRestored: true });
    assert.deepEqual(await first.close(), { resumed: false, ramRestored: true });
    assert.ok(Buffer.from(await sim.target.readMemory(work.start, work.end - work.start)).equals(Buffer.from(ram)), 'work-area RAM restored byte for byte');
  } finally {
    await sim.close();
  }
});

test('a closed session refuses every operation with FLASH_SESSION and leaves the running program alone', async () => {
  const sim = demoSim({ run: true });
  try {
    const session = await openFlashSession(sim.target, { timeoutScale: 10 });
    const planned = await planFlashWrite(session, VFS.offset, random(0x1000));
    assert.deepEqual(await session.close(), { resumed: true, ramRestored: true });
    const closed = (error: unknown) => error instanceof FlashError && error.code === 'FLASH_SESSION' && /session is closed/.test(error.message);
    await assert.rejects(readFlash(session, 0x8000, 4), closed);
    await assert.rejects(writeFlash(session, VFS.offset, random(0x1000)), closed);
    await assert.rejects(commitFlashWrite(session, planned), closed);
    await assert.rejects(eraseFlash(session, VFS.offset, 0x1000), closed);
    await assert.rejects(blankCheckFlash(session, VFS.offset, 0x1000), closed);
    await assert.rejects(verifyFlash(session, VFS.offset, random(0x1000)), closed);
    assert.equal(sim.target.state(), 'running', 'the target was not halted');
  } finally {
    await sim.close();
  }
});

test('an AbortSignal stops an operation between two stub calls (FLASH_INTERRUPTED); the session still closes, and the rerun completes the write', async () => {
  const sim = demoSim();
  const session = await openFlashSession(sim.target, { timeoutScale: 10 });
  try {
    const aborted = new AbortController();
    aborted.abort();
    const interrupted = (e: unknown) => e instanceof FlashError && e.code === 'FLASH_INTERRUPTED';
    let reads = 0;
    await assert.rejects(readFlash(session, 0x10000, 0x20000, { signal: aborted.signal, onProgress: () => reads++ }), interrupted);
    assert.equal(reads, 0, 'an operation aborted before it starts does not start');

    const data = random(0x40000);
    const stop = new AbortController();
    await assert.rejects(
      writeFlash(session, VFS.offset, data, {
        mode: 'calls',
        signal: stop.signal,
        onProgress: (e) => {
          if (e.phase === 'write' && e.state === 'progress') stop.abort();
        },
      }),
      (e: unknown) => interrupted(e) && /interrupted during the write from 0x[0-9a-f]{8}, \d+ of 262144 bytes done/.test((e as Error).message),
    );
    const part = sim.flash.bytes.subarray(VFS.offset, VFS.offset + data.length);
    assert.ok(!Buffer.from(part).equals(data), 'the write stopped part-way');
    const rerun = await writeFlash(session, VFS.offset, data);
    assert.ok(rerun.sectorsSkipped > 0, 'the rerun skips what the first run wrote');
    assert.ok(Buffer.from(sim.flash.bytes.subarray(VFS.offset, VFS.offset + data.length)).equals(data));
  } finally {
    const closed = await session.close();
    assert.equal(closed.ramRestored, true);
    await sim.close();
  }
});
