/**
 * The 24-byte ESP image header (`esp_image_header_t`): the 8 common bytes plus the extended header.
 * Byte layout (little-endian): magic, segment_count, spi_mode, speed|size<<4, entry u32, wp_pin,
 * spi_pin_drv[3], chip_id u16, min_chip_rev, min_chip_rev_full u16, max_chip_rev_full u16,
 * reserved[4], hash_appended.
 */
import { findChip, chipByImageId } from '../chips/index.js';
import type { ChipDescriptor } from '../chips/types.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { ImageFormatError, h8, h16, h32 } from './errors.js';
import type { ImageHeader, SpiModeName } from './types.js';

export const IMAGE_MAGIC = 0xe9;
export const IMAGE_HEADER_SIZE = 24;
export const SEGMENT_HEADER_SIZE = 8;
export const MAX_SEGMENTS = 16;
export const WP_PIN_DISABLED = 0xee;

const SPI_MODES: readonly SpiModeName[] = ['qio', 'qout', 'dio', 'dout', 'fast_read', 'slow_read'];

/** Name of a raw SPI mode byte; undefined if out of range. */
export function spiModeName(mode: number): SpiModeName | undefined {
  return SPI_MODES[mode];
}

/** Raw SPI mode byte of a name or number (numbers pass through). */
export function spiModeCode(mode: number | SpiModeName): number {
  if (typeof mode === 'number') return mode & 0xff;
  const i = SPI_MODES.indexOf(mode);
  if (i < 0) throw new ImageFormatError('IMAGE_BUILD', `unknown SPI mode "${String(mode)}"; use one of ${SPI_MODES.join(', ')}`);
  return i;
}

/** Flash size in bytes for a header size nibble (0 = 1 MB … 7 = 128 MB); undefined otherwise. */
export function flashSizeFromCode(code: number): number | undefined {
  return Number.isInteger(code) && code >= 0 && code <= 7 ? 0x100000 * 2 ** code : undefined;
}

/** Header size nibble for a flash size in bytes; throws for sizes without a code. */
export function flashSizeToCode(bytes: number): number {
  for (let code = 0; code <= 7; code++) if (flashSizeFromCode(code) === bytes) return code;
  throw new ImageFormatError(
    'IMAGE_BUILD',
    `flash size ${bytes} bytes has no image header code; use 1, 2, 4, 8, 16, 32, 64 or 128 MB`,
    { found: bytes },
  );
}

/** Speed nibble → frequency label, per chip (the nibble's meaning differs between chips). */
const SPEED_TABLES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  esp32: { 0xf: '80m', 0x0: '40m', 0x1: '26m', 0x2: '20m' },
  esp32s2: { 0xf: '80m', 0x0: '40m', 0x1: '26m', 0x2: '20m' },
  esp32s3: { 0xf: '80m', 0x0: '40m', 0x1: '26m', 0x2: '20m' },
  esp32c3: { 0xf: '80m', 0x0: '40m', 0x1: '26m', 0x2: '20m' },
  esp32c2: { 0xf: '60m', 0x0: '30m', 0x1: '20m', 0x2: '15m' },
  esp32c6: { 0x0: '80m', 0x2: '20m' },
  esp32h2: { 0xf: '48m', 0x0: '24m', 0x1: '16m', 0x2: '12m' },
  esp32c5: { 0xf: '80m', 0x0: '40m', 0x2: '20m' },
  esp32p4: { 0xf: '80m', 0x0: '40m', 0x2: '20m' },
};

/** Human description of a speed nibble for a chip, e.g. "80m"; "nibble 0x3" when unknown. */
export function describeSpiSpeed(nibble: number, chip?: ChipDescriptor | string): string {
  const name = typeof chip === 'string' ? findChip(chip)?.name : chip?.name;
  const label = name ? SPEED_TABLES[name]?.[nibble & 0xf] : undefined;
  return label ?? `nibble 0x${(nibble & 0xf).toString(16)}`;
}

/** Speed nibble for a frequency label ("80m") on a chip; undefined if the chip has no such speed. */
export function spiSpeedCode(label: string, chip: ChipDescriptor): number | undefined {
  const table = SPEED_TABLES[chip.name] ?? {};
  for (const [nibble, l] of Object.entries(table)) if (l === label.toLowerCase()) return Number(nibble);
  return undefined;
}

/** The speed labels a chip's header can state, by nibble (e.g. 40m, 26m, 20m, 80m). */
export function spiSpeedLabels(chip: ChipDescriptor): string[] {
  return Object.values(SPEED_TABLES[chip.name] ?? {});
}

/** Chip ids that exist but have no descriptor here (still valid image headers). */
const OTHER_KNOWN_CHIP_IDS = new Set([0x14 /* C61 */, 0x19 /* H21 */, 0x1c /* H4 */]);

function knownChipId(id: number): boolean {
  return chipByImageId(id) !== undefined || OTHER_KNOWN_CHIP_IDS.has(id);
}

/** ESP8266 memory where its segments load (DRAM, IRAM, flash-mapped IROM). */
function esp8266Address(a: number): boolean {
  return (a >= 0x3ffe8000 && a < 0x40000000) || (a >= 0x40100000 && a < 0x40110000) || (a >= 0x40200000 && a < 0x40300000);
}

/**
 * True if the bytes look like an ESP8266 image: the extended header is implausible for an ESP32
 * image and a plausible ESP8266 segment header sits at offset 8.
 */
export function looksLikeEsp8266(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || bytes[0] !== IMAGE_MAGIC) return false;
  const chipId = bytes[12]! | (bytes[13]! << 8);
  const implausible =
    bytes[23]! > 1 || !knownChipId(chipId) || bytes[9]! > 3 || bytes[10]! > 3 || bytes[11]! > 3;
  if (!implausible) return false;
  const addr = readU32(bytes, 8);
  const len = readU32(bytes, 12);
  return esp8266Address(addr) && len <= bytes.length - 16;
}

/** Parse and validate the 24-byte header at the start of `bytes`. */
export function parseImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) {
    throw new ImageFormatError('IMAGE_TRUNCATED', 'the image is empty: expected a 24-byte header with magic 0xe9 at 0x00000000', {
      offset: 0,
      expected: IMAGE_HEADER_SIZE,
      found: 0,
    });
  }
  const magic = bytes[0]!;
  if (magic === 0xea) {
    throw new ImageFormatError(
      'IMAGE_ESP8266',
      'byte 0x00000000 is 0xea, the magic of an ESP8266 "v2" image; ESP8266 images are not supported',
      { offset: 0, expected: IMAGE_MAGIC, found: magic },
    );
  }
  if (magic !== IMAGE_MAGIC && bytes.length >= 4 && readU32(bytes, 0) === 0x96f3b83d) {
    throw new ImageFormatError(
      'IMAGE_BAD_MAGIC',
      'the image starts with the MCUboot magic 0x96f3b83d, not the ESP image magic 0xe9: read it with parseMcubootHeader',
      { offset: 0, expected: IMAGE_MAGIC, found: magic },
    );
  }
  if (magic !== IMAGE_MAGIC) {
    throw new ImageFormatError(
      'IMAGE_BAD_MAGIC',
      `byte 0x00000000 is ${h8(magic)}, not the ESP image magic 0xe9: this is not an ESP app or bootloader image (or the offset is wrong)`,
      { offset: 0, expected: IMAGE_MAGIC, found: magic },
    );
  }
  if (looksLikeEsp8266(bytes)) {
    throw new ImageFormatError(
      'IMAGE_ESP8266',
      `this is an ESP8266 image: it has only the 8-byte header and its first segment header at 0x00000008 loads ${h32(readU32(bytes, 8))}; ESP8266 images are not supported`,
      { offset: 8 },
    );
  }
  if (bytes.length < IMAGE_HEADER_SIZE) {
    throw new ImageFormatError(
      'IMAGE_TRUNCATED',
      `the image header at 0x00000000 needs 24 bytes but the image has only ${bytes.length}`,
      { offset: 0, expected: IMAGE_HEADER_SIZE, found: bytes.length },
    );
  }
  const hashAppended = bytes[23]!;
  if (hashAppended > 1) {
    throw new ImageFormatError(
      'IMAGE_BAD_HEADER',
      `hash_appended at 0x00000017 is ${h8(hashAppended)} but must be 0 or 1`,
      { offset: 23, expected: '0 or 1', found: hashAppended },
    );
  }
  const spiMode = bytes[2]!;
  const flashSizeCode = bytes[3]! >> 4;
  const flashSizeBytes = flashSizeFromCode(flashSizeCode);
  const modeName = spiModeName(spiMode);
  return {
    magic,
    segmentCount: bytes[1]!,
    spiMode,
    ...(modeName ? { spiModeName: modeName } : {}),
    spiSpeed: bytes[3]! & 0xf,
    flashSizeCode,
    ...(flashSizeBytes !== undefined ? { flashSizeBytes } : {}),
    entry: readU32(bytes, 4),
    wpPin: bytes[8]!,
    spiPinDrv: [bytes[9]!, bytes[10]!, bytes[11]!],
    chipId: readU16(bytes, 12),
    minChipRev: bytes[14]!,
    minChipRevFull: readU16(bytes, 15),
    maxChipRevFull: readU16(bytes, 17),
    hashAppended,
  };
}

/** Write a header into the first 24 bytes of `out`. */
export function writeImageHeader(out: Uint8Array, h: Omit<ImageHeader, 'magic' | 'spiModeName' | 'flashSizeBytes'>): void {
  if (h.segmentCount > MAX_SEGMENTS) {
    throw new ImageFormatError('IMAGE_BUILD', `an image holds at most ${MAX_SEGMENTS} segments, not ${h.segmentCount}`, {
      expected: MAX_SEGMENTS,
      found: h.segmentCount,
    });
  }
  if (h.hashAppended !== 0 && h.hashAppended !== 1) {
    throw new ImageFormatError('IMAGE_BUILD', `hash_appended must be 0 or 1, not ${h.hashAppended}`);
  }
  if (h.spiSpeed < 0 || h.spiSpeed > 15 || h.flashSizeCode < 0 || h.flashSizeCode > 15) {
    throw new ImageFormatError('IMAGE_BUILD', `speed and size nibbles must be 0..15 (got ${h.spiSpeed}, ${h.flashSizeCode})`);
  }
  out.fill(0, 0, IMAGE_HEADER_SIZE);
  out[0] = IMAGE_MAGIC;
  out[1] = h.segmentCount;
  out[2] = h.spiMode & 0xff;
  out[3] = (h.flashSizeCode << 4) | h.spiSpeed;
  writeU32(out, 4, h.entry >>> 0);
  out[8] = h.wpPin & 0xff;
  out[9] = h.spiPinDrv[0] & 0xff;
  out[10] = h.spiPinDrv[1] & 0xff;
  out[11] = h.spiPinDrv[2] & 0xff;
  writeU16(out, 12, h.chipId);
  out[14] = h.minChipRev & 0xff;
  writeU16(out, 15, h.minChipRevFull);
  writeU16(out, 17, h.maxChipRevFull);
  out[23] = h.hashAppended;
}

/** The chip an image header names; undefined for unknown ids (reported, not an error). */
export function chipOfHeader(h: ImageHeader): ChipDescriptor | undefined {
  return chipByImageId(h.chipId);
}

/** "0x0005 (ESP32-C3)" style description of a chip id. */
export function describeChipId(id: number): string {
  const chip = chipByImageId(id);
  return `${h16(id)}${chip ? ` (${chip.displayName})` : id === 0xffff ? ' (invalid)' : ' (unknown)'}`;
}

/** A chip revision in the header's "full" form (major × 100 + minor) as "v0.3". */
export function formatChipRevision(full: number): string {
  return `v${Math.floor(full / 100)}.${full % 100}`;
}

/** max_chip_rev_full sets a limit only when neither 0 nor 0xFFFF (the ESP-IDF bootloader's reading). */
export function maxChipRevisionSet(full: number): boolean {
  return full !== 0 && full !== 0xffff;
}

/**
 * A chip revision for the header: "v0.3" or "0.3" (major.minor, minor 0–99), or the full form as a
 * whole number ("3", as esptool's --min-rev-full and ESP-IDF's REV_MIN_FULL take it; "0xffff", the
 * header's "no limit", in hex too). Undefined when the text is neither or out of range.
 */
export function parseChipRevision(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const dotted = /^v?(\d{1,3})\.(\d{1,2})$/.exec(t);
  const full = dotted ? Number(dotted[1]) * 100 + Number(dotted[2]) : /^\d{1,5}$/.test(t) ? Number(t) : /^0x[0-9a-f]{1,4}$/.test(t) ? parseInt(t.slice(2), 16) : undefined;
  return full !== undefined && full <= 0xffff ? full : undefined;
}
