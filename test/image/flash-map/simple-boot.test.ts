/** flash-map of a Simple Boot app (esptool elf2image --ram-only-header) at the bootloader offset. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { esp32, esp32c3 } from '../../../src/chips/index.js';
import { analyzeFlashMap } from '../../../src/image/flash-map/index.js';
import { buildPartitionTable, elf2image, parseElf, writeU32 } from '../../../src/image/index.js';
import { buildExampleFlash } from '../../../src/image/examples/index.js';
import { writeTestElf } from '../support/elf-writer.js';
import { filled } from '../support/fixtures.js';

const demo = (): Uint8Array => elf2image(parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf'))), esp32c3, { ramOnlyHeader: true });

test('a Simple Boot app at 0x0 boots: no table needed, its IROM/DROM mappings, a stub finding instead of NO_PARTITION_TABLE', () => {
  const r = analyzeFlashMap(demo());
  assert.equal(r.placement.kind, 'simple-boot');
  assert.equal(r.placement.baseOffset, 0);
  assert.equal(r.bootloader, null);
  assert.equal(r.chip.name, 'esp32c3');
  assert.equal(r.flashSize.bytes, 2 * 1024 * 1024);
  assert.equal(r.partitionTable.flashOffset, null);
  assert.match(r.bootReason, /^Simple Boot: the ROM loads the RAM segments of the image at 0x00000000/);
  const boot = r.bootApp!;
  assert.equal(boot.format, 'simple-boot');
  assert.equal(boot.flashOffset, 0);
  assert.equal(boot.appDesc?.projectName, 'espalgo-demo');
  assert.deepEqual(boot.mappings, [
    { segment: 3, kind: 'irom', flashOffset: 0x10020, vaddr: 0x42000020, size: 0x28c },
    { segment: 5, kind: 'drom', flashOffset: 0x20020, vaddr: 0x3c010020, size: 0x180 },
  ]);
  assert.deepEqual(boot.segments.map((s) => [s.segment, s.kind]), [[0, 'dram'], [1, 'iram'], [2, 'padding'], [3, 'irom'], [4, 'padding'], [5, 'drom']]);
  const codes = r.findings.map((f) => f.code);
  assert.ok(!codes.includes('NO_PARTITION_TABLE'), codes.join());
  assert.ok(!codes.includes('BOOTLOADER_MISSING'), codes.join());
  assert.ok(!codes.includes('STUB_RAM_ONLY_APP'), codes.join());
  assert.ok(r.findings.every((f) => f.severity !== 'error'), codes.join());
  const stub = r.findings.find((f) => f.code === 'STUB_SIMPLE_BOOT')!;
  assert.equal(stub.severity, 'warning');
  assert.match(stub.message, /finds no partition table at 0x00008000 \(-6\)/);
  assert.match(stub.message, /esp appimage_offset 0x00000000` does not help those builds/);
  assert.equal(r.openocdStub.retcode, -6);
  assert.deepEqual(r.openocdStub.mappings, []);
});

test('a Simple Boot app with a partition table: the table is reported as before, the app at 0x0 still boots', () => {
  const app = demo();
  // The image's padding covers 0x8000, so the table sits past the image (as --table-offset gives it).
  const big = new Uint8Array(0x30000).fill(0xff);
  big.set(app);
  big.set(buildPartitionTable([{ label: 'storage', type: 1, subtype: 0x81, offset: 0x100000, size: 0x10000 }]), 0x28000);
  const r = analyzeFlashMap(big, { tableOffset: 0x28000 });
  assert.equal(r.partitionTable.flashOffset, 0x28000);
  assert.deepEqual(r.partitionTable.entries.map((e) => e.label), ['storage']);
  assert.equal(r.bootApp?.format, 'simple-boot');
  assert.equal(r.bootApp?.mappings.length, 2);
  assert.ok(!r.findings.some((f) => f.code === 'NO_BOOT_APP' || f.code === 'NO_PARTITION_TABLE'));
});

test('ESP32: a dump from 0x0 with a Simple Boot app at 0x1000; mappings at the flash offsets the app maps', () => {
  const elf = parseElf(writeTestElf({ machine: 94, entry: 0x400d0040, segments: [
    { vaddr: 0x400d0020, data: filled(0x120, 2), flags: 5 },
    { vaddr: 0x3ffb0000, data: filled(0x40, 3), flags: 6 },
    { vaddr: 0x3f400020, data: filled(0x200, 1), flags: 4 },
  ] }));
  const img = elf2image(elf, esp32, { ramOnlyHeader: true });
  const dump = new Uint8Array(0x1000 + img.length).fill(0xff);
  dump.set(img, 0x1000);
  const r = analyzeFlashMap(dump);
  assert.equal(r.placement.kind, 'flash-dump');
  assert.equal(r.bootApp?.format, 'simple-boot');
  assert.equal(r.bootApp?.flashOffset, 0x1000);
  assert.deepEqual(r.bootApp?.mappings.map((m) => [m.kind, m.vaddr, m.flashOffset % 0x10000]), [['irom', 0x400d0020, 0x20], ['drom', 0x3f400020, 0x20]]);
  assert.ok(!r.findings.some((f) => f.severity === 'error'));
  // The image alone is placed at 0x1000 by its chip.
  const alone = analyzeFlashMap(img);
  assert.equal(alone.placement.kind, 'simple-boot');
  assert.equal(alone.placement.baseOffset, 0x1000);
  assert.deepEqual(alone.bootApp?.mappings.map((m) => m.flashOffset), r.bootApp?.mappings.map((m) => m.flashOffset));
});

test('with the base offset given (a live read, --base-offset) a Simple Boot app is still recognised, not taken for a bootloader', () => {
  const flash = new Uint8Array(0x100000).fill(0xff);
  flash.set(demo(), 0);
  const r = analyzeFlashMap(flash, { baseOffset: 0, chip: 'esp32c3' });
  assert.equal(r.placement.kind, 'given');
  assert.match(r.placement.decidedBy, /a Simple Boot app for the ESP32-C3 at 0x00000000/);
  assert.equal(r.bootloader, null);
  assert.equal(r.bootApp?.format, 'simple-boot');
  assert.deepEqual(r.bootApp?.mappings.map((m) => [m.kind, m.flashOffset, m.vaddr]), [['irom', 0x10020, 0x42000020], ['drom', 0x20020, 0x3c010020]]);
  const codes = r.findings.map((f) => f.code);
  assert.ok(!codes.includes('NO_PARTITION_TABLE'), codes.join());
  assert.ok(codes.includes('STUB_SIMPLE_BOOT'), codes.join());
  // The ESP32's at 0x1000 of a dump given as starting at 0x0, the chip from its header.
  const elf = parseElf(writeTestElf({ machine: 94, entry: 0x400d0040, segments: [
    { vaddr: 0x400d0020, data: filled(0x120, 2), flags: 5 },
    { vaddr: 0x3ffb0000, data: filled(0x40, 3), flags: 6 },
  ] }));
  const dump = new Uint8Array(0x20000).fill(0xff);
  dump.set(elf2image(elf, esp32, { ramOnlyHeader: true }), 0x1000);
  assert.equal(analyzeFlashMap(dump, { baseOffset: 0 }).bootApp?.format, 'simple-boot');
});

test('a Simple Boot flash segment that does not line up with its address is an error finding', () => {
  const bytes = demo();
  writeU32(bytes, 0x10018, 0x42000120);
  const r = analyzeFlashMap(bytes);
  const f = r.findings.find((x) => x.code === 'IMAGE_SEGMENT_MMU_ALIGN');
  assert.ok(f, r.findings.map((x) => x.code).join());
  assert.equal(f.severity, 'error');
  assert.equal(f.flashOffset, 0x10018);
});

test('an ordinary RAM-only bootloader with a table, or followed by erased flash, is still a bootloader', () => {
  const flash = buildExampleFlash('ram-only').bytes;
  const r = analyzeFlashMap(flash);
  assert.equal(r.placement.kind, 'merged');
  assert.ok(r.bootloader);
  assert.equal(r.partitionTable.flashOffset, 0x8000);
  assert.notEqual(r.bootApp?.format, 'simple-boot');
  assert.ok(!r.findings.some((f) => f.code === 'STUB_SIMPLE_BOOT'));
  const bl = flash.subarray(0, r.bootloader.length);
  const erased = new Uint8Array(0x8000).fill(0xff);
  erased.set(bl);
  const e = analyzeFlashMap(erased);
  assert.equal(e.placement.kind, 'merged');
  assert.ok(e.findings.some((f) => f.code === 'NO_PARTITION_TABLE'));
});
