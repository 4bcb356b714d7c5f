import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOtadata, OTA_STATE, otaSlotOfSeq, parseOtadata, selectBootApp } from '../../src/image/otadata.js';
import { parsePartitionCsv } from '../../src/image/partition-csv.js';
import { ImageFormatError } from '../../src/image/errors.js';
import { buildPartitionTable, parsePartitionTable } from '../../src/image/partition-table.js';

const OTA = parsePartitionCsv(`nvs, data, nvs, , 0x4000
otadata, data, ota, , 0x2000
phy_init, data, phy, , 0x1000
ota_0, app, ota_0, , 1M
ota_1, app, ota_1, , 1M
`).entries;
const OTA_FACTORY = parsePartitionCsv(`nvs, data, nvs, , 0x4000
otadata, data, ota, , 0x2000
factory, app, factory, , 1M
ota_0, app, ota_0, , 1M
ota_1, app, ota_1, , 1M
ota_2, app, ota_2, , 1M
`).entries;

test('otadata bytes: seq, state and crc at their offsets (hand-checked)', () => {
  const b = buildOtadata(1, OTA_STATE.valid);
  assert.equal(b.length, 0x2000);
  assert.deepEqual([...b.subarray(0, 4)], [1, 0, 0, 0]);
  assert.ok(b.subarray(4, 24).every((x) => x === 0xff), 'seq_label left erased');
  assert.deepEqual([...b.subarray(24, 28)], [2, 0, 0, 0]);
  assert.deepEqual([...b.subarray(28, 32)], [0x9a, 0x98, 0x43, 0x47], 'crc 0x4743989A for seq 1');
  assert.ok(b.subarray(0x1000).every((x) => x === 0xff), 'second copy erased');
  const d = parseOtadata(b);
  assert.equal(d.copies[0].crcValid, true);
  assert.equal(d.copies[0].stateName, 'valid');
  assert.equal(d.copies[1].valid, false);
  assert.match(d.copies[1].invalidReason ?? '', /erased/);
  assert.equal(d.active?.copy, 0);
  // object form, as used by build scripts
  assert.deepEqual(buildOtadata({ seq: 1, state: OTA_STATE.valid }), b);
});

test('highest valid seq wins; slot = (seq - 1) mod OTA count', () => {
  const b = buildOtadata({ seq: 4, secondCopy: { seq: 5 } });
  const s = selectBootApp(OTA, b);
  assert.equal(s.entry?.label, 'ota_0', '(5 - 1) mod 2 = 0');
  assert.equal(s.otadata?.active?.copy, 1);
  assert.match(s.reason, /ota_seq 5/);
  const t = selectBootApp(OTA_FACTORY, buildOtadata(5));
  assert.equal(t.entry?.label, 'ota_1', '(5 - 1) mod 3 = 1');
});

test('ota_seq 0 is valid and wraps: (0 - 1) is 0xffffffff to the bootloader, not -1', () => {
  const b = buildOtadata(0, OTA_STATE.valid);
  assert.equal(parseOtadata(b).active?.seq, 0);
  // 0xffffffff mod 2 = 1, mod 3 = 0
  const two = selectBootApp(OTA, b);
  assert.equal(two.entry?.label, 'ota_1');
  assert.match(two.reason, /slot 1 \(0 − 1 wraps to 0xffffffff/);
  assert.equal(selectBootApp(OTA_FACTORY, b).entry?.label, 'ota_0');
  assert.equal(otaSlotOfSeq(0, 2), 1);
  assert.equal(otaSlotOfSeq(0xfffffffe, 2), 1);
  assert.equal(otaSlotOfSeq(1, 16), 0);
});

test('invalid copies are skipped: bad crc, INVALID/ABORTED state, erased seq', () => {
  const b = buildOtadata({ seq: 2, secondCopy: { seq: 3, state: OTA_STATE.aborted } });
  assert.equal(selectBootApp(OTA, b).entry?.label, 'ota_1', 'copy 1 aborted, copy 0 seq 2 → slot 1');
  const c = buildOtadata({ seq: 2, secondCopy: { seq: 3, state: OTA_STATE.invalid } });
  assert.equal(parseOtadata(c).copies[1].valid, false);
  const bad = buildOtadata({ seq: 2, secondCopy: { seq: 3 } });
  bad[0x1000 + 28] ^= 1;
  const d = parseOtadata(bad);
  assert.equal(d.copies[1].crcValid, false);
  assert.equal(d.active?.seq, 2);
  // pending_verify and new are still candidates
  assert.equal(parseOtadata(buildOtadata(2, OTA_STATE.pending_verify)).active?.seq, 2);
  // A state ESP-IDF has no name for is "unknown" (0xFFFFFFFF is "undefined"); the bootloader accepts both.
  const odd = parseOtadata(buildOtadata(2, 7));
  assert.deepEqual([odd.copies[0].stateName, odd.active?.seq], ['unknown', 2]);
  assert.equal(parseOtadata(buildOtadata(2, OTA_STATE.undefined)).copies[0].stateName, 'undefined');
});

test('nothing valid: factory, else ota_0', () => {
  const erased = new Uint8Array(0x2000).fill(0xff);
  const f = selectBootApp(OTA_FACTORY, erased);
  assert.equal(f.entry?.label, 'factory');
  assert.match(f.reason, /neither otadata copy is valid/);
  assert.equal(selectBootApp(OTA, erased).entry?.label, 'ota_0');
  assert.equal(selectBootApp(OTA, undefined).entry?.label, 'ota_0');
  assert.equal(selectBootApp(OTA_FACTORY, undefined).entry?.label, 'factory');
});

test('tables without otadata boot factory; with no app at all, say so', () => {
  const plain = parsePartitionCsv('nvs, data, nvs, , 0x6000\nfactory, app, factory, , 1M\n').entries;
  assert.equal(selectBootApp(plain).entry?.label, 'factory');
  const none = parsePartitionCsv('nvs, data, nvs, , 0x6000\n').entries;
  const s = selectBootApp(none);
  assert.equal(s.entry, undefined);
  assert.match(s.reason, /no app partition/);
});

test('slot without a partition falls back like the bootloader', () => {
  const gap = parsePartitionCsv(`otadata, data, ota, , 0x2000
factory, app, factory, , 1M
ota_0, app, ota_0, , 1M
ota_3, app, ota_3, , 1M
`).entries;
  // 2 OTA partitions; seq 2 → slot 1, but there is no ota_1: fall back to ota_0
  const s = selectBootApp(gap, buildOtadata(2));
  assert.equal(s.entry?.label, 'ota_0');
  assert.match(s.reason, /no ota_1/);
});

test('short otadata throws OTADATA_TRUNCATED', () => {
  assert.throws(() => parseOtadata(new Uint8Array(0x1000)), (e: unknown) => e instanceof ImageFormatError && e.code === 'OTADATA_TRUNCATED' && e.found === 0x1000);
});

test('an otadata partition smaller than 0x2000: the bootloader cannot read both copies and boots nothing', () => {
  const small = parsePartitionTable(buildPartitionTable([
    { type: 0x01, subtype: 0x00, offset: 0xd000, size: 0x1000, label: 'otadata' },
    { type: 0x00, subtype: 0x00, offset: 0x10000, size: 0x100000, label: 'factory' },
    { type: 0x00, subtype: 0x10, offset: 0x110000, size: 0x100000, label: 'ota_0' },
  ]));
  const s = selectBootApp(small, buildOtadata(1));
  assert.equal(s.entry, undefined);
  assert.match(s.reason, /size 0x00001000, less than the 0x2000 .* stops without booting/);
  assert.equal(selectBootApp(small).entry, undefined, 'not even the factory app');
  const f = small.findings.find((x) => x.code === 'PARTITION_OTADATA');
  assert.equal(f?.severity, 'error', 'an error in a binary table too');
});

test('as the bootloader reads the table: every ota_N entry counts, a repeated N keeps the later one, and the fallback stops at the count', () => {
  const dup = parsePartitionTable(buildPartitionTable([
    { type: 0x01, subtype: 0x00, offset: 0xd000, size: 0x2000, label: 'otadata' },
    { type: 0x00, subtype: 0x10, offset: 0x10000, size: 0x100000, label: 'first_0' },
    { type: 0x00, subtype: 0x10, offset: 0x110000, size: 0x100000, label: 'second_0' },
    { type: 0x00, subtype: 0x11, offset: 0x210000, size: 0x100000, label: 'ota_1' },
  ]));
  assert.equal(selectBootApp(dup, buildOtadata(1)).entry?.label, 'second_0', 'slot 0 is the later ota_0 entry');
  const three = selectBootApp(dup, buildOtadata(3));
  assert.match(three.reason, /mod 3 OTA partitions = slot 2/, 'three OTA entries, not two subtypes');
  assert.equal(three.entry?.label, 'ota_1', 'no ota_2: falls back to the slot below');
  const sparse = parsePartitionTable(buildPartitionTable([
    { type: 0x01, subtype: 0x00, offset: 0xd000, size: 0x2000, label: 'otadata' },
    { type: 0x00, subtype: 0x13, offset: 0x10000, size: 0x100000, label: 'ota_3' },
    { type: 0x00, subtype: 0x15, offset: 0x110000, size: 0x100000, label: 'ota_5' },
  ]));
  const s = selectBootApp(sparse, buildOtadata(1));
  assert.equal(s.entry, undefined, 'slot 0, then slots up to the count (2): neither ota_3 nor ota_5 is tried');
  assert.match(s.reason, /tries only ota_0…ota_1 .* boots no app/);
});

test('buildOtadata refuses a seq or state that is no 32-bit unsigned integer, in either copy', () => {
  for (const bad of [1.5, -1, 0x100000000, Number.NaN]) {
    assert.throws(() => buildOtadata(bad), /otadata seq .* is not a 32-bit unsigned integer/);
    assert.throws(() => buildOtadata(1, bad), /otadata state .* is not a 32-bit unsigned integer/);
    assert.throws(() => buildOtadata({ seq: 1, secondCopy: { seq: bad } }), /otadata secondCopy\.seq/);
    assert.throws(() => buildOtadata({ seq: 1, secondCopy: { seq: 2, state: bad } }), /otadata secondCopy\.state/);
  }
  assert.equal(parseOtadata(buildOtadata(0xffffffff)).active, undefined);
});
