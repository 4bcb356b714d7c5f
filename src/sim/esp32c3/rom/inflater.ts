/**
 * A resumable raw DEFLATE (RFC 1951) decoder, optionally inside a zlib (RFC 1950) wrapper: the
 * engine behind the simulated ROM's tinfl_decompress (miniz.ts). Input arrives in pieces
 * (feed); run() decodes until enough output is pending or the input runs out; take() hands the
 * pending output out in order.
 *
 * Resuming: a block header or a symbol that the input ends inside of is decoded again from its
 * start once more input came (the decoder keeps the input from that point). When the caller says
 * no more input will come, bytes past the end read as zero, as the ROM's miniz (v1.15) does.
 *
 * Back-references farther than the output produced so far, or than the caller's wrapping output
 * buffer holds (limitReach), fail the stream (the ROM's would read whatever its buffer held).
 */

import { FAST_MASK, HuffmanCode } from './huffman-code.js';

const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
const CLEN_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const WINDOW = 0x8000;
const MAX_MATCH = 258;
/** Input bytes that hold any one symbol with its extra bits (at most 48 bits, read a byte at a time). */
const FAST_INPUT = 8;
const FAST_END = -1;
const FAST_FAILED = -2;

/** Copy a match of `length` bytes from `distance` back to out[at..]; returns the new end. */
function copyMatch(out: Uint8Array, at: number, distance: number, length: number): number {
  const from = at - distance;
  if (distance >= length && length > 16) out.copyWithin(at, from, from + length);
  else for (let i = 0; i < length; i++) out[at + i] = out[from + i]!;
  return at + length;
}

export type InflaterState = 'zlib-header' | 'block-header' | 'stored' | 'huffman' | 'trailer' | 'done' | 'failed';

export class Inflater {
  state: InflaterState;
  /** Why the stream failed (state 'failed'). */
  failure = '';
  /** zlib trailer did not match the output (state 'done'). */
  adlerMismatch = false;

  private input = new Uint8Array(0);
  private pos = 0;
  private moreInput = true;
  /** Absolute stream offset of input[0]. */
  private inputBase = 0;
  private bitbuf = 0;
  private bitcnt = 0;

  private out = new Uint8Array(2 * WINDOW + 4 * MAX_MATCH);
  private outLen = 0;
  private outRead = 0;
  /** Output bytes produced since the start of the stream. */
  private produced = 0;
  /** The farthest back-reference allowed: the deflate window, or the caller's smaller buffer. */
  private reach = WINDOW;

  private final = false;
  private storedLeft = 0;
  private readonly lit = new HuffmanCode();
  private readonly dist = new HuffmanCode();
  private readonly lengths = new Uint8Array(320);
  private readonly zlib: boolean;
  private readonly adler: { a: number; b: number } | undefined;
  private adlerAt = 0;

  constructor(options: { zlib?: boolean; computeAdler?: boolean } = {}) {
    this.zlib = options.zlib ?? false;
    this.state = this.zlib ? 'zlib-header' : 'block-header';
    this.adler = this.zlib || options.computeAdler ? { a: 1, b: 0 } : undefined;
  }

  /** Back-references may reach at most `bytes` back from now on (the caller's output buffer). */
  limitReach(bytes: number): void {
    this.reach = Math.min(this.reach, bytes);
  }

  /** Adler-32 of the output so far (1 when not computed). */
  get adler32(): number {
    if (!this.adler) return 1;
    this.updateAdler();
    return ((this.adler.b << 16) | this.adler.a) >>> 0;
  }

  /** Append input; `more` false: nothing follows it (the stream reads as zero bytes past it). */
  feed(bytes: Uint8Array, more: boolean): void {
    const keep = this.input.subarray(this.pos);
    const next = new Uint8Array(keep.length + bytes.length);
    next.set(keep);
    next.set(bytes, keep.length);
    this.inputBase += this.pos;
    this.input = next;
    this.pos = 0;
    this.moreInput = more;
  }

  /** Stream offset just past the last input byte the decoder has used (bits still buffered count as unused). */
  get consumedTo(): number {
    const pos = Math.min(this.pos, this.input.length);
    return this.inputBase + pos - Math.min(pos, this.bitcnt >> 3);
  }

  /** Stream offset of the end of the input fed so far. */
  get fedTo(): number {
    return this.inputBase + this.input.length;
  }

  get pending(): number {
    return this.outLen - this.outRead;
  }

  get canProgress(): boolean {
    return this.state !== 'done' && this.state !== 'failed';
  }

  /** Decode until `want` bytes are pending, the stream ends or fails, or the input runs out. */
  run(want: number): void {
    while (this.pending < want && this.canProgress) {
      const moved = this.step(want);
      if (!moved) break;
    }
    if (this.adler) this.updateAdler();
  }

  /** Hand out up to `max` pending bytes (a view valid until the next run). */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.pending);
    const view = this.out.subarray(this.outRead, this.outRead + n);
    this.outRead += n;
    return view;
  }

  /** One state's worth of work; false when it is stuck for want of input. */
  private step(want: number): boolean {
    switch (this.state) {
      case 'zlib-header':
        return this.zlibHeader();
      case 'block-header':
        return this.blockHeader();
      case 'stored':
        return this.storedBlock(want);
      case 'huffman':
        return this.huffmanBlock(want);
      case 'trailer':
        return this.trailer();
      default:
        return false;
    }
  }

  private fail(why: string): boolean {
    this.state = 'failed';
    this.failure = why;
    return false;
  }

  /** At least n (≤ 25) bits in bitbuf; false if the input ran out while more may come. */
  private need(n: number): boolean {
    while (this.bitcnt < n) {
      if (this.pos < this.input.length) this.bitbuf |= this.input[this.pos]! << this.bitcnt;
      else if (this.moreInput) return false;
      this.pos++;
      this.bitcnt += 8;
    }
    return true;
  }

  private bits(n: number): number {
    const v = this.bitbuf & ((1 << n) - 1);
    this.bitbuf >>>= n;
    this.bitcnt -= n;
    return v;
  }

  private mark(): [number, number, number] {
    return [this.pos, this.bitbuf, this.bitcnt];
  }

  private rewind(m: [number, number, number]): false {
    [this.pos, this.bitbuf, this.bitcnt] = m;
    return false;
  }

  private zlibHeader(): boolean {
    if (!this.need(16)) return false;
    const cmf = this.bits(8);
    const flg = this.bits(8);
    if ((cmf * 256 + flg) % 31 !== 0 || (cmf & 15) !== 8 || flg & 32 || cmf >>> 4 > 7) return this.fail('bad zlib header');
    this.state = 'block-header';
    return true;
  }

  private trailer(): boolean {
    const m = this.mark();
    this.bits(this.bitcnt & 7);
    if (!this.need(16)) return this.rewind(m);
    const hi = this.bits(16);
    if (!this.need(16)) return this.rewind(m);
    const lo = this.bits(16);
    const want = ((((hi & 0xff) << 24) | ((hi >>> 8) << 16) | ((lo & 0xff) << 8) | (lo >>> 8)) >>> 0);
    this.adlerMismatch = this.adler32 !== want;
    this.state = 'done';
    return true;
  }

  private blockHeader(): boolean {
    const m = this.mark();
    if (!this.need(3)) return false;
    this.final = this.bits(1) === 1;
    const type = this.bits(2);
    if (type === 0) {
      this.bits(this.bitcnt & 7);
      if (!this.need(16)) return this.rewind(m);
      const len = this.bits(16);
      if (!this.need(16)) return this.rewind(m);
      const nlen = this.bits(16);
      if ((len ^ 0xffff) !== nlen) return this.fail('stored block length check');
      this.storedLeft = len;
      this.state = 'stored';
      return true;
    }
    if (type === 1) {
      this.fixedCodes();
      this.state = 'huffman';
      return true;
    }
    if (type === 2) {
      const r = this.dynamicCodes();
      if (r === 'input') return this.rewind(m);
      if (r !== 'ok') return this.fail(r);
      this.state = 'huffman';
      return true;
    }
    return this.fail('block type 3');
  }

  private fixedCodes(): void {
    const l = this.lengths;
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    this.lit.build(l, 0, 288);
    l.fill(5, 0, 32);
    this.dist.build(l, 0, 32);
  }

  private dynamicCodes(): 'ok' | 'input' | string {
    if (!this.need(14)) return 'input';
    const nlit = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const nclen = this.bits(4) + 4;
    if (nlit > 286 || ndist > 30) return 'too many length or distance codes';
    const l = this.lengths;
    l.fill(0, 0, 19);
    for (let i = 0; i < nclen; i++) {
      if (!this.need(3)) return 'input';
      l[CLEN_ORDER[i]!] = this.bits(3);
    }
    const clen = this.lit;
    if (!clen.build(l, 0, 19)) return 'bad code-length code';
    const codeLengths = l; // the code-length code is built: its lengths are no longer needed
    for (let i = 0; i < nlit + ndist; ) {
      const sym = this.decode(clen);
      if (sym === -2) return 'input';
      if (sym < 0) return 'bad code-length symbol';
      if (sym < 16) {
        codeLengths[i++] = sym;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (sym === 16) {
        if (i === 0) return 'repeat with no previous length';
        if (!this.need(2)) return 'input';
        value = codeLengths[i - 1]!;
        repeat = 3 + this.bits(2);
      } else if (sym === 17) {
        if (!this.need(3)) return 'input';
        repeat = 3 + this.bits(3);
      } else {
        if (!this.need(7)) return 'input';
        repeat = 11 + this.bits(7);
      }
      if (i + repeat > nlit + ndist) return 'code lengths overrun';
      codeLengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (codeLengths[256] === 0) return 'no end-of-block code';
    if (!this.lit.build(codeLengths, 0, nlit)) return 'bad literal/length code';
    if (!this.dist.build(codeLengths, nlit, ndist)) return 'bad distance code';
    return 'ok';
  }

  /** Next symbol of `h`; -1 invalid code, -2 the input ran out (nothing consumed). */
  private decode(h: HuffmanCode): number {
    // Near the end of the input (more to come) fewer than 15 bits may still hold a whole code.
    const avail = this.need(15) ? 15 : this.bitcnt;
    const entry = h.entry(this.bitbuf);
    if (!entry) return avail < 15 ? -2 : -1;
    if ((entry & 15) > avail) return -2;
    this.bits(entry & 15);
    return entry >>> 4;
  }

  private storedBlock(want: number): boolean {
    let moved = false;
    while (this.storedLeft > 0 && this.pending < want) {
      this.room(1);
      if (this.bitcnt >= 8) {
        this.out[this.outLen++] = this.bits(8);
      } else {
        if (this.pos >= this.input.length) {
          if (this.moreInput) return moved;
          this.pos++;
          this.out[this.outLen++] = 0;
        } else {
          const n = Math.min(this.storedLeft, this.input.length - this.pos, this.out.length - this.outLen, Math.max(1, want - this.pending));
          this.out.set(this.input.subarray(this.pos, this.pos + n), this.outLen);
          this.pos += n;
          this.outLen += n;
          this.produced += n;
          this.storedLeft -= n;
          moved = true;
          continue;
        }
      }
      this.produced++;
      this.storedLeft--;
      moved = true;
    }
    if (this.storedLeft === 0) {
      this.endBlock();
      return true;
    }
    return moved;
  }

  private endBlock(): void {
    this.state = this.final ? (this.zlib ? 'trailer' : 'done') : 'block-header';
  }

  /** Room for n more output bytes, keeping the last WINDOW bytes and everything not yet taken. */
  private room(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    const keepFrom = Math.min(this.outRead, Math.max(0, this.outLen - WINDOW));
    if (keepFrom > 0) {
      this.out.copyWithin(0, keepFrom, this.outLen);
      this.outLen -= keepFrom;
      this.outRead -= keepFrom;
      if (this.adler) this.adlerAt -= keepFrom;
    }
    if (this.outLen + n > this.out.length) {
      const bigger = new Uint8Array(Math.max(this.out.length * 2, this.outLen + n));
      bigger.set(this.out.subarray(0, this.outLen));
      this.out = bigger;
    }
  }

  private huffmanBlock(want: number): boolean {
    const lit = this.lit;
    const dist = this.dist;
    let moved = false;
    while (this.pending < want) {
      if (this.outLen + MAX_MATCH > this.out.length) this.room(MAX_MATCH);
      if (this.input.length - this.pos >= FAST_INPUT) {
        const r = this.huffmanFast(want);
        if (r === FAST_END) {
          this.endBlock();
          return true;
        }
        if (r === FAST_FAILED) return false;
        moved = true;
        continue;
      }
      const m = this.mark();
      const sym = this.decode(lit);
      if (sym < 256) {
        if (sym === -2) return moved;
        if (sym < 0) return this.fail('bad literal/length code');
        this.out[this.outLen++] = sym;
        this.produced++;
        moved = true;
        continue;
      }
      if (sym === 256) {
        this.endBlock();
        return true;
      }
      const li = sym - 257;
      if (li >= 29) return this.fail('bad length symbol');
      if (!this.need(LENGTH_EXTRA[li]!)) return this.rewind(m) || moved;
      const length = LENGTH_BASE[li]! + this.bits(LENGTH_EXTRA[li]!);
      const dsym = this.decode(dist);
      if (dsym === -2) return this.rewind(m) || moved;
      if (dsym < 0 || dsym >= 30) return this.fail('bad distance code');
      if (!this.need(DIST_EXTRA[dsym]!)) return this.rewind(m) || moved;
      const d = DIST_BASE[dsym]! + this.bits(DIST_EXTRA[dsym]!);
      if (d > this.produced) return this.fail(`distance ${d} reaches before the start of the output`);
      if (d > this.reach) return this.fail(`distance ${d} reaches past the ${this.reach}-byte output buffer`);
      this.outLen = copyMatch(this.out, this.outLen, d, length);
      this.produced += length;
      moved = true;
    }
    return moved;
  }

  /**
   * huffmanBlock's common case with its state in locals: runs while FAST_INPUT bytes of input are
   * ahead (enough for any symbol with its extra bits, so nothing can run out mid-symbol), a longest
   * match fits in the output and fewer than `want` bytes are pending. Returns how many symbols it
   * decoded (at least one), FAST_END after the end-of-block code, FAST_FAILED after a bad code.
   */
  private huffmanFast(want: number): number {
    const input = this.input;
    const out = this.out;
    const lit = this.lit;
    const dist = this.dist;
    const litFast = lit.fast;
    const distFast = dist.fast;
    const inEnd = input.length - FAST_INPUT;
    const outEnd = Math.min(out.length - MAX_MATCH, this.outRead + want - 1);
    const base = this.produced - this.outLen; // produced = base + output end
    const reach = this.reach;
    let pos = this.pos;
    let buf = this.bitbuf;
    let cnt = this.bitcnt;
    let o = this.outLen;
    let symbols = 0;
    let failure = '';
    let result = 0;
    while (pos <= inEnd && o <= outEnd) {
      while (cnt < 24) {
        buf |= input[pos++]! << cnt;
        cnt += 8;
      }
      const e = litFast[buf & FAST_MASK]! || lit.entry(buf);
      if (!e) {
        failure = 'bad literal/length code';
        break;
      }
      buf >>>= e & 15;
      cnt -= e & 15;
      const sym = e >>> 4;
      symbols++;
      if (sym < 256) {
        out[o++] = sym;
        continue;
      }
      if (sym === 256) {
        result = FAST_END;
        break;
      }
      const li = sym - 257;
      if (li >= 29) {
        failure = 'bad length symbol';
        break;
      }
      const lx = LENGTH_EXTRA[li]!;
      const length = LENGTH_BASE[li]! + (buf & ((1 << lx) - 1));
      buf >>>= lx;
      cnt -= lx;
      while (cnt < 24) {
        buf |= input[pos++]! << cnt;
        cnt += 8;
      }
      const de = distFast[buf & FAST_MASK]! || dist.entry(buf);
      const dsym = de >>> 4;
      if (!de || dsym >= 30) {
        failure = 'bad distance code';
        break;
      }
      buf >>>= de & 15;
      cnt -= de & 15;
      const dx = DIST_EXTRA[dsym]!;
      while (cnt < dx) {
        buf |= input[pos++]! << cnt;
        cnt += 8;
      }
      const d = DIST_BASE[dsym]! + (buf & ((1 << dx) - 1));
      buf >>>= dx;
      cnt -= dx;
      if (d > base + o || d > reach) {
        failure = d > reach ? `distance ${d} reaches past the ${reach}-byte output buffer` : `distance ${d} reaches before the start of the output`;
        break;
      }
      o = copyMatch(out, o, d, length);
    }
    this.pos = pos;
    this.bitbuf = buf;
    this.bitcnt = cnt;
    this.outLen = o;
    this.produced = base + o;
    if (failure) {
      this.fail(failure);
      return FAST_FAILED;
    }
    return result || symbols;
  }

  private updateAdler(): void {
    const s = this.adler!;
    let a = s.a;
    let b = s.b;
    const out = this.out;
    for (let i = this.adlerAt; i < this.outLen; ) {
      const end = Math.min(this.outLen, i + 3800);
      for (; i < end; i++) {
        a += out[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    s.a = a;
    s.b = b;
    this.adlerAt = this.outLen;
  }
}
