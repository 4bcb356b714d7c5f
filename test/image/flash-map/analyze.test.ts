import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFlashMap, FlashMapInputError, type FlashMapReport } from '../../../src/image/flash-map/index.js';
import { buildExampleFlash, type ExampleFlash } from '../../../src/image/examples/index.js';
import { expectedMappings } from './helpers.js';

const cache = new Map<string, ExampleFlash>();
function example(name: string): ExampleFlash {
  let f = cache.get(name);
  if (!f) {
    f = buildExampleFlash(name);
    cache.set(name, f);
  }
  return f;
}
const codes = (r: FlashMapReport): string[] => r.findings.map((f) => f.code);
const errors = (r: FlashMapReport): string[] => r.findings.filter((f) => f.severity === 'error').map((f) => f.code);

const S3_DROM: [number, number] = [0x3c000000, 0x3d000000];
const S3_IROM: [number, number] = [0x42000000, 0x44000000];
const C3_DROM: [number, number] = [0x3c000000, 0x3c800000];
const C3_IROM: [number, number] = [0x42000000, 0x42800000];
const E32_DROM: [number, number] = [0x3f400000, 0x3f800000];
const E32_IROM: [number, number] = [0x400d0000, 0x40400000];

test('MicroPython-like S3 layout: merged at 0, table at 0x8000, factory boots, 32 MiB header', () => {
  const f = example('micropython');
  const r = analyzeFlashMap(f.bytes);
  assert.equal(r.placement.kind, 'merged');
  assert.equal(r.placement.baseOffset, 0);
  assert.equal(r.chip.name, 'esp32s3');
  assert.equal(r.partitionTable.flashOffset, 0x8000);
  assert.deepEqual(r.partitionTable.candidates.map((c) => c.flashOffset), [0x8000]);
  assert.deepEqual(
    r.partitionTable.entries.map((e) => [e.label, e.offset, e.size]),
    [['nvs', 0x9000, 0x6000], ['phy_init', 0xf000, 0x1000], ['factory', 0x10000, 0x1f0000], ['vfs', 0x200000, 0x1e00000]],
  );
  assert.equal(r.flashSize.bytes, 32 * 0x100000);
  assert.equal(r.flashSize.source, 'bootloader-header');
  assert.equal(r.flashSize.tableExtent, 0x2000000);
  assert.equal(r.flashSize.tableFits, true);
  assert.equal(r.bootApp?.label, 'factory');
  assert.equal(r.bootApp?.format, 'esp-idf');
  assert.ok(f.bytes.length < 0x200000, 'the file stops after the app, far short of 32 MiB');
  const want = expectedMappings(f.bytes, 0x10000, 0x10000, S3_DROM, S3_IROM);
  assert.equal(want.length, 2);
  assert.deepEqual(r.bootApp?.mappings, want);
  // OpenOCD's stub sees the same first app and the same two mappings.
  assert.equal(r.openocdStub.retcode, 0);
  assert.equal(r.openocdStub.appOffset, 0x10000);
  assert.deepEqual(r.openocdStub.mappings, want);
  assert.ok(codes(r).includes('STUB_LARGE_FLASH'));
  assert.ok(r.findings.find((x) => x.code === 'STUB_LARGE_FLASH')!.message.includes('#366'));
  for (const c of ['STUB_TABLE_OFFSET', 'STUB_FIRST_APP_NOT_BOOT_APP', 'STUB_NON_IDF_IMAGE', 'STUB_RAM_ONLY_APP', 'STUB_ENTRY_BEYOND_FLASH']) {
    assert.ok(!codes(r).includes(c), `${c} must be absent`);
  }
  assert.deepEqual(errors(r), []);
});

test('OTA layout: otadata selects ota_1; both slots listed with their own mappings; stub takes ota_0', () => {
  const f = example('ota');
  const r = analyzeFlashMap(f.bytes);
  assert.equal(r.bootApp?.label, 'ota_1');
  assert.equal(r.bootApp?.flashOffset, 0x190000);
  assert.match(r.bootReason, /ota_seq 2/);
  assert.deepEqual(r.apps.map((a) => [a.label, a.flashOffset, a.booting, a.firstInTable]), [
    ['ota_0', 0x10000, false, true],
    ['ota_1', 0x190000, true, false],
  ]);
  assert.deepEqual(r.apps[0]!.mappings, expectedMappings(f.bytes, 0x10000, 0x10000, C3_DROM, C3_IROM));
  assert.deepEqual(r.apps[1]!.mappings, expectedMappings(f.bytes, 0x190000, 0x190000, C3_DROM, C3_IROM));
  assert.notDeepEqual(r.apps[0]!.mappings, r.apps[1]!.mappings);
  assert.equal(r.apps[1]!.appDesc?.version, '1.1.0');
  assert.equal(r.openocdStub.appOffset, 0x10000);
  assert.ok(codes(r).includes('STUB_FIRST_APP_NOT_BOOT_APP'));
  assert.ok(!codes(r).includes('STUB_LARGE_FLASH'));
  assert.deepEqual(errors(r), []);
});

test('appOffset picks the app like esp appimage_offset', () => {
  const r = analyzeFlashMap(example('ota').bytes, { appOffset: 0x10000 });
  assert.equal(r.bootApp?.label, 'ota_0');
  assert.equal(r.openocdStub.appOffset, 0x10000);
  assert.ok(!codes(r).includes('STUB_FIRST_APP_NOT_BOOT_APP'));
});

test('table at 0xC000 is found by the 4 KiB scan and flagged for the stub', () => {
  const f = example('table-0xc000');
  const r = analyzeFlashMap(f.bytes);
  assert.equal(r.partitionTable.flashOffset, 0xc000);
  assert.deepEqual(r.partitionTable.candidates.map((c) => [c.flashOffset, c.md5]), [[0xc000, 'valid']]);
  assert.equal(r.bootApp?.label, 'ota_0');
  assert.equal(r.bootApp?.flashOffset, 0x20000);
  assert.deepEqual(r.bootApp?.mappings, expectedMappings(f.bytes, 0x20000, 0x20000, C3_DROM, C3_IROM));
  assert.equal(r.apps.find((a) => a.label === 'ota_1')?.format, 'outside-file');
  assert.ok(codes(r).includes('STUB_TABLE_OFFSET'));
  assert.equal(r.openocdStub.retcode, -6);
  assert.deepEqual(errors(r), []);
});

test('ESP32 merged from 0x1000 with the table at 0x10000', () => {
  const f = example('table-0x10000');
  const r = analyzeFlashMap(f.bytes);
  assert.equal(r.chip.name, 'esp32');
  assert.equal(r.placement.baseOffset, 0x1000);
  assert.equal(r.bootloader?.flashOffset, 0x1000);
  assert.equal(r.partitionTable.flashOffset, 0x10000);
  assert.equal(r.bootApp?.flashOffset, 0x20000);
  // file offset = flash offset − 0x1000
  assert.deepEqual(r.bootApp?.mappings, expectedMappings(f.bytes, 0x1f000, 0x20000, E32_DROM, E32_IROM));
  assert.ok(codes(r).includes('STUB_TABLE_OFFSET'));
  assert.equal(r.openocdStub.retcode, -6);
});

test('ESP32 merged image and ESP32 flash dump give the same map with different placements', () => {
  const merged = analyzeFlashMap(example('esp32').bytes);
  const dump = analyzeFlashMap(example('esp32-dump').bytes);
  assert.equal(merged.placement.kind, 'merged');
  assert.equal(merged.placement.baseOffset, 0x1000);
  assert.equal(dump.placement.kind, 'flash-dump');
  assert.equal(dump.placement.baseOffset, 0);
  assert.equal(dump.bootloader?.flashOffset, 0x1000);
  assert.deepEqual(dump.bootApp?.mappings, merged.bootApp?.mappings);
  assert.deepEqual(dump.bootApp?.mappings, expectedMappings(example('esp32-dump').bytes, 0x10000, 0x10000, E32_DROM, E32_IROM));
  assert.deepEqual(errors(merged), []);
  assert.deepEqual(errors(dump), [], 'the ESP32 ROM reads its bootloader at 0x1000: that is where it is');
  assert.deepEqual(codes(merged).filter((c) => c.startsWith('STUB_')), []);
});

test('a bootloader where the chip\'s ROM does not look for it is an error; none at all, a warning', () => {
  const c3 = example('ota').bytes; // ESP32-C3: the ROM reads the bootloader at 0x0
  assert.ok(!codes(analyzeFlashMap(c3)).some((c) => c.startsWith('BOOTLOADER_')));

  const shifted = new Uint8Array(c3.length + 0x1000).fill(0xff);
  shifted.set(c3, 0x1000); // the whole layout one sector too far, as merged for an ESP32
  const asDump = analyzeFlashMap(shifted);
  assert.equal(asDump.placement.kind, 'flash-dump');
  assert.match(asDump.placement.decidedBy, /ESP32-C3 bootloader is at 0x00001000 \(its ROM reads it from 0x00000000\)/);
  const given = analyzeFlashMap(shifted, { baseOffset: 0 });
  for (const r of [asDump, given]) {
    const f = r.findings.find((x) => x.code === 'BOOTLOADER_MISPLACED');
    assert.equal(f?.severity, 'error');
    assert.equal(f?.flashOffset, 0x1000);
  }

  const noBootloader = c3.slice();
  noBootloader.fill(0xff, 0, 0x8000);
  const missing = analyzeFlashMap(noBootloader, { baseOffset: 0 });
  assert.equal(missing.findings.find((x) => x.code === 'BOOTLOADER_MISSING')?.severity, 'warning');
  const fromTable = analyzeFlashMap(noBootloader.subarray(0x8000), { baseOffset: 0x8000 });
  assert.ok(!codes(fromTable).includes('BOOTLOADER_MISSING'), 'a file that starts past the bootloader says nothing of it');
});

test('RAM-only app: zero mappings and a warning', () => {
  const r = analyzeFlashMap(example('ram-only').bytes);
  assert.equal(r.bootApp?.format, 'esp-idf');
  assert.deepEqual(r.bootApp?.mappings, []);
  assert.ok(r.bootApp!.segments.length >= 2);
  assert.ok(codes(r).includes('STUB_RAM_ONLY_APP'));
  assert.deepEqual(r.openocdStub.mappings, []);
});

test('a table beyond the header flash size is an error, and the stub stops with -7 before the app', () => {
  const r = analyzeFlashMap(example('oversize-table').bytes);
  assert.equal(r.flashSize.bytes, 2 * 0x100000);
  assert.equal(r.flashSize.tableFits, false);
  assert.ok(errors(r).includes('TABLE_EXCEEDS_FLASH'));
  assert.ok(codes(r).includes('STUB_ENTRY_BEYOND_FLASH'));
  assert.equal(r.openocdStub.retcode, -7);
});

test('flashSize overrides the header', () => {
  const r = analyzeFlashMap(example('micropython').bytes, { flashSize: 8 * 0x100000 });
  assert.equal(r.flashSize.source, 'option');
  assert.equal(r.flashSize.tableFits, false);
  assert.ok(errors(r).includes('TABLE_EXCEEDS_FLASH'));
  assert.ok(!codes(r).includes('STUB_LARGE_FLASH'));
});

test('a given table offset with no table there is an error finding', () => {
  const r = analyzeFlashMap(example('table-0xc000').bytes, { tableOffset: 0x8000 });
  assert.equal(r.partitionTable.flashOffset, null);
  assert.ok(errors(r).includes('TABLE_NOT_AT_OFFSET'));
  const ok = analyzeFlashMap(example('table-0xc000').bytes, { tableOffset: 0xc000 });
  assert.equal(ok.partitionTable.flashOffset, 0xc000);
});

test('bad options are input errors', () => {
  const bytes = example('esp32').bytes;
  assert.throws(() => analyzeFlashMap(bytes, { chip: 'esp8266' }), (e: unknown) => e instanceof FlashMapInputError && e.code === 'FLASHMAP_BAD_OPTION');
  assert.throws(() => analyzeFlashMap(bytes, { tableOffset: -1 }), FlashMapInputError);
  assert.throws(() => analyzeFlashMap(bytes, { flashSize: 0 }), FlashMapInputError);
  assert.throws(() => analyzeFlashMap(new Uint8Array(0)), (e: unknown) => e instanceof FlashMapInputError && e.code === 'FLASHMAP_EMPTY_FILE');
});

test('the report is plain JSON data', () => {
  const r = analyzeFlashMap(example('ota').bytes);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('a file that starts with an image header but is cut short: an IMAGE_UNREADABLE error naming why, the chip from the header', () => {
  const whole = example('micropython').bytes;
  const r = analyzeFlashMap(whole.subarray(0, 0x100));
  assert.equal(r.placement.kind, 'assumed');
  assert.match(r.placement.decidedBy, /byte 0 starts an ESP image header that does not decode \(.*\)/);
  const f = r.findings.find((x) => x.code === 'IMAGE_UNREADABLE');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /cut short/);
  assert.equal(r.chip.name, analyzeFlashMap(whole).chip.name, 'the chip id in the header still counts');
  assert.match(r.chip.decidedBy, /unreadable image's header/);
  const tiny = analyzeFlashMap(Uint8Array.of(0xe9, 0x03));
  assert.match(tiny.findings.find((x) => x.code === 'IMAGE_UNREADABLE')?.message ?? '', /only 2 bytes, shorter than the 24-byte image header/);
  assert.ok(!codes(analyzeFlashMap(new Uint8Array(0x100).fill(0xff))).includes('IMAGE_UNREADABLE'), 'erased flash is not an image');
});
