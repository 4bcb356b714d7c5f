/**
 * The ESP32-S3 ROM-call plan executed on a scripted S3 (test/flash/scripted-s3.ts): the Xtensa
 * calling convention, the octal stop, both caches suspended and polled idle before SPI1 is used,
 * every ROM read made with the extra dummy cleared, and SPI1, the ROM record and the CPU registers
 * given back. No S3 silicon is involved; see docs/rom-probe.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { esp32s3 } from '../../src/chips/index.js';
import { romProbe } from '../../src/flash/rom-probe/index.js';
import { S3, ScriptedS3 } from './scripted-s3.js';

const FLASH = new Uint8Array(readFileSync('firmware/build/demo-micropython-4MB.bin'));
const MiB = 0x100000;

async function snap(t: ScriptedS3) {
  return { spi1: await t.readMemory(S3.spi1, 0x100), record: await t.readMemory(S3.romData, 28), regs: new Map(t.regs) };
}

test('quad flash with the S3 tuning left in SPI1: right size and mappings, caches and SPI1 handled in order, all given back', async () => {
  const t = new ScriptedS3({ octal: false, id: [0xef, 0x40, 0x18], flash: FLASH });
  t.beginBusy(3);
  await t.halt();
  const before = await snap(t);
  t.runProgram();
  const r = await romProbe(t, { chip: esp32s3 });
  assert.equal(r.method, 'rom-call');
  assert.equal(r.degraded, false, r.notes.join(' | '));
  assert.equal(r.id!.clean, 0xef4018);
  assert.equal(r.id!.analysis.extraDummyCycles, 2, 'dummy_len_plus[1] and TIMING_CALI');
  assert.notEqual(r.id!.naive, r.id!.clean);
  assert.equal(r.id!.analysis.shiftExplained, true);
  assert.equal(r.id!.analysis.busyPolls, 3);
  assert.equal(r.size.bytes, 16 * MiB);
  assert.deepEqual(r.mappings.segments.map((s) => [s.kind, s.vaddr]), [['drom', 0x3c010020], ['irom', 0x42000020]]);
  // order: octal check, I suspend, D suspend, reads, D resume, I resume (with their autoload values)
  const reads = t.calls.filter((c) => c === 'read').length;
  assert.ok(reads >= 2);
  assert.deepEqual(t.calls, ['octal', 'suspendI', 'suspendD', ...Array(reads).fill('read'), 'resumeD(8)', 'resumeI(4)']);
  assert.ok(t.cacheStateReads >= 4, 'CACHE_STATE polled until idle after each suspend');
  for (const s of t.readStates) assert.deepEqual(s, { timingExtra: 0, romDummy: 0, ddr: 0, cachesSuspended: true });
  await t.halt();
  const after = await snap(t);
  assert.deepEqual(after.spi1, before.spi1, 'SPI1 block (incl. DDR, TIMING_CALI, W0) bit-exact');
  assert.deepEqual(after.record, before.record, 'chip_size and dummy_len_plus[1] back as found');
  for (const [n, v] of before.regs) assert.equal(after.regs.get(n), v, `register ${n} restored`);
  assert.equal(r.restored!.resumed, true);
});

test('octal flash: the probe stops after asking the eFuse, before touching SPI1 or the caches', async () => {
  const t = new ScriptedS3({ octal: true, id: [0xc2, 0x80, 0x39], flash: FLASH });
  await t.halt();
  const before = await snap(t);
  const r = await romProbe(t, { chip: esp32s3 });
  assert.equal(r.degraded, true);
  assert.equal(r.id, null);
  assert.match(r.notes[0]!, /octal flash/);
  assert.deepEqual(t.calls, ['octal']);
  assert.equal(t.spi1Writes, 0);
  assert.equal(t.state(), 'halted');
  assert.deepEqual((await snap(t)).spi1, before.spi1);
});

test('a flash that never goes idle: the probe still reads the id, flags the report degraded and says why', async () => {
  const t = new ScriptedS3({ octal: false, id: [0xef, 0x40, 0x18], flash: FLASH });
  t.beginBusy(1_000_000);
  await t.halt();
  const r = await romProbe(t, { chip: esp32s3 });
  assert.equal(r.degraded, true);
  assert.equal(r.id!.analysis.busyPolls, 2000);
  assert.ok(r.notes.some((n) => /stayed busy/.test(n)), r.notes.join(' | '));
});
