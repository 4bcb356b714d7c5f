/** Erasing flash through the stub (ERASE; 4 KiB sectors, 64 KiB blocks where aligned). */
import { pieces, sessionGeometry } from './geometry.js';
import { checkRange, type ByteRange } from './planner.js';
import { PhaseProgress, type FlashOperationOptions } from './progress.js';
import type { FlashSession } from './session.js';

export interface EraseOptions extends FlashOperationOptions {
}

export interface EraseReport {
  readonly address: number;
  readonly length: number;
  readonly calls: number;
  readonly durationMs: number;
}

/** Erase [offset, offset + length); both sector aligned. */
export async function eraseFlash(session: FlashSession, offset: number, length: number, options: EraseOptions = {}): Promise<EraseReport> {
  checkRange(sessionGeometry(session), offset, length, 'erase', 'sector');
  const progress = new PhaseProgress(options, 'erase', length, { address: offset, sectorsTotal: length / session.sectorSize });
  const calls = await eraseRanges(session, [{ address: offset, length }], progress);
  progress.finish();
  return { address: offset, length, calls, durationMs: progress.elapsedMs };
}

/** Erase already-checked ranges; returns the number of stub calls. */
export async function eraseRanges(session: FlashSession, ranges: readonly ByteRange[], progress?: PhaseProgress): Promise<number> {
  let calls = 0;
  for (const r of ranges) {
    // 256 KiB per call keeps timeouts short and progress moving; pieces stay 64 KiB aligned when r is.
    for (const p of pieces(r.address, r.length, 0x40000)) {
      await session.stub.erase(p.address, p.length);
      calls++;
      progress?.advance(p.length);
    }
  }
  return calls;
}
