/**
 * RSP packet codec: pure functions over bytes.
 * A packet is `$payload#xx`, xx = the sum of the payload bytes modulo 256 in two hex digits.
 * Binary data escapes `#`, `$`, `}` and `*` as `}` followed by the byte XOR 0x20.
 * Replies may be run-length encoded: `c*n` repeats c (n - 29) more times.
 */
import { bytesToHex, hexToBytes, textToBytes, hexToUtf8, isHex } from './hex.js';

export const ACK = 0x2b; // '+'
export const NAK = 0x2d; // '-'
export const PACKET_START = 0x24; // '$'
export const NOTIFICATION_START = 0x25; // '%'
export const PACKET_END = 0x23; // '#'
export const ESCAPE = 0x7d; // '}'
export const RUN_LENGTH = 0x2a; // '*'
export const INTERRUPT = 0x03;

/** Framing bytes around a payload: `$`, `#` and two checksum digits. */
export const FRAMING_OVERHEAD = 4;

/** Sum of the bytes modulo 256. */
export function checksum(payload: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum += payload[i]!;
  return sum & 0xff;
}

/** Frame a payload (already escaped where it carries binary data) as `$payload#xx`. */
export function encodePacket(payload: Uint8Array | string, start = PACKET_START): Uint8Array {
  const body = typeof payload === 'string' ? textToBytes(payload) : payload;
  const out = new Uint8Array(body.length + FRAMING_OVERHEAD);
  out[0] = start;
  out.set(body, 1);
  out[body.length + 1] = PACKET_END;
  const sum = bytesToHex(Uint8Array.of(checksum(body)));
  out[body.length + 2] = sum.charCodeAt(0);
  out[body.length + 3] = sum.charCodeAt(1);
  return out;
}

function needsEscape(b: number): boolean {
  return b === PACKET_END || b === PACKET_START || b === ESCAPE || b === RUN_LENGTH;
}

/** Length of `data` once binary-escaped. */
export function escapedLength(data: Uint8Array, start = 0, end = data.length): number {
  let n = end - start;
  for (let i = start; i < end; i++) if (needsEscape(data[i]!)) n++;
  return n;
}

/** Escape binary data for `X`, `x` replies and qXfer replies. */
export function escapeBinary(data: Uint8Array, start = 0, end = data.length): Uint8Array {
  const out = new Uint8Array(escapedLength(data, start, end));
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = data[i]!;
    if (needsEscape(b)) {
      out[o++] = ESCAPE;
      out[o++] = b ^ 0x20;
    } else {
      out[o++] = b;
    }
  }
  return out;
}

/** Undo escapeBinary. Returns undefined when the data ends in a lone escape byte. */
export function unescapeBinary(data: Uint8Array, start = 0, end = data.length): Uint8Array | undefined {
  const out = new Uint8Array(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = data[i]!;
    if (b === ESCAPE) {
      if (i + 1 >= end) return undefined;
      out[o++] = data[++i]! ^ 0x20;
    } else {
      out[o++] = b;
    }
  }
  return out.subarray(0, o);
}

/** Largest prefix of data[start..] whose escaped form fits in `budget` bytes; returns the end index. */
export function fitEscaped(data: Uint8Array, start: number, end: number, budget: number): number {
  let used = 0;
  let i = start;
  while (i < end) {
    const cost = needsEscape(data[i]!) ? 2 : 1;
    if (used + cost > budget) break;
    used += cost;
    i++;
  }
  return i;
}

/** Largest repeat a single `*` count can carry (count character 126 = '~'). */
const MAX_RUN = 126 - 29;

/**
 * Expand run-length encoding. Returns undefined when a `*` has nothing to repeat or no count.
 * The checksum covers the encoded form, so expand only after the checksum was verified.
 */
export function decodeRunLength(data: Uint8Array): Uint8Array | undefined {
  if (data.indexOf(RUN_LENGTH) < 0) return data;
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b !== RUN_LENGTH) {
      out.push(b);
      continue;
    }
    if (out.length === 0 || i + 1 >= data.length) return undefined;
    const count = data[++i]! - 29;
    if (count < 0) return undefined;
    const prev = out[out.length - 1]!;
    for (let k = 0; k < count; k++) out.push(prev);
  }
  return Uint8Array.from(out);
}

/**
 * Run-length encode a printable (hex/text) payload, as stubs may do for replies.
 * Counts that would produce `#`, `$`, `+` or `-` are avoided. Do not use on escaped binary data.
 */
export function encodeRunLength(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const b = data[i]!;
    let run = 1;
    while (i + run < data.length && data[i + run] === b && run - 1 < MAX_RUN) run++;
    let extra = run - 1;
    // Only worth it for 3+ repeats; avoid count characters that have a framing meaning.
    while (extra > 0 && [PACKET_END, PACKET_START, ACK, NAK].includes(extra + 29)) extra--;
    if (extra >= 3) {
      out.push(b, RUN_LENGTH, extra + 29);
      i += extra + 1;
    } else {
      out.push(b);
      i += 1;
    }
  }
  return Uint8Array.from(out);
}

/** True for a console-output packet `O<hex>` (and not the reply `OK`). */
export function isConsoleOutput(payload: string): boolean {
  return payload.length >= 3 && payload[0] === 'O' && payload !== 'OK' && (payload.length - 1) % 2 === 0 && isHex(payload.slice(1));
}

/** Text of an `O<hex>` packet. */
export function decodeConsoleOutput(payload: string): string {
  return hexToUtf8(payload.slice(1)) ?? '';
}

/** An `O` packet carrying `text`. */
export function encodeConsoleOutput(text: string): string {
  return 'O' + bytesToHex(new TextEncoder().encode(text));
}

/** `E NN` error replies (also `E.text` from some stubs); returns the number or -1 for a textual error. */
export function parseErrorReply(payload: string): number | undefined {
  if (/^E[0-9a-fA-F]{2}$/.test(payload)) return parseInt(payload.slice(1), 16);
  if (payload.startsWith('E.')) return -1;
  return undefined;
}

/** Decode a hex memory reply; undefined when it is not hex. */
export function decodeHexReply(payload: string): Uint8Array | undefined {
  if (payload.length === 0) return new Uint8Array(0);
  return hexToBytes(payload);
}
