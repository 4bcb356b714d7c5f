import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFlashMap, type FlashMapReport } from '../../../src/image/flash-map/index.js';
import { buildExampleApp, buildExampleBootloader, buildExampleFlash } from '../../../src/image/examples/index.js';
import { esp32, esp32c3 } from '../../../src/chips/index.js';
import { buildImage, buildMcubootHeader, buildOtadata, buildPartitionTable, mergeFlash } from '../../../src/image/index.js';
import { mcubootImage } from '../support/mcuboot.js';
import { mcubootApp, type LoadRegion } from '../support/mcuboot-app.js';
import { expectedMappings } from './helpers.js';

const codes = (r: FlashMapReport): string[] => r.findings.map((f) => f.code);
const errors = (r: FlashMapReport): string[] => r.findings.filter((f) => f.severity === 'error').map((f) => f.code);
const table = buildPartitionTable([
  { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 },
  { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 },
]);
const bootloader = buildExampleBootloader({ chip: esp32c3 });

test('a stray AA 50 at a 4 KiB boundary inside app data is not taken for a table', () => {
  const f = buildExampleFlash('esp32');
  const bytes = f.bytes.slice();
  const at = 0x18000 - f.baseOffset; // inside the factory app's data
  bytes[at] = 0xaa;
  bytes[at + 1] = 0x50;
  const r = analyzeFlashMap(bytes);
  assert.deepEqual(r.partitionTable.candidates.map((c) => c.flashOffset), [0x8000]);
});

test('two tables: both reported, the one at 0x8000 used', () => {
  const file = mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: table },
    { offset: 0xf000, data: table }, // in the gap between nvs (ends 0xF000) and factory (0x10000)
    { offset: 0x10000, data: buildExampleApp({ chip: esp32c3 }) },
  ]);
  const r = analyzeFlashMap(file);
  assert.deepEqual(r.partitionTable.candidates.map((c) => c.flashOffset), [0x8000, 0xf000]);
  assert.equal(r.partitionTable.flashOffset, 0x8000);
  assert.ok(codes(r).includes('TABLE_CANDIDATES'));
  assert.ok(!codes(r).includes('STUB_TABLE_OFFSET'));
});

test('a table copy inside a partition is skipped unless scanAllTables', () => {
  const file = mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: table },
    { offset: 0xc000, data: table }, // inside nvs: cannot be the bootloader's table
    { offset: 0x10000, data: buildExampleApp({ chip: esp32c3 }) },
  ]);
  const quick = analyzeFlashMap(file);
  assert.deepEqual(quick.partitionTable.candidates.map((c) => c.flashOffset), [0x8000]);
  assert.match(quick.partitionTable.scan, /skipped/);
  const all = analyzeFlashMap(file, { scanAllTables: true });
  assert.deepEqual(all.partitionTable.candidates.map((c) => c.flashOffset), [0x8000, 0xc000]);
  assert.match(all.partitionTable.scan, /all \d+ 4 KiB boundaries/);
});

test('without a table at 0x8000 every boundary is probed until one is found', () => {
  const f = buildExampleFlash('table-0x10000');
  const r = analyzeFlashMap(f.bytes);
  assert.equal(r.partitionTable.flashOffset, 0x10000);
  // 0x8000 first, then 0x1000..0xF000 (14 more) and 0x10000 where the table is: 16 probes; after
  // that only the gap between phy_init (ends 0x18000) and factory (0x20000): 8 more. The file
  // covers 0x1000..0x48050: 72 boundaries.
  assert.match(r.partitionTable.scan, /^probed 24 of 72 /);
});

test('an MCUboot image in the app slot is recognised; the 2024 stub would fail with -8', () => {
  const header = buildMcubootHeader({
    loadAddress: 0, headerSize: 0x20, protectedTlvSize: 0, imageSize: 0x1000, flags: 0,
    version: { major: 1, minor: 2, revision: 3, build: 4 },
  });
  const file = mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: table },
    { offset: 0x10000, data: header },
  ]);
  const r = analyzeFlashMap(file);
  assert.equal(r.bootApp?.format, 'mcuboot');
  assert.match(r.bootApp?.note ?? '', /v1\.2\.3\+4/);
  assert.ok(codes(r).includes('STUB_NON_IDF_IMAGE'));
  assert.equal(r.openocdStub.retcode, -8);
});

test('an app image\'s own problems are findings of the map: an unsigned or cut-short MCUboot image, a segment where the chip has no RAM', () => {
  const signed = mcubootImage({ payload: new Uint8Array(0x1000).fill(0x5a) }); // header 0x20, image 0x1000, its SHA256 TLV
  const mcuboot = (tlv: boolean): Uint8Array => (tlv ? signed : signed.subarray(0, 0x1020));
  const flash = (app: Uint8Array, factorySize = 0x100000) => mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: buildPartitionTable([{ label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 }, { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: factorySize }]) },
    { offset: 0x10000, data: app },
    { offset: 0x110000, data: new Uint8Array(0x1000) }, // the file goes on past the partition
  ]);
  assert.deepEqual(errors(analyzeFlashMap(flash(mcuboot(true)))), []);
  const unsigned = analyzeFlashMap(flash(mcuboot(false)));
  const noTlv = unsigned.findings.find((f) => f.code === 'MCUBOOT_NO_TLV');
  assert.equal(noTlv?.severity, 'error');
  assert.equal(noTlv?.flashOffset, 0x11020);
  assert.match(noTlv?.message ?? '', /^the image at 0x00010000 \("factory"\): no TLV area \(magic 0x6907\) at 0x00001020/);
  assert.deepEqual(unsigned.apps[0]!.imageFindings.map((f) => f.code), ['MCUBOOT_NO_TLV'], 'in the report\'s app too');
  const cut = analyzeFlashMap(flash(mcuboot(true), 0x1000));
  assert.match(cut.findings.find((f) => f.code === 'MCUBOOT_TRUNCATED')?.message ?? '', /ending at 0x00001020, but partition "factory" has 4096 bytes/);

  const app = buildImage({ chip: esp32c3, entry: 0x40380000, segments: [{ loadAddress: 0x3fd00000, data: new Uint8Array(16) }, { loadAddress: 0x40380000, data: new Uint8Array(16) }] });
  const stray = analyzeFlashMap(mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]));
  assert.deepEqual(errors(stray), ['IMAGE_SEGMENT_LOAD_ADDRESS']);
  assert.match(stray.findings.find((f) => f.code === 'IMAGE_SEGMENT_LOAD_ADDRESS')!.message, /^the image at 0x00010000 \("factory"\): segment 0 loads at 0x3fd00000/);
});

test('flash-map --verify names an MCUboot app changed after signing (its hash TLV does not match); without --verify it reads no image data', () => {
  const app = mcubootImage({ payload: new Uint8Array(0x1000).fill(0x5a) });
  app[0x800] ^= 1;
  const file = mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]);
  const verified = analyzeFlashMap(file, { verify: true });
  const f = verified.findings.find((x) => x.code === 'MCUBOOT_HASH_MISMATCH');
  assert.equal(f?.severity, 'error');
  assert.equal(f?.flashOffset, 0x11024);
  assert.match(f?.message ?? '', /^the image at 0x00010000 \("factory"\): the SHA256 TLV at 0x00001024 does not match the header, image and protected TLVs/);
  assert.deepEqual(verified.bootApp?.imageFindings.map((x) => x.code), ['MCUBOOT_HASH_MISMATCH']);
  assert.equal(verified.bootApp?.verification, null, 'checksum/SHA-256 verdicts are for ESP images');
  assert.deepEqual(analyzeFlashMap(file).findings.filter((x) => x.code.startsWith('MCUBOOT')), []);
  app[0x800] ^= 1;
  const intact = analyzeFlashMap(mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]), { verify: true });
  assert.deepEqual(intact.findings.filter((x) => x.code.startsWith('MCUBOOT')), []);
});

test('an MCUboot app\'s mappings come from its Espressif load header, as the probe reads them', () => {
  const app = new Uint8Array(0x30000).fill(0xff);
  app.set(mcubootApp({ imageSize: 0x2ffc0 })); // IROM 0x42000020 ← +0x10020, DROM 0x3c020040 ← +0x20040
  const file = mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]);
  const r = analyzeFlashMap(file);
  assert.equal(r.bootApp?.format, 'mcuboot');
  assert.match(r.bootApp?.note ?? '', /mappings from its Espressif load header/);
  assert.deepEqual(r.bootApp?.mappings, [
    { segment: 1, kind: 'drom', flashOffset: 0x30040, vaddr: 0x3c020040, size: 0x800 },
    { segment: 0, kind: 'irom', flashOffset: 0x20020, vaddr: 0x42000020, size: 0x1000 },
  ]);
  app[0x20] ^= 0xff; // no load header espalgo knows
  const bare = analyzeFlashMap(mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]));
  assert.deepEqual(bare.bootApp?.mappings, []);
  assert.match(bare.bootApp?.note ?? '', /no Espressif load header espalgo recognises \(the load header at \+0x20 starts with 0xace6372c, not Espressif's load header magic 0xACE637D3\), so no mappings/);
  // The load header follows the MCUboot header at the header size it gives (here 0x40), as Espressif's MCUboot port reads it.
  const wide = new Uint8Array(0x30000).fill(0xff);
  wide.set(buildMcubootHeader({ loadAddress: 0, headerSize: 0x40, protectedTlvSize: 0, imageSize: 0x2ffc0, flags: 0, version: { major: 1, minor: 0, revision: 0, build: 0 } }));
  app[0x20] ^= 0xff;
  wide.set(app.subarray(0x20, 0x80), 0x40);
  const moved = analyzeFlashMap(mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: wide }]));
  assert.deepEqual(moved.bootApp?.mappings, r.bootApp?.mappings);
});

test('an MCUboot app whose IROM/DROM region ends past its partition or past the file gets no mappings, and the note says why', () => {
  // factory is 0x10000..0x110000; IROM 0x42000020 at +0xf0020 lines up with its flash offset 0x100020.
  const app = (irom: LoadRegion) => {
    const bytes = new Uint8Array(0x30000).fill(0xff);
    bytes.set(mcubootApp({ imageSize: 0x2ffc0, irom }));
    return bytes;
  };
  const flash = (irom: LoadRegion, fileEnd = true) => analyzeFlashMap(mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: table },
    { offset: 0x10000, data: app(irom) },
    ...(fileEnd ? [{ offset: 0x110000, data: new Uint8Array(0x1000) }] : []), // the file goes on past the partition
  ]));
  const atEnd = flash([0x42000020, 0xf0020, 0xffe0]);
  assert.deepEqual(atEnd.bootApp?.mappings, [
    { segment: 1, kind: 'drom', flashOffset: 0x30040, vaddr: 0x3c020040, size: 0x800 },
    { segment: 0, kind: 'irom', flashOffset: 0x100020, vaddr: 0x42000020, size: 0xffe0 },
  ], 'a region ending exactly at the partition end is mapped');
  const past = flash([0x42000020, 0xf0020, 0x10000]);
  assert.equal(past.bootApp?.format, 'mcuboot');
  assert.deepEqual(past.bootApp?.mappings, []);
  assert.match(past.bootApp?.note ?? '', /no Espressif load header espalgo recognises \(the load header at \+0x20 puts the IROM region at \+0xf0020 \(0x10000 bytes\): it ends at flash 0x00110020, past the end of partition "factory" at 0x00110000\), so no mappings$/);
  // The file ends with the image at 0x40000, before the partition does.
  const cut = flash([0x42000020, 0x30020, 0x1000], false);
  assert.deepEqual(cut.bootApp?.mappings, []);
  assert.match(cut.bootApp?.note ?? '', /puts the IROM region at \+0x30020 \(0x1000 bytes\): it ends at flash 0x00041020, past the end of the file at 0x00040000\), so no mappings$/);
});

test('a bare ESP image without an app descriptor is flagged as non-IDF but still mapped', () => {
  const app = buildExampleApp({ chip: esp32c3, noDescriptor: true });
  const file = mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]);
  const r = analyzeFlashMap(file);
  assert.equal(r.bootApp?.format, 'esp-image');
  assert.ok(codes(r).includes('STUB_NON_IDF_IMAGE'));
  assert.deepEqual(r.bootApp?.mappings, expectedMappings(file, 0x10000, 0x10000, [0x3c000000, 0x3c800000], [0x42000000, 0x42800000]));
});

test('an erased app slot is an error', () => {
  const file = mergeFlash([{ offset: 0, data: bootloader }, { offset: 0x8000, data: table }, { offset: 0x10000, data: new Uint8Array(64).fill(0xff) }]);
  const r = analyzeFlashMap(file);
  assert.equal(r.bootApp?.format, 'empty');
  assert.ok(errors(r).includes('BOOT_APP_INVALID'));
});

test('no partition table anywhere is an error', () => {
  const r = analyzeFlashMap(bootloader);
  assert.equal(r.partitionTable.flashOffset, null);
  assert.ok(errors(r).includes('NO_PARTITION_TABLE'));
  assert.equal(r.bootApp, null);
});

test('a lone app image is placed at 0x10000 (or the given app offset)', () => {
  const app = buildExampleApp({ chip: esp32c3 });
  const r = analyzeFlashMap(app);
  assert.equal(r.placement.kind, 'app-image');
  assert.equal(r.placement.baseOffset, 0x10000);
  assert.equal(r.chip.name, 'esp32c3');
  assert.deepEqual(r.bootApp?.mappings, expectedMappings(app, 0, 0x10000, [0x3c000000, 0x3c800000], [0x42000000, 0x42800000]));
  const moved = analyzeFlashMap(app, { appOffset: 0x200000 });
  assert.equal(moved.placement.baseOffset, 0x200000);
  assert.equal(moved.bootApp?.mappings[0]?.flashOffset, 0x200020);
});

test('verification is off by default and catches a corrupted image when on', () => {
  const f = buildExampleFlash('esp32');
  const bytes = f.bytes.slice();
  bytes[0x10000 - f.baseOffset + 0x1000] ^= 0x01; // flip a bit in the app's DROM data
  const quick = analyzeFlashMap(bytes);
  assert.equal(quick.bootApp?.verification, null);
  assert.deepEqual(errors(quick), []);
  const checked = analyzeFlashMap(bytes, { verify: true });
  assert.equal(checked.bootApp?.verification?.checksum, false);
  assert.ok(errors(checked).includes('APP_CHECKSUM'));
  const clean = analyzeFlashMap(f.bytes, { verify: true });
  assert.deepEqual(clean.bootApp?.verification, { checksum: true, sha256: true });
});

test('verification covers the bootloader too: a damaged one is an error, as the ROM refuses it', () => {
  const f = buildExampleFlash('esp32'); // the bootloader at 0x1000, file byte 0
  const bytes = f.bytes.slice();
  bytes[0x200] ^= 0x01; // a bit of the bootloader's DRAM segment
  const quick = analyzeFlashMap(bytes);
  assert.equal(quick.bootloader?.verification, null);
  assert.deepEqual(errors(quick), []);
  const checked = analyzeFlashMap(bytes, { verify: true });
  assert.deepEqual(checked.bootloader?.verification, { checksum: false, sha256: false });
  const found = checked.findings.filter((x) => x.code.startsWith('BOOTLOADER_'));
  assert.deepEqual(found.map((x) => [x.code, x.severity, x.flashOffset]), [['BOOTLOADER_CHECKSUM', 'error', 0x1000], ['BOOTLOADER_SHA256', 'error', 0x1000]]);
  const hashOnly = f.bytes.slice();
  hashOnly[checked.bootloader!.length - 1] ^= 0x01; // the last byte of the appended SHA-256
  assert.deepEqual(errors(analyzeFlashMap(hashOnly, { verify: true })), ['BOOTLOADER_SHA256']);
  assert.deepEqual(analyzeFlashMap(f.bytes, { verify: true }).bootloader?.verification, { checksum: true, sha256: true });
});

test('chip given on the command line is used and a mismatching image is reported', () => {
  const f = buildExampleFlash('ota');
  const r = analyzeFlashMap(f.bytes, { chip: 'ESP32-C3' });
  assert.equal(r.chip.decidedBy, 'given');
  const wrong = analyzeFlashMap(f.bytes, { chip: 'esp32s3' });
  assert.ok(errors(wrong).includes('APP_CHIP_MISMATCH'));
  // A chip descriptor, as the flash driver's options take it, works as its name does (it threw a TypeError).
  assert.deepEqual(analyzeFlashMap(f.bytes, { chip: esp32c3 }), r);
});

test('an unknown chip id: no mappings can be recognised, and no RAM-only claim is made', () => {
  const f = buildExampleFlash('ota');
  const bytes = f.bytes.slice();
  for (const at of [0x0, 0x10000, 0x190000]) {
    bytes[at + 12] = 0x42; // chip id 0x0042: no such chip
    bytes[at + 13] = 0x00;
  }
  const r = analyzeFlashMap(bytes);
  assert.equal(r.chip.name, null);
  assert.ok(codes(r).includes('CHIP_UNKNOWN'));
  assert.ok(!codes(r).includes('STUB_RAM_ONLY_APP'));
  assert.equal(r.bootApp?.format, 'esp-idf', 'the descriptor is still found at the start of the first segment');
  const given = analyzeFlashMap(bytes, { chip: 'esp32c3' });
  assert.equal(given.bootApp?.mappings.length, 2);
});

test('a direct-boot program (the magic twice at 0x0, then code): the ROM\'s 1:1 mappings, no table error, a warning for OpenOCD', () => {
  const program = new Uint8Array(0x3000).fill(0x13); // objcopy output of a small program: no header, no table
  new DataView(program.buffer).setUint32(0, 0xaedb041d, true);
  new DataView(program.buffer).setUint32(4, 0xaedb041d, true);
  const r = analyzeFlashMap(program);
  assert.equal(r.placement.kind, 'direct-boot');
  assert.equal(r.placement.baseOffset, 0);
  assert.equal(r.chip.name, 'esp32c3');
  assert.match(r.bootReason, /direct boot/);
  assert.equal(r.bootApp?.format, 'direct-boot');
  assert.equal(r.bootApp?.entry, 0x42000008);
  assert.deepEqual(r.bootApp?.mappings.map((m) => [m.kind, m.vaddr, m.flashOffset, m.size]), [
    ['drom', 0x3c000000, 0, 0x400000],
    ['irom', 0x42000000, 0, 0x400000],
  ]);
  // No image segment behind them: null, as `espalgo probe --json` reports the same mappings.
  assert.deepEqual(r.bootApp?.mappings.map((m) => m.segment), [null, null]);
  assert.deepEqual(errors(r), []);
  assert.ok(codes(r).includes('STUB_DIRECT_BOOT'));
  assert.ok(!codes(r).includes('NO_PARTITION_TABLE'));
  assert.equal(analyzeFlashMap(program, { flashSize: 0x200000 }).bootApp?.mappings[0]?.size, 0x200000, 'a 2 MiB flash maps 2 MiB');
  assert.match(r.chip.decidedBy, /ESP32-C3 and the ESP32-H2/);
  // The ESP32-H2 (given): one window serves code and data, so one mapping.
  const h2 = analyzeFlashMap(program, { chip: 'esp32h2' });
  assert.equal(h2.bootApp?.entry, 0x42000008);
  assert.deepEqual(h2.bootApp?.mappings.map((m) => [m.kind, m.vaddr, m.flashOffset, m.size]), [['irom', 0x42000000, 0, 0x400000]]);
  assert.match(h2.bootApp?.note ?? '', /at 0x42000000 \(code and data, entry 0x42000008\)/);
  assert.deepEqual(errors(h2), []);
  // A chip without direct boot, given: no such mappings.
  assert.notEqual(analyzeFlashMap(program, { chip: 'esp32s3' }).bootApp?.format, 'direct-boot');
  // One magic word is not the mark: no direct boot then.
  const once = program.slice();
  once[4] = 0x13;
  assert.equal(analyzeFlashMap(once).placement.kind, 'assumed');
  assert.ok(errors(analyzeFlashMap(once)).includes('NO_PARTITION_TABLE'));
});

test('an ESP-IDF 5.5+ table that lists the bootloader, itself and their OTA slots: read as such, not as apps, data or overlaps', () => {
  const chip = esp32; // bootloader at 0x1000: the bootloader entry covers the bootloader image
  const entries = [
    { label: 'bootloader', type: 2, subtype: 0, offset: 0x1000, size: 0x7000 },
    { label: 'partition_table', type: 3, subtype: 0, offset: 0x8000, size: 0x1000 },
    { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x4000 },
    { label: 'otadata', type: 1, subtype: 0, offset: 0xd000, size: 0x2000 },
    { label: 'ota_0', type: 0, subtype: 0x10, offset: 0x10000, size: 0x100000 },
    { label: 'ota_1', type: 0, subtype: 0x11, offset: 0x110000, size: 0x100000 },
    { label: 'bl_ota', type: 2, subtype: 1, offset: 0x210000, size: 0x7000 },
    { label: 'pt_ota', type: 3, subtype: 1, offset: 0x217000, size: 0x1000 },
  ];
  const file = mergeFlash([
    { offset: 0x1000, data: buildExampleBootloader({ chip, flashSize: 0x400000 }) },
    { offset: 0x8000, data: buildPartitionTable(entries) },
    { offset: 0xd000, data: buildOtadata(2) },
    { offset: 0x10000, data: buildExampleApp({ chip, flashSize: 0x400000, projectName: 'a', version: '1' }) },
    { offset: 0x110000, data: buildExampleApp({ chip, flashSize: 0x400000, projectName: 'a', version: '2' }) },
  ], { baseOffset: 0x1000 });
  const r = analyzeFlashMap(file);
  assert.equal(r.placement.kind, 'merged');
  assert.equal(r.bootloader?.flashOffset, 0x1000);
  assert.equal(r.partitionTable.flashOffset, 0x8000);
  assert.deepEqual(r.partitionTable.entries.map((e) => `${e.typeName}/${e.subtypeName}`), [
    'bootloader/primary', 'partition_table/primary', 'data/nvs', 'data/ota', 'app/ota_0', 'app/ota_1', 'bootloader/ota', 'partition_table/ota',
  ]);
  assert.deepEqual(r.apps.map((a) => a.label), ['ota_0', 'ota_1']);
  assert.equal(r.bootApp?.label, 'ota_1');
  assert.equal(r.openocdStub.appOffset, 0x10000);
  assert.deepEqual(r.findings.filter((f) => f.severity !== 'info').map((f) => f.code), ['STUB_FIRST_APP_NOT_BOOT_APP']);
});

test('--app-offset past the flash end is an error finding; one that names a slot other than the first app entry is worded as given, not as the bootloader\'s choice', () => {
  const f = buildExampleFlash('micropython');
  const size = analyzeFlashMap(f.bytes).flashSize.bytes!;
  const past = analyzeFlashMap(f.bytes, { appOffset: size });
  assert.deepEqual(errors(past), ['APP_OFFSET_PAST_FLASH']);
  assert.match(past.findings.find((x) => x.code === 'APP_OFFSET_PAST_FLASH')!.message, /past the end of the \d+ MiB flash \(from the bootloader header\)/);
  assert.ok(!codes(analyzeFlashMap(f.bytes, { appOffset: size - 0x10000 })).includes('APP_OFFSET_PAST_FLASH'), 'inside the flash: no such finding');
  assert.ok(codes(analyzeFlashMap(f.bytes, { appOffset: 2 * size, flashSize: 4 * size })).every((c) => c !== 'APP_OFFSET_PAST_FLASH'), '--flash-size moves the end');
  const ota = buildExampleFlash('ota');
  const slots = analyzeFlashMap(ota.bytes).apps.filter((a) => a.label !== null);
  const second = analyzeFlashMap(ota.bytes, { appOffset: slots[1]!.flashOffset });
  const w = second.findings.find((x) => x.code === 'STUB_FIRST_APP_NOT_BOOT_APP');
  assert.ok(w, codes(second).join());
  assert.match(w.message, /^the app given with --app-offset, "[^"]+", is at 0x[0-9a-f]{8}, but OpenOCD's stub takes the first app entry/);
});
