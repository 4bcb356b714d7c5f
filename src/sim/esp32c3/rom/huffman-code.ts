/**
 * A canonical Huffman code of DEFLATE (RFC 1951 §3.2.2), built from code lengths, for inflater.ts:
 * how many codes there are of each length and the symbols in canonical order. decode-table.ts makes
 * lookup tables of it; a code-length code is decoded bit by bit (entry).
 */

/** A canonical Huffman code: counts per length and symbols in canonical order. */
export class HuffmanCode {
  readonly count = new Uint16Array(16);
  readonly symbols = new Uint16Array(288);
  private readonly offsets = new Uint16Array(16);

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
    const offsets = this.offsets;
    offsets[1] = 0;
    for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + count[len]!;
    for (let i = 0; i < n; i++) {
      const len = lengths[from + i]!;
      if (len) this.symbols[offsets[len]!++] = i;
    }
    return true;
  }

  /**
   * (symbol << 4) | length of the code at the start of `buf` (its next bits, least significant
   * first; bits past the input read as zero), or 0 if no code of up to 15 bits matches.
   */
  entry(buf: number): number {
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
