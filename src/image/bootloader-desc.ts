/**
 * `esp_bootloader_desc_t` (80 bytes, ESP-IDF ≥ 5.2): at the start of the bootloader's first
 * segment. Byte 0 magic 0x50, byte 1 reserved1, byte 3 secure_version, u32 version at 4,
 * idf_ver[32] at 8, date_time[24] at 40, 16 reserved bytes.
 */
import { readCString, readU32, requireBytes, writeCString, writeU32 } from './bytes.js';
import { ImageFormatError, h32, h8 } from './errors.js';
import type { BootloaderDescriptor } from './types.js';

export const BOOTLOADER_DESC_MAGIC = 0x50;
export const BOOTLOADER_DESC_SIZE = 80;

function printableCString(bytes: Uint8Array, offset: number, size: number): boolean {
  let sawNul = false;
  for (let i = 0; i < size; i++) {
    const b = bytes[offset + i]!;
    if (b === 0) sawNul = true;
    else if (sawNul || b < 0x20 || b > 0x7e) return false;
  }
  return sawNul;
}

/**
 * True if a bootloader descriptor plausibly sits at `offset`: magic 0x50 and NUL-terminated
 * printable idf_ver and date_time strings (the single magic byte alone is too weak).
 */
export function hasBootloaderDescriptor(bytes: Uint8Array, offset: number): boolean {
  if (offset < 0 || offset + BOOTLOADER_DESC_SIZE > bytes.length) return false;
  return (
    bytes[offset] === BOOTLOADER_DESC_MAGIC &&
    printableCString(bytes, offset + 8, 32) &&
    printableCString(bytes, offset + 40, 24)
  );
}

export function parseBootloaderDescriptor(bytes: Uint8Array, offset = 0): BootloaderDescriptor {
  requireBytes(bytes, offset, BOOTLOADER_DESC_SIZE, 'bootloader descriptor', 'IMAGE_TRUNCATED');
  const magic = bytes[offset]!;
  if (magic !== BOOTLOADER_DESC_MAGIC) {
    throw new ImageFormatError(
      'DESC_BAD_MAGIC',
      `the bootloader descriptor at ${h32(offset)} starts with ${h8(magic)}, not the magic 0x50`,
      { offset, expected: BOOTLOADER_DESC_MAGIC, found: magic },
    );
  }
  return {
    offset,
    magic,
    reserved1: bytes[offset + 1]!,
    secureVersion: bytes[offset + 3]!,
    version: readU32(bytes, offset + 4),
    idfVer: readCString(bytes, offset + 8, 32),
    dateTime: readCString(bytes, offset + 40, 24),
  };
}

export interface BootloaderDescriptorInput {
  readonly secureVersion?: number;
  readonly version?: number;
  readonly idfVer?: string;
  readonly dateTime?: string;
}

export function buildBootloaderDescriptor(d: BootloaderDescriptorInput = {}): Uint8Array {
  const out = new Uint8Array(BOOTLOADER_DESC_SIZE);
  out[0] = BOOTLOADER_DESC_MAGIC;
  out[3] = (d.secureVersion ?? 0) & 0xff;
  writeU32(out, 4, d.version ?? 0);
  writeCString(out, 8, 32, d.idfVer ?? '', 31);
  writeCString(out, 40, 24, d.dateTime ?? '', 23);
  return out;
}
