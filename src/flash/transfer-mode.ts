/**
 * Which transfer a write uses when none is asked for. In process nothing crosses a link: plain.
 * Across a link each mode is weighed in bytes moved over it. Plain sends the data and borrows its
 * ring or buffers (no larger than the data, nor than the link fills in a while: ~16 KiB through
 * OpenOCD), each byte of which is backed up and later written back. Deflate sends the compressed
 * data, borrows a ring for it, and first the stub's inflate window and its inflater's decoder state
 * (~43 KiB, unless an earlier call of the session holds them). The compressed size is estimated
 * from samples compressed at zlib's fastest level. Through OpenOCD so machine code (~55 %) goes
 * plain up to ~235 KiB and deflated beyond (~65 KiB on a fast link), erased flash deflated from
 * ~55 KiB (~30 KiB), and data that does not compress plain.
 */
import { deflateRawSync } from 'node:zlib';
import type { FlashSession } from './session.js';
import { unheldForCommand } from './stub-scratch.js';
import type { TransferMode, TransferOptions } from './transfer.js';

/**
 * Data up to this size is compressed whole for the estimate; beyond, SAMPLES pieces of SAMPLE bytes
 * (a sample needs context: 2 KiB samples of machine code came out ~24 % above the whole's size,
 * 8 KiB ones ~13 %; erring that way keeps borderline writes plain, where the two cost about alike).
 */
const WHOLE = 0x10000;
const SAMPLES = 8;
const SAMPLE = 0x2000;

/** Bytes `pieces` compress to, estimated (zlib level 1; at most 64 KiB of it compressed, ~1 ms). */
export function deflatedSizeEstimate(pieces: readonly Uint8Array[]): number {
  const total = pieces.reduce((n, p) => n + p.length, 0);
  if (total <= WHOLE) return total === 0 ? 0 : deflateRawSync(bytesAt(pieces, 0, total), { level: 1 }).length;
  let packed = 0;
  for (let i = 0; i < SAMPLES; i++) {
    // Samples spread evenly over the whole, however it is cut into pieces.
    packed += deflateRawSync(bytesAt(pieces, Math.floor(((total - SAMPLE) * i) / (SAMPLES - 1)), SAMPLE), { level: 1 }).length;
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

/**
 * The mode for `data` (the ranges to program; unknown: deflate across a link). `compress: true`
 * always deflates, `compress: false` never does.
 */
export function chooseMode(session: FlashSession, options: Pick<TransferOptions, 'mode' | 'compress' | 'inflater'>, data?: readonly Uint8Array[]): TransferMode {
  if (options.mode) return options.mode;
  const plain = session.target.capabilities.memoryWhileRunning ? 'stream' : 'calls';
  if (options.compress === true) return 'deflate';
  if (options.compress === false || session.target.capabilities.inProcess) return plain;
  if (data === undefined) return 'deflate';
  const bytes = data.reduce((n, p) => n + p.length, 0);
  // The ring the stream would borrow (the stub client's own plan), or buffers about the data's size.
  const ring = (n: number, deflated: boolean) => (plain === 'stream' ? session.stub.streamRingSize(deflated, n) : n);
  const plainMoves = bytes + 2 * ring(bytes, false);
  const borrowed = unheldForCommand(session.loaded, { command: 'WRITE_DEFLATED', inflater: options.inflater ?? 'rom' });
  // Even sending nothing, deflate would move this much: no need to estimate.
  if (plainMoves <= 2 * borrowed) return plain;
  const packed = deflatedSizeEstimate(data);
  return plainMoves <= 2 * borrowed + packed + 2 * ring(packed, true) ? plain : 'deflate';
}
