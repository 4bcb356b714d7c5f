import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildPartitionTable, firstAppEntryOffset, hasPartitionMagic, parsePartitionTable } from '../../src/image/partition-table.js';
import { ImageFormatError } from '../../src/image/errors.js';
import type { PartitionEntryInput } from '../../src/image/types.js';

const OTA_TABLE: PartitionEntryInput[] = [
  { type: 1, subtype: 2, offset: 0x9000, size: 0x4000, label: 'nvs' },
  { type: 1, subtype: 0, offset: 0xd000, size: 0x2000, label: 'otadata' },
  { type: 1, subtype: 1, offset: 0xf000, size: 0x1000, label: 'phy_init' },
  { type: 0, subtype: 0x10, offset: 0x10000, size: 0x270000, label: 'ota_0' },
  { type: 0, subtype: 0x11, offset: 0x280000, size: 0x270000, label: 'ota_1' },
  { type: 1, subtype: 0x81, offset: 0x4f0000, size: 0x1b10000, label: 'vfs', flags: { readonly: true } },
];

test('entry bytes and MD5 entry, hand-checked', () => {
  const bin = buildPartitionTable([{ type: 1, subtype: 2, offset: 0x9000, size: 0x6000, label: 'nvs', flags: { encrypted: true } }]);
  assert.equal(bin.length, 0xc00);
  assert.deepEqual([...bin.subarray(0, 16)], [0xaa, 0x50, 0x01, 0x02, 0x00, 0x90, 0, 0, 0x00, 0x60, 0, 0, 0x6e, 0x76, 0x73, 0]);
  assert.deepEqual([...bin.subarray(16, 32)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], 'label padding, flags = encrypted (bit 0)');
  // MD5 entry: EB EB, 14 × FF, MD5 of the 32 bytes before it
  assert.deepEqual([...bin.subarray(32, 48)], [0xeb, 0xeb, ...Array(14).fill(0xff)]);
  assert.equal(Buffer.from(bin.subarray(48, 64)).toString('hex'), createHash('md5').update(bin.subarray(0, 32)).digest('hex'));
  assert.ok(bin.subarray(64).every((b) => b === 0xff), 'end marker and fill');
  const t = parsePartitionTable(bin);
  assert.equal(t.md5?.present, true);
  assert.equal(t.md5?.valid, true);
  assert.equal(t.md5?.offset, 32);
  assert.equal(t.byteLength, 96);
  assert.deepEqual(t.entries[0]!.flags, { encrypted: true, readonly: false, raw: 1 });
});

test('round trip of an OTA table, names and flags', () => {
  const bin = buildPartitionTable(OTA_TABLE, { size: 0x1000 });
  assert.equal(bin.length, 0x1000);
  const t = parsePartitionTable(bin);
  assert.deepEqual(
    t.entries.map((e) => [e.label, e.typeName, e.subtypeName, e.offset, e.size, e.flags.readonly, e.flags.encrypted]),
    [
      ['nvs', 'data', 'nvs', 0x9000, 0x4000, false, false],
      ['otadata', 'data', 'ota', 0xd000, 0x2000, false, false],
      ['phy_init', 'data', 'phy', 0xf000, 0x1000, false, false],
      ['ota_0', 'app', 'ota_0', 0x10000, 0x270000, false, false],
      ['ota_1', 'app', 'ota_1', 0x280000, 0x270000, false, false],
      ['vfs', 'data', 'fat', 0x4f0000, 0x1b10000, true, false],
    ],
  );
  assert.equal(t.entries[5]!.flags.raw, 2, 'readonly is bit 1');
  assert.deepEqual(t.entries.map((e) => e.index), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(t.entries.map((e) => e.entryOffset), [0, 32, 64, 96, 128, 160]);
  assert.deepEqual(t.findings.filter((f) => f.severity !== 'info'), []);
  // re-encoding the parsed entries gives the same bytes
  assert.deepEqual(buildPartitionTable(t.entries, { size: 0x1000 }), bin);
});

test('table without MD5, unterminated 16-char label, custom types', () => {
  const bin = buildPartitionTable(
    [
      { type: 0, subtype: 0, offset: 0x10000, size: 0x100000, label: 'factory' },
      { type: 0x3f, subtype: 0, offset: 0xd000, size: 0x2000, label: 'esp_secure_cert' },
      { type: 0x40, subtype: 0x07, offset: 0x110000, size: 0x1000, label: 'sixteen_chars_ab' },
    ],
    { md5: false },
  );
  const t = parsePartitionTable(bin);
  assert.equal(t.md5?.present, false);
  assert.ok(t.findings.some((f) => f.code === 'PARTITION_NO_MD5' && f.severity === 'info'));
  assert.equal(t.entries[2]!.label, 'sixteen_chars_ab');
  assert.equal(t.entries[2]!.typeName, 'custom');
  assert.equal(t.entries[2]!.subtypeName, '0x07');
  assert.equal(t.entries[1]!.typeName, 'unknown');
  assert.equal(t.byteLength, 4 * 32);
});

test('old 96-byte table with no end marker at all', () => {
  const full = buildPartitionTable(OTA_TABLE.slice(0, 3), { md5: false });
  const t = parsePartitionTable(full.subarray(0, 96));
  assert.equal(t.entries.length, 3);
  assert.equal(t.byteLength, 96);
  assert.ok(t.findings.some((f) => f.code === 'PARTITION_NO_END'));
});

test('data that ends inside an entry is a table cut short (an error, PARTITION_CUT), not one that merely lacks its end marker', () => {
  const full = buildPartitionTable(OTA_TABLE.slice(0, 3), { md5: false });
  const t = parsePartitionTable(full.subarray(0, 72));
  assert.equal(t.entries.length, 2, 'the whole entries are read');
  const cut = t.findings.find((f) => f.code === 'PARTITION_CUT');
  assert.ok(cut, t.findings.map((f) => f.code).join());
  assert.equal(cut.severity, 'error');
  assert.equal(cut.offset, 64);
  assert.match(cut.message, /^the data ends 8 bytes into entry 2 at 0x00000040 \(flash 0x00008040\): the table is cut short/);
  assert.ok(!t.findings.some((f) => f.code === 'PARTITION_NO_END'), 'said once');
  // Ending on an entry boundary is the old table without an end marker: info, as before.
  assert.ok(!parsePartitionTable(full.subarray(0, 64)).findings.some((f) => f.code === 'PARTITION_CUT'));
});

test('a table filling the whole 0xC00 entry area (96 entries, no end marker)', () => {
  const entries: PartitionEntryInput[] = [];
  for (let i = 0; i < 96; i++) entries.push({ type: 1, subtype: 0x82, offset: 0x10000 + i * 0x1000, size: 0x1000, label: `p${i}` });
  // The builder leaves room for the end marker (below), so the 96th entry goes in by hand.
  const bin = buildPartitionTable(entries.slice(0, 95), { md5: false, size: 0x1000 });
  bin.set(buildPartitionTable(entries.slice(95), { md5: false }).subarray(0, 32), 95 * 32);
  const t = parsePartitionTable(bin);
  assert.equal(t.entries.length, 96);
  assert.equal(t.byteLength, 0xc00);
  assert.ok(t.findings.some((f) => f.code === 'PARTITION_NO_END'));
});

test('the builder leaves room for the end marker, as ESP-IDF\'s gen_esp32part: 94 entries and the MD5 entry, or 95 without it', () => {
  const entries: PartitionEntryInput[] = [];
  for (let i = 0; i < 96; i++) entries.push({ type: 1, subtype: 0x82, offset: 0x10000 + i * 0x1000, size: 0x1000, label: `p${i}` });
  const tooMany = (e: unknown) => e instanceof ImageFormatError && e.code === 'PARTITION_TOO_MANY';
  assert.equal(parsePartitionTable(buildPartitionTable(entries.slice(0, 94))).findings.filter((f) => f.code === 'PARTITION_NO_END').length, 0);
  assert.throws(() => buildPartitionTable(entries.slice(0, 95)), tooMany);
  assert.equal(parsePartitionTable(buildPartitionTable(entries.slice(0, 95), { md5: false })).entries.length, 95);
  assert.throws(() => buildPartitionTable(entries, { md5: false }), tooMany);
});

test('findings: MD5 mismatch, overlap, app alignment, bad entry', () => {
  const bin = buildPartitionTable([
    { type: 1, subtype: 2, offset: 0x9000, size: 0x8000, label: 'nvs' },
    { type: 0, subtype: 0, offset: 0x10800, size: 0x100000, label: 'factory' },
  ]);
  const t = parsePartitionTable(bin);
  const codes = t.findings.map((f) => f.code);
  assert.ok(codes.includes('PARTITION_APP_ALIGN'));
  const ov = t.findings.find((f) => f.code === 'PARTITION_OVERLAP');
  assert.ok(ov, 'overlap found');
  assert.match(ov.message, /"nvs" 0x00009000\.\.0x00011000 and "factory" 0x00010800\.\.0x00110800 overlap/);
  assert.equal(ov.offset, 32);
  const tampered = bin.slice();
  tampered[8] ^= 1;
  const m = parsePartitionTable(tampered);
  assert.equal(m.md5?.valid, false);
  const f = m.findings.find((x) => x.code === 'PARTITION_MD5');
  assert.equal(f?.offset, 64);
  assert.equal(f?.severity, 'error');
  const junk = bin.slice();
  junk.fill(0x12, 64, 96); // replace the MD5 entry with garbage
  const j = parsePartitionTable(junk);
  assert.equal(j.entries.length, 2);
  assert.ok(j.findings.some((x) => x.code === 'PARTITION_BAD_ENTRY' && x.offset === 64));
});

test('findings against flash size and the table sector', () => {
  const bin = buildPartitionTable([
    { type: 1, subtype: 2, offset: 0x8000, size: 0x2000, label: 'nvs' },
    { type: 0, subtype: 0, offset: 0x10000, size: 0x400000, label: 'factory' },
  ]);
  const t = parsePartitionTable(bin, { flashSize: 0x400000 });
  assert.ok(t.findings.some((f) => f.code === 'PARTITION_BEYOND_FLASH' && /"factory"/.test(f.message)));
  assert.ok(t.findings.some((f) => f.code === 'PARTITION_OVERLAP' && /partition table sector/.test(f.message)));
});

/** An ESP-IDF 5.5+ table for an ESP32 (bootloader at 0x1000) that lists the bootloader and itself. */
const IDF55_TABLE: PartitionEntryInput[] = [
  { type: 2, subtype: 0, offset: 0x1000, size: 0x7000, label: 'bootloader' },
  { type: 3, subtype: 0, offset: 0x8000, size: 0x1000, label: 'partition_table' },
  { type: 1, subtype: 2, offset: 0x9000, size: 0x6000, label: 'nvs' },
  { type: 0, subtype: 0, offset: 0x10000, size: 0x100000, label: 'factory' },
  { type: 2, subtype: 1, offset: 0x110000, size: 0x7000, label: 'bl_ota' },
  { type: 3, subtype: 1, offset: 0x117000, size: 0x1000, label: 'pt_ota' },
  { type: 2, subtype: 2, offset: 0x3f0000, size: 0x7000, label: 'recovery' },
];

test('ESP-IDF 5.5+ bootloader and partition_table entries: named, and the table\'s own entry is not an overlap', () => {
  const t = parsePartitionTable(buildPartitionTable(IDF55_TABLE), { flashSize: 0x400000 });
  assert.deepEqual(
    t.entries.map((e) => [e.label, e.typeName, e.subtypeName]),
    [
      ['bootloader', 'bootloader', 'primary'], ['partition_table', 'partition_table', 'primary'], ['nvs', 'data', 'nvs'],
      ['factory', 'app', 'factory'], ['bl_ota', 'bootloader', 'ota'], ['pt_ota', 'partition_table', 'ota'], ['recovery', 'bootloader', 'recovery'],
    ],
  );
  assert.deepEqual(t.findings, []);
  // read as if it sat at 0x120000 (a free sector), its own entry disagrees: a warning, not an overlap
  const moved = parsePartitionTable(buildPartitionTable(IDF55_TABLE), { tableOffset: 0x120000 });
  assert.deepEqual(moved.findings.map((f) => [f.severity, f.code, f.offset]), [['warning', 'PARTITION_TABLE_ENTRY', 32]]);
  assert.match(moved.findings[0]!.message, /"partition_table" places it at 0x00008000, but the table is at 0x00120000/);
  // an OTA table slot over the table sector is still an overlap
  const over = parsePartitionTable(buildPartitionTable([...IDF55_TABLE.slice(2, 4), { type: 3, subtype: 1, offset: 0x8000, size: 0x1000, label: 'pt_ota' }]));
  assert.ok(over.findings.some((f) => f.code === 'PARTITION_OVERLAP' && /"pt_ota" .* covers the partition table sector/.test(f.message)));
});

test('unreadable tables throw PARTITION_BAD_ENTRY', () => {
  const isBad = (e: unknown): boolean => e instanceof ImageFormatError && e.code === 'PARTITION_BAD_ENTRY' && e.offset === 0;
  assert.throws(() => parsePartitionTable(new Uint8Array(0x1000).fill(0xff)), isBad);
  assert.throws(() => parsePartitionTable(new Uint8Array(16)), (e: unknown) => e instanceof ImageFormatError && e.code === 'PARTITION_BAD_ENTRY');
  const zero = new Uint8Array(0x1000);
  assert.throws(() => parsePartitionTable(zero), (e: unknown) => isBad(e) && /0x0000, not 0x50aa/.test((e as Error).message));
});

test('SBv1 signature after 0xC00 is reported', () => {
  const bin = buildPartitionTable(OTA_TABLE, { size: 0x1000 });
  bin.fill(0, 0xc00, 0xc04);
  for (let i = 0; i < 64; i++) bin[0xc04 + i] = i + 1;
  const t = parsePartitionTable(bin);
  assert.equal(t.signature?.offset, 0xc00);
  assert.equal(t.signature?.signature[0], 1);
  assert.equal(parsePartitionTable(buildPartitionTable(OTA_TABLE, { size: 0x1000 })).signature, undefined);
});

test('builder errors', () => {
  assert.throws(() => buildPartitionTable([{ type: 0, subtype: 0, offset: 0, size: 1, label: 'x'.repeat(17) }]), (e: unknown) => e instanceof ImageFormatError && e.code === 'PARTITION_BAD_ENTRY');
  assert.throws(() => buildPartitionTable([{ type: 256, subtype: 0, offset: 0, size: 1, label: 'x' }]), (e: unknown) => e instanceof ImageFormatError && e.code === 'PARTITION_BAD_ENTRY');
});

test('hasPartitionMagic and firstAppEntryOffset: the first app among the entries that carry the magic', () => {
  const entries: PartitionEntryInput[] = [
    { type: 0x01, subtype: 0x02, offset: 0x9000, size: 0x6000, label: 'nvs' },
    { type: 0x00, subtype: 0x10, offset: 0x20000, size: 0x100000, label: 'ota_0' },
    { type: 0x00, subtype: 0x00, offset: 0x120000, size: 0x100000, label: 'factory' },
  ];
  const table = buildPartitionTable(entries);
  assert.equal(hasPartitionMagic(table), true);
  assert.equal(hasPartitionMagic(table, 32), true);
  assert.equal(hasPartitionMagic(table, 3 * 32), false, 'the MD5 entry');
  assert.equal(hasPartitionMagic(table, table.length - 1), false, 'past the end');
  assert.equal(firstAppEntryOffset(table), 0x20000, 'the first app entry, not the factory app the bootloader prefers');
  const noApp = buildPartitionTable(entries.slice(0, 1));
  assert.equal(firstAppEntryOffset(noApp), undefined);
  const cut = table.slice();
  cut[32] = 0xff; // ota_0's entry loses its magic: reading stops there, the factory entry after it is not reached
  assert.equal(firstAppEntryOffset(cut), undefined);
  assert.equal(firstAppEntryOffset(new Uint8Array(0)), undefined);
});

test('control characters in a label (a terminal escape, a newline) are read as "?", so no output carries them; the SVG stays XML', async () => {
  const bin = buildPartitionTable([
    { type: 1, subtype: 2, offset: 0x9000, size: 0x6000, label: 'nvs' },
    { type: 0, subtype: 0, offset: 0x10000, size: 0x100000, label: 'factory' },
  ], { md5: false });
  bin.set(new TextEncoder().encode('\x1b[31mRED\x1b[0m'), 12); // the first label's 16 bytes: ESC [ 3 1 m R E D ESC [ 0 m
  bin.set([0x78, 0x0a, 0x79, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 32 + 12); // "x\ny"
  const t = parsePartitionTable(bin);
  assert.deepEqual(t.entries.map((e) => e.label), ['?[31mRED?[0m', 'x?y']);
  const { escapeXml } = await import('../../src/cli/output/flash-map-svg.js');
  assert.equal(escapeXml('a\x1bb\x00c\td<'), 'a?b?c\td&lt;');
});
