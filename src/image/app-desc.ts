/** `esp_app_desc_t` (256 bytes): at the start of an app's first DROM segment data. */
import { readCString, readU16, readU32, requireBytes, writeCString, writeU16, writeU32 } from './bytes.js';
import { ImageFormatError, h32 } from './errors.js';
import type { AppDescriptor } from './types.js';

export const APP_DESC_MAGIC = 0xabcd5432;
/** Where the descriptor's app_elf_sha256 field starts, from its magic (32 bytes). */
export const APP_DESC_ELF_SHA256_AT = 144;
export const APP_DESC_SIZE = 256;

/** True if an app descriptor magic sits at `offset` (no throw). */
export function hasAppDescriptor(bytes: Uint8Array, offset: number): boolean {
  if (offset < 0 || offset + APP_DESC_SIZE > bytes.length) return false;
  return readU32(bytes, offset) === APP_DESC_MAGIC;
}

/** Decode the descriptor at `offset`; `offset` in the result is where it was read. */
export function parseAppDescriptor(bytes: Uint8Array, offset = 0): AppDescriptor {
  requireBytes(bytes, offset, APP_DESC_SIZE, 'app descriptor', 'IMAGE_TRUNCATED');
  const magic = readU32(bytes, offset);
  if (magic !== APP_DESC_MAGIC) {
    throw new ImageFormatError(
      'DESC_BAD_MAGIC',
      `the app descriptor at ${h32(offset)} starts with ${h32(magic)}, not the magic 0xabcd5432`,
      { offset, expected: APP_DESC_MAGIC, found: magic },
    );
  }
  const mmuPageSizeLog2 = bytes[offset + 180]!;
  return {
    offset,
    magic,
    secureVersion: readU32(bytes, offset + 4),
    version: readCString(bytes, offset + 16, 32),
    projectName: readCString(bytes, offset + 48, 32),
    time: readCString(bytes, offset + 80, 16),
    date: readCString(bytes, offset + 96, 16),
    idfVer: readCString(bytes, offset + 112, 32),
    appElfSha256: bytes.slice(offset + APP_DESC_ELF_SHA256_AT, offset + APP_DESC_ELF_SHA256_AT + 32),
    minEfuseBlkRevFull: readU16(bytes, offset + 176),
    maxEfuseBlkRevFull: readU16(bytes, offset + 178),
    mmuPageSizeLog2,
    ...(mmuPageSizeLog2 > 0 && mmuPageSizeLog2 < 32 ? { mmuPageSize: 2 ** mmuPageSizeLog2 } : {}),
  };
}

export interface AppDescriptorInput {
  readonly secureVersion?: number;
  readonly version?: string;
  readonly projectName?: string;
  readonly time?: string;
  readonly date?: string;
  readonly idfVer?: string;
  readonly appElfSha256?: Uint8Array;
  readonly minEfuseBlkRevFull?: number;
  readonly maxEfuseBlkRevFull?: number;
  readonly mmuPageSizeLog2?: number;
}

/** Encode a 256-byte descriptor. Strings must leave room for their NUL. */
export function buildAppDescriptor(d: AppDescriptorInput = {}): Uint8Array {
  const out = new Uint8Array(APP_DESC_SIZE);
  writeU32(out, 0, APP_DESC_MAGIC);
  writeU32(out, 4, d.secureVersion ?? 0);
  writeCString(out, 16, 32, d.version ?? '', 31);
  writeCString(out, 48, 32, d.projectName ?? '', 31);
  writeCString(out, 80, 16, d.time ?? '', 15);
  writeCString(out, 96, 16, d.date ?? '', 15);
  writeCString(out, 112, 32, d.idfVer ?? '', 31);
  if (d.appElfSha256) {
    if (d.appElfSha256.length !== 32) {
      throw new ImageFormatError('IMAGE_BUILD', `app_elf_sha256 must be 32 bytes, not ${d.appElfSha256.length}`);
    }
    out.set(d.appElfSha256, APP_DESC_ELF_SHA256_AT);
  }
  writeU16(out, 176, d.minEfuseBlkRevFull ?? 0);
  writeU16(out, 178, d.maxEfuseBlkRevFull ?? 0);
  out[180] = d.mmuPageSizeLog2 ?? 0;
  return out;
}
