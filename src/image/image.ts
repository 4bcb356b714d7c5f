/**
 * Parse ESP app and 2nd-stage bootloader images: header, segments (classified per chip),
 * XOR checksum, appended SHA-256, app/bootloader descriptors and signature material.
 *
 * With `verify: 'none'` only headers are read (and at most the 256 descriptor bytes), so a
 * 32 MiB flash dump parses in time proportional to the number of segments.
 */
import { counted, type ChipDescriptor } from '../chips/types.js';
import { readU32 } from './bytes.js';
import { ImageFormatError, h32, h8 } from './errors.js';
import { sha256 } from './hash.js';
import { IMAGE_HEADER_SIZE, MAX_SEGMENTS, SEGMENT_HEADER_SIZE, chipOfHeader, parseImageHeader } from './image-header.js';
import { classifyAddress, isFlashKind, outsideChipMemory } from './segment-kind.js';
import { hasAppDescriptor, parseAppDescriptor } from './app-desc.js';
import { hasBootloaderDescriptor, parseBootloaderDescriptor } from './bootloader-desc.js';
import { findSignature } from './signature.js';
import { bytesEqual, toHex } from './bytes.js';
import type { AppDescriptor, BootloaderDescriptor, EspImage, Finding, ImageChecksum, ImageSegment, ImageSha256, ParseImageOptions, SegmentKind } from './types.js';

export const CHECKSUM_SEED = 0xef;
export const SHA256_LENGTH = 32;

/** Offset of the checksum byte for segments ending at `end`: the last byte of the 16-byte block. */
export function checksumOffset(end: number): number {
  return end + (15 - (end % 16));
}

/** XOR of `data` into `seed`. */
export function xorChecksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let c = seed;
  for (let i = 0; i < data.length; i++) c ^= data[i]!;
  return c & 0xff;
}

function hexLen(n: number): string {
  return h32(n);
}

/** Walk the segment headers; structure only. */
function readSegments(bytes: Uint8Array, count: number, chip: ChipDescriptor | undefined): ImageSegment[] {
  const segments: ImageSegment[] = [];
  let at = IMAGE_HEADER_SIZE;
  let flashSeen = 0;
  for (let i = 0; i < count; i++) {
    const remainHeader = bytes.length - at;
    if (remainHeader < SEGMENT_HEADER_SIZE) {
      throw new ImageFormatError(
        'IMAGE_TRUNCATED',
        `segment ${i} header at ${h32(at)} needs 8 bytes but only ${remainHeader} remain in the image (the header says ${counted(count, 'segment')})`,
        { offset: at, expected: SEGMENT_HEADER_SIZE, found: remainHeader },
      );
    }
    const loadAddress = readU32(bytes, at);
    const length = readU32(bytes, at + 4);
    const dataOffset = at + SEGMENT_HEADER_SIZE;
    const remain = bytes.length - dataOffset;
    if (length > remain) {
      throw new ImageFormatError(
        'IMAGE_BAD_SEGMENT',
        `segment ${i} header at ${h32(at)} claims ${hexLen(length)} bytes but only ${hexLen(remain)} remain in the image`,
        { offset: at, expected: remain, found: length },
      );
    }
    let kind: SegmentKind = classifyAddress(chip, loadAddress);
    let flashRole: 'drom' | 'irom' | undefined;
    if (kind === 'drom' || kind === 'irom') flashRole = kind;
    else if (kind === 'flash') flashRole = flashSeen === 0 ? 'drom' : 'irom';
    if (isFlashKind(kind)) flashSeen++;
    segments.push({ index: i, loadAddress, headerOffset: at, dataOffset, length, kind, ...(flashRole ? { flashRole } : {}) });
    at = dataOffset + length;
  }
  return segments;
}

function structuralFindings(segments: readonly ImageSegment[], chip: ChipDescriptor | undefined, entry: number, pageHint?: number): Finding[] {
  const findings: Finding[] = [];
  if (!segments.some((s) => entry >= s.loadAddress && entry < s.loadAddress + s.length)) {
    findings.push({
      severity: 'warning',
      code: 'IMAGE_ENTRY_OUTSIDE',
      message: `the entry point ${h32(entry)} lies in none of the image's segments: after loading it the chip jumps where the image put nothing (an ELF linked wrongly, or a header edited by hand)`,
      offset: 4,
    });
  }
  const page = pageHint ?? chip?.mmuPageSizes[0] ?? 0x10000;
  for (const s of segments) {
    if (s.length % 4 !== 0) {
      findings.push({
        severity: 'warning',
        code: 'IMAGE_SEGMENT_UNALIGNED',
        message: `segment ${s.index} at ${h32(s.headerOffset)} has length ${h32(s.length)}, not a multiple of 4; the ESP-IDF bootloader rejects such segments`,
        offset: s.headerOffset,
      });
    }
    if (chip && outsideChipMemory(chip, s.loadAddress, s.length)) {
      findings.push({
        severity: 'error',
        code: 'IMAGE_SEGMENT_LOAD_ADDRESS',
        message: `segment ${s.index} loads at ${h32(s.loadAddress)}..${h32(s.loadAddress + s.length)}, which is not RAM, RTC memory or the flash window of the ${chip.displayName}: the ESP-IDF bootloader refuses the image ("bad load address range"); an image built for another chip looks like this`,
        offset: s.headerOffset,
      });
    }
    if (isFlashKind(s.kind) && s.dataOffset % page !== s.loadAddress % page) {
      findings.push({
        severity: 'warning',
        code: 'IMAGE_SEGMENT_MMU_ALIGN',
        message: `flash segment ${s.index} data at image offset ${h32(s.dataOffset)} loads at ${h32(s.loadAddress)}: they differ modulo the 0x${page.toString(16)} MMU page, so the cache cannot map it (the bootloader refuses it)`,
        offset: s.headerOffset,
      });
    }
  }
  return findings;
}

/** Parse an ESP image at the start of `bytes` (the buffer may continue past the image). */
export function parseImage(bytes: Uint8Array, options: ParseImageOptions = {}): EspImage {
  const verify = options.verify ?? 'full';
  const header = parseImageHeader(bytes);
  if (header.segmentCount > MAX_SEGMENTS || header.segmentCount === 0) {
    throw new ImageFormatError(
      'IMAGE_BAD_SEGMENT',
      `the header at 0x00000000 says ${header.segmentCount} segments; an ESP image has 1 to ${MAX_SEGMENTS}`,
      { offset: 1, expected: `1..${MAX_SEGMENTS}`, found: header.segmentCount },
    );
  }
  const chip = options.chip ?? chipOfHeader(header);
  const segments = readSegments(bytes, header.segmentCount, chip);
  const last = segments[segments.length - 1]!;
  const end = last.dataOffset + last.length;
  const csOffset = checksumOffset(end);
  if (csOffset >= bytes.length) {
    throw new ImageFormatError(
      'IMAGE_TRUNCATED',
      `the checksum byte belongs at ${h32(csOffset)} (after the last segment, which ends at ${h32(end)}) but the image ends at ${h32(bytes.length)}`,
      { offset: csOffset, expected: csOffset + 1, found: bytes.length },
    );
  }
  let length = csOffset + 1;
  let hashStored: Uint8Array | undefined;
  if (header.hashAppended === 1) {
    if (length + SHA256_LENGTH > bytes.length) {
      throw new ImageFormatError(
        'IMAGE_TRUNCATED',
        `hash_appended is 1 so 32 SHA-256 bytes belong at ${h32(length)}, but only ${bytes.length - length} remain in the image`,
        { offset: length, expected: SHA256_LENGTH, found: bytes.length - length },
      );
    }
    hashStored = bytes.slice(length, length + SHA256_LENGTH);
    length += SHA256_LENGTH;
  }
  const ramOnly = !segments.some((s) => isFlashKind(s.kind));
  let appDesc: AppDescriptor | undefined;
  let bootloaderDesc: BootloaderDescriptor | undefined;
  if (options.descriptors !== false) {
    // Unknown chip: segments cannot be classified, but ESP-IDF puts the descriptor first in the image.
    const drom = chip ? segments.find((s) => s.flashRole === 'drom') : segments[0];
    if (drom && hasAppDescriptor(bytes, drom.dataOffset) && drom.length >= 256) appDesc = parseAppDescriptor(bytes, drom.dataOffset);
    const first = segments[0]!;
    if (ramOnly && first.length >= 80 && hasBootloaderDescriptor(bytes, first.dataOffset)) bootloaderDesc = parseBootloaderDescriptor(bytes, first.dataOffset);
  }
  // The app was linked for the MMU page its descriptor records (CONFIG_MMU_PAGE_SIZE), when the chip has that page.
  const recordedPage = appDesc?.mmuPageSize !== undefined && chip?.mmuPageSizes.includes(appDesc.mmuPageSize) ? appDesc.mmuPageSize : undefined;
  const findings = structuralFindings(segments, chip, header.entry, recordedPage);

  let checksum: ImageChecksum = { offset: csOffset, stored: bytes[csOffset]! };
  if (verify !== 'none') {
    let c = CHECKSUM_SEED;
    for (const s of segments) c = xorChecksum(bytes.subarray(s.dataOffset, s.dataOffset + s.length), c);
    const valid = c === checksum.stored;
    checksum = { ...checksum, computed: c, valid };
    if (!valid) {
      findings.push({
        severity: 'error',
        code: 'IMAGE_CHECKSUM',
        message: `the checksum byte at ${h32(csOffset)} is ${h8(checksum.stored)} but the segment data XOR to ${h8(c)}`,
        offset: csOffset,
      });
    }
  }
  let sha: ImageSha256 | undefined;
  if (hashStored) {
    sha = { offset: csOffset + 1, stored: hashStored };
    if (verify === 'full') {
      const computed = sha256(bytes.subarray(0, csOffset + 1));
      const valid = bytesEqual(computed, hashStored);
      sha = { ...sha, computed, valid };
      if (!valid) {
        findings.push({
          severity: 'error',
          code: 'IMAGE_HASH',
          message: `the SHA-256 at ${h32(csOffset + 1)} is ${toHex(hashStored)} but bytes 0x00000000..${h32(csOffset)} hash to ${toHex(computed)}`,
          offset: csOffset + 1,
        });
      }
    }
  }

  const result: {
    -readonly [K in keyof EspImage]: EspImage[K];
  } = { header, segments, checksum, length, ramOnly, findings };
  if (sha) result.sha256 = sha;
  if (chip) result.chip = chip;
  if (appDesc) result.appDesc = appDesc;
  if (bootloaderDesc) result.bootloaderDesc = bootloaderDesc;
  const signature = findSignature(bytes, length, chip?.secureBootV1 ?? true);
  if (signature) result.signature = signature;
  return result;
}

/** Throw IMAGE_CHECKSUM / IMAGE_HASH if a verified image failed either check. */
export function assertImageValid(image: EspImage): void {
  if (image.checksum.valid === false) {
    throw new ImageFormatError(
      'IMAGE_CHECKSUM',
      `the checksum byte at ${h32(image.checksum.offset)} is ${h8(image.checksum.stored)} but the segment data XOR to ${h8(image.checksum.computed ?? 0)}`,
      { offset: image.checksum.offset, expected: image.checksum.computed, found: image.checksum.stored },
    );
  }
  if (image.sha256 && image.sha256.valid === false) {
    throw new ImageFormatError(
      'IMAGE_HASH',
      `the SHA-256 appended at ${h32(image.sha256.offset)} does not match the image bytes before it`,
      { offset: image.sha256.offset, expected: toHex(image.sha256.computed ?? new Uint8Array()), found: toHex(image.sha256.stored) },
    );
  }
}

/** Segment data as a view (no copy). */
export function segmentData(bytes: Uint8Array, segment: ImageSegment): Uint8Array {
  return bytes.subarray(segment.dataOffset, segment.dataOffset + segment.length);
}
