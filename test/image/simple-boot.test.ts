/** Simple Boot images (esptool elf2image --ram-only-header): the flash segments after the checksum. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { esp32, esp32c3 } from '../../src/chips/index.js';
import { parseElf } from '../../src/image/elf.js';
import { elf2image } from '../../src/image/elf2image.js';
import { parseImage } from '../../src/image/image.js';
import { writeU32 } from '../../src/image/bytes.js';
import { buildImage } from '../../src/image/image-build.js';
import { buildPartitionTable } from '../../src/image/partition-table.js';
import { findSimpleBootSegments, simpleBootPaddingLength } from '../../src/image/simple-boot.js';
import { writeTestElf } from './support/elf-writer.js';
import { c3Bootloader, filled } from './support/fixtures.js';

const demoSimpleBoot = (): Uint8Array => elf2image(parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf'))), esp32c3, { ramOnlyHeader: true });

test('the demo built with a RAM-only header: IROM then DROM after the checksum, each at its address modulo 64 KiB', () => {
  const bytes = demoSimpleBoot();
  const layout = findSimpleBootSegments(parseImage(bytes, { chip: esp32c3 }), bytes, esp32c3);
  assert.ok(layout);
  assert.equal(layout.flashOffset, 0);
  assert.deepEqual(layout.segments.map((s) => [s.kind, s.loadAddress, s.dataOffset, s.flashOffset, s.length, s.aligned]), [
    ['irom', 0x42000020, 0x10020, 0x10020, 0x28c, true],
    ['drom', 0x3c010020, 0x20020, 0x20020, 0x180, true],
  ]);
  assert.equal(layout.segments[0]!.paddingOffset, 0xf0, 'the first padding segment right after the checksum');
  assert.equal(layout.end, bytes.length);
  // The demo is linked for the ESP-IDF bootloader: its entry is in IROM, where no Simple Boot app can start.
  assert.deepEqual(layout.findings.map((f) => [f.severity, f.code, f.offset]), [['warning', 'SIMPLE_BOOT_ENTRY_IN_FLASH', 4]]);
  assert.match(layout.findings[0]!.message, /^the entry point 0x42000020 lies in a flash window: the ROM jumps there right after loading the RAM segments/);
  assert.equal(layout.appDesc?.projectName, 'espalgo-demo', 'the app descriptor at the start of the DROM segment');
  assert.equal(layout.appDesc?.offset, 0x20020);
});

test('ESP32: aligned for the bootloader offset 0x1000 where the file is written; read at 0 every segment is a finding', () => {
  const elf = parseElf(writeTestElf({ machine: 94, entry: 0x40080400, segments: [
    { vaddr: 0x400d0020, data: filled(0x120, 2), flags: 5 },
    { vaddr: 0x3ffb0000, data: filled(0x40, 3), flags: 6 },
    { vaddr: 0x3f400020, data: filled(0x200, 1), flags: 4 },
  ] }));
  const bytes = elf2image(elf, esp32, { ramOnlyHeader: true });
  const image = parseImage(bytes, { chip: esp32 });
  const at1000 = findSimpleBootSegments(image, bytes, esp32)!;
  assert.deepEqual(at1000.findings, [], 'aligned, and the entry in IRAM');
  assert.deepEqual(at1000.segments.map((s) => [s.kind, s.loadAddress, s.flashOffset % 0x10000, s.aligned]), [['irom', 0x400d0020, 0x20, true], ['drom', 0x3f400020, 0x20, true]]);
  const at0 = findSimpleBootSegments(image, bytes, esp32, { flashOffset: 0 })!;
  assert.deepEqual(at0.findings.map((f) => f.code), ['IMAGE_SEGMENT_MMU_ALIGN', 'IMAGE_SEGMENT_MMU_ALIGN']);
  assert.match(at0.findings[0]!.message, /loads at 0x400d0020 but its data lands at flash 0x0000f020/);
});

test('a corrupted load address is a finding, not a guess', () => {
  const bytes = demoSimpleBoot();
  writeU32(bytes, 0x10018, 0x42000120); // the IROM segment's header
  const layout = findSimpleBootSegments(parseImage(bytes, { chip: esp32c3 }), bytes, esp32c3)!;
  assert.deepEqual(layout.segments.map((s) => s.aligned), [false, true]);
  assert.deepEqual(layout.findings.filter((f) => f.code !== 'SIMPLE_BOOT_ENTRY_IN_FLASH').map((f) => [f.severity, f.code, f.offset]), [['error', 'IMAGE_SEGMENT_MMU_ALIGN', 0x10018]]);
});

test('an ordinary RAM-only bootloader (with or without SHA-256) followed by erased flash, a partition table or nothing is not one', () => {
  const noSha = buildImage({ chip: esp32c3, entry: 0x403c8000, appendSha256: false, segments: [{ loadAddress: 0x3fcd5710, data: filled(0x200, 9) }, { loadAddress: 0x403cc710, data: filled(0x300, 10) }] });
  for (const boot of [c3Bootloader(), noSha]) notSimpleBoot(boot);
});

function notSimpleBoot(boot: Uint8Array): void {
  const image = parseImage(boot, { chip: esp32c3 });
  const erased = new Uint8Array(boot.length + 0x1000).fill(0xff);
  erased.set(boot);
  assert.equal(findSimpleBootSegments(image, erased, esp32c3), undefined);
  assert.equal(findSimpleBootSegments(image, boot, esp32c3), undefined);
  const table = buildPartitionTable([{ label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 }]);
  const merged = new Uint8Array(0x9000).fill(0xff);
  merged.set(boot);
  merged.set(table, 0x8000);
  assert.equal(findSimpleBootSegments(parseImage(merged, { chip: esp32c3 }), merged, esp32c3), undefined);
  // Zeros after the image (a padding segment header with no flash segment behind it) are not one either.
  const zeros = new Uint8Array(boot.length + 0x100);
  zeros.set(boot);
  assert.equal(findSimpleBootSegments(parseImage(zeros, { chip: esp32c3 }), zeros, esp32c3), undefined);
}

test('simpleBootPaddingLength: the smallest padding that aligns the data for the flash offset', () => {
  assert.equal(simpleBootPaddingLength(0xf0, 0x42000020, 0x10000, 0), 0xff20);
  assert.equal(simpleBootPaddingLength(0x10, 0x42000020, 0x10000, 0), 0);
  assert.equal(simpleBootPaddingLength(0x10, 0x400d0020, 0x10000, 0x1000), 0xf000);
});
