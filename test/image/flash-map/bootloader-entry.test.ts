/** ESP-IDF 5.5+ tables list the bootloader (`bootloader, primary`): checked against the chip, the image and the table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFlashMap, type FlashMapReport } from '../../../src/image/flash-map/index.js';
import { buildExampleApp, buildExampleBootloader } from '../../../src/image/examples/index.js';
import { esp32, esp32c3 } from '../../../src/chips/index.js';
import { buildPartitionTable, mergeFlash, type PartitionEntryInput } from '../../../src/image/index.js';

const codes = (r: FlashMapReport): string[] => r.findings.map((f) => f.code);
const finding = (r: FlashMapReport, code: string) => r.findings.find((f) => f.code === code);

/** The rest of an ESP-IDF 5.5+ table after its bootloader entry: the table's own sector, nvs, factory. */
const rest: PartitionEntryInput[] = [
  { label: 'partition_table', type: 3, subtype: 0, offset: 0x8000, size: 0x1000 },
  { label: 'nvs', type: 1, subtype: 2, offset: 0x9000, size: 0x6000 },
  { label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 },
];
const bootloaderEntry = (offset: number, size: number): PartitionEntryInput => ({ label: 'bootloader', type: 2, subtype: 0, offset, size });

/** An ESP32-C3 flash from 0x0: the given bootloader image at 0x0, the table at 0x8000, an app at 0x10000. */
function c3Flash(entries: PartitionEntryInput[], bootloader = buildExampleBootloader({ chip: esp32c3 })): Uint8Array {
  return mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: buildPartitionTable(entries) },
    { offset: 0x10000, data: buildExampleApp({ chip: esp32c3 }) },
  ]);
}

test('a bootloader entry where the chip\'s ROM does not read the bootloader is a warning; without a known chip nothing is said', () => {
  const wrong = analyzeFlashMap(c3Flash([bootloaderEntry(0x1000, 0x7000), ...rest])); // an ESP32's offset on an ESP32-C3
  const f = finding(wrong, 'BOOTLOADER_ENTRY_OFFSET');
  assert.equal(f?.severity, 'warning');
  assert.equal(f?.flashOffset, 0x1000);
  assert.match(f?.message ?? '', /"bootloader" \(bootloader, primary\) places the bootloader at 0x00001000, but the ESP32-C3 ROM reads it from 0x00000000/);

  assert.ok(!codes(analyzeFlashMap(c3Flash([bootloaderEntry(0, 0x8000), ...rest]))).includes('BOOTLOADER_ENTRY_OFFSET'));
  // The same entry is right on an ESP32, whose ROM reads the bootloader at 0x1000.
  const e32 = mergeFlash([
    { offset: 0x1000, data: buildExampleBootloader({ chip: esp32 }) },
    { offset: 0x8000, data: buildPartitionTable([bootloaderEntry(0x1000, 0x7000), ...rest]) },
  ], { baseOffset: 0x1000 });
  assert.ok(!codes(analyzeFlashMap(e32)).includes('BOOTLOADER_ENTRY_OFFSET'));
  // An OTA bootloader slot sits anywhere.
  assert.ok(!codes(analyzeFlashMap(c3Flash([bootloaderEntry(0, 0x8000), ...rest, { label: 'bl_ota', type: 2, subtype: 1, offset: 0x110000, size: 0x8000 }]))).includes('BOOTLOADER_ENTRY_OFFSET'));

  // A lone table: no header names the chip, so its bootloader offset is not known.
  const lone = analyzeFlashMap(buildPartitionTable([bootloaderEntry(0x1000, 0x7000), ...rest]));
  assert.equal(lone.chip.name, null);
  assert.ok(!codes(lone).includes('BOOTLOADER_ENTRY_OFFSET'));
  // …until it is given.
  assert.ok(codes(analyzeFlashMap(buildPartitionTable([bootloaderEntry(0x1000, 0x7000), ...rest]), { chip: 'esp32c3' })).includes('BOOTLOADER_ENTRY_OFFSET'));
});
