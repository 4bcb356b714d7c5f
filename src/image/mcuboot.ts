/**
 * MCUboot image header (32 bytes at the image start): magic 0x96F3B83D, load address, header
 * size, protected TLV size, image size, flags, version {major u8, minor u8, revision u16, build u32}.
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { ImageFormatError, h32 } from './errors.js';
import { inRange, type ChipDescriptor } from '../chips/types.js';
import type { SegmentMapping } from './flash-map/types.js';
import type { Finding, McubootHeader } from './types.js';

export const MCUBOOT_MAGIC = 0x96f3b83d;
export const MCUBOOT_HEADER_SIZE = 32;
/** The TLV area after the image starts with an info header: this magic (u16), then its total size (u16). */
export const MCUBOOT_TLV_INFO_MAGIC = 0x6907;
/** …or, when the header counts protected TLVs, first a protected area with this magic. */
export const MCUBOOT_TLV_PROT_INFO_MAGIC = 0x6908;

/** Espressif's load header in an MCUboot image, at +0x20: where IROM and DROM are and map. */
export const MCUBOOT_ESP_LOAD_HEADER_MAGIC = 0xace637d3;

/** True if an MCUboot header magic sits at the start of `bytes`. */
export function isMcubootImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && readU32(bytes, 0) === MCUBOOT_MAGIC;
}

export function parseMcubootHeader(bytes: Uint8Array): McubootHeader {
  if (bytes.length < MCUBOOT_HEADER_SIZE) {
    throw new ImageFormatError(
      'MCUBOOT_TRUNCATED',
      `an MCUboot header needs 32 bytes at 0x00000000 but only ${bytes.length} are given`,
      { offset: 0, expected: MCUBOOT_HEADER_SIZE, found: bytes.length },
    );
  }
  const magic = readU32(bytes, 0);
  if (magic !== MCUBOOT_MAGIC) {
    throw new ImageFormatError(
      'MCUBOOT_BAD_MAGIC',
      `the word at 0x00000000 is ${h32(magic)}, not the MCUboot magic 0x96f3b83d`,
      { offset: 0, expected: MCUBOOT_MAGIC, found: magic },
    );
  }
  return {
    magic,
    loadAddress: readU32(bytes, 4),
    headerSize: readU16(bytes, 8),
    protectedTlvSize: readU16(bytes, 10),
    imageSize: readU32(bytes, 12),
    flags: readU32(bytes, 16),
    version: { major: bytes[20]!, minor: bytes[21]!, revision: readU16(bytes, 22), build: readU32(bytes, 24) },
  };
}

/** Encode a 32-byte MCUboot header (for fixtures). */
export function buildMcubootHeader(h: Omit<McubootHeader, 'magic'>): Uint8Array {
  const out = new Uint8Array(MCUBOOT_HEADER_SIZE);
  writeU32(out, 0, MCUBOOT_MAGIC);
  writeU32(out, 4, h.loadAddress);
  writeU16(out, 8, h.headerSize);
  writeU16(out, 10, h.protectedTlvSize);
  writeU32(out, 12, h.imageSize);
  writeU32(out, 16, h.flags);
  out[20] = h.version.major;
  out[21] = h.version.minor;
  writeU16(out, 22, h.version.revision);
  writeU32(out, 24, h.version.build);
  return out;
}

/** The TLV areas after an MCUboot image, in order: the protected one where the header counts protected TLVs, then the other. */
export function mcubootTlvAreas(h: McubootHeader): readonly (readonly [magic: number, what: string])[] {
  const other = [MCUBOOT_TLV_INFO_MAGIC, 'TLV area'] as const;
  return h.protectedTlvSize > 0 ? [[MCUBOOT_TLV_PROT_INFO_MAGIC, 'protected TLV area'], other] : [other];
}

/**
 * What an MCUboot image (header at byte 0 of `bytes`) lacks that MCUboot needs to boot it: a header
 * size below 32, an image cut short, no TLV area after it (MCUboot checks the image's hash there),
 * a TLV area cut short. Structure only: no hash or signature is checked. `holder` names what
 * `bytes` are in the messages ("the file", "partition \"ota_0\"").
 */
export function mcubootFindings(bytes: Uint8Array, h: McubootHeader, holder = 'the file'): Finding[] {
  if (h.headerSize < MCUBOOT_HEADER_SIZE) {
    return [{ severity: 'error', code: 'MCUBOOT_HEADER_SIZE', message: `the header size is ${h.headerSize} bytes, less than the 32 of the header itself`, offset: 8 }];
  }
  const end = h.headerSize + h.imageSize;
  if (end > bytes.length) {
    return [{ severity: 'error', code: 'MCUBOOT_TRUNCATED', message: `the header says ${h.imageSize} bytes of image after its ${h.headerSize}, ending at ${h32(end)}, but ${holder} has ${bytes.length} bytes: the image is cut short`, offset: 12 }];
  }
  let at = end;
  for (const [magic, what] of mcubootTlvAreas(h)) {
    const found = at + 4 <= bytes.length ? readU16(bytes, at) : undefined;
    if (found !== magic) {
      const there = found === undefined ? `${holder} ends there` : `0x${found.toString(16).padStart(4, '0')} is there`;
      return [{ severity: 'error', code: 'MCUBOOT_NO_TLV', message: `no ${what} (magic 0x${magic.toString(16)}) at ${h32(at)}, right after the image: ${there}. MCUboot checks the image's hash in its TLVs and does not boot an image without them (sign it with imgtool)`, offset: at }];
    }
    const total = readU16(bytes, at + 2);
    if (at + total > bytes.length) {
      return [{ severity: 'error', code: 'MCUBOOT_TRUNCATED', message: `the ${what} at ${h32(at)} is ${total} bytes, ending at ${h32(at + total)}, but ${holder} has ${bytes.length} bytes: it is cut short`, offset: at }];
    }
    at += total;
  }
  return [];
}

/**
 * The Espressif load header MCUboot images carry at +0x20 (magic 0xACE637D3). Two layouts exist:
 * the current one (0x60 bytes, LP-RTC fields before IROM/DROM) and the earlier one without them;
 * the one whose IROM and DROM fields fit the chip's windows is taken.
 */
export function decodeMcubootLoadHeader(image: Uint8Array, appOffset: number, chip: ChipDescriptor): SegmentMapping[] | null {
  const H = 0x20;
  if (image.length < H + 0x60 || readU32(image, H) !== MCUBOOT_ESP_LOAD_HEADER_MAGIC) return null;
  for (const firstWord of [14, 8]) {
    const w = (i: number) => readU32(image, H + (firstWord + i) * 4);
    const irom = { vaddr: w(0), offset: w(1), size: w(2) };
    const drom = { vaddr: w(3), offset: w(4), size: w(5) };
    const fits = (r: { vaddr: number; offset: number; size: number }, window: { start: number; end: number }) =>
      r.size === 0 || (inRange(window, r.vaddr) && r.vaddr + r.size <= window.end && (r.vaddr & 0xffff) === ((appOffset + r.offset) & 0xffff));
    if (!fits(irom, chip.irom) || !fits(drom, chip.drom) || irom.size + drom.size === 0) continue;
    const out: SegmentMapping[] = [];
    if (drom.size) out.push({ segment: 1, kind: 'drom', flashOffset: (appOffset + drom.offset) >>> 0, vaddr: drom.vaddr, size: drom.size });
    if (irom.size) out.push({ segment: 0, kind: 'irom', flashOffset: (appOffset + irom.offset) >>> 0, vaddr: irom.vaddr, size: irom.size });
    return out;
  }
  return null;
}
