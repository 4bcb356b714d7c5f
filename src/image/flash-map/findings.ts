/**
 * Findings: what is wrong with the flash layout, and what would trip OpenOCD's flash stub
 * (codes starting STUB_). Errors are problems of the firmware itself; warnings are things that
 * work on the chip but defeat a debugger's flash probe; info is context.
 */
import { bootloaderFlashEnd } from './bootloader-extent.js';
import type { ChipDescriptor } from '../../chips/types.js';
import { hex32 } from '../../chips/index.js';
import { isPrimaryBootloader, isPrimaryPartitionTable } from '../partition-names.js';
import type { Finding } from '../types.js';
import { DEFAULT_TABLE_OFFSET } from './table-scan.js';
import type { FlashMapFinding, FlashMapReport, FlashMapSeverity } from './types.js';

const MiB = 0x100000;
const mib = (n: number): string =>
  n >= MiB ? `${Number.isInteger(n / MiB) ? n / MiB : (n / MiB).toFixed(2)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

export function collectFindings(
  r: Omit<FlashMapReport, 'findings'>,
  ctx: { tableOffsetGiven: number | undefined; appOffsetGiven?: number | undefined; chip: ChipDescriptor | null; tableFindings: readonly Finding[]; unreadableStart?: string },
): FlashMapFinding[] {
  const out: FlashMapFinding[] = [];
  const add = (severity: FlashMapSeverity, code: string, message: string, flashOffset?: number): void => {
    out.push(flashOffset === undefined ? { severity, code, message } : { severity, code, message, flashOffset });
  };
  const pt = r.partitionTable;
  const entries = pt.entries;
  const size = r.flashSize.bytes;
  const boot = r.bootApp;

  if (ctx.unreadableStart !== undefined) {
    add('error', 'IMAGE_UNREADABLE', `byte 0 starts an ESP image header (E9) but the image does not decode: ${ctx.unreadableStart}. A file cut short (an interrupted download or read-back) or a damaged image: nothing in it can be placed with confidence`, r.placement.baseOffset);
  }
  if (!r.chip.name) add('warning', 'CHIP_UNKNOWN', 'no header names a known chip, so segments cannot be told apart (IROM/DROM/RAM); give --chip');

  // Partition table
  if (pt.flashOffset === null) {
    if (ctx.tableOffsetGiven !== undefined) {
      add('error', 'TABLE_NOT_AT_OFFSET', `no valid partition table at the given offset ${hex32(ctx.tableOffsetGiven)}`, ctx.tableOffsetGiven);
    } else if (boot?.format === 'simple-boot') {
      // Boots without a table: nothing wrong with the firmware; STUB_SIMPLE_BOOT says what it costs a debugger.
    } else if (boot?.format === 'direct-boot') {
      add('warning', 'STUB_DIRECT_BOOT', 'a direct-boot program at 0x0 (no bootloader, no partition table): OpenOCD\'s flash stub finds no table and gives no mappings (no flash breakpoints); espalgo\'s probe gives the ones the ROM sets up', 0);
    } else if (r.placement.kind !== 'app-image') {
      add(boot ? 'warning' : 'error', 'NO_PARTITION_TABLE', 'no partition table (AA 50 …) at any 4 KiB boundary of the file: the ESP-IDF bootloader has nothing to boot, and OpenOCD\'s stub fails with -6');
    }
  } else {
    if (pt.flashOffset !== DEFAULT_TABLE_OFFSET) {
      const hint = boot ? ` Use \`esp appimage_offset ${hex32(boot.flashOffset)}\` after \`init; halt\`, or espalgo's own probe.` : '';
      add('warning', 'STUB_TABLE_OFFSET',
        `partition table at ${hex32(pt.flashOffset)}, not ${hex32(DEFAULT_TABLE_OFFSET)}: OpenOCD's flash stub reads the table only at the hard-coded ${hex32(DEFAULT_TABLE_OFFSET)} and fails with -6 (no flash mappings, no flash breakpoints).${hint}`,
        pt.flashOffset);
    }
    const cand = pt.candidates.find((c) => c.flashOffset === pt.flashOffset);
    if (cand?.md5 === 'invalid') add('error', 'TABLE_MD5', `the MD5 entry of the table at ${hex32(pt.flashOffset)} does not match its entries: the bootloader rejects the table`, pt.flashOffset);
    if (pt.candidates.length > 1) {
      add('info', 'TABLE_CANDIDATES', `${pt.candidates.length} partition tables in the file (${pt.candidates.map((c) => hex32(c.flashOffset)).join(', ')}); using ${hex32(pt.flashOffset)}`);
    }
    for (const f of ctx.tableFindings) {
      if (f.code === 'PARTITION_NO_MD5' || f.code === 'PARTITION_NO_END' || f.code === 'PARTITION_MD5') continue;
      // Nothing to boot is a problem of the firmware, not a style remark.
      const severity = f.code === 'PARTITION_NO_APP' ? 'error' : f.severity;
      add(severity, f.code, f.message, f.offset !== undefined ? pt.flashOffset + f.offset : undefined);
    }
  }

  // Flash size vs table
  const ext = r.flashSize.tableExtent;
  if (size !== null && ext !== null) {
    if (ext > size) {
      add('error', 'TABLE_EXCEEDS_FLASH', `the table reaches ${hex32(ext)} (${mib(ext)}) but the flash size is ${mib(size)} (${r.flashSize.source}): partitions past the end cannot be used`, ext);
    } else if (ext < size && r.flashSize.source !== 'option') {
      add('info', 'FLASH_LARGER_THAN_TABLE', `the header says ${mib(size)} of flash; the table uses ${mib(ext)} of it`);
    }
    // Entries the stub range-checks: those up to and including the first app.
    for (const e of entries) {
      if (e.offset > size || e.offset + e.size > size) {
        add('warning', 'STUB_ENTRY_BEYOND_FLASH', `"${e.label}" (${hex32(e.offset)}+${hex32(e.size)}) comes before the first app entry and ends past the ${mib(size)} flash: OpenOCD's stub stops its table walk there with -7`, e.offset);
        break;
      }
      if (e.type === 0x00) break;
    }
  }
  if (size !== null && size >= 32 * MiB) {
    add('warning', 'STUB_LARGE_FLASH',
      `${mib(size)} flash: OpenOCD's stub ignores the header and sizes flash from the JEDEC ID capacity byte; 2024 builds know only 0x12–0x19, 0x20–0x22 and 0x39, anything else (or an ID read garbled by the SPI1 extra-dummy/OPI state IDF leaves after octal-PSRAM timing tuning) gives size 0 → "Failed to get flash maps (-9)", "size 0 KB" (openocd-esp32 #366). Use OpenOCD v0.12.0-esp32-20260702 or later, or espalgo's probe.`);
  }

  // Apps
  const given = ctx.appOffsetGiven;
  if (given !== undefined && size !== null && given >= size) {
    const from = r.flashSize.source === 'option' ? 'given with --flash-size' : r.flashSize.source === 'jedec' ? "the chip's JEDEC id" : `from the ${r.flashSize.source === 'app-header' ? 'app' : 'bootloader'} header`;
    add('error', 'APP_OFFSET_PAST_FLASH', `the given app offset ${hex32(given)} (--app-offset) is past the end of the ${mib(size)} flash (${from}): no app can start there; check the offset, or give the flash size with --flash-size`, given);
  }
  if (boot) {
    if (boot.format === 'outside-file') add('info', 'APP_OUTSIDE_FILE', `the booting app at ${hex32(boot.flashOffset)} is not in this file: ${boot.note}`, boot.flashOffset);
    else if (boot.format === 'empty' || boot.format === 'not-an-image') add('error', 'BOOT_APP_INVALID', `the booting app slot at ${hex32(boot.flashOffset)} holds no usable image: ${boot.note}`, boot.flashOffset);
    else if (boot.format === 'mcuboot' || boot.format === 'esp-image') {
      add('warning', 'STUB_NON_IDF_IMAGE', `the booting app at ${hex32(boot.flashOffset)} has no ESP-IDF app descriptor (${boot.note}): OpenOCD's 2024 stub fails with -8 on MCUboot images and may miss mappings of bare images; give the mappings by hand or use espalgo's probe`, boot.flashOffset);
    }
    if (boot.format === 'simple-boot') {
      const stub = pt.flashOffset === DEFAULT_TABLE_OFFSET
        ? `reads the partition table at ${hex32(DEFAULT_TABLE_OFFSET)} and takes its first app entry, which is not what boots: its mappings would be another image's`
        : `finds no partition table at ${hex32(DEFAULT_TABLE_OFFSET)} (-6), so it gives no flash mappings`;
      add('warning', 'STUB_SIMPLE_BOOT',
        `a Simple Boot app at ${hex32(boot.flashOffset)} (esptool --ram-only-header; no ESP-IDF bootloader): OpenOCD's flash stub (2024 builds) ${stub}. \`esp appimage_offset ${hex32(boot.flashOffset)}\` does not help those builds: the header there counts only the RAM segments, so they find zero mappings. Without the mappings OpenOCD cannot set software breakpoints in flash; hardware breakpoints (hbreak) still work. The mappings are listed here (IROM/DROM, from the flash segments after the checksum)`,
        boot.flashOffset);
    }
    // Without a chip no segment can be recognised as flash-mapped: do not call the app RAM-only.
    if (ctx.chip && (boot.format === 'esp-idf' || boot.format === 'esp-image') && boot.mappings.length === 0) {
      add('warning', 'STUB_RAM_ONLY_APP', `the booting app at ${hex32(boot.flashOffset)} runs from RAM only (no IROM/DROM segment): OpenOCD gets zero flash mappings, so no flash breakpoints and empty irom/drom banks`, boot.flashOffset);
    }
    const first = r.apps.find((a) => a.firstInTable);
    if (first && !first.booting && pt.flashOffset !== null) {
      add('warning', 'STUB_FIRST_APP_NOT_BOOT_APP',
        `${given !== undefined ? `the app given with --app-offset${boot.label ? `, "${boot.label}",` : ''} is at ${hex32(boot.flashOffset)}` : `the bootloader starts "${boot.label ?? hex32(boot.flashOffset)}" at ${hex32(boot.flashOffset)}`}, but OpenOCD's stub takes the first app entry "${first.label}" at ${hex32(first.flashOffset)} whatever otadata says: breakpoints and mappings would refer to the wrong image. Use \`esp appimage_offset ${hex32(boot.flashOffset)}\`.`,
        boot.flashOffset);
    }
  } else if (entries.some((e) => e.type === 0x00)) {
    add('error', 'NO_BOOT_APP', `no app would boot: ${r.bootReason}`);
  }
  for (const a of r.apps) {
    if (a.imageLength !== null && a.partitionSize !== null && a.imageLength > a.partitionSize) {
      add('error', 'APP_EXCEEDS_PARTITION', `the image at ${hex32(a.flashOffset)} is ${a.imageLength} bytes, more than its partition "${a.label}" (${a.partitionSize})`, a.flashOffset);
    }
    if (a.chipId !== null && ctx.chip && a.chipId !== ctx.chip.imageChipId) {
      add('error', 'APP_CHIP_MISMATCH', `the image at ${hex32(a.flashOffset)} is built for chip id ${a.chipId}, not ${ctx.chip.displayName} (${ctx.chip.imageChipId})`, a.flashOffset);
    }
    const what = a.label !== null ? `the image at ${hex32(a.flashOffset)} ("${a.label}")` : `the image at ${hex32(a.flashOffset)}`;
    for (const f of a.imageFindings) add(f.severity, f.code, `${what}: ${f.message}`, a.flashOffset + (f.offset ?? 0));
    if (a.verification?.checksum === false) add('error', 'APP_CHECKSUM', `the image checksum at ${hex32(a.flashOffset)} is wrong: the bootloader refuses it`, a.flashOffset);
    if (a.verification?.sha256 === false) add('error', 'APP_SHA256', `the appended SHA-256 of the image at ${hex32(a.flashOffset)} is wrong: the bootloader refuses it`, a.flashOffset);
  }
  if (r.bootloader && ctx.chip && r.bootloader.chipId !== ctx.chip.imageChipId) {
    add('error', 'BOOTLOADER_CHIP_MISMATCH', `the bootloader is built for chip id ${r.bootloader.chipId}, not ${ctx.chip.displayName}`, r.bootloader.flashOffset);
  }
  if (r.bootloader?.verification?.checksum === false) {
    add('error', 'BOOTLOADER_CHECKSUM', `the image checksum of the bootloader at ${hex32(r.bootloader.flashOffset)} is wrong: the ROM refuses it and the chip does not boot`, r.bootloader.flashOffset);
  }
  if (r.bootloader?.verification?.sha256 === false) {
    add('error', 'BOOTLOADER_SHA256', `the appended SHA-256 of the bootloader at ${hex32(r.bootloader.flashOffset)} does not match its bytes: the image was damaged or changed after it was built; write it again`, r.bootloader.flashOffset);
  }
  bootloaderPlacement(r, ctx.chip, add);
  bootloaderRoom(r, add);
  if (r.openocdStub.retcode !== 0) add('info', 'STUB_PREDICTION', `OpenOCD's flash stub (2024 builds): ${r.openocdStub.explanation}`);
  return out;
}

/**
 * Where the ROM looks for the 2nd-stage bootloader, against where the file has one (or none) and
 * where the table's `bootloader, primary` entry (ESP-IDF 5.5+) puts it.
 */
function bootloaderPlacement(
  r: Omit<FlashMapReport, 'findings'>,
  chip: ChipDescriptor | null,
  add: (severity: FlashMapSeverity, code: string, message: string, flashOffset?: number) => void,
): void {
  if (!chip) return;
  const want = chip.bootloaderOffset;
  for (const e of r.partitionTable.entries) {
    if (!isPrimaryBootloader(e) || e.offset === want) continue;
    add('warning', 'BOOTLOADER_ENTRY_OFFSET',
      `the table's entry "${e.label}" (bootloader, primary) places the bootloader at ${hex32(e.offset)}, but the ${chip.displayName} ROM reads it from ${hex32(want)}: a bootloader update written through this entry would land where the ROM does not look. The table was made for another chip or bootloader offset; rebuild it for the ${chip.displayName} (ESP-IDF puts this entry at the chip's bootloader offset)`,
      e.offset);
  }
  if (r.bootloader) {
    if (r.bootloader.flashOffset !== want) {
      add('error', 'BOOTLOADER_MISPLACED',
        `the bootloader is at ${hex32(r.bootloader.flashOffset)}, but the ${chip.displayName} ROM reads it from ${hex32(want)}: this flash does not boot; put it at ${hex32(want)}`,
        r.bootloader.flashOffset);
    }
    return;
  }
  const kind = r.placement.kind;
  const base = r.placement.baseOffset;
  const covered = want >= base && want < base + r.fileSize;
  if (covered && kind !== 'direct-boot' && kind !== 'app-image' && kind !== 'partition-table' && r.bootApp?.format !== 'simple-boot') {
    add('warning', 'BOOTLOADER_MISSING',
      `no bootloader image at ${hex32(want)}, where the ${chip.displayName} ROM reads it: the chip boots this flash only with a bootloader written there`, want);
  }
}

/**
 * The bootloader image against the room it has: its `bootloader, primary` entry (ESP-IDF 5.5+) when
 * the table has one at the image's offset, else the flash before the partition table.
 */
function bootloaderRoom(
  r: Omit<FlashMapReport, 'findings'>,
  add: (severity: FlashMapSeverity, code: string, message: string, flashOffset?: number) => void,
): void {
  const bl = r.bootloader;
  if (!bl) return;
  const start = bl.flashOffset;
  // A signed bootloader's signature takes flash after it, and is checked by the ROM with it.
  const sig = bl.signature;
  const end = bootloaderFlashEnd(bl);
  const extent = `is ${mib(bl.length)}${sig ? ` and, with its Secure Boot ${sig.scheme === 'sbv2' ? 'v2 signature sector' : 'v1 signature'} at ${hex32(sig.flashOffset)},` : ' and'} ends at ${hex32(end)}`;
  const table = r.partitionTable.flashOffset;
  const entry = r.partitionTable.entries.find((e) => isPrimaryBootloader(e) && e.offset === start);
  if (entry && end - start > entry.size) {
    const entryEnd = entry.offset + entry.size;
    const next = table !== null && table >= entryEnd && table < end
      ? `the partition table at ${hex32(table)}`
      : r.partitionTable.entries
        .filter((e) => e.size > 0 && e.offset >= entryEnd && e.offset < end && !isPrimaryPartitionTable(e))
        .sort((a, b) => a.offset - b.offset)
        .map((e) => `"${e.label}" at ${hex32(e.offset)}`)[0] ?? 'flash that no partition covers';
    add('error', 'BOOTLOADER_EXCEEDS_ENTRY',
      `the bootloader image at ${hex32(start)} ${extent}, past the end of its entry "${entry.label}" (${hex32(entry.offset)}..${hex32(entryEnd)}): it runs into ${next}. Build a smaller bootloader, or move the partition table further (CONFIG_PARTITION_TABLE_OFFSET: ESP-IDF sizes this entry up to the table)`,
      start);
    return;
  }
  if (table !== null && start < table && end > table) {
    add('error', 'BOOTLOADER_OVERLAPS_TABLE',
      `the bootloader image at ${hex32(start)} ${extent}, past the partition table at ${hex32(table)}: written to the chip, one overwrites the other (the bootloader then fails its checksum, or the table is lost). Build a smaller bootloader, or move the partition table to ${hex32(Math.ceil(end / 0x1000) * 0x1000)} or later (CONFIG_PARTITION_TABLE_OFFSET)`,
      start);
  }
}
