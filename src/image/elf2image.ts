/**
 * Build an ESP app image from an ELF file for a chip, laid out as esptool elf2image lays it out
 * (see elf2image-layout.ts): flash-mapped pieces in address order, each at its address modulo
 * the MMU page (the image sits at a page-aligned flash offset, so the cache can map it), with
 * RAM pieces (split where needed) filling the gaps before them and the rest of RAM after them.
 * Pieces that follow each other in the ELF and touch, in the same kind of memory, are merged
 * first. The output depends only on the ELF bytes, the chip and the options.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { ImageFormatError, h32, hWide } from './errors.js';
import { buildImage } from './image-build.js';
import { buildRamOnlyHeaderImage } from './simple-boot-build.js';
import { IMAGE_HEADER_SIZE, MAX_SEGMENTS, SEGMENT_HEADER_SIZE } from './image-header.js';
import { classifyAddress, isFlashMapped, outsideChipMemory } from './segment-kind.js';
import { imageOrder, layOutSegments } from './elf2image-layout.js';
import { ET_EXEC, PF_X, PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, elfSectionData, elfSegmentData } from './elf.js';
import { sha256 } from './hash.js';
import { APP_DESC_ELF_SHA256_AT, hasAppDescriptor } from './app-desc.js';
import { SHA256_LENGTH } from './image.js';
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

function padTo4(data: Uint8Array): Uint8Array {
  if (data.length % 4 === 0) return data;
  const out = new Uint8Array((data.length + 3) & ~3);
  out.set(data);
  return out;
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
    // Each piece's length is rounded up to a multiple of 4 with zeros before anything else (esptool does so as it reads the ELF).
    return { address: r.address >>> 0, data: padTo4(r.data), group, origin: r.origin };
  });
}

/**
 * Merge each piece into the one before it in the ELF's order when it starts where that one ends,
 * in the same kind of memory (esptool merges so; it does not sort first). Refuses overlapping pieces.
 */
function mergeAdjacent(pieces: readonly ElfLoadablePiece[], chip: ChipDescriptor): ElfLoadablePiece[] {
  const out: ElfLoadablePiece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && last.address + last.data.length === p.address && classifyAddress(chip, last.address) === classifyAddress(chip, p.address)) {
      const data = new Uint8Array(last.data.length + p.data.length);
      data.set(last.data);
      data.set(p.data, last.data.length);
      last.data = data;
    } else out.push({ ...p });
  }
  const sorted = [...out].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const p = sorted[i]!;
    if (p.address < prev.address + prev.data.length) {
      throw new ImageFormatError(
        'ELF_UNMAPPABLE',
        `${p.origin} at ${h32(p.address)} overlaps ${prev.origin} (${h32(prev.address)}..${h32(prev.address + prev.data.length)})`,
        { found: p.address },
      );
    }
  }
  return out;
}

/**
 * The MMU page to pad for when none is given. On chips with more than one page size, as esptool
 * elf2image chooses it: from the ELF's `.flash.appdesc` section (whichever the segments' source)
 * when it lies in flash and holds an app descriptor — its mmu_page_size (ESP-IDF 5.4 and later
 * write it), else the largest page that the descriptor's address less the image and segment
 * headers (0x20) is a multiple of. Otherwise the chip's largest page.
 */
export function defaultMmuPage(elf: ElfFile, chip: ChipDescriptor): number {
  const largest = chip.mmuPageSizes[0] ?? 0x10000;
  if (chip.mmuPageSizes.length < 2) return largest;
  const section = elf.sections.find((s) => s.name.includes('.flash.appdesc'));
  if (!section || !isFlashMapped(chip, section.addr)) return largest;
  const data = elfSectionData(elf, section);
  if (data.length < 256 || !hasAppDescriptor(data, 0)) return largest;
  const log2 = data[180]!;
  if (log2 !== 0) return 2 ** log2;
  return chip.mmuPageSizes.find((p) => (section.addr - IMAGE_HEADER_SIZE - SEGMENT_HEADER_SIZE) % p === 0) ?? largest;
}

export function elf2image(elf: ElfFile, chip: ChipDescriptor, options: Elf2ImageOptions = {}): Uint8Array {
  const page = options.mmuPageSize ?? defaultMmuPage(elf, chip);
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
  checkPadOptions(chip, options);
  if (elf.type !== ET_EXEC) {
    throw new ImageFormatError('ELF_NOT_EXECUTABLE', `the ELF is not a linked program (e_type ${elf.type}${elf.type === 1 ? ', a relocatable object file' : elf.type === 3 ? ', a shared object' : ''}, not 2 = ET_EXEC): give the linked application ELF, e.g. build/app.elf`, { expected: ET_EXEC, found: elf.type });
  }
  const all = elfLoadablePieces(elf, chip, options.source ?? 'segments');
  // With a RAM-only header esptool sorts the pieces by address before merging them.
  const pieces = mergeAdjacent(options.ramOnlyHeader ? [...all].sort((a, b) => a.address - b.address) : all, chip);
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
  const { flash, ram } = imageOrder(pieces, chip, options.source ?? 'segments');
  for (const p of flash) {
    if (p.address % 4 !== 0) {
      throw new ImageFormatError('ELF_UNMAPPABLE', `flash-mapped ${p.origin} starts at ${h32(p.address)}, which is not 4-byte aligned`, { found: p.address });
    }
  }
  // Two flash pieces may not share an MMU page: one page maps one place in flash.
  const byAddress = [...flash].sort((a, b) => a.address - b.address);
  for (let i = 0; i + 1 < byAddress.length; i++) {
    const a = byAddress[i]!;
    const b = byAddress[i + 1]!;
    const aLastPage = Math.floor((a.address + Math.max(a.data.length, 1) - 1) / page);
    if (Math.floor(b.address / page) <= aLastPage) {
      throw new ImageFormatError(
        'ELF_UNMAPPABLE',
        `${b.origin} at ${h32(b.address)} lands in the same 0x${page.toString(16)} MMU page as ${a.origin} at ${h32(a.address)}; link them into separate pages or merge them`,
        { found: b.address },
      );
    }
  }
  // An explicit file offset for the ELF's SHA-256 replaces the app descriptor's place (as in esptool).
  const elfHash = options.elfSha256Offset !== undefined ? false : options.elfSha256InAppDesc ?? 'auto';
  if (elfHash !== false) {
    // ESP-IDF links the app descriptor first in the read-only data, the image's first flash piece.
    const first = flash.find((p) => p.group === 'drom');
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
    return padToSize(buildRamOnlyHeaderImage(ram, flash, header, page, chip, options.source === 'sections'), options.padToSize);
  }
  const segments = layOutSegments(flash, ram, IMAGE_HEADER_SIZE, page, chip);
  if (options.securePad !== undefined) segments.push(securePadSegment(segments, page, options.securePad));
  if (options.elfSha256Offset !== undefined) placeElfSha256(segments, options.elfSha256Offset, sha256(elf.bytes));
  if (segments.length > MAX_SEGMENTS) {
    throw new ImageFormatError(
      'IMAGE_BUILD',
      `the ELF needs ${segments.length} image segments (including padding) but an image holds at most ${MAX_SEGMENTS}; merge sections in the linker script`,
      { expected: MAX_SEGMENTS, found: segments.length },
    );
  }
  return padToSize(buildImage({ ...header, segments, appendSha256: options.appendSha256 ?? true }), options.padToSize);
}

/** Refuse padding and ELF-hash options that cannot apply (before any work). */
function checkPadOptions(chip: ChipDescriptor, options: Elf2ImageOptions): void {
  const pad = options.padToSize;
  if (pad !== undefined && (!Number.isSafeInteger(pad) || pad <= 0)) {
    throw new ImageFormatError('IMAGE_BUILD', `the size to pad the image to must be a whole number of bytes above 0, not ${pad}`, { found: pad });
  }
  const secure = options.securePad;
  if (secure !== undefined) {
    if (secure !== 'v1' && secure !== 'v2') {
      throw new ImageFormatError('IMAGE_BUILD', `Secure Boot padding is 'v1' or 'v2', not ${JSON.stringify(secure)}`);
    }
    if (secure === 'v1' && chip.name !== 'esp32') {
      throw new ImageFormatError(
        'IMAGE_BUILD',
        `Secure Boot v1 padding is for the ESP32 only; the ${chip.displayName} has Secure Boot v2 only: pad for v2`,
      );
    }
    if (options.ramOnlyHeader) {
      throw new ImageFormatError('IMAGE_BUILD', 'an image with a RAM-only header is not signed for Secure Boot (it has no SHA-256): build it without Secure Boot padding');
    }
    if (options.appendSha256 === false) {
      throw new ImageFormatError('IMAGE_BUILD', 'Secure Boot padding needs the SHA-256 appended: a signed image carries it; build with the SHA-256');
    }
  }
  const at = options.elfSha256Offset;
  if (at !== undefined) {
    if (!Number.isSafeInteger(at) || at < 0) {
      throw new ImageFormatError('IMAGE_BUILD', `the file offset for the ELF's SHA-256 must be a whole number, not ${at}`, { found: at });
    }
    if (options.ramOnlyHeader) {
      throw new ImageFormatError('IMAGE_BUILD', 'an image with a RAM-only header takes the ELF\'s SHA-256 in its app descriptor only, not at a file offset');
    }
    if (options.elfSha256InAppDesc !== undefined && options.elfSha256InAppDesc !== 'auto') {
      throw new ImageFormatError(
        'IMAGE_BUILD',
        'the ELF\'s SHA-256 goes either at the given file offset or into the app descriptor; give one, not both',
      );
    }
  }
}

/** File offset just past the segments, with the image header before them. */
function segmentsEnd(segments: readonly BuildSegment[]): number {
  return segments.reduce((pos, s) => pos + SEGMENT_HEADER_SIZE + ((s.data.length + 3) & ~3), IMAGE_HEADER_SIZE);
}

/**
 * The zero padding segment (load address 0; possibly empty, as esptool writes it) after the last
 * segment that makes the image end, once signed, where Secure Boot needs it. The checksum is put
 * 16 bytes after the padding (its 16-byte block, so no alignment zeros), the SHA-256 after it;
 * then v2 ends on the MMU page boundary where the signature sector goes, and v1 leaves room for
 * the 80 bytes its signing appends (4-byte version, 64-byte signature, 12 bytes of alignment).
 */
function securePadSegment(segments: readonly BuildSegment[], page: number, version: 'v1' | 'v2'): BuildSegment {
  const afterChecksum = SHA256_LENGTH + (version === 'v1' ? 80 : 0);
  const dataAt = segmentsEnd(segments) + SEGMENT_HEADER_SIZE;
  const length = (((page - (dataAt % page) - 16 - afterChecksum) % page) + page) % page;
  return { loadAddress: 0, data: new Uint8Array(length) };
}

/** Put the ELF's SHA-256 at file offset `at`, inside one segment's data, over zeros only. */
function placeElfSha256(segments: BuildSegment[], at: number, hash: Uint8Array): void {
  let pos = IMAGE_HEADER_SIZE;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const len = (s.data.length + 3) & ~3;
    const dataAt = pos + SEGMENT_HEADER_SIZE;
    if (at >= pos && at < dataAt + len) {
      const into = at - dataAt;
      if (into < 0 || into + hash.length > len) {
        throw new ImageFormatError(
          'IMAGE_BUILD',
          `the ELF's SHA-256 at file offset ${h32(at)} would not lie inside one segment's data: segment ${i} (${h32(s.loadAddress)}) holds its data at ${h32(dataAt)}..${h32(dataAt + len)}`,
          { found: at },
        );
      }
      // Over the app descriptor's app_elf_sha256 field only exactly (a byte off, the descriptor
      // would hold a shifted hash that no tool can check).
      const field = APP_DESC_ELF_SHA256_AT;
      if (hasAppDescriptor(s.data, 0) && into !== field && into < field + hash.length && into + hash.length > field) {
        throw new ImageFormatError(
          'IMAGE_BUILD',
          `the ELF's SHA-256 at file offset ${h32(at)} would overlap the app descriptor's app_elf_sha256 field at ${h32(dataAt + field)} without lining up with it: give --elf-sha256-offset ${h32(dataAt + field)}, or an offset clear of the field`,
          { found: at, expected: dataAt + field },
        );
      }
      const data = new Uint8Array(len);
      data.set(s.data);
      if (data.subarray(into, into + hash.length).some((b) => b !== 0)) {
        throw new ImageFormatError(
          'IMAGE_BUILD',
          `the 32 bytes at file offset ${h32(at)} (segment ${i}, load address ${h32(s.loadAddress)}) are not all zero; refusing to overwrite them with the ELF's SHA-256: give the offset of a zeroed field (ESP-IDF's app_elf_sha256 is at 0xb0)`,
          { found: at },
        );
      }
      data.set(hash, into);
      segments[i] = { loadAddress: s.loadAddress, data };
      return;
    }
    pos = dataAt + len;
  }
  throw new ImageFormatError(
    'IMAGE_BUILD',
    `file offset ${hWide(at)} for the ELF's SHA-256 is not inside a segment's data (the header is 0x0..0x18; the segments end at ${h32(pos)})`,
    { found: at },
  );
}

/** The file padded with 0xFF to a multiple of `size` (nothing added when it already is one). */
function padToSize(image: Uint8Array, size: number | undefined): Uint8Array {
  if (size === undefined || image.length % size === 0) return image;
  const out = new Uint8Array(image.length + size - (image.length % size)).fill(0xff);
  out.set(image);
  return out;
}
