/**
 * Moving data to the stub. Three ways, chosen per target:
 *
 * - deflate (default across a link; on an in-process target only when asked): raw DEFLATE
 *   compressed on the host (node:zlib). Where the target allows memory access while the CPU
 *   runs, one stream per MiB through STREAM_WRITE_DEFLATED: compressed in 64 KiB cells on the
 *   thread pool (deflated-image.ts; writeFlash starts that while it plans), streamed into the
 *   stub's ring as the cells come, the ROM's tinfl inflating it on the chip.
 *   Elsewhere (or with the stub's own inflater, or a chunk or buffer size given) chunks compressed
 *   one by one and sent with WRITE_DEFLATED; chunks that do not shrink go as plain WRITE. Two
 *   buffers in target RAM (transfer-buffers.ts); where memory works while running, the next chunk
 *   is uploaded by a co-routine while the stub programs the current one (double buffering).
 * - stream (no compression, memory access while running): STREAM_WRITE with the host filling the
 *   stub's ring buffer as it programs.
 * - calls (no compression, halted-only targets such as QEMU): double-buffer-free chunked WRITE calls.
 *
 * Every range must be erased before it is programmed.
 */
import { deflateRawSync } from 'node:zlib';
import type { Coroutine } from '../algorithm/coroutine.js';
import { FlashError } from './errors.js';
import type { FlashSession } from './session.js';
import { StubError } from './stub-client.js';
import { DeflatedImage } from './deflated-image.js';
import { PIECES_PER_RING } from './stream-ring.js';
import { transferBuffers } from './transfer-buffers.js';
import { claimForCommand } from './stub-scratch.js';
import { chooseTransfer } from './transfer-mode.js';
import { encodeCall, INFLATE_WINDOW_MAX, windowBits, type StubInflater } from './stub-protocol.js';

export type TransferMode = 'deflate' | 'stream' | 'calls';

/** zlib level: 4 packs firmware within a few per cent of 6 at about three times the speed. */
export const DEFAULT_LEVEL = 4;

export interface TransferOptions {
  /** Compress on the host (default: where the target is across a link, not in process). */
  readonly compress?: boolean;
  /**
   * Force a mode; default: deflate if compressing, else stream where memory works while running, else
   * calls. Compressing is the default across a link where it pays for the decoder RAM it borrows
   * (transfer-mode.ts); on an in-process target (nothing crosses a link, the inflating is pure
   * cost) only where `compress` is true.
   */
  readonly mode?: TransferMode;
  /**
   * Uncompressed bytes of the first WRITE_DEFLATED call (default 64 KiB). Later calls grow up to
   * 16 times that while the data packs well, and split when the compressed form does not fit.
   */
  readonly chunkSize?: number;
  /** Bytes per target buffer, borrowed from the work area (default: in the stub's scratch buffer, see transfer-buffers.ts). */
  readonly bufferSize?: number;
  /** Ring size of the stream mode (default: the stub's scratch buffer, no larger than the data nor than the link fills in RING_FILL_MS). */
  readonly ringSize?: number;
  /** Which inflater WRITE_DEFLATED runs: the ROM's tinfl_decompress (default) or the stub's own. */
  readonly inflater?: StubInflater;
  /**
   * The stub's inflate window in bytes: 4096, 8192, 16384 or 32768 (default: chosen with the mode,
   * transfer-mode.ts; the RAM it borrows weighed against the compression it gains).
   */
  readonly window?: number;
  /** zlib level (default 4). */
  readonly level?: number;
  /**
   * The ranges' contents already being compressed (see writeFlash), used by streamed deflate;
   * without it each stream's data is compressed as it goes.
   */
  readonly deflated?: DeflatedImage;
  /** Called after each piece is programmed: flash bytes done, bytes sent over the link. */
  readonly onProgress?: (bytes: number, wireBytes: number) => void;
}

export interface ProgramRange {
  readonly address: number;
  readonly data: Uint8Array;
}

export interface TransferStats {
  readonly mode: TransferMode;
  /** The inflate window of a deflated transfer, in bytes. */
  readonly window?: number;
  /** Flash bytes programmed. */
  readonly bytes: number;
  /** Payload bytes written into target RAM (compressed where deflated). */
  readonly wireBytes: number;
  /** Stub runs. */
  readonly calls: number;
  readonly deflatedCalls: number;
  readonly rawCalls: number;
  /**
   * Whether the host filled one buffer while the stub worked on another: always for a stream (its
   * ring has two pieces), for chunked calls where memory works while the CPU runs.
   */
  readonly doubleBuffered: boolean;
  readonly durationMs: number;
}

/** Program erased ranges. */
export async function programRanges(session: FlashSession, ranges: readonly ProgramRange[], options: TransferOptions = {}): Promise<TransferStats> {
  const started = performance.now();
  const bytes = ranges.reduce((n, r) => n + r.data.length, 0);
  const data = ranges.map((r) => r.data);
  // Data compressed ahead (writeFlash) fixes the window.
  const { mode, window } = chooseTransfer(session, options.deflated ? { ...options, window: options.deflated.window } : options, data);
  for (const r of ranges) {
    if (r.address % 4 !== 0 || r.data.length % 4 !== 0) throw new RangeError(`programRanges: ${r.address}+${r.data.length} is not word aligned`);
  }
  const stats =
    mode === 'stream'
      ? await streamRanges(session, ranges, options)
      : mode === 'deflate' && canStreamDeflated(session, options)
        ? await streamRanges(session, ranges, options, window)
        : await bufferedRanges(session, ranges, mode, { ...options, window }, bytes);
  return { ...stats, mode, ...(mode === 'deflate' ? { window } : {}), durationMs: performance.now() - started };
}

type Partial = Omit<TransferStats, 'mode' | 'durationMs'>;

/**
 * The inflate window, where `data` would go deflated as one stream per piece through
 * STREAM_WRITE_DEFLATED (memory works while the CPU runs and the ROM inflates; the stub's own
 * inflater takes whole streams per call only); else undefined.
 */
export function deflateStreamWindow(
  session: FlashSession,
  options: Pick<TransferOptions, 'mode' | 'compress' | 'inflater' | 'window' | 'bufferSize' | 'chunkSize'>,
  data?: readonly Uint8Array[],
): number | undefined {
  const { mode, window } = chooseTransfer(session, options, data);
  return mode === 'deflate' && canStreamDeflated(session, options) ? window : undefined;
}

/** Deflate goes as a stream, not in calls: memory works while the CPU runs, the ROM inflates, no call sizes asked for. */
function canStreamDeflated(session: FlashSession, options: Pick<TransferOptions, 'inflater' | 'bufferSize' | 'chunkSize'>): boolean {
  return session.target.capabilities.memoryWhileRunning && (options.inflater ?? 'rom') === 'rom' && !options.bufferSize && !options.chunkSize;
}

/**
 * Flash bytes per stub run, so progress moves: 256 KiB plain, 1 MiB deflated. Pieces end on
 * multiples of this in flash, so deflated ones are made of whole compression cells.
 */
const STREAM_PIECE = 0x40000;
const DEFLATE_STREAM_PIECE = 0x100000;

/**
 * STREAM_WRITE, or with a `deflateWindow` STREAM_WRITE_DEFLATED inflating through that window, one
 * stub run per piece of each range.
 */
async function streamRanges(session: FlashSession, ranges: readonly ProgramRange[], options: TransferOptions, deflateWindow?: number): Promise<Partial> {
  const deflate = deflateWindow !== undefined;
  const piece = deflate ? DEFLATE_STREAM_PIECE : STREAM_PIECE;
  let bytes = 0;
  let wireBytes = 0;
  let calls = 0;
  for (const r of ranges) {
    // Deflated: the cells already compressed ahead, or compressed on the thread pool as the range streams.
    const cells = deflate ? (covers(options.deflated, r, deflateWindow) ? options.deflated : new DeflatedImage(r.address, r.data, options.level ?? DEFAULT_LEVEL, deflateWindow)) : undefined;
    try {
      for (let at = 0; at < r.data.length; ) {
        const next = Math.min(r.data.length, (Math.floor((r.address + at) / piece) + 1) * piece - r.address);
        const data = r.data.subarray(at, next);
        const source = cells ? cells.stream(r.address + at, data.length) : data;
        const control = await session.stub.streamWrite(r.address + at, source, {
          ...(deflate ? { deflatedTo: data.length, window: deflateWindow } : {}),
          ...(options.ringSize ? { ringSize: options.ringSize } : {}),
        });
        calls++;
        if (control.stubConsumed !== source.length) {
          throw new FlashError('FLASH_TRANSFER', `the ${deflate ? 'deflated ' : ''}stream stopped after ${control.stubConsumed} of ${source.length} bytes`, {
            address: r.address + at,
            action: 'Retry the write; the planner rewrites what is missing',
          });
        }
        bytes += data.length;
        wireBytes += source.length;
        options.onProgress?.(data.length, source.length);
        at = next;
      }
    } finally {
      if (cells !== options.deflated) cells?.dispose();
    }
  }
  return { bytes, wireBytes, calls, deflatedCalls: deflate ? calls : 0, rawCalls: 0, doubleBuffered: PIECES_PER_RING > 1 };
}

/** `image` holds exactly the range's bytes (the range's data is a view of it), compressed for `window`. */
function covers(image: DeflatedImage | undefined, r: ProgramRange, window: number): image is DeflatedImage {
  return image !== undefined && image.window === window && image.holds(r.address, r.data);
}

/** How far a deflated chunk may grow past TransferOptions.chunkSize. */
const MAX_CHUNK_GROWTH = 16;

export interface Chunk {
  readonly address: number;
  readonly length: number;
  /** Bytes that go to target RAM. */
  readonly payload: Uint8Array;
  readonly deflated: boolean;
}

/** Cut ranges into chunks whose payload fits one buffer; compress where it pays. */
export function* transferChunks(ranges: readonly ProgramRange[], mode: TransferMode, bufferSize: number, options: TransferOptions): Generator<Chunk> {
  const deflate = mode === 'deflate';
  const chunkSize = Math.max(0x1000, options.chunkSize ?? 0x10000);
  const plain = function* (address: number, data: Uint8Array): Generator<Chunk> {
    for (let at = 0; at < data.length; at += bufferSize) {
      const payload = data.subarray(at, Math.min(data.length, at + bufferSize));
      yield { address: address + at, length: payload.length, payload, deflated: false };
    }
  };
  for (const r of ranges) {
    if (!deflate) {
      yield* plain(r.address, r.data);
      continue;
    }
    // The chunk size adapts: a chunk that packs into a quarter of a buffer or less lets the next
    // one double (each call has a fixed cost; the stub inflates any length through its window);
    // one that does not fit is halved, and the next starts from the size that fitted.
    let size = chunkSize;
    for (let at = 0; at < r.data.length; ) {
      const left = r.data.length - at;
      let n = left <= size + size / 4 ? left : size; // a short tail rides along instead of taking a call of its own
      for (;;) {
        const raw = r.data.subarray(at, at + n);
        const packed = deflateRawSync(raw, { level: options.level ?? DEFAULT_LEVEL, windowBits: windowBits(options.window ?? INFLATE_WINDOW_MAX) });
        if (packed.length >= raw.length * 0.95) {
          yield* plain(r.address + at, raw); // does not shrink: send as is, without compressing its halves again
          break;
        }
        if (packed.length <= bufferSize) {
          yield { address: r.address + at, length: n, payload: new Uint8Array(packed.buffer, packed.byteOffset, packed.length), deflated: true };
          if (packed.length * 4 <= bufferSize) size = Math.min(size * 2, chunkSize * MAX_CHUNK_GROWTH);
          break;
        }
        n = Math.max(4, (Math.floor(n / 2) + 3) & ~3); // shrinks, but not into one buffer: try half
        size = Math.min(size, n);
      }
      at += n;
    }
  }
}

async function bufferedRanges(session: FlashSession, ranges: readonly ProgramRange[], mode: TransferMode, options: TransferOptions, dataBytes: number): Promise<Partial> {
  const buffers = await transferBuffers(session, mode === 'deflate' ? (options.window ?? INFLATE_WINDOW_MAX) : undefined, options.bufferSize, dataBytes);
  const bufferSize = buffers.size;
  const overlap = session.target.capabilities.memoryWhileRunning;
  const target = session.target;
  const scale = session.timeoutScale;
  let bytes = 0;
  let wireBytes = 0;
  let calls = 0;
  let deflatedCalls = 0;
  let rawCalls = 0;
  try {
    const iterator = transferChunks(ranges, mode, bufferSize, options);
    let current = iterator.next();
    let slot = 0;
    if (!current.done) await target.writeMemory(buffers.addresses[slot]!, current.value.payload);
    while (!current.done) {
      const chunk = current.value;
      const next = iterator.next();
      const nextSlot = slot ^ 1;
      let uploaded = false;
      const coroutine: Coroutine | undefined =
        overlap && !next.done
          ? {
              run: async () => {
                await target.writeMemory(buffers.addresses[nextSlot]!, next.value.payload);
                uploaded = true;
              },
            }
          : undefined;
      const buffer = buffers.addresses[slot]!; // the chunk was uploaded there already
      const call = chunk.deflated
        ? encodeCall.writeDeflated(chunk.address, chunk.payload, chunk.length, { ...(options.inflater ? { inflater: options.inflater } : {}), staged: buffer, ...(options.window ? { window: options.window } : {}) })
        : encodeCall.write(chunk.address, chunk.payload, buffer);
      await claimForCommand(session.loaded, call);
      const r = await session.runner.run(session.loaded, {
        args: call.args,
        timeoutMs: Math.ceil((5000 + (chunk.length / 1024) * 40) * scale),
        ...(coroutine ? { coroutine } : {}),
      });
      if (r.signedValue < 0) throw new StubError(call.command, r.signedValue, chunk.address, r.log);
      calls++;
      if (chunk.deflated) deflatedCalls++;
      else rawCalls++;
      bytes += chunk.length;
      wireBytes += chunk.payload.length;
      options.onProgress?.(chunk.length, chunk.payload.length);
      if (!next.done && !uploaded) await target.writeMemory(buffers.addresses[nextSlot]!, next.value.payload);
      current = next;
      slot = nextSlot;
    }
  } catch (error) {
    await buffers.release().catch(() => undefined);
    throw error;
  }
  // Giving borrowed RAM back is part of a successful transfer.
  await buffers.release();
  return { bytes, wireBytes, calls, deflatedCalls, rawCalls, doubleBuffered: overlap };
}
