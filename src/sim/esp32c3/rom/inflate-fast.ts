/**
 * The inflater's common case (inflater.ts): Huffman-coded symbols decoded with the tables of
 * decode-table.ts while enough input is ahead that no symbol can run out of it and enough output
 * room that any match fits. Its state comes and goes through a FastCursor.
 *
 * The bit buffer is refilled four bytes at a time: only the whole bytes that fit are counted
 * (bitcnt, pos); the bits beyond them are the next byte's own, which a later refill writes there
 * again. A match is copied four bytes at a time where it lies at least four bytes back, and may
 * write up to three bytes past its end (output not produced yet, overwritten later).
 */

/*
 * Table entries (Int32, built by decode-table.ts): bits 0-4 how many input bits the entry consumes
 * (its code and any extra bits; for SUBTABLE the index bits of the second level), bits 5-8 the
 * code's length (extra bits follow it), one kind bit, bits 16-30 the value. 0: no code matches (an
 * invalid code). The loop reads these constants as module-local ones (an exported binding costs a
 * load at each use); other modules get them through ENTRY.
 */

/** First-level index bits of the literal/length table and of the distance table. */
const LIT_BITS = 11;
const DIST_BITS = 8;
const LIT_MASK = (1 << LIT_BITS) - 1;
const DIST_MASK = (1 << DIST_BITS) - 1;
const ENTRY_BITS = 31;
const CODE_LENGTH = 15;
const CODE_SHIFT = 5;
/** A literal: value the byte. */
const LITERAL = 1 << 9;
/** A length (literal/length symbols 257-285): value its base. */
const LENGTH = 1 << 10;
const END_OF_BLOCK = 1 << 11;
/** A code no data may use (the fixed code's literal/length symbols 286 and 287, distance symbols 30 and 31). */
const UNUSED = 1 << 12;
/** A distance (symbols 0-29): value its base. */
const DISTANCE = 1 << 13;
/** A code longer than the first level: value where its second level starts, bits 0-4 the second level's index bits. */
const SUBTABLE = 1 << 14;

export const ENTRY = { LIT_BITS, DIST_BITS, ENTRY_BITS, CODE_SHIFT, CODE_LENGTH, LITERAL, LENGTH, END_OF_BLOCK, UNUSED, DISTANCE, SUBTABLE } as const;

const MAX_MATCH = 258;
/** Input bytes that must be ahead for a pass of the loop: three refills of four bytes, the first two advancing three bytes at most. */
export const FAST_INPUT = 10;
/** Output room a pass of the loop needs: a longest match and the copy's overrun. */
export const FAST_OUTPUT = MAX_MATCH + 3;
export const FAST_END = -1;
export const FAST_FAILED = -2;

/** The decoder's position, handed to decodeFast and back. */
export interface FastCursor {
  pos: number;
  bitbuf: number;
  bitcnt: number;
  outLen: number;
  failure: string;
}

/**
 * Decode symbols while pos <= inEnd (at most the input's length - FAST_INPUT) and the output end
 * is at most outEnd (at most out.length - FAST_OUTPUT). `input` views the input, `outView` the
 * output; `produced` is the stream's output count at c.outLen, `reach` the farthest back-reference
 * allowed. Returns how many symbols it decoded (0 if it could not start), FAST_END after the
 * end-of-block code, FAST_FAILED after a bad code (c.failure says why).
 */
export function decodeFast(
  c: FastCursor,
  input: DataView,
  inEnd: number,
  out: Uint8Array,
  outView: DataView,
  outEnd: number,
  produced: number,
  reach: number,
  lit: Int32Array,
  dist: Int32Array,
): number {
  const base = produced - c.outLen; // the stream's output count is base + o
  let pos = c.pos;
  let buf = c.bitbuf | 0; // int32 throughout: a number that is sometimes uint32 would be a double
  let cnt = c.bitcnt;
  let o = c.outLen;
  let symbols = 0;
  let failure = '';
  let result = 0;
  while (pos <= inEnd && o <= outEnd) {
    if (cnt < 24) {
      buf |= input.getInt32(pos, true) << cnt;
      pos += (31 - cnt) >>> 3;
      cnt |= 24;
    }
    let e = lit[buf & LIT_MASK]!;
    if (e & SUBTABLE) e = lit[(e >>> 16) + ((buf >>> LIT_BITS) & ((1 << (e & ENTRY_BITS)) - 1))]!;
    symbols++;
    if (e & LITERAL) {
      out[o++] = e >>> 16;
      buf = (buf >>> (e & ENTRY_BITS)) | 0;
      cnt -= e & ENTRY_BITS;
      continue;
    }
    if (!(e & LENGTH)) {
      if (e & END_OF_BLOCK) {
        buf = (buf >>> (e & ENTRY_BITS)) | 0;
        cnt -= e & ENTRY_BITS;
        result = FAST_END;
      } else failure = e & UNUSED ? 'bad length symbol' : 'bad literal/length code';
      break;
    }
    let n = e & ENTRY_BITS;
    const length = (e >>> 16) + ((buf & ((1 << n) - 1)) >>> ((e >>> CODE_SHIFT) & CODE_LENGTH));
    buf = (buf >>> n) | 0;
    cnt -= n;
    if (cnt < 24) {
      buf |= input.getInt32(pos, true) << cnt;
      pos += (31 - cnt) >>> 3;
      cnt |= 24;
    }
    let d = dist[buf & DIST_MASK]!;
    if (d & SUBTABLE) d = dist[(d >>> 16) + ((buf >>> DIST_BITS) & ((1 << (d & ENTRY_BITS)) - 1))]!;
    if (!(d & DISTANCE)) {
      failure = 'bad distance code';
      break;
    }
    n = d & ENTRY_BITS;
    let distance: number;
    if (n <= cnt) {
      distance = (d >>> 16) + ((buf & ((1 << n) - 1)) >>> ((d >>> CODE_SHIFT) & CODE_LENGTH));
      buf = (buf >>> n) | 0;
      cnt -= n;
    } else {
      // More bits than are buffered (a long code with many extra bits): the code, a refill, its extra bits.
      const len = (d >>> CODE_SHIFT) & CODE_LENGTH;
      buf = (buf >>> len) | 0;
      cnt -= len;
      buf |= input.getInt32(pos, true) << cnt;
      pos += (31 - cnt) >>> 3;
      cnt |= 24;
      n -= len;
      distance = (d >>> 16) + (buf & ((1 << n) - 1));
      buf = (buf >>> n) | 0;
      cnt -= n;
    }
    if (distance > base + o || distance > reach) {
      failure = distance > reach ? `distance ${distance} reaches past the ${reach}-byte output buffer` : `distance ${distance} reaches before the start of the output`;
      break;
    }
    const from = o - distance;
    if (distance >= 4) {
      for (let i = 0; i < length; i += 4) outView.setInt32(o + i, outView.getInt32(from + i, true), true);
    } else if (distance === 1 && length > 16) {
      out.fill(out[from]!, o, o + length);
    } else {
      for (let i = 0; i < length; i++) out[o + i] = out[from + i]!;
    }
    o += length;
  }
  c.pos = pos;
  c.bitbuf = buf;
  c.bitcnt = cnt;
  c.outLen = o;
  if (failure) {
    c.failure = failure;
    return FAST_FAILED;
  }
  return result || symbols;
}
