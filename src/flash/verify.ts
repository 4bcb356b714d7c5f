/**
 * Verify by SHA-256: the stub hashes the flash range (SHA256 command), the host hashes the data
 * (node:crypto), piece by piece so a mismatch is located to its piece and then to its sector.
 */
import { hex32 } from '../chips/types.js';
import { FlashError } from './errors.js';
import { pieces, sessionGeometry } from './geometry.js';
import { checkRange, sameBytes, sha256 } from './planner.js';
import { PhaseProgress, type FlashOperationOptions } from './progress.js';
import type { FlashSession } from './session.js';

export interface VerifyOptions extends FlashOperationOptions {
  /** Bytes per SHA256 call (default 256 KiB). */
  readonly pieceSize?: number;
  /** On a mismatch, hash the sectors of the bad piece to find the first bad sector (default true). */
  readonly locate?: boolean;
}

export interface VerifyReport {
  readonly address: number;
  readonly length: number;
  readonly match: boolean;
  /** Start of the first sector (or piece, without locate) whose hash differs. */
  readonly firstMismatch?: number;
  readonly hashCalls: number;
  readonly durationMs: number;
}

export async function verifyFlash(session: FlashSession, offset: number, data: Uint8Array, options: VerifyOptions = {}): Promise<VerifyReport> {
  checkRange(sessionGeometry(session), offset, data.length, 'verify', 'word');
  const progress = new PhaseProgress(options, 'verify', data.length, { address: offset });
  let hashCalls = 0;
  const report = (match: boolean, firstMismatch?: number): VerifyReport => {
    // On a mismatch, what was checked and found equal: the bytes before the first bad sector.
    if (firstMismatch !== undefined && firstMismatch - offset > progress.bytesDone) progress.advance(firstMismatch - offset - progress.bytesDone);
    progress.finish();
    return { address: offset, length: data.length, match, ...(firstMismatch !== undefined ? { firstMismatch } : {}), hashCalls, durationMs: progress.elapsedMs };
  };
  for (const p of pieces(offset, data.length, options.pieceSize ?? 0x40000)) {
    const want = data.subarray(p.address - offset, p.address - offset + p.length);
    const have = await session.stub.sha256(p.address, p.length);
    hashCalls++;
    if (!sameBytes(have, sha256(want))) {
      if (options.locate === false) return report(false, p.address);
      // The piece's sectors: a head up to the first sector boundary (when the piece starts inside
      // a sector), then whole sectors, hashed in one call that reads the flash once.
      const size = session.sectorSize;
      const end = p.address + p.length;
      const boundary = Math.min(end, Math.ceil(p.address / size) * size);
      const differs = (from: number, to: number, digest: Uint8Array) => !sameBytes(digest, sha256(data.subarray(from - offset, to - offset)));
      if (boundary > p.address) {
        hashCalls++;
        if (differs(p.address, boundary, await session.stub.sha256(p.address, boundary - p.address))) return report(false, p.address);
      }
      if (boundary < end) {
        hashCalls++;
        const digests = await session.stub.sha256Pieces(boundary, end - boundary, size);
        const bad = digests.findIndex((digest, i) => differs(boundary + i * size, Math.min(end, boundary + (i + 1) * size), digest));
        if (bad >= 0) return report(false, boundary + bad * size);
      }
      return report(false, p.address);
    }
    progress.advance(p.length);
  }
  return report(true);
}

/** verifyFlash that throws a FlashError on a mismatch. */
export async function assertFlashMatches(session: FlashSession, offset: number, data: Uint8Array, options: VerifyOptions = {}): Promise<VerifyReport> {
  const r = await verifyFlash(session, offset, data, options);
  if (!r.match) {
    throw new FlashError('FLASH_VERIFY_FAILED', `the flash does not hold the data: SHA-256 differs from ${hex32(r.firstMismatch ?? offset)} on`, {
      address: r.firstMismatch ?? offset,
      action: 'Write again (only what differs is rewritten); if it keeps failing, check write protection and power',
    });
  }
  return r;
}
