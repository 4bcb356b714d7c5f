/**
 * A canonical Huffman code of DEFLATE (RFC 1951 §3.2.2), built from code lengths, for inflater.ts:
 * one table lookup for codes up to FAST_BITS long, counts and symbols for the longer ones.
 */

/** Codes up to this long decode with one table lookup; longer ones bit by bit. */
const FAST_BITS = 10;
export const FAST_MASK = (1 << FAST_BITS) - 1;

/** A canonical Huffman code: a lookup of FAST_BITS for short codes, counts and symbols for the rest. */
export class HuffmanCode {
  /** Indexed by the next FAST_BITS input bits: (symbol << 4) | length, or 0 for a longer code. */
  readonly fast = new Int32Array(1 << FAST_BITS);
  readonly count = new Uint16Array(16);
  readonly symbols = new Uint16Array(288);

  /** False if the lengths do not form a usable code (over-subscribed, or incomplete with more than one symbol). */
  build(lengths: Uint8Array, from: number, n: number): boolean {
    const count = this.count;
    count.fill(0);
    for (let i = 0; i < n; i++) count[lengths[from + i]!]!++;
    count[0] = 0;
    let used = 0;
    let space = 0;
    for (let len = 1; len < 16; len++) {
      used += count[len]!;
      space += count[len]! << (16 - len);
    }
    if (space > 0x10000 || (space !== 0x10000 && used > 1)) return false;
    const offsets = new Uint16Array(16);
    for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + count[len]!;
    for (let i = 0; i < n; i++) {
      const len = lengths[from + i]!;
      if (len) this.symbols[offsets[len]!++] = i;
    }
    this.fast.fill(0);
    let code = 0;
    let k = 0;
    for (let len = 1; len <= FAST_BITS; len++) {
      for (let j = 0; j < count[len]!; j++, k++, code++) {
        const entry = (this.symbols[k]! << 4) | len;
        for (let fill = reverse(code, len); fill < 1 << FAST_BITS; fill += 1 << len) this.fast[fill] = entry;
      }
      code <<= 1;
    }
    return true;
  }

  /**
   * (symbol << 4) | length of the code at the start of `buf` (its next bits, least significant
   * first; bits past the input read as zero), or 0 if no code of up to 15 bits matches.
   */
  entry(buf: number): number {
    const fast = this.fast[buf & FAST_MASK]!;
    if (fast) return fast;
    const count = this.count;
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= buf & 1;
      buf >>>= 1;
      const n = count[len]!;
      if (code - first < n) return (this.symbols[index + code - first]! << 4) | len;
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    return 0;
  }
}

function reverse(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++, code >>>= 1) r = (r << 1) | (code & 1);
  return r;
}
