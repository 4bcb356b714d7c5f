/**
 * The bytes a stream write sends, possibly still being produced: a host-side compressor's output
 * arrives while the first of it already travels to the stub (the compressor runs on libuv's thread
 * pool, beside the main thread that drives the link and the simulator).
 */
import { constants, deflateRaw, deflateRawSync } from 'node:zlib';

export interface StreamSource {
  /** Bytes available so far. */
  readonly length: number;
  /** No more bytes will come: length is final. */
  readonly ended: boolean;
  /** Bytes [from, to), both at most length (a view). */
  bytes(from: number, to: number): Uint8Array;
  /** Resolves once length grew or the source ended; rejects if the producer failed. */
  next(): Promise<void>;
}

export function fixedSource(data: Uint8Array): StreamSource {
  return { length: data.length, ended: true, bytes: (from, to) => data.subarray(from, to), next: async () => undefined };
}

/** An empty final block (fixed Huffman, end-of-block only): ends a stream of sync-flushed pieces. */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);
/** The first piece is compressed at once (small: the stream starts without waiting for the pool). */
const FIRST_PIECE = 0x4000;

/**
 * Raw DEFLATE of `data` at zlib `level`, produced mostly off the main thread. The data is cut into
 * pieces, each compressed on its own and ended with a sync flush (byte-aligned, not final), so
 * their outputs concatenate into one stream, closed by an empty final block. The first, small piece
 * is compressed at once; the rest in parallel on libuv's thread pool, appended in order as they
 * finish. Back-references do not cross pieces: a little less compression for the parallelism.
 */
export function deflateSource(data: Uint8Array, level: number, piece = 0x10000): StreamSource {
  const options = { level, finishFlush: constants.Z_SYNC_FLUSH };
  const cuts: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    const n = at === 0 ? Math.min(FIRST_PIECE, piece) : piece;
    cuts.push(data.subarray(at, Math.min(data.length, at + n)));
    at += n;
  }
  const done: (Uint8Array | undefined)[] = cuts.map(() => undefined);
  // Room for incompressible data (stored blocks: 5 bytes per 16 KiB at most) and a flush per piece.
  let out = new Uint8Array(data.length + Math.ceil(data.length / 0x4000) * 5 + cuts.length * 12 + 64);
  let length = 0;
  let appended = 0;
  let ended = false;
  let failure: Error | undefined;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const append = (bytes: Uint8Array): void => {
    if (length + bytes.length > out.length) {
      const bigger = new Uint8Array(Math.max(out.length * 2, length + bytes.length));
      bigger.set(out.subarray(0, length)); // views handed out keep the old buffer, whose bytes stay
      out = bigger;
    }
    out.set(bytes, length);
    length += bytes.length;
  };
  const appendReady = (): void => {
    while (appended < done.length && done[appended]) {
      append(done[appended]!);
      done[appended++] = undefined;
    }
    if (appended === done.length && !ended) {
      append(FINAL_EMPTY_BLOCK);
      ended = true;
    }
    wake();
  };
  cuts.forEach((cut, i) => {
    if (i === 0) {
      done[0] = deflateRawSync(cut, options);
      return;
    }
    deflateRaw(cut, options, (error, result) => {
      if (error) {
        failure ??= error; // next() rejects: the stream writer stops and reports it
        wake();
        return;
      }
      done[i] = result;
      appendReady();
    });
  });
  appendReady();
  return {
    get length() {
      return length;
    },
    get ended() {
      return ended;
    },
    bytes: (from, to) => out.subarray(from, to),
    next: () =>
      failure
        ? Promise.reject(failure)
        : ended
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => waiters.push(() => (failure ? reject(failure) : resolve()))),
  };
}
