/**
 * The ROM's miniz decompressor (facts §2.4): tinfl_decompress(r, in_next, *in_size, out_start,
 * out_next, *out_size, flags), with the ROM's miniz v1.15 statuses and flags.
 *
 * The decoding state lives on the host (inflater.ts), keyed by the address of the caller's
 * tinfl_decompressor: tinfl_init is the caller storing 0 in its first word (m_state), which starts
 * a new stream; each call leaves a non-zero value there while the stream goes on. Of the ~11 KB
 * struct only that word is written. A struct whose m_state is non-zero but that this simulator
 * never started fails the call.
 *
 * Input is taken whole (all of *in_size is reported consumed) until the stream's end has been
 * decoded; from then on exactly the bytes up to that end. Output is written at out_next, at most
 * *out_size bytes; without TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF the buffer
 * [out_start, out_next + *out_size) must be a power of two in size, as in the ROM, and is the
 * dictionary: a back-reference farther than it fails the stream here, where the ROM would read
 * stale bytes of the buffer (a host that compressed with a larger window than it gave).
 *
 * Time: the instruction counter advances TINFL_CYCLES_PER_BYTE per output byte (an estimate of
 * the ROM's inflate loop at 160 MHz), so the chip's timers see the work take time.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import { arg, service, type RomEnvironment, type RomService } from './environment.js';
import { Inflater } from './inflater.js';

export const TINFL_FLAG = {
  PARSE_ZLIB_HEADER: 1,
  HAS_MORE_INPUT: 2,
  USING_NON_WRAPPING_OUTPUT_BUF: 4,
  COMPUTE_ADLER32: 8,
} as const;

export const TINFL_STATUS = {
  BAD_PARAM: -3,
  ADLER32_MISMATCH: -2,
  FAILED: -1,
  DONE: 0,
  NEEDS_MORE_INPUT: 1,
  HAS_MORE_OUTPUT: 2,
} as const;

export const TINFL_CYCLES_PER_BYTE = 12;

/** DEFLATE's largest window: a wrapping buffer this large holds every back-reference. */
const DEFLATE_WINDOW = 0x8000;

/** What this simulator writes to m_state while a stream goes on. */
const M_STATE_RUNNING = 1;
const M_STATE_ENDED = 2;

/** What the service needs of a decoder: Inflater, or WholeStream for a stream given complete. */
interface Decoder {
  readonly state: Inflater['state'];
  readonly adlerMismatch: boolean;
  readonly pending: number;
  readonly consumedTo: number;
  readonly fedTo: number;
  feed(bytes: Uint8Array, more: boolean): void;
  run(want: number): void;
  take(max: number): Uint8Array;
}

/**
 * A stream whose first call holds all of it (no TINFL_FLAG_HAS_MORE_INPUT) and that node:zlib
 * decodes without complaint: decoded at once, handed out call by call. Anything else (more input
 * to come, a corrupt, truncated or mismatching stream) goes through Inflater, which reproduces the
 * ROM's behaviour there (output up to the fault, zeros read past the end).
 */
class WholeStream implements Decoder {
  readonly state = 'done';
  readonly adlerMismatch = false;
  private read = 0;
  fedTo = 0;

  private constructor(
    private readonly output: Uint8Array,
    readonly consumedTo: number,
  ) {}

  static decode(input: Uint8Array, zlib: boolean): WholeStream | undefined {
    try {
      const r = (zlib ? inflateSync : inflateRawSync)(input, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      return new WholeStream(new Uint8Array(r.buffer.buffer, r.buffer.byteOffset, r.buffer.length), r.engine.bytesWritten);
    } catch {
      return undefined;
    }
  }

  get pending(): number {
    return this.output.length - this.read;
  }

  /** Decoded already: only counts the input, as Inflater does. */
  feed(bytes: Uint8Array): void {
    this.fedTo += bytes.length;
  }

  run(): void {}

  take(max: number): Uint8Array {
    const n = Math.min(max, this.pending);
    this.read += n;
    return this.output.subarray(this.read - n, this.read);
  }
}

interface Stream {
  readonly decoder: Decoder;
  readonly zlib: boolean;
}

const streams = new WeakMap<object, Map<number, Stream>>();

function streamsOf(env: RomEnvironment): Map<number, Stream> {
  let m = streams.get(env.hart);
  if (!m) streams.set(env.hart, (m = new Map()));
  return m;
}

function tinflDecompress(env: RomEnvironment): number {
  const bus = env.bus;
  const r = arg(env, 0);
  const inNext = arg(env, 1);
  const pInSize = arg(env, 2);
  const outStart = arg(env, 3);
  const outNext = arg(env, 4);
  const pOutSize = arg(env, 5);
  const flags = arg(env, 6);
  const inSize = bus.read32(pInSize);
  const outSize = bus.read32(pOutSize);
  const give = (consumed: number, written: number, status: number): number => {
    bus.write32(pInSize, consumed);
    bus.write32(pOutSize, written);
    return status;
  };
  const wrapping = !(flags & TINFL_FLAG.USING_NON_WRAPPING_OUTPUT_BUF);
  const span = outNext - outStart + outSize;
  if (wrapping && (outNext < outStart || span <= 0 || (span & (span - 1)) !== 0)) return give(0, 0, TINFL_STATUS.BAD_PARAM);
  const all = streamsOf(env);
  const input = inSize ? bus.viewBlock(inNext, inSize) : new Uint8Array(0);
  const more = (flags & TINFL_FLAG.HAS_MORE_INPUT) !== 0;
  let stream = all.get(r);
  if (bus.read32(r) === 0) {
    const zlib = (flags & TINFL_FLAG.PARSE_ZLIB_HEADER) !== 0;
    // Decoded at once only where no back-reference can reach past the buffer.
    const whole = !more && (!wrapping || span >= DEFLATE_WINDOW) ? WholeStream.decode(input, zlib) : undefined;
    const decoder = whole ?? new Inflater({ zlib, computeAdler: (flags & TINFL_FLAG.COMPUTE_ADLER32) !== 0 });
    all.set(r, (stream = { decoder, zlib }));
  } else if (!stream) {
    return give(0, 0, TINFL_STATUS.FAILED);
  }
  if (wrapping && stream.decoder instanceof Inflater) stream.decoder.limitReach(span);
  const fedFrom = stream.decoder.fedTo;
  stream.decoder.feed(input, more);
  const inf = stream.decoder;
  inf.run(outSize);
  const out = inf.take(outSize);
  if (out.length) bus.writeBlock(outNext, out);
  env.hart.instructionsRetired += out.length * TINFL_CYCLES_PER_BYTE;
  // A full buffer: look one step further, as the ROM does before it returns (the stream may end there).
  if (out.length === outSize && inf.pending === 0) inf.run(1);
  let status: number;
  if (inf.state === 'failed') status = TINFL_STATUS.FAILED;
  else if (inf.pending > 0) status = TINFL_STATUS.HAS_MORE_OUTPUT;
  else if (inf.state === 'done') status = stream.zlib && inf.adlerMismatch ? TINFL_STATUS.ADLER32_MISMATCH : TINFL_STATUS.DONE;
  else status = TINFL_STATUS.NEEDS_MORE_INPUT;
  // Once the stream's end is known, exactly the bytes up to it; before, all that was given.
  const consumed = inf.state === 'done' ? Math.max(0, Math.min(inSize, inf.consumedTo - fedFrom)) : inSize;
  bus.write32(r, status <= TINFL_STATUS.DONE ? M_STATE_ENDED : M_STATE_RUNNING);
  return give(consumed, out.length, status);
}

export const MINIZ_SERVICES: readonly RomService[] = [service('tinfl_decompress', tinflDecompress)];
