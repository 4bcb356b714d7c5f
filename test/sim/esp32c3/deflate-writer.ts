/**
 * A minimal DEFLATE writer for tests (RFC 1951): one final dynamic block with the code lengths the
 * test chooses, so that a stream can hold what a compressor would seldom emit (15-bit codes for
 * most symbols, lengths and distances with their most extra bits).
 */

export const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
export const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A literal byte, or a copy of `length` bytes from `distance` back. */
export type Op = number | { readonly length: number; readonly distance: number };

/**
 * Lengths of a complete code over `n` symbols: every symbol 15 bits, then the symbols of `short`
 * in turn made as short as the code allows (the first one shortest); the rest stay 15 bits long.
 */
export function completeLengths(n: number, short: readonly number[]): Uint8Array {
  const lengths = new Uint8Array(n).fill(15);
  let left = (1 << 15) - n; // unused code space, in 15-bit codes
  for (const sym of short) {
    while (lengths[sym]! > 1 && 1 << (15 - lengths[sym]!) <= left) {
      left -= 1 << (15 - lengths[sym]!);
      lengths[sym]!--;
    }
  }
  if (left !== 0) throw new Error('not a complete code: give more short symbols');
  return lengths;
}

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  /** `value`'s low `bits` bits, least significant first. */
  put(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.count;
      if (++this.count === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.count = 0;
      }
    }
  }

  /** A Huffman code: most significant bit first. */
  code(code: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) this.put((code >>> i) & 1, 1);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.count ? [...this.bytes, this.acc] : this.bytes);
  }
}

/** The canonical codes of `lengths` (RFC 1951 §3.2.2). */
function canonicalCodes(lengths: Uint8Array): number[] {
  const count = new Array<number>(16).fill(0);
  for (const l of lengths) if (l) count[l]!++;
  const next = new Array<number>(16).fill(0);
  for (let len = 1, code = 0; len < 16; len++) {
    code = (code + (len > 1 ? count[len - 1]! : 0)) << 1;
    next[len] = code;
  }
  return [...lengths].map((l) => (l ? next[l]!++ : 0));
}

/** Index of the last base not above `value`. */
function bucket(bases: readonly number[], value: number): number {
  let i = bases.length - 1;
  while (bases[i]! > value) i--;
  return i;
}

/**
 * One final dynamic block: literal/length code lengths for symbols 0-285 (`lit`, 286 entries),
 * distance code lengths for 0-29 (`dist`, 30 entries), `ops`, end of block. Returns the stream
 * and the bytes it inflates to.
 */
export function dynamicBlock(lit: Uint8Array, dist: Uint8Array, ops: readonly Op[]): { packed: Uint8Array; data: Uint8Array } {
  const w = new BitWriter();
  w.put(1, 1); // BFINAL
  w.put(2, 2); // dynamic codes
  w.put(lit.length - 257, 5);
  w.put(dist.length - 1, 5);
  w.put(19 - 4, 4);
  // The code-length code: lengths 0-15 all 4 bits long (codes 0000-1111), repeats unused.
  for (const sym of CLEN_ORDER) w.put(sym < 16 ? 4 : 0, 3);
  for (const l of [...lit, ...dist]) w.code(l, 4);
  const litCodes = canonicalCodes(lit);
  const distCodes = canonicalCodes(dist);
  const symbol = (codes: number[], lengths: Uint8Array, sym: number) => {
    if (!lengths[sym]) throw new Error(`symbol ${sym} has no code`);
    w.code(codes[sym]!, lengths[sym]!);
  };
  const data: number[] = [];
  for (const op of ops) {
    if (typeof op === 'number') {
      symbol(litCodes, lit, op);
      data.push(op);
      continue;
    }
    const li = bucket(LENGTH_BASE, op.length);
    symbol(litCodes, lit, 257 + li);
    w.put(op.length - LENGTH_BASE[li]!, LENGTH_EXTRA[li]!);
    const di = bucket(DIST_BASE, op.distance);
    symbol(distCodes, dist, di);
    w.put(op.distance - DIST_BASE[di]!, DIST_EXTRA[di]!);
    for (let i = 0; i < op.length; i++) data.push(data[data.length - op.distance]!);
  }
  symbol(litCodes, lit, 256);
  return { packed: w.finish(), data: Uint8Array.from(data) };
}
