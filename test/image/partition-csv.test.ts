import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvInt, parsePartitionCsv, partitionTableToCsv } from '../../src/image/partition-csv.js';
import { buildPartitionTable, parsePartitionTable } from '../../src/image/partition-table.js';
import { ImageFormatError } from '../../src/image/errors.js';

const hexRows = (text: string, tableOffset?: number): [string, string, string, string, string][] =>
  parsePartitionCsv(text, tableOffset !== undefined ? { tableOffset } : {}).entries.map((e) => [
    e.label, e.typeName, e.subtypeName, '0x' + e.offset.toString(16), '0x' + e.size.toString(16),
  ]);

test('sizes: K, M, hex, decimal', () => {
  assert.equal(parseCsvInt('1M'), 0x100000);
  assert.equal(parseCsvInt('24K'), 0x6000);
  assert.equal(parseCsvInt('0x1F0000'), 0x1f0000);
  assert.equal(parseCsvInt('4096'), 4096);
  assert.equal(parseCsvInt(' 0x10k '), 0x4000);
  assert.throws(() => parseCsvInt('12Q', 7), (e: unknown) => e instanceof ImageFormatError && e.code === 'CSV_SYNTAX' && e.line === 7);
  assert.throws(() => parseCsvInt('5000M'), (e: unknown) => e instanceof ImageFormatError && e.code === 'CSV_SYNTAX');
});

test('MicroPython v1.25 partitions-32MiB.csv layout with the offsets left for filling', () => {
  const csv = `# Notes: the offset of the partition table itself is set in
# $IDF_PATH/components/partition_table/Kconfig.projbuild.
# Name,   Type, SubType, Offset,  Size, Flags
nvs,      data, nvs,     ,  0x6000,
phy_init, data, phy,     ,  0x1000,
factory,  app,  factory, , 0x1F0000,
vfs,      data, fat,     , 0x1E00000,
`;
  assert.deepEqual(hexRows(csv), [
    ['nvs', 'data', 'nvs', '0x9000', '0x6000'],
    ['phy_init', 'data', 'phy', '0xf000', '0x1000'],
    ['factory', 'app', 'factory', '0x10000', '0x1f0000'],
    ['vfs', 'data', 'fat', '0x200000', '0x1e00000'],
  ]);
  const { entries, findings } = parsePartitionCsv(csv, { flashSize: 0x2000000 });
  assert.equal(entries[3]!.offset + entries[3]!.size, 32 * 1024 * 1024, 'vfs ends exactly at 32 MiB');
  assert.deepEqual(findings, []);
});

test('MicroPython v1.25 partitions-32MiB-ota.csv layout filled from empty offsets', () => {
  const csv = `nvs, data, nvs, , 0x4000,
otadata, data, ota, , 0x2000,
phy_init, data, phy, , 0x1000,
ota_0, app, ota_0, , 0x270000,
ota_1, app, ota_1, , 0x270000,
vfs, data, fat, , 0x1B10000,
`;
  assert.deepEqual(hexRows(csv), [
    ['nvs', 'data', 'nvs', '0x9000', '0x4000'],
    ['otadata', 'data', 'ota', '0xd000', '0x2000'],
    ['phy_init', 'data', 'phy', '0xf000', '0x1000'],
    ['ota_0', 'app', 'ota_0', '0x10000', '0x270000'],
    ['ota_1', 'app', 'ota_1', '0x280000', '0x270000'],
    ['vfs', 'data', 'fat', '0x4f0000', '0x1b10000'],
  ]);
});

test('filling aligns app partitions to 0x10000 and data to 0x1000; table offset moves the start', () => {
  const csv = `nvs, data, nvs, , 24K
factory, app, factory, , 1M
spiffs, data, spiffs, , 0x800
coredump, data, coredump, , 64K
ota_0, app, ota_0, , 1M
`;
  assert.deepEqual(hexRows(csv), [
    ['nvs', 'data', 'nvs', '0x9000', '0x6000'],
    ['factory', 'app', 'factory', '0x10000', '0x100000'],
    ['spiffs', 'data', 'spiffs', '0x110000', '0x800'],
    ['coredump', 'data', 'coredump', '0x111000', '0x10000'],
    ['ota_0', 'app', 'ota_0', '0x130000', '0x100000'],
  ]);
  // table at 0xC000 (esp-matter style): first free offset 0xD000
  assert.deepEqual(hexRows('nvs, data, nvs, , 0x3000\nfactory, app, factory, , 1M\n', 0xc000), [
    ['nvs', 'data', 'nvs', '0xd000', '0x3000'],
    ['factory', 'app', 'factory', '0x10000', '0x100000'],
  ]);
});

test('types and subtypes by number, flags, empty data subtype', () => {
  const { entries } = parsePartitionCsv(`cert, 0x3F, 0, 0xD000, 0x2000, encrypted
blob, 64, 0x07, , 4K, encrypted:readonly
misc, data, , , 4K
`);
  assert.deepEqual(entries.map((e) => [e.type, e.subtype, e.flags.encrypted, e.flags.readonly]), [
    [0x3f, 0, true, false],
    [0x40, 7, true, true],
    [1, 6, false, false],
  ]);
  assert.equal(entries[1]!.offset, 0xf000);
});

test('CSV → binary → CSV round trip', () => {
  const csv = `nvs, data, nvs, 0x9000, 24K,
phy_init, data, phy, 0xf000, 4K,
factory, app, factory, 0x10000, 0x1F0000,
storage, data, littlefs, 0x200000, 0x1E00000, readonly
`;
  const a = parsePartitionCsv(csv).entries;
  const bin = buildPartitionTable(a);
  const back = partitionTableToCsv(parsePartitionTable(bin).entries);
  assert.match(back, /^storage, data, littlefs, 0x200000, 30M, readonly$/m);
  assert.match(back, /^nvs, data, nvs, 0x9000, 24K,$/m);
  const b = parsePartitionCsv(back).entries;
  assert.deepEqual(b, a);
});

test('CSV errors name the line', () => {
  const err = (text: string, code: string, line: number, re?: RegExp): void => {
    assert.throws(() => parsePartitionCsv(text), (e: unknown) => {
      assert.ok(e instanceof ImageFormatError, String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.line, line, e.message);
      if (re) assert.match(e.message, re);
      return true;
    });
  };
  err('# c\nnvs, data, nvs, , 12X\n', 'CSV_SYNTAX', 2, /size "12X"/);
  err('nvs, dat, nvs, , 4K\n', 'CSV_SYNTAX', 1, /unknown partition type "dat"/);
  err('nvs, data, nvsx, , 4K\n', 'CSV_SYNTAX', 1, /unknown subtype "nvsx"/);
  err('f, app, , , 4K\n', 'CSV_SYNTAX', 1, /needs a subtype/);
  err('nvs, data, nvs, , 4K, secret\n', 'CSV_SYNTAX', 1, /unknown flag "secret"/);
  err('nvs, data, nvs, , \n', 'CSV_SYNTAX', 1, /no size/);
  err('this_label_is_too_long, data, nvs, , 4K\n', 'CSV_SYNTAX', 1, /longer than 16/);
  err('nvs, data, nvs, 0x8000, 4K\n', 'PARTITION_OVERLAP', 1, /partition table occupies/);
  err('nvs, data, nvs, , 0x6000\nphy, data, phy, 0xA000, 4K\n', 'PARTITION_OVERLAP', 2, /previous partition ends at 0x0000f000/);
});

test('fields after Flags: empty ones (a trailing comma) accepted, others ignored with a warning, as gen_esp32part does', () => {
  // ESP-IDF v5.5 examples/security/flash_encryption/partitions_example.csv ends a row with "encrypted,"
  const trailing = parsePartitionCsv('nvs_key, data, nvs_keys, , 0x1000, encrypted,\nnvs, data, nvs, , 0x6000, , , , , , ,\nfactory, app, factory, , 1M,,\n');
  assert.deepEqual(trailing.entries.map((e) => [e.label, e.flags.encrypted]), [['nvs_key', true], ['nvs', false], ['factory', false]]);
  assert.deepEqual(trailing.findings, []);
  const extra = parsePartitionCsv('a, data, nvs, , 0x6000, , , extra\nfactory, app, factory, , 1M\n');
  assert.equal(extra.entries.length, 2);
  assert.deepEqual(extra.findings.map((f) => [f.severity, f.code]), [['warning', 'PARTITION_FIELD_IGNORED']]);
  assert.match(extra.findings[0]!.message, /CSV line 1: "extra" after the Flags field is ignored/);
});

test('findings from CSV: misaligned app offset', () => {
  const { findings } = parsePartitionCsv('factory, app, factory, 0x11000, 1M\n');
  assert.deepEqual(findings.map((f) => f.code), ['PARTITION_APP_ALIGN']);
});

test('findings from CSV: what ESP-IDF refuses to build is an error here too; the same in a binary table only warns', () => {
  const errors = (csv: string): string[] => parsePartitionCsv(csv).findings.filter((f) => f.severity === 'error').map((f) => f.code);
  const app = 'factory, app, factory, 0x10000, 1M\n';
  assert.deepEqual(errors(`nvs, data, nvs, 0x9000, 16K\nnvs, data, nvs, , 4K, readonly\n${app}`), ['PARTITION_DUPLICATE_LABEL']);
  assert.deepEqual(errors(`nvs, data, nvs, 0x9800, 16K\n${app}`), ['PARTITION_ALIGN']);
  assert.deepEqual(errors('factory, app, factory, 0x10000, 0x100800\n'), ['PARTITION_ALIGN']);
  assert.deepEqual(errors(`otadata, data, ota, 0x9000, 4K\n${app}`), ['PARTITION_OTADATA']);
  assert.deepEqual(errors(`otadata, data, ota, 0x9000, 0x3000\n${app}`), ['PARTITION_OTADATA']);
  assert.deepEqual(errors(`otadata, data, ota, 0xd000, 8K, readonly\n${app}`), ['PARTITION_FLAGS']);
  assert.deepEqual(errors(`cd, data, coredump, 0xd000, 8K, readonly\n${app}`), ['PARTITION_FLAGS']);
  assert.deepEqual(errors(`nvs, data, nvs, 0x9000, 16K, readonly\nsp, data, spiffs, , 0x800\n${app}`), [], 'readonly nvs and odd data sizes are fine');
  // ESP-IDF 5.5+: read/write NVS needs at least 0x3000; a smaller one must be readonly
  assert.deepEqual(errors(`nvs, data, nvs, 0x9000, 0x2000\n${app}`), ['PARTITION_NVS_SIZE']);
  assert.deepEqual(errors(`nvs, data, nvs, 0x9000, 0x2000, readonly\nnvs2, data, nvs, , 0x3000\n${app}`), []);
  assert.equal(parsePartitionTable(buildPartitionTable([{ label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x1000 }])).findings.find((f) => f.code === 'PARTITION_NVS_SIZE')?.severity, 'warning');
  const bin = buildPartitionTable(parsePartitionCsv(`nvs, data, nvs, 0x9000, 16K\nnvs, data, nvs, 0xd800, 4K, readonly\n${app}`).entries);
  const read = parsePartitionTable(bin).findings.filter((f) => f.code === 'PARTITION_DUPLICATE_LABEL' || f.code === 'PARTITION_ALIGN');
  assert.deepEqual(read.map((f) => f.severity), ['warning', 'warning']);
});

/** The example of ESP-IDF 5.5's partition-tables guide, with the OTA slots of both kinds added. */
const IDF55_CSV = `# Name,           Type,            SubType,  Offset,  Size,     Flags
bootloader,       bootloader,      primary,  N/A,     N/A,
partition_table,  partition_table, primary,  N/A,     N/A,
nvs,              data,            nvs,      ,        0x6000,
phy_init,         data,            phy,      ,        0x1000,
factory,          app,             factory,  ,        1M,
bl_ota,           bootloader,      ota,      ,        N/A,
pt_ota,           partition_table, ota,      ,
recoveryBloader,  bootloader,      recovery, N/A,     N/A,
`;

test('ESP-IDF 5.5+ bootloader and partition_table rows: placed from the bootloader and table offsets, as ESP-IDF places them', () => {
  const { entries, findings } = parsePartitionCsv(IDF55_CSV, { bootloaderOffset: 0x1000, recoveryBootloaderOffset: 0x3f0000 });
  assert.deepEqual(entries.map((e) => [e.label, e.type, e.subtype, '0x' + e.offset.toString(16), '0x' + e.size.toString(16)]), [
    ['bootloader', 2, 0, '0x1000', '0x7000'],
    ['partition_table', 3, 0, '0x8000', '0x1000'],
    ['nvs', 1, 2, '0x9000', '0x6000'], // the primary rows take no part in filling: nvs still follows the table
    ['phy_init', 1, 1, '0xf000', '0x1000'],
    ['factory', 0, 0, '0x10000', '0x100000'],
    ['bl_ota', 2, 1, '0x110000', '0x7000'], // (table offset − bootloader offset), placed like any partition
    ['pt_ota', 3, 1, '0x117000', '0x1000'],
    ['recoveryBloader', 2, 2, '0x3f0000', '0x7000'],
  ]);
  assert.deepEqual(findings, []);
  // a chip with its bootloader at 0x0 and a table at 0xC000
  const c3 = parsePartitionCsv(IDF55_CSV, { tableOffset: 0xc000, bootloaderOffset: 0, recoveryBootloaderOffset: 0x3f0000 }).entries;
  assert.deepEqual(c3.slice(0, 3).map((e) => [e.offset, e.size]), [[0, 0xc000], [0xc000, 0x1000], [0xd000, 0x6000]]);
  // binary and back: the CSV written with every value explicit reads back the same
  const back = parsePartitionCsv(partitionTableToCsv(parsePartitionTable(buildPartitionTable(entries)).entries), { bootloaderOffset: 0x1000, recoveryBootloaderOffset: 0x3f0000 });
  assert.deepEqual(back.entries, entries);
  assert.deepEqual(back.findings, []);
});

test('ESP-IDF 5.5+ rows: a number where ESP-IDF sets the value is reported and not used; missing offsets are errors naming the option', () => {
  const csv = 'bootloader, bootloader, primary, 0x1000, 28K\npartition_table, partition_table, primary, 0x8000, 0x2000\nfactory, app, factory, , 1M\n';
  const { entries, findings } = parsePartitionCsv(csv, { bootloaderOffset: 0 });
  assert.deepEqual(entries.slice(0, 2).map((e) => [e.offset, e.size]), [[0, 0x8000], [0x8000, 0x1000]]);
  assert.deepEqual(findings.map((f) => [f.severity, f.code]), [['warning', 'PARTITION_FIELD_IGNORED'], ['warning', 'PARTITION_FIELD_IGNORED'], ['warning', 'PARTITION_FIELD_IGNORED']]);
  assert.match(findings[0]!.message, /line 1: partition "bootloader" has size 28K, but ESP-IDF sets it to 0x00008000/);
  assert.match(findings[1]!.message, /line 1: partition "bootloader" has offset 0x1000, but ESP-IDF sets it to 0x00000000/);
  const err = (text: string, options: Parameters<typeof parsePartitionCsv>[1], code: string, re: RegExp): void => {
    assert.throws(() => parsePartitionCsv(text, options), (e: unknown) => e instanceof ImageFormatError && e.code === code && e.line === 1 && re.test(e.message));
  };
  err('bootloader, bootloader, primary, N/A, N/A\n', {}, 'CSV_NEEDS_OFFSET', /bootloader offset, which is not given \(give --chip or --primary-bootloader-offset\)/);
  err('bl_ota, bootloader, ota, , N/A\n', {}, 'CSV_NEEDS_OFFSET', /"bl_ota" \(bootloader, ota\)/);
  err('r, bootloader, recovery, N/A, N/A\n', { bootloaderOffset: 0 }, 'CSV_NEEDS_OFFSET', /--recovery-bootloader-offset/);
  err('bootloader, bootloader, primary, N/A, N/A\n', { bootloaderOffset: 0x8000 }, 'CSV_NEEDS_OFFSET', /bootloader offset 0x00008000 is not below the partition table at 0x00008000/);
  err('pt_ota, partition_table, ota, N/A, N/A\n', {}, 'CSV_SYNTAX', /"pt_ota" needs an offset, or an empty field/);
  err('bootloader, bootloader, primary, N/A, big\n', { bootloaderOffset: 0 }, 'CSV_SYNTAX', /size "big" is not a number/);
  // the recovery bootloader is placed in order like any partition
  err('r, bootloader, recovery, N/A, N/A\n', { bootloaderOffset: 0, recoveryBootloaderOffset: 0x4000 }, 'PARTITION_OVERLAP', /"r" sets offset 0x00004000 but the partition table occupies/);
});

test('ESP-IDF 5.5+ TEE subtypes: app tee_0/tee_1 (0x30/0x31) and data tee_ota (0x90), one tee_ota of 0x2000', () => {
  // ESP-IDF v5.5 components/partition_table/partitions_two_ota_tee.csv (its first rows)
  const csv = `tee_0,          app,   tee_0,       , 192K,
tee_1,          app,   tee_1,       , 192K,
tee_otadata,    data,  tee_ota,     , 8K,
secure_storage, data,  nvs,         , 56K,
ota_0,          app,   ota_0,       , 1536K,
otadata,        data,  ota,         , 8K,
`;
  const { entries, findings } = parsePartitionCsv(csv);
  assert.deepEqual(entries.map((e) => [e.label, e.type, e.subtype, e.subtypeName, '0x' + e.offset.toString(16)]), [
    ['tee_0', 0, 0x30, 'tee_0', '0x10000'],
    ['tee_1', 0, 0x31, 'tee_1', '0x40000'],
    ['tee_otadata', 1, 0x90, 'tee_ota', '0x70000'],
    ['secure_storage', 1, 2, 'nvs', '0x72000'],
    ['ota_0', 0, 0x10, 'ota_0', '0x80000'],
    ['otadata', 1, 0, 'ota', '0x200000'],
  ]);
  assert.deepEqual(findings, []);
  assert.match(partitionTableToCsv(parsePartitionTable(buildPartitionTable(entries)).entries), /^tee_otadata, data, tee_ota, 0x70000, 8K,$/m);
  const errors = (text: string): string[] => parsePartitionCsv(text).findings.filter((f) => f.severity === 'error').map((f) => f.message);
  const app = 'factory, app, factory, 0x10000, 1M\n';
  assert.deepEqual(errors(`t, data, tee_ota, 0x9000, 4K\n${app}`), ['tee_ota partition "t" has size 0x00001000; ESP-IDF expects 0x2000; ESP-IDF refuses to build such a table']);
  assert.deepEqual(errors(`t, data, tee_ota, 0x9000, 8K\nu, data, tee_ota, , 8K\n${app}`), ['the table has 2 tee_ota partitions; ESP-IDF allows one; ESP-IDF refuses to build such a table']);
});

test('type and subtype names are only the ones ESP-IDF knows: JavaScript object names ("constructor", "__proto__") and type 255 are unknown', () => {
  const syntax = (csv: string, message: RegExp) => assert.throws(() => parsePartitionCsv(csv), (e: unknown) => e instanceof ImageFormatError && e.code === 'CSV_SYNTAX' && message.test(e.message), csv);
  syntax('x, constructor, 1, 0x10000, 4K,\n', /unknown partition type "constructor" \(use app, data, bootloader, partition_table or a number 0\.\.254\)/);
  syntax('x, toString, 1, 0x10000, 4K,\n', /unknown partition type "toString"/);
  syntax('nvs, data, __proto__, , 4K,\n', /unknown subtype "__proto__" for type data/);
  syntax('nvs, data, constructor, , 4K,\n', /unknown subtype "constructor" for type data/);
  syntax('baz, 255, 0, , 4K,\n', /unknown partition type "255"/);
  assert.equal(parsePartitionCsv('baz, 254, 0, 0x10000, 4K,\n').entries[0]!.type, 254, 'the last custom type');
});

test('lines may end in CR LF, LF or a bare CR, as ESP-IDF\'s generator reads them', () => {
  const lf = parsePartitionCsv('nvs, data, nvs, , 0x6000,\nfactory, app, factory, , 1M,\n').entries;
  assert.deepEqual(parsePartitionCsv('nvs, data, nvs, , 0x6000,\rfactory, app, factory, , 1M,\r').entries, lf);
  assert.deepEqual(parsePartitionCsv('nvs, data, nvs, , 0x6000,\r\nfactory, app, factory, , 1M,\r\n').entries, lf);
});
