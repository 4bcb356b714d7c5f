/** Little-endian readers and writers over Uint8Array with bounds checks that throw precise errors. */
import { counted } from '../chips/types.js';
import { ImageFormatError, h32, type ImageErrorCode } from './errors.js';

function check(
  bytes: Uint8Array,
  offset: number,
  size: number,
  what: string,
  code: ImageErrorCode,
): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > bytes.length) {
    const remain = Math.max(0, bytes.length - Math.max(0, offset));
    throw new ImageFormatError(
      code,
      `${what} at ${h32(offset)} needs ${counted(size, 'byte')} but only ${remain} remain in a ${bytes.length}-byte buffer`,
      { offset, expected: size, found: remain },
    );
  }
}

/** Throw `code` unless [offset, offset + size) lies within `bytes`. */
export function requireBytes(
  bytes: Uint8Array,
  offset: number,
  size: number,
  what = 'read',
  code: ImageErrorCode = 'BYTES_RANGE',
): void {
  check(bytes, offset, size, what, code);
}

export function readU8(bytes: Uint8Array, offset: number, what = 'u8', code: ImageErrorCode = 'BYTES_RANGE'): number {
  check(bytes, offset, 1, what, code);
  return bytes[offset]!;
}

export function readU16(bytes: Uint8Array, offset: number, what = 'u16', code: ImageErrorCode = 'BYTES_RANGE'): number {
  check(bytes, offset, 2, what, code);
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function readU32(bytes: Uint8Array, offset: number, what = 'u32', code: ImageErrorCode = 'BYTES_RANGE'): number {
  check(bytes, offset, 4, what, code);
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0
  );
}

export function writeU8(bytes: Uint8Array, offset: number, value: number): void {
  check(bytes, offset, 1, 'write u8', 'BYTES_RANGE');
  bytes[offset] = value & 0xff;
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  check(bytes, offset, 2, 'write u16', 'BYTES_RANGE');
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  check(bytes, offset, 4, 'write u32', 'BYTES_RANGE');
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

/** A view (no copy) of [offset, offset + length), bounds-checked. */
export function slice(
  bytes: Uint8Array,
  offset: number,
  length: number,
  what = 'range',
  code: ImageErrorCode = 'BYTES_RANGE',
): Uint8Array {
  check(bytes, offset, length, what, code);
  return bytes.subarray(offset, offset + length);
}

/** Decode a fixed-size, NUL-padded ASCII/UTF-8 field (stops at the first NUL). */
export function readCString(bytes: Uint8Array, offset: number, size: number, what = 'string'): string {
  const field = slice(bytes, offset, size, what);
  let end = field.indexOf(0);
  if (end < 0) end = field.length;
  // Control characters (a terminal's escape sequences, a newline in a label) become "?", so that no
  // output — text, CSV, SVG — carries them; the string is no longer in bytes than the field.
  return new TextDecoder('utf-8', { fatal: false }).decode(field.subarray(0, end)).replace(/[\u0001-\u001f\u007f-\u009f]/g, '?');
}

/** Encode `text` into a fixed-size NUL-padded field; throws if it does not fit (`maxLength` bytes). */
export function writeCString(bytes: Uint8Array, offset: number, size: number, text: string, maxLength = size): void {
  const enc = new TextEncoder().encode(text);
  if (enc.length > maxLength) {
    throw new ImageFormatError(
      'IMAGE_BUILD',
      `text "${text}" is ${enc.length} bytes but the field at ${h32(offset)} holds at most ${maxLength}`,
      { offset, expected: maxLength, found: enc.length },
    );
  }
  check(bytes, offset, size, 'write string', 'BYTES_RANGE');
  bytes.fill(0, offset, offset + size);
  bytes.set(enc, offset);
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
