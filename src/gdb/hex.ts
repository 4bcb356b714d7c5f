/** Hex and little-endian helpers for RSP payloads (no Buffer, so they also run in a browser). */

const HEX_DIGITS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Value of one hex digit character code, or -1. */
export function hexDigitValue(code: number): number {
  return code < 128 ? HEX_VALUE[code]! : -1;
}

/** Bytes to lower-case hex. */
export function bytesToHex(data: Uint8Array, start = 0, end = data.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += BYTE_TO_HEX[data[i]!]!;
  return out;
}

/** Hex text (even length) to bytes; undefined when the text is not hex. */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigitValue(text.charCodeAt(2 * i));
    const lo = hexDigitValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** True if the text is non-empty and only hex digits. */
export function isHex(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (hexDigitValue(text.charCodeAt(i)) < 0) return false;
  return true;
}

/** Parse an unsigned hex number (as RSP writes addresses and lengths); undefined if not hex. */
export function parseHexNumber(text: string): number | undefined {
  if (!isHex(text) || text.length > 13) return undefined;
  return parseInt(text, 16);
}

/** The parts as one array (the part itself when there is one): what leaves in one socket write. */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return joined;
}

/** Text to its ASCII/latin1 bytes. */
export function textToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes to latin1 text (every byte one character). */
export function bytesToText(data: Uint8Array, start = 0, end = data.length): string {
  if (end - start <= 16) {
    let out = '';
    for (let i = start; i < end; i++) out += String.fromCharCode(data[i]!);
    return out;
  }
  let out = '';
  const CHUNK = 8192;
  for (let i = start; i < end; i += CHUNK) {
    out += String.fromCharCode.apply(null, data.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  }
  return out;
}

/** UTF-8 text to hex (how qRcmd carries commands and `O` packets carry console output). */
export function utf8ToHex(text: string): string {
  return bytesToHex(new TextEncoder().encode(text));
}

/** Hex to UTF-8 text; undefined when not hex. */
export function hexToUtf8(hex: string): string | undefined {
  const bytes = hexToBytes(hex);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** A register value as target-order (little-endian) hex of `bytes` bytes. */
export function valueToLeHex(value: number, bytes: number): string {
  let out = '';
  let v = Math.trunc(value);
  if (v < 0) v = v >>> 0;
  for (let i = 0; i < bytes; i++) {
    out += BYTE_TO_HEX[v % 256]!;
    v = Math.floor(v / 256);
  }
  return out;
}

/**
 * Little-endian hex to a number. Values wider than 48 bits keep their low 48 bits.
 * Returns undefined for non-hex text; `xx` (unavailable) digits read as undefined too.
 */
export function leHexToValue(hex: string): number | undefined {
  return hex.length % 2 === 0 ? leHexFieldToValue(hex, 0, hex.length / 2) : undefined;
}

/**
 * The `bytes`-byte little-endian field of hex text that starts at character `start` (as in a `g`
 * image), read in place; same rules as leHexToValue. The text must hold the whole field.
 */
export function leHexFieldToValue(text: string, start: number, bytes: number): number | undefined {
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) {
    const hi = hexDigitValue(text.charCodeAt(start + 2 * i));
    const lo = hexDigitValue(text.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    if (i < 6) v = v * 256 + ((hi << 4) | lo);
  }
  return v;
}
