/** A tiny ELF32 little-endian writer for tests: program headers, sections, a symbol table. */

export interface TestElfSegment {
  readonly vaddr: number;
  readonly data: Uint8Array;
  /** PF_* (default R|X = 5). */
  readonly flags?: number;
  readonly memSize?: number;
  readonly type?: number;
}

export interface TestElfSection {
  readonly name: string;
  readonly addr: number;
  readonly data: Uint8Array;
  /** SHT_* (default PROGBITS = 1). */
  readonly type?: number;
  /** SHF_* (default ALLOC = 2). */
  readonly flags?: number;
}

export interface TestElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size?: number;
  /** STT_* (default FUNC = 2). */
  readonly type?: number;
  /** STB_* (default GLOBAL = 1). */
  readonly bind?: number;
  /** Section index (default 1). */
  readonly shndx?: number;
}

export interface TestElfSpec {
  readonly machine?: number;
  readonly entry?: number;
  readonly segments?: readonly TestElfSegment[];
  readonly sections?: readonly TestElfSection[];
  readonly symbols?: readonly TestElfSymbol[];
}

class Out {
  buf = new Uint8Array(1024);
  len = 0;
  ensure(n: number): void {
    if (n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  align(a: number): void {
    while (this.len % a) this.u8(0);
  }
  u8(v: number): void {
    this.ensure(this.len + 1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  bytes(b: Uint8Array): void {
    this.ensure(this.len + b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  put32(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.buf[at + i] = (v >>> (8 * i)) & 0xff;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

class StrTab {
  bytes: number[] = [0];
  add(s: string): number {
    if (s === '') return 0;
    const at = this.bytes.length;
    for (const c of s) this.bytes.push(c.charCodeAt(0));
    this.bytes.push(0);
    return at;
  }
}

export function writeTestElf(spec: TestElfSpec): Uint8Array {
  const segs = spec.segments ?? [];
  const secs = spec.sections ?? [];
  const syms = spec.symbols ?? [];
  const o = new Out();
  // header placeholder
  for (let i = 0; i < 52; i++) o.u8(0);
  const phoff = segs.length ? o.len : 0;
  for (let i = 0; i < segs.length * 32; i++) o.u8(0);
  const segOffsets: number[] = [];
  for (const s of segs) {
    o.align(4);
    segOffsets.push(o.len);
    o.bytes(s.data);
  }
  segs.forEach((s, i) => {
    const at = phoff + i * 32;
    o.put32(at, s.type ?? 1);
    o.put32(at + 4, segOffsets[i]!);
    o.put32(at + 8, s.vaddr);
    o.put32(at + 12, s.vaddr);
    o.put32(at + 16, s.data.length);
    o.put32(at + 20, s.memSize ?? s.data.length);
    o.put32(at + 24, s.flags ?? 5);
    o.put32(at + 28, 4);
  });
  const shstr = new StrTab();
  const str = new StrTab();
  const secOffsets: number[] = [];
  for (const s of secs) {
    o.align(4);
    secOffsets.push(o.len);
    if ((s.type ?? 1) !== 8) o.bytes(s.data);
  }
  // symbol table
  o.align(4);
  const symOff = o.len;
  for (let i = 0; i < 16; i++) o.u8(0);
  for (const s of syms) {
    o.u32(str.add(s.name));
    o.u32(s.value);
    o.u32(s.size ?? 0);
    o.u8(((s.bind ?? 1) << 4) | (s.type ?? 2));
    o.u8(0);
    o.u16(s.shndx ?? 1);
  }
  const symSize = o.len - symOff;
  const strOff = o.len;
  o.bytes(Uint8Array.from(str.bytes));
  const names = secs.map((s) => shstr.add(s.name));
  const symName = shstr.add('.symtab');
  const strName = shstr.add('.strtab');
  const shstrName = shstr.add('.shstrtab');
  const shstrOff = o.len;
  o.bytes(Uint8Array.from(shstr.bytes));
  o.align(4);
  const shoff = o.len;
  const sh = (name: number, type: number, flags: number, addr: number, off: number, size: number, link = 0, info = 0, entsize = 0): void => {
    for (const v of [name, type, flags, addr, off, size, link, info, 4, entsize]) o.u32(v);
  };
  sh(0, 0, 0, 0, 0, 0);
  secs.forEach((s, i) => sh(names[i]!, s.type ?? 1, s.flags ?? 2, s.addr, secOffsets[i]!, s.data.length));
  const symIndex = secs.length + 1;
  sh(symName, 2, 0, 0, symOff, symSize, symIndex + 1, 1, 16);
  sh(strName, 3, 0, 0, strOff, str.bytes.length);
  sh(shstrName, 3, 0, 0, shstrOff, shstr.bytes.length);
  const shnum = secs.length + 4;
  // header
  const h = o.buf;
  h.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  const w16 = (at: number, v: number): void => {
    h[at] = v & 0xff;
    h[at + 1] = (v >>> 8) & 0xff;
  };
  w16(16, 2); // ET_EXEC
  w16(18, spec.machine ?? 0xf3);
  o.put32(20, 1);
  o.put32(24, spec.entry ?? 0);
  o.put32(28, phoff);
  o.put32(32, shoff);
  o.put32(36, 0);
  w16(40, 52);
  w16(42, 32);
  w16(44, segs.length);
  w16(46, 40);
  w16(48, shnum);
  w16(50, shnum - 1);
  return o.result();
}
