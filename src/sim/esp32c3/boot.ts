/**
 * Booting the simulated chip from its flash the way ROM + 2nd-stage bootloader leave it (facts
 * §4.2): g_rom_flashchip configured (size from the bootloader header, id from the flash), SPI read
 * mode from the header, the partition table read, the app chosen (otadata honoured), RAM segments
 * copied, DROM/IROM mapped page by page plus entry 127 → first DROM page, buses opened, cache on,
 * pc = entry, sp inside the ROM boot stack. The bootloader code itself is not executed. A flash
 * that starts with the direct-boot magic (src/image/direct-boot.ts) boots as the ROM does it: the
 * first 4 MiB mapped 1:1 at IROM and DROM, pc = 0x42000008, nothing loaded. A flash whose image at
 * 0 is a Simple Boot app (src/image/simple-boot.ts) boots as the ROM and the app's own start-up
 * leave it: the RAM segments its header counts loaded, its first DROM and first IROM flash segment
 * mapped (the app maps them itself; that code is not executed either), pc = its entry.
 */
import { counted, hex32 } from '../../chips/types.js';
import { esp32c3 } from '../../chips/esp32c3.js';
import {
  DIRECT_BOOT_MAGIC,
  describeChipId,
  describeDirectBoot,
  scanTables,
  directBootMappings,
  findSimpleBootSegments,
  IMAGE_MAGIC,
  formatChipRevision,
  isDirectBootImage,
  maxChipRevisionSet,
  parseImage,
  parseImageHeader,
  parseOtadata,
  parsePartitionTable,
  segmentData,
  selectBootApp,
} from '../../image/index.js';
import type { EspImage, PartitionEntry, SimpleBootLayout } from '../../image/index.js';
import type { Esp32c3 } from './chip.js';
import { ROM_STACK_TOP } from './chip.js';
import { EXTMEM_REG } from './extmem.js';
import { DROM_BASE, IROM_BASE, MMU_PAGE_SIZE } from './mmu.js';
import { initRomData, ROM_IROM_MMU_END_ADDR, ROM_DROM_MMU_END_ADDR } from './rom/rom-data.js';
import { setReadMode, clockRegister } from './rom/spiflash-config.js';
import { SPI_REG } from './spi-mem-regs.js';

export const DEFAULT_PARTITION_TABLE_OFFSET = 0x8000;
/** sp at app entry: in the ROM boot stack the bootloader still runs on. */
export const BOOT_STACK_POINTER = ROM_STACK_TOP - 0x100;

export class BootError extends Error {
  readonly code = 'SIM_BOOT';
  constructor(readonly offset: number, message: string) {
    super(message);
    this.name = 'BootError';
  }
}

export interface BootMapping {
  readonly kind: 'drom' | 'irom';
  readonly vaddr: number;
  readonly flashOffset: number;
  readonly size: number;
  /** MMU entries written (first index, count). */
  readonly firstEntry: number;
  readonly entries: number;
}

export interface BootInfo {
  /** 'app': the 2nd-stage bootloader's way (table, app image); 'direct': the ROM's direct boot; 'simple-boot': a Simple Boot app at 0. */
  readonly mode: 'app' | 'direct' | 'simple-boot';
  /** The app partition booted (null in direct and Simple Boot). */
  readonly partition: PartitionEntry | null;
  readonly reason: string;
  /** The app image booted (null in direct boot). */
  readonly image: EspImage | null;
  readonly entry: number;
  readonly stackPointer: number;
  readonly mappings: readonly BootMapping[];
  /** RAM segments copied: load address and length. */
  readonly loaded: readonly { readonly address: number; readonly length: number }[];
  readonly chipSize: number;
  readonly jedecId: number;
  /** Where the partition table was read (null in direct and Simple Boot). */
  readonly tableOffset: number | null;
  readonly warnings: readonly string[];
}

export interface BootOptions {
  readonly tableOffset?: number;
  /** Reset the hart's registers and CSRs first (default true; false inside the reset-vector host call). */
  readonly resetHart?: boolean;
  /** Bytes the flash image gave, the rest erased (the first boot from a file): a table past them is named as missing for that reason. */
  readonly imageLength?: number;
}

/** Why the ESP-IDF bootloader would refuse the image on this chip (its chip id and revision limits), or ''. */
function chipRefusal(image: EspImage, revision: number): string {
  const h = image.header;
  if (h.chipId !== esp32c3.imageChipId) return `is built for ${describeChipId(h.chipId)}, not the ESP32-C3 (chip id ${esp32c3.imageChipId})`;
  if (revision < h.minChipRevFull) return `needs chip revision ${formatChipRevision(h.minChipRevFull)} or later; this ESP32-C3 is ${formatChipRevision(revision)}`;
  if (maxChipRevisionSet(h.maxChipRevFull) && revision > h.maxChipRevFull) {
    return `runs on chip revisions up to ${formatChipRevision(h.maxChipRevFull)}; this ESP32-C3 is ${formatChipRevision(revision)}`;
  }
  return '';
}

function mapSegment(chip: Esp32c3, kind: 'drom' | 'irom', vaddr: number, flashOffset: number, size: number): BootMapping {
  const base = kind === 'drom' ? DROM_BASE : IROM_BASE;
  const vStart = vaddr & ~(MMU_PAGE_SIZE - 1);
  const pStart = flashOffset & ~(MMU_PAGE_SIZE - 1);
  const total = size + (vaddr - vStart);
  const pages = Math.ceil(total / MMU_PAGE_SIZE);
  const firstEntry = (vStart - base) >>> 16;
  for (let i = 0; i < pages; i++) chip.mmu.set(firstEntry + i, (pStart >>> 16) + i);
  return { kind, vaddr, flashOffset, size, firstEntry, entries: pages };
}

export function bootFromFlash(chip: Esp32c3, options: BootOptions = {}): BootInfo {
  const flash = chip.flash.bytes;
  const warnings: string[] = [];
  const tableOffset = options.tableOffset ?? DEFAULT_PARTITION_TABLE_OFFSET;

  const direct = isDirectBootImage(flash);
  chip.flash.settle();
  chip.resetPeripherals();
  if (options.resetHart ?? true) chip.hart.reset(false);

  // Bootloader header at 0x0: flash size and SPI mode as esptool wrote them.
  let chipSize = chip.flash.size;
  let spiMode = 2; // DIO
  try {
    const h = parseImageHeader(flash.subarray(0, 24));
    if (h.flashSizeBytes) chipSize = h.flashSizeBytes;
    spiMode = h.spiMode <= 5 ? h.spiMode : 2;
    if (chipSize > chip.flash.size) {
      warnings.push(`bootloader header says ${chipSize >>> 20} MB flash but the chip has ${chip.flash.size >>> 20} MB`);
    }
  } catch {
    // A direct-boot flash has none by design.
    if (!direct) warnings.push('no bootloader image header at flash 0x0: g_rom_flashchip.chip_size taken from the flash chip, DIO mode');
  }
  initRomData(chip.bus, chip.flash.jedecId, chipSize);
  for (const spi of [chip.spi0, chip.spi1]) {
    setReadMode(spi, spiMode);
    spi.write32(SPI_REG.CLOCK, clockRegister(1)); // 80 MHz, as a typical bootloader leaves it
  }

  if (direct) return directBoot(chip, chipSize, warnings);
  const image0 = imageAt0(flash);
  const simple = image0 && findSimpleBootLayout(image0, flash);
  if (image0 && simple) return simpleBoot(chip, image0, simple, chipSize, warnings);

  // Partition table and the app to boot.
  const app0 = image0 && appImageMaps(image0);
  if (app0) warnings.push(`flash 0x0 holds an app image (${app0}), not a bootloader: the ROM would not start this flash (it loads only RAM segments); the simulator boots the table's app without running a bootloader`);
  let table;
  try {
    table = parsePartitionTable(flash.subarray(tableOffset, tableOffset + 0xc00), { tableOffset, flashSize: chip.flash.size });
  } catch (e) {
    const why = (e as Error).message;
    const where = why.startsWith('no partition table') ? why : `no partition table at ${hex32(tableOffset)}: ${why}`;
    // An app file given where a whole flash image belongs: say so, not "move the table".
    if (app0) {
      throw new BootError(0, `flash 0x0 holds an app image (${app0}), not a bootloader, and there is ${where}. It is an app file, not a whole flash image: ` +
        'boot one that holds a bootloader at 0x0, a partition table and the app in its partition (ESP-IDF\'s build folder has all three: ' +
        'espalgo image merge -o flash.bin 0x0 bootloader.bin 0x8000 partition-table.bin 0x10000 app.bin)');
    }
    // A bootloader (or any other part) given alone: the table is not moved, it is not in the file.
    const short = options.imageLength !== undefined && options.imageLength <= tableOffset;
    if (short && options.tableOffset !== undefined) {
      // The offset given lies past the image: the offset is the suspect, not the image.
      const found = scanTables(flash.subarray(0, options.imageLength), 0).found[0]?.candidate.flashOffset;
      throw new BootError(tableOffset, `${where}: --table-offset ${hex32(tableOffset)} lies past the end of the ${options.imageLength}-byte flash image${found === DEFAULT_PARTITION_TABLE_OFFSET ? `, whose partition table is at the default ${hex32(found)}: leave --table-offset out` : found !== undefined ? `, whose partition table is at ${hex32(found)}: give --table-offset ${hex32(found)}` : '; give the offset of its partition table'}`);
    }
    throw new BootError(tableOffset, short
      ? `${where}. The flash image has only ${options.imageLength} bytes, so the flash from ${hex32(options.imageLength!)} on is erased: ` +
        'boot a whole flash image, with a bootloader at 0x0, a partition table and the apps (espalgo image merge makes one from the parts)'
      : `${where}; give the right offset with --table-offset`);
  }
  if (table.entries.length === 0) throw new BootError(tableOffset, `the partition table at ${hex32(tableOffset)} has no entries; give the right offset with --table-offset`);
  // ESP-IDF's bootloader checks the table's MD5 entry (esp_partition_table_verify) and stops on a mismatch.
  if (table.md5?.present && !table.md5.valid) {
    throw new BootError(tableOffset, `the partition table at ${hex32(tableOffset)} does not match its MD5 entry: the bootloader would refuse it and not start any app; rebuild the table (espalgo image partition-table, or ESP-IDF's gen_esp32part.py)`);
  }
  const otaPart = table.entries.find((e) => e.type === 0x01 && e.subtype === 0x00);
  let otadata: Uint8Array | undefined;
  if (otaPart && otaPart.offset + 0x2000 <= flash.length) {
    otadata = flash.slice(otaPart.offset, otaPart.offset + 0x2000);
    try {
      parseOtadata(otadata);
    } catch {
      otadata = undefined;
    }
  }
  const selection = selectBootApp(table, otadata);
  const part = selection.entry;
  if (!part) throw new BootError(tableOffset, `nothing to boot: ${selection.reason}`);

  let image: EspImage;
  try {
    image = parseImage(flash.subarray(part.offset, Math.min(flash.length, part.offset + part.size)), { verify: 'checksum', chip: esp32c3 });
  } catch (e) {
    throw new BootError(part.offset, `app partition "${part.label}" at ${hex32(part.offset)} holds no valid image: ${(e as Error).message}`);
  }
  if (image.checksum.valid === false) throw new BootError(part.offset, `app image at ${hex32(part.offset)} has a bad checksum; the bootloader would refuse it`);
  const refusal = chipRefusal(image, chip.efuse.chipRevision);
  if (refusal) throw new BootError(part.offset, `app image at ${hex32(part.offset)} ${refusal}; the bootloader would refuse it`);

  // Load RAM segments, collect flash-mapped ones.
  const flashSegs: FlashSegment[] = [];
  const appBytes = flash.subarray(part.offset, part.offset + part.size);
  for (const seg of image.segments) {
    if (seg.kind === 'drom' || seg.kind === 'irom') flashSegs.push({ kind: seg.kind, vaddr: seg.loadAddress, offset: part.offset + seg.dataOffset, size: seg.length });
  }
  const loaded = loadRamSegments(chip, image, appBytes, warnings);

  // MMU: all invalid, DROM, entry 127, IROM; buses open; cache on with autoload.
  const mappings = mapFirstSegments(chip, flashSegs, true, warnings, 'the bootloader maps');

  chip.hart.pc = image.header.entry;
  chip.hart.x[2] = BOOT_STACK_POINTER;
  return {
    mode: 'app',
    partition: part,
    reason: selection.reason,
    image,
    entry: image.header.entry,
    stackPointer: BOOT_STACK_POINTER,
    mappings,
    loaded,
    chipSize,
    jedecId: chip.flash.jedecId,
    tableOffset,
    warnings,
  };
}

interface FlashSegment {
  readonly kind: 'drom' | 'irom';
  readonly vaddr: number;
  readonly offset: number;
  readonly size: number;
}

/** Copy the image's RAM segments (`bytes` from the image start) into RAM; the others are not the ROM's or the bootloader's to load. */
function loadRamSegments(chip: Esp32c3, image: EspImage, bytes: Uint8Array, warnings: string[]): { address: number; length: number }[] {
  const loaded: { address: number; length: number }[] = [];
  for (const seg of image.segments) {
    if (seg.kind === 'padding' || seg.kind === 'drom' || seg.kind === 'irom') continue;
    if (seg.kind === 'dram' || seg.kind === 'iram' || seg.kind === 'rtc') {
      chip.bus.writeBlock(seg.loadAddress, segmentData(bytes, seg));
      loaded.push({ address: seg.loadAddress, length: seg.length });
      continue;
    }
    warnings.push(`segment ${seg.index} at ${hex32(seg.loadAddress)} (${seg.length} bytes) is not in any region the bootloader loads; skipped`);
  }
  return loaded;
}

/**
 * MMU all invalid, then the first DROM (and entry 127 → its first page, where `entry127`) and the
 * first IROM segment mapped; buses open, cache on.
 */
function mapFirstSegments(chip: Esp32c3, segments: readonly FlashSegment[], entry127: boolean, warnings: string[], who: string): BootMapping[] {
  chip.mmu.invalidateAll();
  const mappings: BootMapping[] = [];
  const drom = segments.find((s) => s.kind === 'drom');
  const irom = segments.find((s) => s.kind === 'irom');
  if (drom) {
    mappings.push(mapSegment(chip, 'drom', drom.vaddr, drom.offset, drom.size));
    if (entry127) chip.mmu.set(127, (drom.offset & ~(MMU_PAGE_SIZE - 1)) >>> 16);
  }
  if (irom) mappings.push(mapSegment(chip, 'irom', irom.vaddr, irom.offset, irom.size));
  if (segments.length > 2) warnings.push(`${segments.length} flash-mapped segments; ${who} only the first DROM and the first IROM one`);
  enableCache(chip, mappings);
  return mappings;
}

/** The ESP image at flash 0 (a bootloader, a Simple Boot app, an app put there by mistake), if one decodes. */
function imageAt0(flash: Uint8Array): EspImage | undefined {
  if (flash[0] !== IMAGE_MAGIC) return undefined;
  try {
    return parseImage(flash.subarray(0, 0x100000), { chip: esp32c3 });
  } catch {
    return undefined;
  }
}

/** The flash segments of the image at 0 read as a Simple Boot app, if it is one. */
function findSimpleBootLayout(image: EspImage, flash: Uint8Array): SimpleBootLayout | undefined {
  try {
    return findSimpleBootSegments(image, flash, esp32c3);
  } catch {
    return undefined;
  }
}

/**
 * What the image at flash 0 maps, when it is an app (its segments load into DROM/IROM, which the
 * ROM cannot load a bootloader into), e.g. "it maps DROM and IROM"; undefined for a bootloader or
 * any other RAM-only image.
 */
function appImageMaps(image: EspImage): string | undefined {
  if (image.ramOnly) return undefined;
  const kinds = [...new Set(image.segments.filter((seg) => seg.kind === 'drom' || seg.kind === 'irom').map((seg) => seg.kind.toUpperCase()))];
  return `it maps ${kinds.join(' and ')}`;
}

/** A Simple Boot app at 0: its RAM segments loaded (the ROM's part), its flash segments mapped (the app's own start-up, not executed). */
function simpleBoot(chip: Esp32c3, image: EspImage, layout: SimpleBootLayout, chipSize: number, warnings: string[]): BootInfo {
  const loaded = loadRamSegments(chip, image, chip.flash.bytes, warnings);
  const segments = layout.segments.map((s) => ({ kind: s.kind, vaddr: s.loadAddress, offset: s.flashOffset, size: s.length }));
  for (const f of layout.findings) {
    warnings.push(f.code === 'SIMPLE_BOOT_ENTRY_IN_FLASH' ? `${f.message} (the simulator maps the flash segments first, so here it starts)` : f.message);
  }
  const mappings = mapFirstSegments(chip, segments, false, warnings, 'the simulator maps');
  const entry = image.header.entry;
  chip.hart.pc = entry;
  chip.hart.x[2] = BOOT_STACK_POINTER;
  return {
    mode: 'simple-boot',
    partition: null,
    reason: `Simple Boot: the image at 0x0 has a RAM-only header and ${counted(layout.segments.length, 'flash segment')} after its checksum, which the app maps itself (no bootloader, no partition table)`,
    image,
    entry,
    stackPointer: BOOT_STACK_POINTER,
    mappings,
    loaded,
    chipSize,
    jedecId: chip.flash.jedecId,
    tableOffset: null,
    warnings,
  };
}

/** Buses open, cache on with autoload, and the ROM's record of where the IROM MMU entries end. */
function enableCache(chip: Esp32c3, mappings: readonly BootMapping[]): void {
  chip.extmem.write32(EXTMEM_REG.ICACHE_CTRL1, 0);
  chip.extmem.write32(EXTMEM_REG.ICACHE_AUTOLOAD_CTRL, 1 << 2);
  chip.extmem.write32(EXTMEM_REG.ICACHE_CTRL, 1);
  const iromPages = mappings.find((m) => m.kind === 'irom');
  chip.bus.write32(ROM_IROM_MMU_END_ADDR, iromPages ? (iromPages.firstEntry + iromPages.entries) * 4 : 0);
  chip.bus.write32(ROM_DROM_MMU_END_ADDR, 0x200);
}

/** The ROM's direct boot: the flash from 0 mapped 1:1 at IROM and DROM (one MMU entry per page serves both), nothing loaded. */
function directBoot(chip: Esp32c3, chipSize: number, warnings: string[]): BootInfo {
  const plan = directBootMappings(esp32c3, chip.flash.size)!;
  chip.mmu.invalidateAll();
  const mappings = plan.mappings.map((m) => mapSegment(chip, m.kind, m.vaddr, m.flashOffset, m.size));
  enableCache(chip, mappings);
  chip.hart.pc = plan.entry;
  chip.hart.x[2] = BOOT_STACK_POINTER;
  return {
    mode: 'direct',
    partition: null,
    reason: `direct boot: flash 0x0 starts with the magic ${hex32(DIRECT_BOOT_MAGIC)} twice, so ${describeDirectBoot(plan)}`,
    image: null,
    entry: plan.entry,
    stackPointer: BOOT_STACK_POINTER,
    mappings,
    loaded: [],
    chipSize,
    jedecId: chip.flash.jedecId,
    tableOffset: null,
    warnings,
  };
}
