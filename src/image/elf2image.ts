/**
 * Build an ESP app image from an ELF file for a chip.
 *
 * Segment order (what ESP-IDF's images look like):
 *   1. flash-mapped read-only data (DROM; it starts with the app descriptor), by address;
 *   2. RAM segments (DRAM, IRAM, anything not flash and not RTC), by address;
 *   3. flash-mapped code (IROM), by address;
 *   4. RTC / LP memory segments, by address.
 * Adjacent pieces of the same kind are merged. Before each flash-mapped segment a padding segment
 * (load address 0) is inserted when needed so that the data's offset in the image equals its
 * virtual address modulo the MMU page (the image sits at a page-aligned flash offset, so the cache
 * can map it). On chips with one shared flash window, executable pieces count as IROM and the rest
 * as DROM. The output depends only on the ELF bytes, the chip and the options.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { ImageFormatError, h32 } from './errors.js';
import { buildImage } from './image-build.js';
import { buildRamOnlyHeaderImage } from './simple-boot-build.js';
import { IMAGE_HEADER_SIZE, MAX_SEGMENTS, SEGMENT_HEADER_SIZE } from './image-header.js';
import { classifyAddress, isFlashMapped, outsideChipMemory } from './segment-kind.js';
import { PF_X, PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, elfSectionData, elfSegmentData } from './elf.js';
import { sha256 } from './hash.js';
import { hasAppDescriptor } from './app-desc.js';
import type { BuildSegment, Elf2ImageOptions, ElfFile } from './types.js';

/** Where elf2image puts a piece: flash-mapped data, RAM, flash-mapped code, RTC memory. */
export type Elf2ImageGroup = 'drom' | 'ram' | 'irom' | 'rtc';

/** One loadable piece of an ELF, with the image group it goes to. */
export interface ElfLoadablePiece {
  readonly address: number;
  data: Uint8Array;
  readonly group: Elf2ImageGroup;
  readonly origin: string;
}

/** Loadable pieces of the ELF (program headers or allocated sections) with their group. */
export function elfLoadablePieces(elf: ElfFile, chip: ChipDescriptor, source: 'segments' | 'sections' = 'segments'): ElfLoadablePiece[] {
  const raw: { address: number; data: Uint8Array; exec: boolean; origin: string }[] = [];
  if (source === 'segments') {
    for (const ph of elf.programHeaders) {
      if (ph.type !== PT_LOAD || ph.fileSize === 0) continue;
      raw.push({ address: ph.vaddr, data: elfSegmentData(elf, ph), exec: (ph.flags & PF_X) !== 0, origin: `program header ${ph.index}` });
    }
  } else {
    for (const s of elf.sections) {
      if ((s.flags & SHF_ALLOC) === 0 || s.type === SHT_NOBITS || s.size === 0 || s.addr === 0) continue;
      raw.push({ address: s.addr, data: elfSectionData(elf, s), exec: (s.flags & SHF_EXECINSTR) !== 0, origin: `section ${s.name || s.index}` });
    }
  }
  return raw.map((r) => {
    let group: Elf2ImageGroup;
    if (isFlashMapped(chip, r.address)) {
      if (chip.sharedFlashWindow) group = r.exec ? 'irom' : 'drom';
      else group = classifyAddress(chip, r.address) === 'irom' ? 'irom' : 'drom';
    } else group = classifyAddress(chip, r.address) === 'rtc' ? 'rtc' : 'ram';
    return { address: r.address >>> 0, data: r.data, group, origin: r.origin };
  });
}

/** Sort by address and merge pieces of the same group that touch. */
function mergeAdjacent(pieces: ElfLoadablePiece[]): ElfLoadablePiece[] {
  const sorted = [...pieces].sort((a, b) => a.address - b.address || a.origin.localeCompare(b.origin));
  const out: ElfLoadablePiece[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.group === p.group && last.address + last.data.length === p.address) {
      const data = new Uint8Array(last.data.length + p.data.length);
      data.set(last.data);
      data.set(p.data, last.data.length);
      last.data = data;
    } else if (last && p.address < last.address + last.data.length) {
      throw new ImageFormatError(
        'ELF_UNMAPPABLE',
        `${p.origin} at ${h32(p.address)} overlaps ${last.origin} (${h32(last.address)}..${h32(last.address + last.data.length)})`,
        { found: p.address },
      );
    } else out.push({ ...p });
  }
  return out;
}

export function elf2image(elf: ElfFile, chip: ChipDescriptor, options: Elf2ImageOptions = {}): Uint8Array {
  const page = options.mmuPageSize ?? chip.mmuPageSizes[0] ?? 0x10000;
  if (!Number.isInteger(page) || page <= 0 || (page & (page - 1)) !== 0) {
    throw new ImageFormatError('IMAGE_BUILD', `MMU page size ${page} is not a power of two`, { found: page });
  }
  if (!chip.mmuPageSizes.includes(page)) {
    // Padded for a page the chip cannot use, the flash segments would not map: the bootloader refuses the image.
    throw new ImageFormatError(
      'IMAGE_BUILD',
      `the ${chip.displayName} has no ${page / 1024} KiB MMU page; its MMU pages are ${chip.mmuPageSizes.map((p) => `${p / 1024} KiB`).join(', ')}`,
      { expected: chip.mmuPageSizes.join(', '), found: page },
    );
  }
  const pieces = mergeAdjacent(elfLoadablePieces(elf, chip, options.source ?? 'segments'));
  if (pieces.length === 0) {
    throw new ImageFormatError('ELF_NO_SEGMENTS', `the ELF has no loadable ${options.source ?? 'segments'} with data; nothing to put in an image`);
  }
  const stray = pieces.find((p) => outsideChipMemory(chip, p.address, p.data.length));
  if (stray) {
    throw new ImageFormatError(
      'ELF_LOAD_ADDRESS',
      `${stray.origin} loads at ${h32(stray.address)}..${h32(stray.address + stray.data.length)}, which is not RAM, RTC memory or the flash window of the ${chip.displayName}, so its bootloader would refuse the image; is the ELF built for another chip?`,
      { found: stray.address },
    );
  }
  const flash = pieces.filter((p) => p.group === 'drom' || p.group === 'irom');
  for (const p of flash) {
    if (p.address % 4 !== 0) {
      throw new ImageFormatError('ELF_UNMAPPABLE', `flash-mapped ${p.origin} starts at ${h32(p.address)}, which is not 4-byte aligned`, { found: p.address });
    }
  }
  // Two flash pieces may not share an MMU page: one page maps one place in flash.
  const byAddr = [...flash].sort((a, b) => a.address - b.address);
  for (let i = 0; i + 1 < byAddr.length; i++) {
    const a = byAddr[i]!;
    const b = byAddr[i + 1]!;
    const aLastPage = Math.floor((a.address + Math.max(a.data.length, 1) - 1) / page);
    if (Math.floor(b.address / page) <= aLastPage) {
      throw new ImageFormatError(
        'ELF_UNMAPPABLE',
        `${b.origin} at ${h32(b.address)} lands in the same 0x${page.toString(16)} MMU page as ${a.origin} at ${h32(a.address)}; link them into separate pages or merge them`,
        { found: b.address },
      );
    }
  }
  const elfHash = options.elfSha256InAppDesc ?? 'auto';
  if (elfHash !== false) {
    // ESP-IDF links the app descriptor first in the read-only data: the lowest flash-mapped data piece.
    const first = pieces.find((p) => p.group === 'drom');
    const hasDesc = first !== undefined && first.data.length >= 256 && hasAppDescriptor(first.data, 0);
    if (hasDesc) {
      const data = first.data.slice();
      data.set(sha256(elf.bytes), 144);
      first.data = data;
    } else if (elfHash === true) {
      throw new ImageFormatError(
        'IMAGE_BUILD',
        `no app descriptor to write the ELF's SHA-256 into: ${first ? `the flash-mapped read-only data at ${h32(first.address)} does not start with one (magic 0xabcd5432)` : 'the ELF has no flash-mapped read-only data (DROM), where ESP-IDF puts it'}; link esp_app_desc first in the read-only data, or build without the ELF's SHA-256`,
      );
    }
  }
  const header = {
    chip,
    entry: elf.entry,
    ...(options.spiMode !== undefined ? { spiMode: options.spiMode } : {}),
    ...(options.spiSpeed !== undefined ? { spiSpeed: options.spiSpeed } : {}),
    ...(options.flashSizeCode !== undefined ? { flashSizeCode: options.flashSizeCode } : {}),
    ...(options.minChipRevFull !== undefined ? { minChipRevFull: options.minChipRevFull } : {}),
    maxChipRevFull: options.maxChipRevFull ?? 0xffff,
  };
  if (options.ramOnlyHeader) {
    if (options.appendSha256 === true) {
      throw new ImageFormatError('IMAGE_BUILD', 'an image with a RAM-only header carries no SHA-256 (the ROM checks only the checksum of the RAM segments); build it without one');
    }
    return buildRamOnlyHeaderImage(pieces, header, page, chip.bootloaderOffset, options.source === 'sections');
  }
  const ordered = ELF2IMAGE_SEGMENT_ORDER.flatMap((g) => pieces.filter((p) => p.group === g));

  const segments: BuildSegment[] = [];
  let pos = IMAGE_HEADER_SIZE;
  for (const p of ordered) {
    const isFlash = p.group === 'drom' || p.group === 'irom';
    if (isFlash && (pos + SEGMENT_HEADER_SIZE) % page !== p.address % page) {
      const pad = (((p.address - pos - 2 * SEGMENT_HEADER_SIZE) % page) + page) % page;
      segments.push({ loadAddress: 0, data: new Uint8Array(pad) });
      pos += SEGMENT_HEADER_SIZE + pad;
    }
    segments.push({ loadAddress: p.address, data: p.data });
    pos += SEGMENT_HEADER_SIZE + ((p.data.length + 3) & ~3);
  }
  if (segments.length > MAX_SEGMENTS) {
    throw new ImageFormatError(
      'IMAGE_BUILD',
      `the ELF needs ${segments.length} image segments (including padding) but an image holds at most ${MAX_SEGMENTS}; merge sections in the linker script`,
      { expected: MAX_SEGMENTS, found: segments.length },
    );
  }
  return buildImage({ ...header, segments, appendSha256: options.appendSha256 ?? true });
}

/** The order elf2image writes segment groups in. */
export const ELF2IMAGE_SEGMENT_ORDER: readonly Elf2ImageGroup[] = ['drom', 'ram', 'irom', 'rtc'];
