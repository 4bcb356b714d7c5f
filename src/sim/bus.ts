/**
 * The simulated system bus: RAM regions (typed-array backed, fast path) and devices (slow path)
 * mapped at 32-bit addresses. The same backing array may be mapped at several addresses (the
 * ESP32-C3 SRAM is visible on the data bus and on the instruction bus); writes through any alias
 * invalidate code the hart decoded from those bytes.
 *
 * Fast-path tables are per 4 KiB page. A page entirely covered by one RAM region gets a direct
 * entry; pages shared by several regions or covered by devices go through the region search.
 */
import { BusFault, type AccessKind, type MemoryDevice } from './device.js';
import { hex32 } from '../chips/types.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_COUNT = 1 << (32 - PAGE_SHIFT);

/** Page table marker: no region on this page. */
const NO_REGION = -1;
/** Page table marker: several regions (or a partial one) on this page; search the region list. */
const MIXED = -2;

export interface RamMapOptions {
  readonly name?: string;
  /** Instructions may be fetched from it (default true). */
  readonly executable?: boolean;
  /** The CPU and debugger may write it (default true). */
  readonly writable?: boolean;
}

export interface DeviceMapOptions {
  readonly name?: string;
  /** Instructions may be fetched through it (default false), e.g. a flash cache window. */
  readonly executable?: boolean;
}

/** One mapped region, as `Bus.regions()` lists them. */
export interface BusRegion {
  readonly name: string;
  readonly start: number;
  /** Exclusive end; may be 2^32 for a region that reaches the top of the address space. */
  readonly end: number;
  readonly kind: 'ram' | 'device';
  readonly executable: boolean;
  readonly writable: boolean;
}

/** Called with a virtual address range whose decoded instructions are stale. */
export type CodeInvalidationListener = (start: number, length: number) => void;

/** A region could not be mapped (overlap, bad size, backing too small). */
export class BusMapError extends Error {
  readonly code = 'SIM_BUS_MAP';
  constructor(readonly address: number, message: string) {
    super(message);
    this.name = 'BusMapError';
  }
}

interface Region extends BusRegion {
  readonly backing: Uint8Array | null;
  readonly backingOffset: number;
  readonly view: DataView | null;
  readonly device: MemoryDevice | null;
}

export class Bus {
  private readonly list: Region[] = [];
  /** Per page: index into `list` of the one region covering the whole page, NO_REGION or MIXED. */
  private readonly pageRegion = new Int16Array(PAGE_COUNT).fill(NO_REGION);
  /**
   * Fast-path tables the hart reads directly (do not modify from outside the bus).
   * `pageView[p]` is the DataView over the backing of a RAM page (null otherwise) and
   * `pageOffset[p]` the byte index in that view of the page's first byte.
   */
  readonly pageView: (DataView | null)[] = new Array<DataView | null>(PAGE_COUNT).fill(null);
  readonly pageOffset = new Int32Array(PAGE_COUNT);
  /** 1 where the CPU may store through the fast path (RAM, writable). */
  readonly pageWritable = new Uint8Array(PAGE_COUNT);
  /** 1 where decoded code depends on the page's bytes: a write must call `codeWritten`. */
  readonly codeWatch = new Uint8Array(PAGE_COUNT);
  private readonly listeners: CodeInvalidationListener[] = [];

  mapRam(start: number, size: number, backing: Uint8Array, backingOffset = 0, options: RamMapOptions = {}): void {
    if (backingOffset < 0 || backingOffset + size > backing.length) {
      throw new BusMapError(start, `RAM ${options.name ?? ''} at ${hex32(start)}: backing of ${backing.length} bytes is too small for ${size} bytes at offset ${backingOffset}`);
    }
    this.add({
      name: options.name ?? `ram@${hex32(start)}`,
      start: start >>> 0,
      end: (start >>> 0) + size,
      kind: 'ram',
      executable: options.executable ?? true,
      writable: options.writable ?? true,
      backing,
      backingOffset,
      view: new DataView(backing.buffer, backing.byteOffset, backing.byteLength),
      device: null,
    });
  }

  mapDevice(start: number, size: number, device: MemoryDevice, options: DeviceMapOptions = {}): void {
    this.add({
      name: options.name ?? device.name,
      start: start >>> 0,
      end: (start >>> 0) + size,
      kind: 'device',
      executable: options.executable ?? false,
      writable: true,
      backing: null,
      backingOffset: 0,
      view: null,
      device,
    });
  }

  /** The mapped regions in address order. */
  regions(): BusRegion[] {
    return [...this.list]
      .sort((a, b) => a.start - b.start)
      .map(({ name, start, end, kind, executable, writable }) => ({ name, start, end, kind, executable, writable }));
  }

  /** The region holding `addr`, or undefined. */
  regionAt(addr: number): BusRegion | undefined {
    return this.find(addr >>> 0) ?? undefined;
  }

  private add(region: Region): void {
    if (region.end <= region.start || region.end > 0x1_0000_0000) {
      throw new BusMapError(region.start, `${region.name}: bad range ${hex32(region.start)} + ${region.end - region.start}`);
    }
    for (const other of this.list) {
      if (region.start < other.end && other.start < region.end) {
        throw new BusMapError(region.start, `${region.name} at ${hex32(region.start)}–${hex32(region.end - 1)} overlaps ${other.name} at ${hex32(other.start)}–${hex32(other.end - 1)}`);
      }
    }
    const index = this.list.length;
    this.list.push(region);
    const first = Math.floor(region.start / PAGE_SIZE);
    const last = Math.floor((region.end - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      const pageStart = p * PAGE_SIZE;
      const whole = region.start <= pageStart && pageStart + PAGE_SIZE <= region.end;
      if (whole && this.pageRegion[p] === NO_REGION) {
        this.pageRegion[p] = index;
        if (region.kind === 'ram') {
          this.pageView[p] = region.view;
          this.pageOffset[p] = region.backingOffset + (pageStart - region.start);
          this.pageWritable[p] = region.writable ? 1 : 0;
        }
      } else {
        this.pageRegion[p] = MIXED;
        this.pageView[p] = null;
        this.pageWritable[p] = 0;
      }
    }
    this.invalidateCode(region.start, region.end - region.start);
  }

  private find(addr: number): Region | null {
    const r = this.pageRegion[addr >>> PAGE_SHIFT]!;
    if (r >= 0) return this.list[r]!;
    if (r === NO_REGION) return null;
    for (const region of this.list) if (addr >= region.start && addr < region.end) return region;
    return null;
  }

  /** The region that holds all of [addr, addr+size) or throws a BusFault. */
  private resolve(addr: number, size: number, access: AccessKind): Region {
    const region = this.find(addr);
    if (!region) throw new BusFault(addr, access, size, 'nothing is mapped there');
    if (addr + size > region.end) throw new BusFault(addr, access, size, `access runs past the end of ${region.name}`);
    return region;
  }

  // ---- CPU-side accesses (the hart's slow path and devices' own accesses) ----

  read8(addr: number): number {
    addr >>>= 0;
    const r = this.resolve(addr, 1, 'load');
    return r.view ? r.view.getUint8(r.backingOffset + addr - r.start) : r.device!.read8(addr - r.start) & 0xff;
  }

  read16(addr: number): number {
    addr >>>= 0;
    const r = this.resolve(addr, 2, 'load');
    return r.view ? r.view.getUint16(r.backingOffset + addr - r.start, true) : r.device!.read16(addr - r.start) & 0xffff;
  }

  read32(addr: number): number {
    addr >>>= 0;
    const r = this.resolve(addr, 4, 'load');
    return (r.view ? r.view.getUint32(r.backingOffset + addr - r.start, true) : r.device!.read32(addr - r.start)) >>> 0;
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    const r = this.writableRegion(addr, 1);
    if (r.view) {
      r.view.setUint8(r.backingOffset + addr - r.start, value);
      this.noteWrite(addr, 1);
    } else r.device!.write8(addr - r.start, value & 0xff);
  }

  write16(addr: number, value: number): void {
    addr >>>= 0;
    const r = this.writableRegion(addr, 2);
    if (r.view) {
      r.view.setUint16(r.backingOffset + addr - r.start, value, true);
      this.noteWrite(addr, 2);
    } else r.device!.write16(addr - r.start, value & 0xffff);
  }

  write32(addr: number, value: number): void {
    addr >>>= 0;
    const r = this.writableRegion(addr, 4);
    if (r.view) {
      r.view.setUint32(r.backingOffset + addr - r.start, value >>> 0, true);
      this.noteWrite(addr, 4);
    } else r.device!.write32(addr - r.start, value >>> 0);
  }

  private writableRegion(addr: number, size: number): Region {
    const r = this.resolve(addr, size, 'store');
    if (!r.writable) throw new BusFault(addr, 'store', size, `${r.name} is read-only`);
    return r;
  }

  /** Instruction fetch of one halfword (used by the decoder); BusFault when not executable. */
  fetch16(addr: number): number {
    addr >>>= 0;
    const r = this.resolve(addr, 2, 'fetch');
    if (!r.executable) throw new BusFault(addr, 'fetch', 2, `${r.name} is not executable`);
    return r.view ? r.view.getUint16(r.backingOffset + addr - r.start, true) : r.device!.read16(addr - r.start) & 0xffff;
  }

  /** True when instructions can be fetched at `addr`. */
  isExecutable(addr: number): boolean {
    const r = this.find(addr >>> 0);
    return r !== null && r.executable;
  }

  // ---- debugger accesses (may span regions) ----

  /** Reads `length` bytes; devices see aligned 32-bit reads where a whole word is requested. */
  readBlock(addr: number, length: number): Uint8Array {
    addr >>>= 0;
    const out = new Uint8Array(length);
    let i = 0;
    while (i < length) {
      const a = (addr + i) >>> 0;
      const r = this.find(a);
      if (!r) throw new BusFault(a, 'load', length - i, 'nothing is mapped there');
      const n = Math.min(length - i, r.end - a);
      if (r.backing) {
        const off = r.backingOffset + (a - r.start);
        out.set(r.backing.subarray(off, off + n), i);
      } else {
        const dev = r.device!;
        for (let k = 0; k < n; ) {
          const o = a - r.start + k;
          if ((o & 3) === 0 && n - k >= 4) {
            const v = dev.read32(o);
            out[i + k] = v; out[i + k + 1] = v >>> 8; out[i + k + 2] = v >>> 16; out[i + k + 3] = v >>> 24;
            k += 4;
          } else {
            out[i + k] = dev.read8(o);
            k += 1;
          }
        }
      }
      i += n;
    }
    return out;
  }

  /**
   * [addr, addr+length) to read during the current access: a live view where it lies inside one
   * memory-backed region (no copy; do not write through it, nor keep it past the access), else a
   * copy (readBlock).
   */
  viewBlock(addr: number, length: number): Uint8Array {
    addr >>>= 0;
    const r = this.find(addr);
    if (!r || !r.backing || length < 0 || addr + length > r.end) return this.readBlock(addr, length);
    const off = r.backingOffset + (addr - r.start);
    return r.backing.subarray(off, off + length);
  }

  /** Writes `data`; code decoded from the written bytes (through any alias) is invalidated. */
  writeBlock(addr: number, data: Uint8Array): void {
    addr >>>= 0;
    let i = 0;
    while (i < data.length) {
      const a = (addr + i) >>> 0;
      const r = this.find(a);
      if (!r) throw new BusFault(a, 'store', data.length - i, 'nothing is mapped there');
      if (!r.writable) throw new BusFault(a, 'store', data.length - i, `${r.name} is read-only`);
      const n = Math.min(data.length - i, r.end - a);
      if (r.backing) {
        r.backing.set(data.subarray(i, i + n), r.backingOffset + (a - r.start));
        this.noteWrite(a, n);
      } else {
        const dev = r.device!;
        for (let k = 0; k < n; ) {
          const o = a - r.start + k;
          if ((o & 3) === 0 && n - k >= 4) {
            const j = i + k;
            dev.write32(o, (data[j]! | (data[j + 1]! << 8) | (data[j + 2]! << 16) | (data[j + 3]! << 24)) >>> 0);
            k += 4;
          } else {
            dev.write8(o, data[i + k]!);
            k += 1;
          }
        }
      }
      i += n;
    }
  }

  // ---- decode-cache coherence ----

  /** Subscribe to code invalidations (the hart does this). Returns an unsubscribe function. */
  onCodeInvalidate(listener: CodeInvalidationListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Drops decoded code for [start, start+length) (everything when called without arguments).
   * Devices call this when what an executable window shows changes (MMU remap, flash program or
   * erase); code that writes a RAM backing array directly must call it too.
   */
  invalidateCode(start = 0, length = 0x1_0000_0000): void {
    start >>>= 0;
    const first = start >>> PAGE_SHIFT;
    const last = Math.min(PAGE_COUNT - 1, Math.floor((start + Math.max(1, length) - 1) / PAGE_SIZE));
    this.codeWatch.fill(0, first, last + 1);
    for (const l of this.listeners) l(start, length);
  }

  /**
   * The hart decoded code from page `page`: watch that page and every alias of its bytes, so a
   * write through any of them invalidates the decoded code.
   */
  watchCode(page: number): void {
    this.codeWatch[page] = 1;
    const pageStart = page * PAGE_SIZE;
    const r = this.find(pageStart) ?? this.find(pageStart + PAGE_SIZE - 1);
    if (!r || !r.backing) return;
    this.forEachAlias(r.backing, r.backingOffset + Math.max(0, pageStart - r.start), PAGE_SIZE, (s, n) => {
      const a = Math.floor(s / PAGE_SIZE);
      const b = Math.floor((s + n - 1) / PAGE_SIZE);
      for (let p = a; p <= b; p++) this.codeWatch[p] = 1;
    });
  }

  /** A write of `length` bytes at `addr` (RAM) happened; invalidate code on watched pages. */
  noteWrite(addr: number, length: number): void {
    const first = addr >>> PAGE_SHIFT;
    const last = Math.min(PAGE_COUNT - 1, Math.floor((addr + length - 1) / PAGE_SIZE));
    for (let p = first; p <= last; p++) if (this.codeWatch[p]) this.codeWritten(p);
  }

  /** Called for a store to a watched page: invalidate it and all its aliases. */
  codeWritten(page: number): void {
    const pageStart = page * PAGE_SIZE;
    this.invalidateCode(pageStart, PAGE_SIZE);
    const r = this.find(pageStart) ?? this.find(pageStart + PAGE_SIZE - 1);
    if (!r || !r.backing) return;
    this.forEachAlias(r.backing, r.backingOffset + Math.max(0, pageStart - r.start), PAGE_SIZE, (s, n) => {
      if (Math.floor(s / PAGE_SIZE) !== page || n > PAGE_SIZE) this.invalidateCode(s, n);
    });
  }

  /** Calls fn(virtualStart, length) for every mapping of backing bytes [off, off+length). */
  private forEachAlias(backing: Uint8Array, off: number, length: number, fn: (start: number, length: number) => void): void {
    for (const r of this.list) {
      if (r.backing !== backing) continue;
      const lo = Math.max(off, r.backingOffset);
      const hi = Math.min(off + length, r.backingOffset + (r.end - r.start));
      if (lo < hi) fn(r.start + (lo - r.backingOffset), hi - lo);
    }
  }
}
