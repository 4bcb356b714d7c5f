/**
 * A tiny two-pass Xtensa assembler for the peer tests: labels, literal words, and the instructions
 * of src/algorithm/xtensa/encode.ts, with PC-relative operands given as label names.
 */
import * as x from '../../src/algorithm/xtensa/encode.js';

type Resolve = (label: string) => number;
interface Item {
  readonly at: number;
  readonly size: number;
  readonly encode: (pc: number, resolve: Resolve) => Uint8Array;
}

export interface Assembled {
  readonly origin: number;
  readonly bytes: Uint8Array;
  readonly symbols: ReadonlyMap<string, number>;
}

export class XtensaAsm {
  private readonly items: Item[] = [];
  private readonly labels = new Map<string, number>();
  private at: number;

  constructor(readonly origin: number) {
    this.at = origin;
  }

  get pc(): number {
    return this.at;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} defined twice`);
    this.labels.set(name, this.at);
    return this;
  }

  /** Pad with zero bytes to a multiple of `n`. */
  align(n: number): this {
    const pad = (n - (this.at % n)) % n;
    if (pad > 0) this.raw(new Uint8Array(pad));
    return this;
  }

  /** Move to `address` (forward only), padding with zero bytes. */
  org(address: number): this {
    if (address < this.at) throw new Error(`org 0x${address.toString(16)} is behind 0x${this.at.toString(16)}`);
    if (address > this.at) this.raw(new Uint8Array(address - this.at));
    return this;
  }

  raw(bytes: Uint8Array): this {
    return this.emit(bytes.length, () => bytes);
  }

  /** A 32-bit little-endian literal: a number or a label's address. */
  word(value: number | string): this {
    return this.emit(4, (_pc, resolve) => {
      const v = typeof value === 'string' ? resolve(value) : value >>> 0;
      return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    });
  }

  /** Any fixed instruction from the encoder. */
  i(bytes: Uint8Array): this {
    return this.raw(bytes);
  }

  j(target: string): this {
    return this.emit(3, (pc, r) => x.j(pc, r(target)));
  }

  branch(kind: x.RegisterBranch, as: number, at: number, target: string): this {
    return this.emit(3, (pc, r) => x.branch(kind, as, at, pc, r(target)));
  }

  beqz(as: number, target: string): this {
    return this.emit(3, (pc, r) => x.branchZero('beqz', as, pc, r(target)));
  }

  bnez(as: number, target: string): this {
    return this.emit(3, (pc, r) => x.branchZero('bnez', as, pc, r(target)));
  }

  loop(as: number, end: string): this {
    return this.emit(3, (pc, r) => x.loop(as, pc, r(end)));
  }

  l32r(at: number, literal: string): this {
    return this.emit(3, (pc, r) => x.l32r(at, pc, r(literal)));
  }

  call8(target: string): this {
    return this.emit(3, (pc, r) => x.call(8, pc, r(target)));
  }

  assemble(): Assembled {
    const resolve = (name: string) => {
      const v = this.labels.get(name);
      if (v === undefined) throw new Error(`undefined label ${name}`);
      return v;
    };
    const bytes = new Uint8Array(this.at - this.origin);
    for (const item of this.items) {
      const out = item.encode(item.at, resolve);
      if (out.length !== item.size) throw new Error(`instruction at 0x${item.at.toString(16)} changed size`);
      bytes.set(out, item.at - this.origin);
    }
    return { origin: this.origin, bytes, symbols: new Map(this.labels) };
  }

  private emit(size: number, encode: Item['encode']): this {
    this.items.push({ at: this.at, size, encode });
    this.at += size;
    return this;
  }
}
