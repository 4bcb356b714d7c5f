/**
 * Where the simulated flash keeps its bytes: in memory, or in a file that every change is
 * written through to (so a crash of the simulator never leaves the file behind the model).
 */
import { Buffer } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

export interface FlashBacking {
  /** Size in bytes. */
  readonly size: number;
  /** The live contents (reads go straight here; do not write to it, use `store`). */
  readonly bytes: Uint8Array;
  /** Replace `data.length` bytes at `offset` (the caller has already applied NOR semantics). */
  store(offset: number, data: Uint8Array): void;
  /** NOR programming: AND `data` into the contents at `offset` (bits only go from 1 to 0). */
  program(offset: number, data: Uint8Array): void;
  close(): void;
}

/** An erased stretch to compare with (natively) before programming. */
const ERASED = Buffer.alloc(0x10000, 0xff);

/**
 * bytes[offset..] &= data, in place. Where the flash is erased (the usual case) that is a copy:
 * each stretch is compared with erased bytes and copied natively, else ANDed (word by word where
 * both line up on 4 bytes).
 */
export function andInto(bytes: Uint8Array, offset: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; at += ERASED.length) {
    const n = Math.min(ERASED.length, data.length - at);
    const target = Buffer.from(bytes.buffer, bytes.byteOffset + offset + at, n);
    if (target.equals(ERASED.subarray(0, n))) bytes.set(data.subarray(at, at + n), offset + at);
    else andSlowly(bytes, offset + at, data.subarray(at, at + n));
  }
}

function andSlowly(bytes: Uint8Array, offset: number, data: Uint8Array): void {
  const n = data.length;
  if ((((bytes.byteOffset + offset) | data.byteOffset | n) & 3) === 0) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + offset, n >> 2);
    const v = new Int32Array(data.buffer, data.byteOffset, n >> 2);
    for (let i = 0; i < w.length; i++) w[i]! &= v[i]!;
  } else {
    for (let i = 0; i < n; i++) bytes[offset + i]! &= data[i]!;
  }
}

export class MemoryBacking implements FlashBacking {
  readonly bytes: Uint8Array;
  constructor(sizeOrContents: number | Uint8Array) {
    if (typeof sizeOrContents === 'number') this.bytes = new Uint8Array(sizeOrContents).fill(0xff);
    else this.bytes = sizeOrContents;
  }
  get size(): number {
    return this.bytes.length;
  }
  store(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset);
  }
  program(offset: number, data: Uint8Array): void {
    andInto(this.bytes, offset, data);
  }
  close(): void {}
}

/**
 * A file as flash: loaded once, every store written through at the same offset. A file shorter
 * than the flash is padded with 0xFF in memory at once, and in the file only when the first change
 * is written through (a run that changes nothing, or is refused, leaves the file as it was).
 */
export class FileBacking implements FlashBacking {
  readonly bytes: Uint8Array;
  private fd: number | undefined;
  /** The file's length while it is still shorter than the flash (the padding not yet written). */
  private unpaddedLength: number | undefined;

  /**
   * @param path file holding the flash contents; if shorter than `size` it is treated as padded
   *             with 0xFF, if `size` is omitted the file's length is used.
   */
  constructor(readonly path: string, size?: number) {
    this.fd = openSync(path, 'r+');
    const fileSize = fstatSync(this.fd).size;
    const total = size ?? fileSize;
    this.bytes = new Uint8Array(total).fill(0xff);
    const n = Math.min(total, fileSize);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd, this.bytes, done, n - done, done);
      if (got <= 0) break;
      done += got;
    }
    if (fileSize < total) this.unpaddedLength = fileSize;
  }
  get size(): number {
    return this.bytes.length;
  }
  store(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset);
    this.writeThrough(offset, data.length);
  }
  program(offset: number, data: Uint8Array): void {
    andInto(this.bytes, offset, data);
    this.writeThrough(offset, data.length);
  }
  private writeThrough(offset: number, length: number): void {
    if (this.fd === undefined) return;
    const from = this.unpaddedLength;
    if (from !== undefined) {
      // The first change: the file becomes the whole flash (the padding, then the change below).
      writeSync(this.fd, this.bytes, from, this.bytes.length - from, from);
      this.unpaddedLength = undefined;
    }
    writeSync(this.fd, this.bytes, offset, length, offset);
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
