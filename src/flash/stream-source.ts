/**
 * The bytes a stream write sends, possibly still being produced: a host-side compressor's output
 * arrives while the first of it already travels to the stub.
 */

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

/**
 * Pieces that complete in any order, made available in order (a piece once all before it are
 * there), then `tail`. `capacity` sizes the first buffer (it grows as needed). A piece that fails
 * makes next() reject: the stream writer stops and reports it.
 */
export function joinedSource(pieces: readonly (Uint8Array | Promise<Uint8Array>)[], tail: Uint8Array, capacity = 0): StreamSource {
  const done: (Uint8Array | undefined)[] = pieces.map((p) => (p instanceof Uint8Array ? p : undefined));
  let out = new Uint8Array(Math.max(capacity, 64));
  let length = 0;
  let appended = 0;
  let ended = false;
  let failure: unknown;
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
      append(tail);
      ended = true;
    }
    wake();
  };
  pieces.forEach((p, i) => {
    if (p instanceof Uint8Array) return;
    p.then(
      (bytes) => {
        done[i] = bytes;
        appendReady();
      },
      (error: unknown) => {
        failure ??= error;
        wake();
      },
    );
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
      failure !== undefined
        ? Promise.reject(failure)
        : ended
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => waiters.push(() => (failure !== undefined ? reject(failure) : resolve()))),
  };
}
