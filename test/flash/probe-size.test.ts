/** The probe's pure parts: size decision, OpenOCD's legacy size table, the dummy-shift model, MMU runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeIdRead, decideFlashSize, legacyOpenocdSizeFromCapacity, shiftId } from '../../src/flash/probe-size.js';
import { mmuRuns, ESP32C3_MMU } from '../../src/flash/probe-fallback.js';
import { decodeFlashInfo, decodeJedecId, FLASH_INFO_RESULT_SIZE } from '../../src/flash/stub-protocol.js';

const MiB = 0x100000;

function info(fields: { naive: number; clean: number; user?: number; user1?: number; timing?: number; romDummy?: number; size?: number }) {
  const b = new Uint8Array(FLASH_INFO_RESULT_SIZE);
  const v = new DataView(b.buffer);
  const put = (o: number, x: number) => v.setUint32(o, x >>> 0, true);
  put(0, FLASH_INFO_RESULT_SIZE);
  put(4, 1);
  // ids as W0 & 0xFFFFFF: byte 0 = manufacturer
  const w0 = (id: number) => ((id >>> 16) & 0xff) | (((id >>> 8) & 0xff) << 8) | ((id & 0xff) << 16);
  put(8, w0(fields.naive));
  put(12, w0(fields.clean));
  put(16, fields.user ?? 0x80000000);
  put(20, fields.user1 ?? 0);
  put(32, fields.timing ?? 1);
  put(36, fields.romDummy ?? 0);
  put(52, fields.size ?? 0);
  return decodeFlashInfo(b);
}

test("OpenOCD's legacy capacity table: 0x12..0x19, 0x20..0x22, 0x39; everything else 0", () => {
  assert.equal(legacyOpenocdSizeFromCapacity(0x16), 4 * MiB);
  assert.equal(legacyOpenocdSizeFromCapacity(0x19), 32 * MiB);
  assert.equal(legacyOpenocdSizeFromCapacity(0x20), 64 * MiB);
  assert.equal(legacyOpenocdSizeFromCapacity(0x39), 32 * MiB);
  for (const c of [0x11, 0x1a, 0x2d, 0x5b, 0xff]) assert.equal(legacyOpenocdSizeFromCapacity(c), 0, `0x${c.toString(16)}`);
});

test('a controller sampling N cycles late sees the id shifted left by N bits', () => {
  assert.deepEqual(shiftId(decodeJedecId(0x1640ef), 1), [0xde, 0x80, 0x2c]);
  assert.deepEqual(shiftId(decodeJedecId(0x1640ef), 2), [0xbd, 0x00, 0x58]);
});

test('analyzeIdRead names the dummy and the consequence; a clean SPI1 gives no sentence', () => {
  const a = analyzeIdRead(info({ naive: 0xde802d, clean: 0xef4016, user: 0x80000000 | (1 << 29), user1: 0, size: 4 * MiB }));
  assert.equal(a.extraDummyCycles, 1);
  assert.equal(a.shiftExplained, true);
  assert.equal(a.legacySize, 0);
  assert.match(a.sentence!, /^The application left SPI1 with 1 extra dummy cycle \(USER\.USR_DUMMY\); .* reads DE 80 2D \(EF 40 16 shifted by 1 bit\) and reports flash size 0 \(error -9\)\./);
  const clean = analyzeIdRead(info({ naive: 0xef4016, clean: 0xef4016, size: 4 * MiB }));
  assert.equal(clean.sentence, null);
  assert.equal(clean.extraDummyCycles, 0);
  const harmless = analyzeIdRead(info({ naive: 0xef4016, clean: 0xef4016, timing: 1 | 2 | (1 << 2), size: 4 * MiB }));
  assert.match(harmless.sentence!, /TIMING_CALI.*did not change this id read/);
});

test('size: no source at all leaves raw flash unavailable with a sentence saying what to do', () => {
  const s = decideFlashSize({ info: info({ naive: 0xffffff, clean: 0xffffff }) });
  assert.equal(s.bytes, null);
  assert.equal(s.source, null);
  assert.match(s.explanation, /Raw flash access .* unavailable until you pass --flash-size; the mappings are still reported/);
  const table = decideFlashSize({ info: info({ naive: 0xef40ff, clean: 0xef40ff }), tableExtent: { end: 0x300000, label: 'vfs' } });
  assert.equal(table.bytes, 4 * MiB, 'the table extent rounds up to a power of two');
  assert.equal(table.source, 'partition-table');
  assert.match(table.explanation, /the 4 MiB the partition table needs/);
  const smaller = decideFlashSize({ info: info({ naive: 0xef4017, clean: 0xef4017, size: 8 * MiB }), bootloaderSizeCode: 2 });
  assert.match(smaller.disagreements[0]!, /header says 4 MiB but the flash chip has 8 MiB: the application only uses the first 4 MiB/);
});

test('MMU runs: consecutive entries on consecutive pages merge; invalid entries split', () => {
  const t = new Uint32Array(128).fill(0x100);
  t[0] = 2; t[1] = 1; t[2] = 2; t[3] = 3; t[127] = 1;
  assert.deepEqual(mmuRuns(t, ESP32C3_MMU), [
    { firstEntry: 0, count: 1, flashOffset: 0x20000 },
    { firstEntry: 1, count: 3, flashOffset: 0x10000 },
    { firstEntry: 127, count: 1, flashOffset: 0x10000 },
  ]);
});
