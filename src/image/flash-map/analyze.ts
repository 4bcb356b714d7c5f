/**
 * analyzeFlashMap: from the bytes of a flash file to a plain report — where the file sits in
 * flash, which chip, the partition table(s), the app that boots and every flash mapping of every
 * app, plus findings about what would trip OpenOCD's flash stub. Structure only: no hashing and
 * no scan of the data beyond a two-byte probe per 4 KiB boundary, unless `verify` is set.
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { CHIPS, chipByImageId, findChip, hex32 } from '../../chips/index.js';
import { directBootAppNote, directBootMappings } from '../direct-boot.js';
import type { PartitionEntry } from '../types.js';
import { analyzeApp, simpleBootAppInfo, type AppSlot } from './app.js';
import { chooseBootApp, decodeImage, flashSizeFromCode, imageVerification, IMAGE_MAGIC, SBV2_SECTOR_SIZE, spiModeName } from './codec.js';
import { FlashMapInputError } from './errors.js';
import { hWide } from '../errors.js';
import { collectFindings } from './findings.js';
import { inferPlacement } from './placement.js';
import { predictStub } from './stub-model.js';
import { DEFAULT_TABLE_OFFSET, scanTables, tableAt, type FoundTable } from './table-scan.js';
import type {
  AnalyzeFlashMapOptions, AppInfo, BootloaderInfo, ChipDecision, FlashMapReport, FlashSizeInfo, ImageVerification, PartitionRow,
} from './types.js';

/** An option as the command line names it (library messages use the flag names). */
const FLAG: Record<string, string> = { baseOffset: '--base-offset', tableOffset: '--table-offset', appOffset: '--app-offset', flashSize: '--flash-size' };

function checkOption(name: string, v: number | undefined, most = 0xffffffff): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > most)) {
    throw new FlashMapInputError('FLASHMAP_BAD_OPTION', `${FLAG[name] ?? name} must be a whole number from 0 to ${hWide(most)}, not ${Number.isInteger(v) && v >= 0 ? hWide(v) : v}`);
  }
}

function chooseTable(found: FoundTable[], given: number | undefined, bytes: Uint8Array, base: number): { table: FoundTable | null; decidedBy: string } {
  if (given !== undefined) {
    const t = found.find((f) => f.candidate.flashOffset === given) ?? tableAt(bytes, given - base, given, true);
    return t ? { table: t, decidedBy: `given: ${hex32(given)}` } : { table: null, decidedBy: `no valid table at the given offset ${hex32(given)}` };
  }
  const dflt = found.find((f) => f.candidate.flashOffset === DEFAULT_TABLE_OFFSET);
  if (dflt) return { table: dflt, decidedBy: `found at the default ${hex32(DEFAULT_TABLE_OFFSET)}` };
  const first = found[0];
  if (first) {
    return {
      table: first,
      decidedBy: `nothing at the default ${hex32(DEFAULT_TABLE_OFFSET)}; found at ${hex32(first.candidate.flashOffset)} by scanning 4 KiB boundaries (a bootloader built with CONFIG_PARTITION_TABLE_OFFSET=${hex32(first.candidate.flashOffset)})`,
    };
  }
  return { table: null, decidedBy: 'no partition table at any 4 KiB boundary of the file' };
}

function rows(entries: readonly PartitionEntry[]): PartitionRow[] {
  return entries.map((e, i) => ({
    index: e.index ?? i, label: e.label, type: e.type, subtype: e.subtype, typeName: e.typeName, subtypeName: e.subtypeName,
    offset: e.offset, size: e.size, encrypted: e.flags.encrypted, readonly: e.flags.readonly,
  }));
}

export function analyzeFlashMap(bytes: Uint8Array, options: AnalyzeFlashMapOptions = {}): FlashMapReport {
  checkOption('baseOffset', options.baseOffset);
  checkOption('tableOffset', options.tableOffset);
  checkOption('appOffset', options.appOffset);
  checkOption('flashSize', options.flashSize, 0x100000000);
  if (options.flashSize === 0) throw new FlashMapInputError('FLASHMAP_BAD_OPTION', '--flash-size must be more than 0');
  let givenChip: ChipDescriptor | undefined;
  if (options.chip !== undefined) {
    givenChip = typeof options.chip === 'string' ? findChip(options.chip) : options.chip;
    if (!givenChip) throw new FlashMapInputError('FLASHMAP_BAD_OPTION', `unknown chip "${options.chip}"`);
  }
  if (bytes.length === 0) throw new FlashMapInputError('FLASHMAP_EMPTY_FILE', 'the file is empty');
  if ((options.baseOffset ?? 0) + bytes.length > 0x100000000) {
    throw new FlashMapInputError('FLASHMAP_BAD_OPTION', `--base-offset ${hex32(options.baseOffset!)}: the file's ${bytes.length} bytes would run past 4 GiB, where flash offsets end; give the flash offset of the file's byte 0`);
  }
  const verify = options.verify === true;

  const placed = inferPlacement(bytes, {
    ...(givenChip ? { chip: givenChip } : {}),
    ...(options.baseOffset !== undefined ? { baseOffset: options.baseOffset } : {}),
    ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
    ...(options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {}),
  });
  const base = placed.placement.baseOffset;
  const bl = placed.bootloader;
  const bootloaderFlash = placed.bootloaderFileOffset === null ? null : base + placed.bootloaderFileOffset;
  const bootloader: BootloaderInfo | null = bl && bootloaderFlash !== null
    ? {
        flashOffset: bootloaderFlash, chipId: bl.header.chipId, entry: bl.header.entry, segmentCount: bl.header.segmentCount,
        spiMode: spiModeName(bl.header.spiMode), flashSizeCode: bl.header.flashSizeCode, length: bl.length,
        descriptor: bl.bootloaderDesc ? { version: bl.bootloaderDesc.version, idfVer: bl.bootloaderDesc.idfVer, dateTime: bl.bootloaderDesc.dateTime } : null,
        verification: verify ? verifyBootloader(bytes, placed.bootloaderFileOffset!, bl.length) : null,
        signature: bl.signature
          ? { scheme: bl.signature.scheme, flashOffset: bootloaderFlash + bl.signature.offset, length: bl.signature.scheme === 'sbv2' ? SBV2_SECTOR_SIZE : bl.signature.length }
          : null,
      }
    : null;

  const scan = scanTables(bytes, base, options.scanAllTables === true);
  const found = scan.found;
  const chosen = chooseTable(found, options.tableOffset, bytes, base);
  const table = chosen.table?.table ?? null;
  const entries = table?.entries ?? [];
  const appEntries = entries.filter((e) => e.type === 0x00);

  // Chip: option, else bootloader header, else the first readable app header.
  let chip: ChipDescriptor | null = givenChip ?? placed.headerChip;
  let chipDecidedBy = givenChip ? 'given' : placed.headerChip ? `chip id ${placed.headerChip.imageChipId} in the ${bl ? 'bootloader' : placed.unreadableStart !== undefined ? 'unreadable image\'s' : 'app'} header` : '';
  if (!chip) {
    const probes = [...(options.appOffset !== undefined ? [options.appOffset] : []), ...appEntries.map((e) => e.offset)];
    for (const off of probes) {
      const at = off - base;
      if (at < 0 || at + 24 > bytes.length || bytes[at] !== IMAGE_MAGIC) continue;
      const c = chipByImageId(bytes[at + 12]! | (bytes[at + 13]! << 8));
      if (c) {
        chip = c;
        chipDecidedBy = `chip id ${c.imageChipId} in the app header at ${hex32(off)}`;
        break;
      }
    }
  }
  const direct = placed.placement.kind === 'direct-boot' && !table && options.appOffset === undefined;
  if (!chip && direct) {
    const withIt = CHIPS.filter((c) => c.directBootMapBytes !== undefined);
    chip = withIt[0] ?? null;
    if (chip) chipDecidedBy = `direct boot, which the ${withIt.map((c) => c.displayName).join(' and the ')} have: no header names the chip, so the ${chip.displayName} is assumed; give --chip for another`;
  }
  const chipDecision: ChipDecision = chip
    ? { name: chip.name, displayName: chip.displayName, decidedBy: chipDecidedBy }
    : { name: null, displayName: null, decidedBy: 'no header names a known chip; give --chip' };

  // Which app boots.
  let bootEntry: PartitionEntry | undefined;
  let bootReason: string;
  let bootFlash: number | null = null;
  const simple = options.appOffset === undefined && chip ? placed.simpleBoot : undefined;
  if (options.appOffset !== undefined) {
    bootFlash = options.appOffset;
    bootEntry = appEntries.find((e) => e.offset === options.appOffset);
    bootReason = `given app offset ${hex32(options.appOffset)}`;
  } else if (simple) {
    bootReason = `Simple Boot: the ROM loads the RAM segments of the image at ${hex32(base + simple.fileOffset)} and runs it; the app maps its flash segments itself (no ESP-IDF bootloader; no partition table needed)`;
  } else if (table) {
    const otaEntry = entries.find((e) => e.type === 0x01 && e.subtype === 0x00);
    let otadata: Uint8Array | undefined;
    if (otaEntry && otaEntry.offset - base >= 0 && otaEntry.offset - base + 0x2000 <= bytes.length) {
      otadata = bytes.subarray(otaEntry.offset - base, otaEntry.offset - base + 0x2000);
    }
    let sel;
    try {
      sel = chooseBootApp(table, otadata);
    } catch (err) {
      sel = { reason: `otadata unreadable: ${(err as Error).message}` };
    }
    bootEntry = sel.entry;
    bootReason = sel.reason;
    bootFlash = bootEntry ? bootEntry.offset : null;
  } else if (direct) {
    bootReason = 'direct boot: no bootloader and no partition table; the ROM maps the flash from 0x0 and runs it in place';
  } else if (placed.placement.kind === 'app-image') {
    bootFlash = base;
    bootReason = 'the file is an app image';
  } else {
    bootReason = 'no partition table, so no app partition to boot';
  }

  const slots: AppSlot[] = appEntries.map((e, i) => ({ flashOffset: e.offset, entry: e, booting: e === bootEntry, firstInTable: i === 0 }));
  if (bootFlash !== null && !bootEntry) slots.push({ flashOffset: bootFlash, entry: null, booting: true, firstInTable: false });
  const apps: AppInfo[] = slots.map((s) => analyzeApp(bytes, base, s, chip ?? undefined, verify).info);
  const directApp = direct && chip ? directBootApp(chip, options.flashSize ?? Infinity) : null;
  if (directApp) apps.push(directApp);
  if (simple && chip) {
    const image = verify ? decodeImage(bytes.subarray(simple.fileOffset), chip, true) : simple.image;
    apps.push(simpleBootAppInfo(image, simple.layout, base + simple.fileOffset, verify));
  }
  const bootApp = apps.find((a) => a.booting) ?? null;

  // Flash size: option, else bootloader header, else the booting app's header.
  const extent = entries.length ? Math.max(...entries.map((e) => e.offset + e.size)) : null;
  let sizeBytes: number | null = null;
  let source: FlashSizeInfo['source'] = 'unknown';
  if (options.flashSize !== undefined) {
    sizeBytes = options.flashSize;
    source = options.flashSizeSource ?? 'option';
  } else if (bl && flashSizeFromCode(bl.header.flashSizeCode) !== undefined) {
    sizeBytes = flashSizeFromCode(bl.header.flashSizeCode)!;
    source = 'bootloader-header';
  } else if (simple && flashSizeFromCode(simple.image.header.flashSizeCode) !== undefined) {
    sizeBytes = flashSizeFromCode(simple.image.header.flashSizeCode)!;
    source = 'app-header';
  } else if (bootApp && bootApp.format !== 'outside-file' && bootFlash !== null) {
    const at = bootFlash - base;
    const s = bytes[at] === 0xe9 ? flashSizeFromCode(bytes[at + 3]! >> 4) : undefined;
    if (s !== undefined) {
      sizeBytes = s;
      source = 'app-header';
    }
  }
  const flashSize: FlashSizeInfo = {
    bytes: sizeBytes, source, bootloaderHeaderCode: bl ? bl.header.flashSizeCode : null, tableExtent: extent,
    tableFits: sizeBytes === null || extent === null ? null : extent <= sizeBytes,
  };

  const openocdStub = predictStub({
    bytes, baseOffset: base, chip, flashSize: sizeBytes,
    ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
  });

  const report: Omit<FlashMapReport, 'findings'> = {
    fileSize: bytes.length,
    placement: placed.placement,
    chip: chipDecision,
    flashSize,
    bootloader,
    partitionTable: {
      flashOffset: chosen.table?.candidate.flashOffset ?? null, decidedBy: chosen.decidedBy, scan: scan.description,
      candidates: found.map((f) => f.candidate), entries: rows(entries),
    },
    bootApp,
    bootReason,
    apps,
    openocdStub,
  };
  return { ...report, findings: collectFindings(report, { tableOffsetGiven: options.tableOffset, appOffsetGiven: options.appOffset, chip, tableFindings: table?.findings ?? [], ...(placed.unreadableStart !== undefined ? { unreadableStart: placed.unreadableStart } : {}) }) };
}

/** Checksum and SHA-256 of the bootloader image found at `fileOffset` (placement reads its headers only). */
function verifyBootloader(bytes: Uint8Array, fileOffset: number, length: number): ImageVerification {
  return imageVerification(decodeImage(bytes.subarray(fileOffset, fileOffset + length), undefined, true));
}

/** The program of a direct-boot flash, as an app: what the ROM maps, from flash 0. */
function directBootApp(chip: ChipDescriptor, flashSize: number): AppInfo | null {
  const plan = directBootMappings(chip, flashSize);
  if (!plan) return null;
  return {
    label: null, subtypeName: null, flashOffset: 0, partitionSize: null, booting: true, firstInTable: false,
    format: 'direct-boot',
    note: directBootAppNote(plan),
    chipId: null, entry: plan.entry, imageLength: null, appDesc: null,
    mappings: plan.mappings.map((m) => ({ segment: null, kind: m.kind, flashOffset: m.flashOffset, vaddr: m.vaddr, size: m.size })),
    segments: [], verification: null, imageFindings: [],
  };
}
