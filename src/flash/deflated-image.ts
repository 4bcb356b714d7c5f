/**
 * Flash contents compressed for STREAM_WRITE_DEFLATED, ahead of their write where possible.
 *
 * The image is cut into cells on absolute 64 KiB flash boundaries (the planner's survey blocks),
 * each compressed on its own at a zlib level and ended with a sync flush (byte-aligned, not final):
 * the cells of any run of flash concatenate into one raw DEFLATE stream, closed by an empty final
 * block. Back-references do not cross cells: a little less compression for cells that can be
 * compressed in parallel and before anyone knows which of them will be written.
 *
 * writeFlash starts one as soon as the planned image is known, so the cells are compressed on
 * libuv's thread pool while the planner surveys the target; a stream then takes the cells it
 * covers as they are (waiting for those still on the pool) and compresses only partial cells anew.
 */
import { constants, deflateRaw, deflateRawSync } from 'node:zlib';
import type { ByteRange } from './planner.js';
import { joinedSource, type StreamSource } from './stream-source.js';
import { INFLATE_WINDOW_MAX, windowBits } from './stub-protocol.js';

export const DEFLATE_CELL = 0x10000;
/** Compression jobs on the thread pool at once: one core for them, one for the main thread. */
const POOL_JOBS = 2;
/** An empty final block (fixed Huffman, end-of-block only): ends a stream of sync-flushed cells. */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);

/** Refuse a zlib level that node:zlib would reject mid-write. */
export function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`zlib level ${level}: use a whole number from 0 to 9`);
}

interface Cell {
  readonly start: number;
  readonly end: number;
  started: boolean;
  /** The compressed bytes, once there. */
  bytes?: Uint8Array;
  /** Settles when the cell is compressed (or its compression failed). */
  readonly result: Promise<Uint8Array>;
  settle(bytes: Uint8Array | undefined, error?: unknown): void;
}

function newCell(start: number, end: number): Cell {
  let resolve!: (bytes: Uint8Array) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<Uint8Array>((res, rej) => ((resolve = res), (reject = rej)));
  result.catch(() => undefined); // reported to the stream that takes it; never unhandled
  const cell: Cell = {
    start,
    end,
    started: false,
    result,
    settle: (bytes, error) => {
      if (bytes) resolve((cell.bytes = bytes));
      else reject(error);
    },
  };
  return cell;
}

export class DeflatedImage {
  private readonly cells: Cell[] = [];
  /** Cells not started yet, in the order they will be: front first. */
  private queue: Cell[] = [];
  private running = 0;
  private readonly options: { level: number; windowBits: number; finishFlush: number };

  /**
   * `image` is the flash contents from `base` on, compressed for an inflate window of `window`
   * bytes (default the largest); compression starts at once.
   */
  constructor(
    readonly base: number,
    private readonly image: Uint8Array,
    level: number,
    readonly window = INFLATE_WINDOW_MAX,
  ) {
    checkLevel(level);
    this.options = { level, windowBits: windowBits(window), finishFlush: constants.Z_SYNC_FLUSH };
    const end = base + image.length;
    for (let start = base; start < end; ) {
      const next = Math.min(end, (Math.floor(start / DEFLATE_CELL) + 1) * DEFLATE_CELL);
      this.cells.push(newCell(start, next));
      start = next;
    }
    this.queue = [...this.cells];
    this.pump();
  }

  /** `data` is this image's bytes at `address` (a view of the same memory). */
  holds(address: number, data: Uint8Array): boolean {
    const offset = address - this.base;
    return (
      data.buffer === this.image.buffer &&
      offset >= 0 &&
      offset + data.length <= this.image.length &&
      data.byteOffset === this.image.byteOffset + offset
    );
  }

  /** Compress only cells that lie wholly inside `ranges` from now on (streams compress the rest anew). */
  retain(ranges: readonly ByteRange[]): void {
    this.queue = this.queue.filter((c) => ranges.some((r) => r.address <= c.start && r.address + r.length >= c.end));
  }

  /** Stop compressing what has not started (jobs on the pool finish and are dropped). */
  dispose(): void {
    this.queue = [];
  }

  /**
   * The raw DEFLATE stream of flash [address, address + length), inside the image. A first cell not
   * compressed yet is compressed at once (the stream would wait for it anyway); the stream's other
   * cells move to the front of the queue.
   */
  stream(address: number, length: number): StreamSource {
    const end = address + length;
    if (address < this.base || end > this.base + this.image.length || length <= 0) {
      throw new RangeError(`DeflatedImage: ${address}+${length} is outside the image at ${this.base}+${this.image.length}`);
    }
    const pieces: (Uint8Array | Promise<Uint8Array>)[] = [];
    const mine: Cell[] = [];
    for (const cell of this.cells) {
      if (cell.end <= address || cell.start >= end) continue;
      if (cell.start >= address && cell.end <= end) {
        if (!cell.started && pieces.length === 0) {
          cell.started = true;
          cell.settle(this.compressNow(cell.start, cell.end));
        }
        if (!cell.started) mine.push(cell);
        pieces.push(cell.bytes ?? cell.result);
      } else {
        // Only part of this cell is written: compressed anew, at once when it is the stream's first piece.
        const from = Math.max(address, cell.start);
        const to = Math.min(end, cell.end);
        pieces.push(pieces.length === 0 ? this.compressNow(from, to) : this.onPool(from, to));
      }
    }
    this.queue = [...mine, ...this.queue.filter((c) => !mine.includes(c))];
    this.pump();
    return joinedSource(pieces, FINAL_EMPTY_BLOCK, Math.ceil(length / 2));
  }

  private pump(): void {
    while (this.running < POOL_JOBS && this.queue.length > 0) {
      const cell = this.queue.shift()!;
      if (cell.started) continue;
      cell.started = true;
      this.running++;
      this.onPool(cell.start, cell.end)
        .then((bytes) => cell.settle(bytes), (error: unknown) => cell.settle(undefined, error))
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  private compressNow(from: number, to: number): Uint8Array {
    return deflateRawSync(this.bytes(from, to), this.options);
  }

  private onPool(from: number, to: number): Promise<Uint8Array> {
    const job = new Promise<Uint8Array>((resolve, reject) => deflateRaw(this.bytes(from, to), this.options, (error, result) => (error ? reject(error) : resolve(result))));
    job.catch(() => undefined); // reported to the stream that takes it; never unhandled
    return job;
  }

  private bytes(from: number, to: number): Uint8Array {
    return this.image.subarray(from - this.base, to - this.base);
  }
}
