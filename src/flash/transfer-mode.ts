/**
 * Which transfer a write uses when none is asked for. In process nothing crosses a link: plain.
 * Across a link each mode is weighed in bytes moved over it. Plain sends the data and borrows its
 * ring or buffers (no larger than the data, nor than the link fills in a while: ~16 KiB through
 * OpenOCD), each byte of which is backed up and later written back. Deflate sends the compressed
 * data, borrows a ring for it, and first the stub's inflate window and its inflater's decoder state
 * (~43 KiB, unless an earlier call of the session holds them). The compressed size is estimated
 * from samples compressed at zlib's fastest level. Through OpenOCD so machine code (~55 %) goes
 * plain up to ~200 KiB and deflated beyond, erased flash deflated from ~55 KiB (~30 KiB on a fast
 * link), and data that does not compress plain.
 */
import { deflateRawSync } from 'node:zlib';
import type { FlashSession } from './session.js';
import { unheldForCommand } from './stub-scratch.js';
import type { TransferMode, TransferOptions } from './transfer.js';

/** Data up to this size is compressed whole for the estimate; beyond, SAMPLES pieces of SAMPLE bytes. */
const WHOLE = 0x8000;
const SAMPLES = 16;
const SAMPLE = 0x800;

/** Bytes `pieces` compress to, estimated (zlib level 1; at most 32 KiB of it compressed). */
export function deflatedSizeEstimate(pieces: readonly Uint8Array[]): number {
  const total = pieces.reduce((n, p) => n + p.length, 0);
  if (total <= WHOLE) return pieces.reduce((n, p) => n + (p.length ? deflateRawSync(p, { level: 1 }).length : 0), 0);
  let sampled = 0;
  let packed = 0;
  let piece = 0;
  let pieceStart = 0;
  for (let i = 0; i < SAMPLES; i++) {
    // Samples spread evenly over the whole, each cut to the piece it starts in.
    const at = Math.floor(((total - SAMPLE) * i) / (SAMPLES - 1));
    while (at >= pieceStart + pieces[piece]!.length) pieceStart += pieces[piece++]!.length;
    const bytes = pieces[piece]!.subarray(at - pieceStart, at - pieceStart + SAMPLE);
    sampled += bytes.length;
    packed += deflateRawSync(bytes, { level: 1 }).length;
  }
  return Math.ceil((total * packed) / sampled);
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
  const ring = (n: number) => (plain === 'stream' ? Math.min(n, session.stub.ringLimit) : n);
  const plainMoves = bytes + 2 * ring(bytes);
  const borrowed = unheldForCommand(session.loaded, { command: 'WRITE_DEFLATED', inflater: options.inflater ?? 'rom' });
  // Even sending nothing, deflate would move this much: no need to estimate.
  if (plainMoves <= 2 * borrowed) return plain;
  const packed = deflatedSizeEstimate(data);
  return plainMoves <= 2 * borrowed + packed + 2 * ring(packed) ? plain : 'deflate';
}
