/**
 * Verify by SHA-256: the stub hashes the flash range (SHA256 command), the host hashes the data
 * (node:crypto), piece by piece so a mismatch is located to its piece and then to its sector.
 */
import { hex32 } from '../chips/types.js';
import { FlashError } from './errors.js';
import { pieces, sessionGeometry } from './geometry.js';
import { checkRange, sameBytes, sha256 } from './planner.js';
import { PhaseProgress, type FlashProgressListener } from './progress.js';
import type { FlashSession } from './session.js';

export interface VerifyOptions {
  readonly onProgress?: FlashProgressListener;
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
  const progress = new PhaseProgress(options.onProgress, 'verify', data.length, { address: offset });
  let hashCalls = 0;
  const report = (match: boolean, firstMismatch?: number): VerifyReport => {
    progress.finish();
    return { address: offset, length: data.length, match, ...(firstMismatch !== undefined ? { firstMismatch } : {}), hashCalls, durationMs: progress.elapsedMs };
  };
  for (const p of pieces(offset, data.length, options.pieceSize ?? 0x40000)) {
    const want = data.subarray(p.address - offset, p.address - offset + p.length);
    const have = await session.stub.sha256(p.address, p.length);
    hashCalls++;
    if (!sameBytes(have, sha256(want))) {
      if (options.locate === false) return report(false, p.address);
      const size = session.sectorSize;
      for (let at = p.address; at < p.address + p.length; ) {
        const end = Math.min(p.address + p.length, Math.floor(at / size) * size + size);
        hashCalls++;
        if (!sameBytes(await session.stub.sha256(at, end - at), sha256(data.subarray(at - offset, end - offset)))) return report(false, at);
        at = end;
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
