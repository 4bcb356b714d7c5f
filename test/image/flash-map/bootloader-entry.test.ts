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

/** 0x88b0 bytes: more than the 0x8000 before a table at 0x8000. */
const bigBootloader = buildExampleBootloader({ chip: esp32c3, codeSize: 0x5800 });

/** `c3Flash` with the big bootloader at 0x0 and the table written over its end, as a later write of the table leaves it. */
function tableOverBootloader(entries: PartitionEntryInput[]): Uint8Array {
  const file = c3Flash(entries);
  const table = buildPartitionTable(entries);
  file.set(bigBootloader, 0);
  file.set(table, 0x8000);
  return file;
}

test('a bootloader image longer than its entry is an error that names what it runs into', () => {
  assert.equal(bigBootloader.length, 0x88b0);
  const over = analyzeFlashMap(tableOverBootloader([bootloaderEntry(0, 0x8000), ...rest]));
  assert.equal(over.bootloader?.length, 0x88b0);
  const f = finding(over, 'BOOTLOADER_EXCEEDS_ENTRY');
  assert.equal(f?.severity, 'error');
  assert.equal(f?.flashOffset, 0);
  assert.match(f?.message ?? '', /ends at 0x000088b0, past the end of its entry "bootloader" \(0x00000000\.\.0x00008000\): it runs into the partition table at 0x00008000/);
  assert.ok(!codes(over).includes('BOOTLOADER_OVERLAPS_TABLE'), 'one finding for one fact');

  // A table further out: the image fits before it but not in its (hand-made, short) entry.
  const far = [bootloaderEntry(0, 0x6000), { ...rest[0]!, offset: 0xc000 }, { label: 'nvs', type: 1, subtype: 2, offset: 0xd000, size: 0x3000 }, rest[2]!];
  const short = analyzeFlashMap(mergeFlash([
    { offset: 0, data: bigBootloader },
    { offset: 0xc000, data: buildPartitionTable(far) },
    { offset: 0x10000, data: buildExampleApp({ chip: esp32c3 }) },
  ]));
  assert.equal(short.partitionTable.flashOffset, 0xc000);
  assert.match(finding(short, 'BOOTLOADER_EXCEEDS_ENTRY')?.message ?? '', /it runs into flash that no partition covers/);
  assert.ok(!codes(short).includes('BOOTLOADER_OVERLAPS_TABLE'));

  // The usual bootloader fits its entry.
  assert.ok(!codes(analyzeFlashMap(c3Flash([bootloaderEntry(0, 0x8000), ...rest]))).some((c) => c === 'BOOTLOADER_EXCEEDS_ENTRY' || c === 'BOOTLOADER_OVERLAPS_TABLE'));
});

test('without a bootloader entry, a bootloader image that runs past the table offset is an error', () => {
  const noEntry = analyzeFlashMap(tableOverBootloader(rest.slice(1)));
  const f = finding(noEntry, 'BOOTLOADER_OVERLAPS_TABLE');
  assert.equal(f?.severity, 'error');
  assert.equal(f?.flashOffset, 0);
  assert.match(f?.message ?? '', /ends at 0x000088b0, past the partition table at 0x00008000.*move the partition table to 0x00009000 or later/);
  assert.ok(!codes(noEntry).includes('BOOTLOADER_EXCEEDS_ENTRY'));
  // An entry elsewhere (not the image's) does not give the image room.
  assert.ok(codes(analyzeFlashMap(tableOverBootloader([bootloaderEntry(0x1000, 0x7000), ...rest]))).includes('BOOTLOADER_OVERLAPS_TABLE'));
  // Nor does an entry that itself runs over the table.
  assert.ok(codes(analyzeFlashMap(tableOverBootloader([bootloaderEntry(0, 0x9000), ...rest]))).includes('BOOTLOADER_OVERLAPS_TABLE'));
  // The ESP32's bootloader at 0x1000 has 0x7000 before a table at 0x8000.
  const e32 = mergeFlash([
    { offset: 0x1000, data: buildExampleBootloader({ chip: esp32, codeSize: 0x4800 }) },
    { offset: 0x9000, data: buildPartitionTable(rest.slice(1).map((e) => ({ ...e, offset: e.offset === 0x9000 ? 0xa000 : e.offset, size: e.offset === 0x9000 ? 0x5000 : e.size }))) },
  ], { baseOffset: 0x1000 });
  const r32 = analyzeFlashMap(e32, { tableOffset: 0x9000 });
  assert.ok(r32.bootloader!.flashOffset + r32.bootloader!.length > 0x8000, 'the ESP32 image passes 0x8000');
  assert.ok(!codes(r32).includes('BOOTLOADER_OVERLAPS_TABLE'), 'but its table is at 0x9000');
  const e32Over = e32.slice();
  e32Over.set(buildPartitionTable(rest.slice(1)), 0x7000); // the same image, the table at 0x8000
  assert.ok(codes(analyzeFlashMap(e32Over)).includes('BOOTLOADER_OVERLAPS_TABLE'));
});

test('a bootloader entry that runs past the partition table\'s offset is one error, not two overlaps', () => {
  const past = analyzeFlashMap(c3Flash([bootloaderEntry(0, 0x9000), ...rest]));
  const f = finding(past, 'PARTITION_BOOTLOADER_PAST_TABLE');
  assert.equal(f?.severity, 'error');
  assert.equal(f?.flashOffset, 0x8000, 'the entry\'s place in the table, as for every PARTITION_* finding');
  assert.match(f?.message ?? '', /"bootloader" 0x00000000\.\.0x00009000 runs past the partition table at 0x00008000.*0x00008000 here/);
  assert.deepEqual(past.findings.filter((x) => x.severity === 'error').map((x) => x.code), ['PARTITION_BOOTLOADER_PAST_TABLE']);

  // Further still, it also covers nvs: that is another overlap, and said so.
  const further = analyzeFlashMap(c3Flash([bootloaderEntry(0, 0xa000), ...rest]));
  assert.deepEqual(further.findings.filter((x) => x.severity === 'error').map((x) => x.code), ['PARTITION_BOOTLOADER_PAST_TABLE', 'PARTITION_OVERLAP']);
  assert.match(finding(further, 'PARTITION_OVERLAP')?.message ?? '', /"bootloader" .* and "nvs" /);

  // Up to the table is what ESP-IDF builds: nothing to say.
  assert.ok(!codes(analyzeFlashMap(c3Flash([bootloaderEntry(0, 0x8000), ...rest]))).some((c) => c.startsWith('PARTITION_')));
  // The entry is checked against where the table is, here 0xC000.
  const tableAt0xc000 = (size: number): FlashMapReport => analyzeFlashMap(mergeFlash([
    { offset: 0, data: buildExampleBootloader({ chip: esp32c3 }) },
    { offset: 0xc000, data: buildPartitionTable([bootloaderEntry(0, size), { ...rest[0]!, offset: 0xc000 }, { ...rest[1]!, offset: 0xd000, size: 0x3000 }, rest[2]!]) },
  ]));
  assert.ok(!codes(tableAt0xc000(0xc000)).includes('PARTITION_BOOTLOADER_PAST_TABLE'));
  assert.equal(finding(tableAt0xc000(0xd000), 'PARTITION_BOOTLOADER_PAST_TABLE')?.flashOffset, 0xc000);
});

test('a Secure Boot v2 signed bootloader: its signature sector counts as the bootloader\'s flash, shown and checked against its entry', () => {
  const signedBootloader = buildExampleBootloader({ chip: esp32c3, codeSize: 0x4400 });
  assert.equal(signedBootloader.length, 0x6ab0);
  const sector = new Uint8Array(0x1000).fill(0xff);
  sector.set([0xe7, 0x02, 0x00, 0x00], 0); // one signature block's magic and version (RSA-3072)
  const flash = (entries: PartitionEntryInput[]) => mergeFlash([
    { offset: 0, data: signedBootloader },
    { offset: 0x7000, data: sector }, // the next 4 KiB boundary after the image
    { offset: 0x8000, data: buildPartitionTable(entries) },
    { offset: 0x10000, data: buildExampleApp({ chip: esp32c3 }) },
  ]);
  const fits = analyzeFlashMap(flash([bootloaderEntry(0, 0x8000), ...rest]));
  assert.deepEqual(fits.bootloader?.signature, { scheme: 'sbv2', flashOffset: 0x7000, length: 0x1000 });
  assert.ok(!codes(fits).some((c) => c.startsWith('BOOTLOADER_')), 'up to the table: room enough');
  // The image alone fits a 0x7000 entry; with its signature sector it does not.
  const short = analyzeFlashMap(flash([bootloaderEntry(0, 0x7000), ...rest]));
  assert.match(finding(short, 'BOOTLOADER_EXCEEDS_ENTRY')?.message ?? '',
    /is 27312 bytes and, with its Secure Boot v2 signature sector at 0x00007000, ends at 0x00008000, past the end of its entry "bootloader" \(0x00000000\.\.0x00007000\)/);
  // Unsigned, the same image has room in that entry.
  const unsigned = analyzeFlashMap(c3Flash([bootloaderEntry(0, 0x7000), ...rest], signedBootloader));
  assert.equal(unsigned.bootloader?.signature, null);
  assert.ok(!codes(unsigned).includes('BOOTLOADER_EXCEEDS_ENTRY'));
});
