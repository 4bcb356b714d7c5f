/**
 * Lookup tables of a literal/length or distance code (huffman-code.ts) for the inflater, in the
 * entry layout of inflate-fast.ts. A table is indexed by the next input bits (least significant
 * first); a code longer than the first level leads to a second-level table. An entry says what the
 * code means with the extra bits that follow it folded in: a length or distance base and how many
 * extra bits there are, so that one lookup decodes a whole length or distance.
 */
import type { HuffmanCode } from './huffman-code.js';
import { ENTRY } from './inflate-fast.js';

const { UNUSED, CODE_SHIFT, DISTANCE, DIST_BITS, END_OF_BLOCK, LENGTH, LITERAL, LIT_BITS, SUBTABLE } = ENTRY;

export const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
export const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);

const MAX_CODE = 15;
/** Table sizes: the first level, and at most one second level of 2^(15 - bits) entries per symbol. */
export const LIT_TABLE_SIZE = (1 << LIT_BITS) + 288 * (1 << (MAX_CODE - LIT_BITS));
export const DIST_TABLE_SIZE = (1 << DIST_BITS) + 32 * (1 << (MAX_CODE - DIST_BITS));

/** Scratch for one build: each code in canonical order, its bits reversed (as they arrive), its length and its entry. */
const reversed = new Uint16Array(288);
const lengthOf = new Uint8Array(288);
const entries = new Int32Array(288);
const REVERSED_BYTE = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >>> i) & 1) << (7 - i);
  return r;
});

/** The literal/length table of `h` into `table` (LIT_TABLE_SIZE entries). */
export function buildLiteralTable(table: Int32Array, h: HuffmanCode): void {
  const n = canonical(h);
  for (let k = 0; k < n; k++) {
    const sym = h.symbols[k]!;
    const len = lengthOf[k]!;
    const code = (len << CODE_SHIFT) | len;
    const li = sym - 257;
    if (sym < 256) entries[k] = (sym << 16) | LITERAL | code;
    else if (sym === 256) entries[k] = END_OF_BLOCK | code;
    else if (li >= 29) entries[k] = UNUSED | code;
    else entries[k] = (LENGTH_BASE[li]! << 16) | LENGTH | (len << CODE_SHIFT) | (len + LENGTH_EXTRA[li]!);
  }
  fill(table, LIT_BITS, n);
}

/** The distance table of `h` into `table` (DIST_TABLE_SIZE entries). */
export function buildDistanceTable(table: Int32Array, h: HuffmanCode): void {
  const n = canonical(h);
  for (let k = 0; k < n; k++) {
    const sym = h.symbols[k]!;
    const len = lengthOf[k]!;
    entries[k] = sym >= 30 ? UNUSED | (len << CODE_SHIFT) | len : (DIST_BASE[sym]! << 16) | DISTANCE | (len << CODE_SHIFT) | (len + DIST_EXTRA[sym]!);
  }
  fill(table, DIST_BITS, n);
}

/** Each code of `h` in canonical order into reversed and lengthOf; returns how many. */
function canonical(h: HuffmanCode): number {
  let n = 0;
  let code = 0;
  for (let len = 1; len <= MAX_CODE; len++) {
    for (let j = h.count[len]!; j > 0; j--, n++, code++) {
      reversed[n] = ((REVERSED_BYTE[code & 0xff]! << 8) | REVERSED_BYTE[code >>> 8]!) >>> (16 - len);
      lengthOf[n] = len;
    }
    code <<= 1;
  }
  return n;
}

function fill(table: Int32Array, bits: number, n: number): void {
  const size = 1 << bits;
  table.fill(0, 0, size);
  let next = size;
  for (let k = 0; k < n; ) {
    const len = lengthOf[k]!;
    if (len <= bits) {
      const e = entries[k]!;
      for (let i = reversed[k]!; i < size; i += 1 << len) table[i] = e;
      k++;
      continue;
    }
    // Codes sharing their first `bits` bits are consecutive in canonical order, the longest last.
    const prefix = reversed[k]! & (size - 1);
    let end = k + 1;
    while (end < n && (reversed[end]! & (size - 1)) === prefix) end++;
    const subBits = lengthOf[end - 1]! - bits;
    const start = next;
    next += 1 << subBits;
    table.fill(0, start, next);
    table[prefix] = (start << 16) | SUBTABLE | subBits;
    for (; k < end; k++) {
      const e = entries[k]!;
      for (let i = reversed[k]! >>> bits; i < 1 << subBits; i += 1 << (lengthOf[k]! - bits)) table[start + i] = e;
    }
  }
}
