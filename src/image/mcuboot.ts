/**
 * MCUboot image header (32 bytes at the image start): magic 0x96F3B83D, load address, header
 * size, protected TLV size, image size, flags, version {major u8, minor u8, revision u16, build u32}.
 * The whole image read from it: TLVs (mcuboot-tlv.ts) and trailer (mcuboot-trailer.ts).
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { ImageFormatError, h32, hWide } from './errors.js';
import { inRange, type ChipDescriptor } from '../chips/types.js';
import type { SegmentMapping } from './flash-map/types.js';
import { checkMcubootHash, mcubootHashFindings, mcubootSignatures, readMcubootTlvs, type McubootTlvWalk } from './mcuboot-tlv.js';
import { readMcubootTrailer } from './mcuboot-trailer.js';
import type { Finding, McubootHeader, McubootImage } from './types.js';

export { MCUBOOT_TLV_INFO_MAGIC, MCUBOOT_TLV_PROT_INFO_MAGIC, mcubootTlvAreas } from './mcuboot-tlv.js';

export const MCUBOOT_MAGIC = 0x96f3b83d;
export const MCUBOOT_HEADER_SIZE = 32;
/** Header flags IMAGE_F_ENCRYPTED_AES128 | IMAGE_F_ENCRYPTED_AES256: the image after the header is encrypted. */
export const MCUBOOT_F_ENCRYPTED = 0x0000000c;

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

/**
 * What an MCUboot image (header at byte 0 of `bytes`) lacks that MCUboot needs to boot it: a header
 * size below 32, an image cut short, no TLV area after it (MCUboot checks the image's hash there),
 * a TLV area cut short or malformed, no hash TLV. Structure only: no hash or signature is checked
 * (parseMcubootImage with `verify` checks the hash). `holder` names what `bytes` are in the
 * messages ("the file", "partition \"ota_0\"").
 */
export function mcubootFindings(bytes: Uint8Array, h: McubootHeader, holder = 'the file'): Finding[] {
  return walk(bytes, h, holder).findings;
}

function walk(bytes: Uint8Array, h: McubootHeader, holder: string): McubootTlvWalk {
  if (h.headerSize < MCUBOOT_HEADER_SIZE) {
    return { tlvs: [], end: null, findings: [{ severity: 'error', code: 'MCUBOOT_HEADER_SIZE', message: `the header size is ${h.headerSize} bytes, less than the 32 of the header itself`, offset: 8 }] };
  }
  const end = h.headerSize + h.imageSize;
  if (end > bytes.length) {
    return { tlvs: [], end: null, findings: [{ severity: 'error', code: 'MCUBOOT_TRUNCATED', message: `the header says ${h.imageSize} bytes of image after its ${h.headerSize}, ending at ${h32(end)}, but ${holder} has ${bytes.length} bytes: the image is cut short`, offset: 12 }] };
  }
  return readMcubootTlvs(bytes, h, end, holder);
}

export interface ParseMcubootImageOptions {
  /** Recompute the image hash and compare it with the hash TLV (reads the whole image). */
  readonly verify?: boolean;
  /** Names what `bytes` are in the findings' messages; default "the file". */
  readonly holder?: string;
}

/**
 * Read an MCUboot image (header at byte 0): header, TLVs, signature kinds, the trailer when the
 * file is padded to its slot, and findings; with `verify`, the hash TLVs checked. Throws
 * ImageFormatError when there is no MCUboot header.
 */
export function parseMcubootImage(bytes: Uint8Array, options: ParseMcubootImageOptions = {}): McubootImage {
  const header = parseMcubootHeader(bytes);
  const w = walk(bytes, header, options.holder ?? 'the file');
  // imgtool hashes an encrypted image before encrypting it, and MCUboot decrypts as it hashes: without the key there is nothing to compare.
  const encrypted = (header.flags & MCUBOOT_F_ENCRYPTED) !== 0;
  const hashChecks = options.verify && w.end !== null && !encrypted ? checkMcubootHash(bytes, header, w.tlvs) : null;
  const notChecked: Finding[] = options.verify && encrypted
    ? [{ severity: 'info', code: 'MCUBOOT_HASH_ENCRYPTED', message: `the image is encrypted (flags ${h32(header.flags)}): its hash TLV covers the plaintext, so it is not checked`, offset: 16 }]
    : [];
  return {
    header,
    tlvs: w.tlvs,
    tlvEnd: w.end,
    hashChecks,
    signatures: mcubootSignatures(w.tlvs),
    trailer: w.end === null ? null : readMcubootTrailer(bytes, w.end),
    findings: [...w.findings, ...mcubootHashFindings(hashChecks ?? []), ...notChecked],
  };
}

/** Bytes of Espressif's load header the mappings are read from: 20 words, magic to the current layout's DROM size. */
export const MCUBOOT_ESP_LOAD_HEADER_SIZE = 0x50;

/**
 * Where Espressif's load header sits in an MCUboot image (its first 32 bytes in `header`): right
 * after the MCUboot header, at the header size it gives (usually 0x20), as Espressif's MCUboot port
 * reads it; undefined when the header size is below the 32 bytes of the header itself.
 */
export function mcubootLoadHeaderOffset(header: Uint8Array): number | undefined {
  const size = header.length >= 10 ? readU16(header, 8) : 0;
  return size >= MCUBOOT_HEADER_SIZE ? size : undefined;
}

/** Where an MCUboot app's IROM/DROM regions must end: the end of its partition, of the flash or of the file. */
export interface McubootRegionLimit {
  /** Flash offset the regions must end at or before. */
  readonly end: number;
  /** What ends there, for sentences: "the flash", "partition \"ota_0\"", "the file". */
  readonly what: string;
}

export interface McubootLoadHeaderReading {
  /** The IROM/DROM mappings (DROM first), or null when the load header is not one espalgo recognises. */
  readonly mappings: SegmentMapping[] | null;
  /** Why there are no mappings, in words a user can act on; null when there are. */
  readonly problem: string | null;
}

/**
 * Espressif's load header (`load`: its bytes, from the magic 0xACE637D3 on) of the MCUboot image at
 * `appOffset`: magic, entry, IRAM and DRAM {address, offset, size}, in the current layout LP-RTC
 * IRAM and DRAM {address, offset, size}, then IROM and DROM {address, offset from the image start,
 * size}. The first layout (current, then the earlier one without the LP-RTC fields) whose non-empty
 * IROM and DROM regions — one at least — lie in the chip's windows at flash offsets equal to their
 * addresses modulo the 64 KiB MMU page, and end at or before `limit` (the app's partition end, else
 * the flash end; without one, 4 GiB), is taken. The flasher stub's MAP_GET reads it the same way.
 */
export function readMcubootLoadHeader(load: Uint8Array, appOffset: number, chip: ChipDescriptor, where = 'the load header', limit?: McubootRegionLimit): McubootLoadHeaderReading {
  if (load.length < MCUBOOT_ESP_LOAD_HEADER_SIZE) return { mappings: null, problem: `${where} is cut short (${load.length} of its ${MCUBOOT_ESP_LOAD_HEADER_SIZE} bytes there)` };
  const magic = readU32(load, 0);
  if (magic !== MCUBOOT_ESP_LOAD_HEADER_MAGIC) return { mappings: null, problem: `${where} starts with ${h32(magic)}, not Espressif's load header magic 0xACE637D3` };
  const bound = limit ?? { end: 2 ** 32, what: 'the 32-bit flash address space' };
  let outside: string | null = null;
  for (const firstWord of [14, 8]) {
    const w = (i: number) => readU32(load, (firstWord + i) * 4);
    const irom = { vaddr: w(0), offset: w(1), size: w(2) };
    const drom = { vaddr: w(3), offset: w(4), size: w(5) };
    const fits = (r: { vaddr: number; offset: number; size: number }, window: { start: number; end: number }) =>
      r.size === 0 || (inRange(window, r.vaddr) && r.vaddr + r.size <= window.end && (r.vaddr & 0xffff) === ((appOffset + r.offset) & 0xffff));
    if (!fits(irom, chip.irom) || !fits(drom, chip.drom) || irom.size + drom.size === 0) continue;
    // A region must lie in the flash the app owns; the sum is exact here, so a 32-bit wrap cannot bring it back.
    const past = ([['IROM', irom], ['DROM', drom]] as const).find(([, r]) => r.size !== 0 && appOffset + r.offset + r.size > bound.end);
    if (past) {
      const [name, r] = past;
      outside ??= `${where} puts the ${name} region at +0x${r.offset.toString(16)} (0x${r.size.toString(16)} bytes): it ends at flash ${hWide(appOffset + r.offset + r.size)}, past the end of ${bound.what} at ${hWide(bound.end)}`;
      continue;
    }
    const out: SegmentMapping[] = [];
    if (drom.size) out.push({ segment: 1, kind: 'drom', flashOffset: (appOffset + drom.offset) >>> 0, vaddr: drom.vaddr, size: drom.size });
    if (irom.size) out.push({ segment: 0, kind: 'irom', flashOffset: (appOffset + irom.offset) >>> 0, vaddr: irom.vaddr, size: irom.size });
    return { mappings: out, problem: null };
  }
  if (outside) return { mappings: null, problem: outside };
  return { mappings: null, problem: `${where} has the magic, but in neither known layout do its IROM and DROM regions lie in the chip's windows (IROM ${h32(chip.irom.start)}–${h32(chip.irom.end)}, DROM ${h32(chip.drom.start)}–${h32(chip.drom.end)}) at flash offsets equal to their addresses modulo 64 KiB, one at least not empty` };
}

/**
 * The mappings of the MCUboot image at byte 0 of `image` (at flash `appOffset`) from Espressif's
 * load header at its header size (readMcubootLoadHeader, regions ending at or before `limit`);
 * null when there is none espalgo recognises.
 */
export function decodeMcubootLoadHeader(image: Uint8Array, appOffset: number, chip: ChipDescriptor, limit?: McubootRegionLimit): SegmentMapping[] | null {
  return mcubootLoadHeader(image, appOffset, chip, limit).mappings;
}

/** decodeMcubootLoadHeader with the reason when there are no mappings. */
export function mcubootLoadHeader(image: Uint8Array, appOffset: number, chip: ChipDescriptor, limit?: McubootRegionLimit): McubootLoadHeaderReading {
  const at = mcubootLoadHeaderOffset(image);
  if (at === undefined) return { mappings: null, problem: `its header size is ${image.length >= 10 ? readU16(image, 8) : '?'} bytes, less than the 32 of the MCUboot header, so no load header follows it` };
  return readMcubootLoadHeader(image.subarray(at, at + MCUBOOT_ESP_LOAD_HEADER_SIZE), appOffset, chip, `the load header at +0x${at.toString(16)}`, limit);
}
