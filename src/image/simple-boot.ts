/**
 * Espressif "Simple Boot" images (Zephyr CONFIG_ESP_SIMPLE_BOOT, NuttX CONFIG_ESPRESSIF_SIMPLE_BOOT;
 * built with `esptool elf2image --ram-only-header`), flashed at the chip's bootloader offset in
 * place of the ESP-IDF 2nd-stage bootloader.
 *
 * The image header counts only the RAM segments: the ROM loads those, checks their XOR checksum
 * and jumps to the entry. After the checksum byte (no SHA-256) come, uncounted and outside the
 * checksum, pairs of segments: a zero-filled padding segment (load address 0), then a flash
 * segment (IROM or DROM) whose data sits at a flash offset congruent to its load address modulo
 * the MMU page, counting the flash offset the file is written at. The app maps those flash
 * segments itself; no bootloader and no partition table are involved.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { readU32 } from './bytes.js';
import { h32 } from './errors.js';
import { SEGMENT_HEADER_SIZE } from './image-header.js';
import { classifyAddress, isFlashKind } from './segment-kind.js';
import { hasAppDescriptor, parseAppDescriptor } from './app-desc.js';
import type { AppDescriptor, EspImage, Finding } from './types.js';

/**
 * Zero bytes of padding-segment data to write at file offset `pos` so that the flash segment that
 * follows it (load address `address`) has its data at a flash offset ≡ `address` (mod `page`),
 * the file being written at flash offset `flashOffset`: the smallest such length.
 */
export function simpleBootPaddingLength(pos: number, address: number, page: number, flashOffset: number): number {
  const dataAt = pos + 2 * SEGMENT_HEADER_SIZE + flashOffset;
  return ((((address - dataAt) % page) + page) % page);
}

/** One flash segment after a Simple Boot image's checksum, with the padding segment before it. */
export interface SimpleBootFlashSegment {
  /** From the chip's windows; on a chip with one window for code and data (C6, H2, C5, P4) always 'irom', as for direct boot. */
  readonly kind: 'drom' | 'irom';
  readonly loadAddress: number;
  /** Offset of this segment's 8-byte header in the file. */
  readonly headerOffset: number;
  /** Offset of its data in the file. */
  readonly dataOffset: number;
  /** Flash offset of its data: dataOffset + the flash offset the file sits at. */
  readonly flashOffset: number;
  readonly length: number;
  /** File offset of the padding segment's header before it. */
  readonly paddingOffset: number;
  readonly paddingLength: number;
  /** False when the data's flash offset and the load address differ modulo the MMU page. */
  readonly aligned: boolean;
}

export interface SimpleBootLayout {
  /** Flash offset of file byte 0 used for `flashOffset` and the alignment check. */
  readonly flashOffset: number;
  readonly mmuPageSize: number;
  readonly segments: readonly SimpleBootFlashSegment[];
  /** File offset just past the last flash segment. */
  readonly end: number;
  /** IMAGE_SEGMENT_MMU_ALIGN for each flash segment the app could not map where it is. */
  readonly findings: readonly Finding[];
  /** An ESP-IDF app descriptor at the start of a DROM segment (offset in the file), if one is there. */
  readonly appDesc?: AppDescriptor;
}

export interface SimpleBootOptions {
  /** Flash offset of file byte 0; default the chip's bootloader offset (where the ROM boots from). */
  readonly flashOffset?: number;
  /** Default: the chip's first (largest) MMU page. */
  readonly mmuPageSize?: number;
}

/** The data length of a pair's padding segment from its 8-byte header: load address 0, length a multiple of 4; else undefined. */
export function simpleBootPaddingHeader(header: Uint8Array): number | undefined {
  if (header.length < SEGMENT_HEADER_SIZE || readU32(header, 0) !== 0) return undefined;
  const length = readU32(header, 4);
  return length % 4 === 0 ? length : undefined;
}

/** A pair's flash segment from its 8-byte header: it loads into a flash window, with a non-zero length that is a multiple of 4; else undefined. */
export function simpleBootFlashHeader(header: Uint8Array, chip: ChipDescriptor): { readonly address: number; readonly length: number } | undefined {
  if (header.length < SEGMENT_HEADER_SIZE) return undefined;
  const address = readU32(header, 0);
  const length = readU32(header, 4);
  if (!isFlashKind(classifyAddress(chip, address))) return undefined;
  return length === 0 || length % 4 !== 0 ? undefined : { address, length };
}

/** Where one (padding, flash segment) pair lies, as its two headers say. */
export interface SimpleBootPair {
  readonly paddingOffset: number;
  readonly paddingLength: number;
  readonly headerOffset: number;
  readonly address: number;
  readonly length: number;
}

/**
 * The flash segment of `pair`, offsets counted from the image start, the image sitting at flash
 * `flashOffset`; `aligned` against the MMU page `page`.
 */
export function simpleBootSegment(pair: SimpleBootPair, chip: ChipDescriptor, flashOffset: number, page: number): SimpleBootFlashSegment {
  const dataOffset = pair.headerOffset + SEGMENT_HEADER_SIZE;
  const flashAt = dataOffset + flashOffset;
  return {
    kind: classifyAddress(chip, pair.address) === 'drom' ? 'drom' : 'irom',
    loadAddress: pair.address,
    headerOffset: pair.headerOffset,
    dataOffset,
    flashOffset: flashAt >>> 0,
    length: pair.length,
    paddingOffset: pair.paddingOffset,
    paddingLength: pair.paddingLength,
    aligned: flashAt % page === pair.address % page,
  };
}

/** The MMU page a Simple Boot reader assumes: the one given, else the chip's first (largest). */
export function simpleBootPage(chip: ChipDescriptor, given?: number): number {
  return given ?? chip.mmuPageSizes[0] ?? 0x10000;
}

/**
 * The hidden flash segments of a Simple Boot image: `image` is the parsed RAM-only image at the
 * start of `bytes`. Undefined unless at least one (padding, flash segment) pair follows the image
 * and nothing but such pairs does up to the first thing that is not a segment header (erased
 * flash, the next part of a merged file): an ordinary RAM-only bootloader is not one.
 */
export function findSimpleBootSegments(image: EspImage, bytes: Uint8Array, chip: ChipDescriptor, options: SimpleBootOptions = {}): SimpleBootLayout | undefined {
  if (!image.ramOnly) return undefined;
  const flashOffset = options.flashOffset ?? chip.bootloaderOffset;
  const page = simpleBootPage(chip, options.mmuPageSize);
  const segments: SimpleBootFlashSegment[] = [];
  const findings: Finding[] = [];
  let at = image.length;
  for (;;) {
    const pair = readPair(bytes, at, chip);
    if (!pair) break;
    const segment = simpleBootSegment(pair, chip, flashOffset, page);
    segments.push(segment);
    if (!segment.aligned) {
      findings.push({
        severity: 'error',
        code: 'IMAGE_SEGMENT_MMU_ALIGN',
        message: `Simple Boot flash segment at file offset ${h32(pair.headerOffset)} loads at ${h32(pair.address)} but its data lands at flash ${h32(segment.flashOffset)} (the file at ${h32(flashOffset)}): they differ modulo the 0x${page.toString(16)} MMU page, so the app cannot map it there; rebuild with esptool elf2image --ram-only-header for this chip, or write the file at the offset it was built for`,
        offset: pair.headerOffset,
      });
    }
    at = segment.dataOffset + pair.length;
  }
  if (segments.length === 0) return undefined;
  const entry = image.header.entry >>> 0;
  if (isFlashKind(classifyAddress(chip, entry))) {
    findings.push({
      severity: 'warning',
      code: 'SIMPLE_BOOT_ENTRY_IN_FLASH',
      message: `the entry point ${h32(entry)} lies in a flash window: the ROM jumps there right after loading the RAM segments, before the app could map its flash segments, so the app cannot start (Simple Boot start-up code, which maps the flash, runs from IRAM); link the entry into IRAM`,
      offset: 4,
    });
  }
  const desc = segments.find((s) => s.kind === 'drom' && s.length >= 256 && hasAppDescriptor(bytes, s.dataOffset));
  return { flashOffset, mmuPageSize: page, segments, end: at, findings, ...(desc ? { appDesc: parseAppDescriptor(bytes, desc.dataOffset) } : {}) };
}

/** A zero padding segment at `at` followed by a flash-window segment, or undefined. */
function readPair(bytes: Uint8Array, at: number, chip: ChipDescriptor): SimpleBootPair | undefined {
  const paddingLength = simpleBootPaddingHeader(bytes.subarray(at, at + SEGMENT_HEADER_SIZE));
  if (paddingLength === undefined) return undefined;
  const next = at + SEGMENT_HEADER_SIZE + paddingLength;
  for (let i = at + SEGMENT_HEADER_SIZE; i < next; i++) if (bytes[i] !== 0) return undefined;
  const flash = simpleBootFlashHeader(bytes.subarray(next, next + SEGMENT_HEADER_SIZE), chip);
  if (!flash || next + SEGMENT_HEADER_SIZE + flash.length > bytes.length) return undefined;
  return { paddingOffset: at, paddingLength, headerOffset: next, ...flash };
}
