/**
 * Which transfer a write uses when none is asked for. In process nothing crosses a link: plain.
 * Across a link each mode is weighed in bytes moved over it. Plain sends the data and borrows its
 * ring or buffers (no larger than the data, nor than the link fills in a while: ~16 KiB through
 * OpenOCD), each byte of which is backed up and later written back. Deflate sends the compressed
 * data, borrows a ring for it, and first the stub's inflate window and its inflater's decoder state
 * (15 KiB with the 4 KiB window, 43 KiB with the 32 KiB one, unless an earlier call of the session
 * holds them). The compressed size is estimated from samples compressed at zlib's fastest level.
 * Through OpenOCD so machine code (~58 %) goes plain up to ~84 KiB and deflated beyond (~27 KiB on
 * a fast link), through the 4 KiB window up to ~1 MiB and the 8 KiB one beyond (the 32 KiB one
 * where repeats lie farther apart and it pays); erased flash deflated from ~10 KiB; data that does
 * not compress plain.
 */
import { deflateRawSync } from 'node:zlib';
import type { FlashSession } from './session.js';
import { checkInflateWindow, INFLATE_WINDOW_MAX, INFLATE_WINDOWS, windowBits } from './stub-protocol.js';
import { unheldForCommand } from './stub-scratch.js';
import type { TransferMode, TransferOptions } from './transfer.js';

/**
 * SAMPLES pieces of SAMPLE bytes make the estimate, or the whole data where it is no larger than
 * they are together. Each sample is compressed with the window's worth of bytes before it as
 * zlib's preset dictionary: the back-references a whole stream would have (8 KiB samples of
 * machine code so come out within ~2 % of the whole's size), and repeats as far apart as the
 * window reaches are seen.
 */
const SAMPLES = 8;
const SAMPLE = 0x2000;

/**
 * Bytes `pieces` compress to for an inflate window of `window` bytes, estimated (zlib level 1; at
 * most 64 KiB of it compressed, with up to a window of context each: ~1 ms for the 4 KiB window,
 * ~1.5 ms for the 32 KiB one).
 */
export function deflatedSizeEstimate(pieces: readonly Uint8Array[], window = INFLATE_WINDOW_MAX): number {
  const bits = windowBits(window);
  const total = pieces.reduce((n, p) => n + p.length, 0);
  if (total <= SAMPLES * SAMPLE) return total === 0 ? 0 : deflateRawSync(bytesAt(pieces, 0, total), { level: 1, windowBits: bits }).length;
  let packed = 0;
  for (let i = 0; i < SAMPLES; i++) {
    // Samples spread evenly over the whole, however it is cut into pieces.
    const at = Math.floor(((total - SAMPLE) * i) / (SAMPLES - 1));
    const context = Math.min(at, window);
    const bytes = bytesAt(pieces, at - context, context + SAMPLE);
    const dictionary = context > 0 ? { dictionary: bytes.subarray(0, context) } : {};
    packed += deflateRawSync(bytes.subarray(context), { level: 1, windowBits: bits, ...dictionary }).length;
  }
  return Math.ceil((total * packed) / (SAMPLES * SAMPLE));
}

/** `length` bytes from `at` of the pieces laid end to end. */
function bytesAt(pieces: readonly Uint8Array[], at: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let start = 0;
  for (const p of pieces) {
    const from = Math.max(at, start);
    const to = Math.min(at + length, start + p.length);
    if (from < to) out.set(p.subarray(from - start, to - start), from - at);
    start += p.length;
  }
  return out;
}

/** How a write goes: its mode and, for deflate, the stub's inflate window (bytes). */
export interface TransferChoice {
  readonly mode: TransferMode;
  readonly window: number;
}

/**
 * The smallest candidate window is measured (deflatedSizeEstimate), the largest where that can
 * pay (chooseTransfer); the others are taken to save this much of the smallest's compressed size
 * per doubling — machine code at zlib level 1 packs to ~60.8 % with a 4 KiB window, 59.3 % with 8,
 * 58.3 % with 16, 57.7 % with 32 KiB (~1.7 % of it per doubling) — kept between the measured
 * sizes. A window between is never credited with more than a measured largest gains: data whose
 * repeats lie 16 KiB apart packs to almost nothing through 32 KiB and not at all through 16.
 */
const GAIN_PER_DOUBLING = 0.017;

/** What measuring the largest window takes (deflatedSizeEstimate at 32 KiB: ~1.5 ms), in ms. */
const ESTIMATE_MS = 2;

/**
 * The mode for `data` (the ranges to program; unknown: deflate across a link) and, where it
 * deflates, the inflate window: the one that moves least, its RAM borrowed counted with the data.
 * `compress: true` always deflates, `compress: false` never does; `window` fixes the window.
 */
export function chooseTransfer(session: FlashSession, options: Pick<TransferOptions, 'mode' | 'compress' | 'inflater' | 'window'>, data?: readonly Uint8Array[]): TransferChoice {
  if (options.window !== undefined) checkInflateWindow(options.window);
  const fixedWindow = options.window ?? INFLATE_WINDOW_MAX;
  const { memoryWhileRunning, inProcess } = session.target.capabilities;
  const plain = memoryWhileRunning ? 'stream' : 'calls';
  const asked = options.mode ?? (options.compress === true ? 'deflate' : options.compress === false || inProcess ? plain : undefined);
  if (asked !== undefined && asked !== 'deflate') return { mode: asked, window: fixedWindow };
  // In process nothing crosses a link: the largest window, for the best compression.
  if (data === undefined || inProcess) return { mode: 'deflate', window: fixedWindow };
  const inflater = options.inflater ?? 'rom';
  const borrowed = (window: number) => ({ window, borrowed: unheldForCommand(session.loaded, { command: 'WRITE_DEFLATED', inflater, window }) });
  const windows = options.window === undefined ? worthBorrowing(INFLATE_WINDOWS.map(borrowed)) : [borrowed(options.window)];
  if (asked === 'deflate' && windows.length === 1) return { mode: 'deflate', window: windows[0]!.window };
  const bytes = data.reduce((n, p) => n + p.length, 0);
  // The ring the stream would borrow (the stub client's own plan), or buffers about the data's size.
  const ring = (n: number, window?: number) => (plain === 'stream' ? session.stub.streamRingSize(window, n) : n);
  const plainMoves = bytes + 2 * ring(bytes);
  const smallest = windows[0]!;
  // Even sending nothing, deflate would move this much: no need to estimate.
  if (asked === undefined && plainMoves <= 2 * smallest.borrowed) return { mode: plain, window: fixedWindow };
  const largest = windows[windows.length - 1]!;
  const first = deflatedSizeEstimate(data, smallest.window);
  const movesAt = (window: number, borrowed: number, packed: number) => 2 * borrowed + packed + 2 * ring(packed, window);
  const modelled = (window: number) => Math.ceil(first * (1 - GAIN_PER_DOUBLING * Math.log2(window / smallest.window)));
  // The largest window is measured only where it could win by more than the measuring costs:
  // packed to nothing, would it move less, by more than the link moves in ESTIMATE_MS? Where not,
  // it is modelled like the windows between.
  const mostSaved = movesAt(smallest.window, smallest.borrowed, first) - movesAt(largest.window, largest.borrowed, 0);
  const measure = largest !== smallest && mostSaved > ESTIMATE_MS * session.stub.linkBytesPerMs;
  const last = measure ? deflatedSizeEstimate(data, largest.window) : modelled(largest.window);
  let best = { moves: Infinity, window: smallest.window };
  for (const { window, borrowed } of windows) {
    const packed = window === largest.window ? last : Math.min(first, Math.max(modelled(window), last));
    const moves = movesAt(window, borrowed, packed);
    if (moves < best.moves) best = { moves, window };
  }
  return asked === undefined && plainMoves <= best.moves ? { mode: plain, window: fixedWindow } : { mode: 'deflate', window: best.window };
}

/**
 * Of the windows (smallest first, each with the bytes it would borrow), those borrowing less than
 * every larger one (a larger window that borrows no more, e.g. held since an earlier call,
 * compresses at least as well).
 */
function worthBorrowing<T extends { readonly borrowed: number }>(windows: readonly T[]): T[] {
  const kept: T[] = [];
  let least = Infinity;
  for (const w of [...windows].reverse()) {
    if (w.borrowed < least) {
      kept.unshift(w);
      least = w.borrowed;
    }
  }
  return kept;
}
