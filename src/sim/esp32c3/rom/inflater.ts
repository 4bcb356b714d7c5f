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

import { buildDistanceTable, buildLiteralTable, DIST_TABLE_SIZE, LIT_TABLE_SIZE } from './decode-table.js';
import { HuffmanCode } from './huffman-code.js';
import { decodeFast, ENTRY, FAST_END, FAST_FAILED, FAST_INPUT, FAST_OUTPUT, type FastCursor } from './inflate-fast.js';

const { CODE_LENGTH, CODE_SHIFT, DIST_BITS, END_OF_BLOCK, ENTRY_BITS, LITERAL, LIT_BITS, SUBTABLE, UNUSED } = ENTRY;

const CLEN_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const WINDOW = 0x8000;
/** lookup: the input ran out inside the code (entries are never negative). */
const RAN_OUT = -1;

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

  /** The input not yet used: the start of inputStore. */
  private input = new Uint8Array(0);
  private inputStore = new Uint8Array(0);
  private inputView = new DataView(this.inputStore.buffer);
  private pos = 0;
  private moreInput = true;
  /** Absolute stream offset of input[0]. */
  private inputBase = 0;
  /**
   * The next bitcnt input bits, least significant first. Bits above them are zero or input[pos]'s
   * own (decodeFast reads ahead); need() writes the same bits there, and the header of a stored
   * block, whose bytes are copied from input directly, always reads input[pos] through need().
   */
  private bitbuf = 0;
  private bitcnt = 0;

  private out = new Uint8Array(2 * WINDOW + 4 * FAST_OUTPUT);
  private outView = new DataView(this.out.buffer);
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
  /** lit and dist as lookup tables (decode-table.ts). */
  private readonly litTable = new Int32Array(LIT_TABLE_SIZE);
  private readonly distTable = new Int32Array(DIST_TABLE_SIZE);
  private readonly cursor: FastCursor = { pos: 0, bitbuf: 0, bitcnt: 0, outLen: 0, failure: '' };
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
    const keep = Math.max(0, this.input.length - this.pos);
    const size = keep + bytes.length;
    if (size > this.inputStore.length) {
      const bigger = new Uint8Array(Math.max(size, 2 * this.inputStore.length));
      bigger.set(this.input.subarray(this.pos));
      this.inputStore = bigger;
      this.inputView = new DataView(bigger.buffer);
    } else if (keep > 0) this.inputStore.copyWithin(0, this.pos, this.input.length);
    this.inputStore.set(bytes, keep);
    this.inputBase += this.pos;
    this.input = this.inputStore.subarray(0, size);
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
    this.buildTables();
  }

  private buildTables(): void {
    buildLiteralTable(this.litTable, this.lit);
    buildDistanceTable(this.distTable, this.dist);
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
    this.buildTables();
    return 'ok';
  }

  /** Next symbol of a code-length code; -1 invalid code, -2 the input ran out (nothing consumed). */
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
      this.outView = new DataView(bigger.buffer);
    }
  }

  private huffmanBlock(want: number): boolean {
    let moved = false;
    while (this.pending < want) {
      if (this.outLen + FAST_OUTPUT > this.out.length) this.room(FAST_OUTPUT);
      if (this.input.length - this.pos >= FAST_INPUT) {
        const r = this.huffmanFast(want);
        if (r === FAST_END) {
          this.endBlock();
          return true;
        }
        if (r === FAST_FAILED) return false;
        if (r > 0) {
          moved = true;
          continue;
        }
      }
      // Near the end of the input: a symbol at a time, from its start again if the input runs out inside it.
      const m = this.mark();
      const e = this.lookup(this.litTable, LIT_BITS);
      if (e === RAN_OUT) return moved;
      if (e & LITERAL) {
        this.out[this.outLen++] = e >>> 16;
        this.produced++;
        moved = true;
        continue;
      }
      if (e & END_OF_BLOCK) {
        this.endBlock();
        return true;
      }
      if (!e) return this.fail('bad literal/length code');
      if (e & UNUSED) return this.fail('bad length symbol');
      const length = this.extra(e);
      if (length < 0) return this.rewind(m) || moved;
      const d = this.lookup(this.distTable, DIST_BITS);
      if (d === RAN_OUT) return this.rewind(m) || moved;
      if (!d || d & UNUSED) return this.fail('bad distance code');
      const distance = this.extra(d);
      if (distance < 0) return this.rewind(m) || moved;
      if (distance > this.produced) return this.fail(`distance ${distance} reaches before the start of the output`);
      if (distance > this.reach) return this.fail(`distance ${distance} reaches past the ${this.reach}-byte output buffer`);
      this.outLen = copyMatch(this.out, this.outLen, distance, length);
      this.produced += length;
      moved = true;
    }
    return moved;
  }

  /**
   * The entry (decode-table.ts) of the code at the start of the input, its code consumed; 0 if no
   * code matches, RAN_OUT if the input ran out inside it (nothing consumed).
   */
  private lookup(table: Int32Array, bits: number): number {
    // Near the end of the input (more to come) fewer than 15 bits may still hold a whole code.
    const avail = this.need(15) ? 15 : this.bitcnt;
    let e = table[this.bitbuf & ((1 << bits) - 1)]!;
    if (e & SUBTABLE) e = table[(e >>> 16) + ((this.bitbuf >>> bits) & ((1 << (e & ENTRY_BITS)) - 1))]!;
    if (!e) return avail < 15 ? RAN_OUT : 0;
    const len = (e >>> CODE_SHIFT) & CODE_LENGTH;
    if (len > avail) return RAN_OUT;
    this.bits(len);
    return e;
  }

  /** A length or distance entry's value with its extra bits (its code consumed); -1 if the input ran out. */
  private extra(e: number): number {
    const n = (e & ENTRY_BITS) - ((e >>> CODE_SHIFT) & CODE_LENGTH);
    if (!this.need(n)) return -1;
    return (e >>> 16) + this.bits(n);
  }

  /** decodeFast while there is room for any match and fewer than `want` bytes are pending: its result. */
  private huffmanFast(want: number): number {
    const c = this.cursor;
    c.pos = this.pos;
    c.bitbuf = this.bitbuf;
    c.bitcnt = this.bitcnt;
    c.outLen = this.outLen;
    const outEnd = Math.min(this.out.length - FAST_OUTPUT, this.outRead + want - 1);
    const r = decodeFast(c, this.inputView, this.input.length - FAST_INPUT, this.out, this.outView, outEnd, this.produced, this.reach, this.litTable, this.distTable);
    this.pos = c.pos;
    this.bitbuf = c.bitbuf;
    this.bitcnt = c.bitcnt;
    this.produced += c.outLen - this.outLen;
    this.outLen = c.outLen;
    if (r === FAST_FAILED) this.fail(c.failure);
    return r;
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
