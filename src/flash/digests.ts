/**
 * What the target's sectors hold, found cheaply: ERASE_CHECK per 64 KiB block finds the blank
 * sectors at its start, and one SHA256 call per block hashes the rest of it sector by sector,
 * reading the flash once.
 */
import { blankDigest, type SectorSpan } from './planner.js';
import type { PhaseProgress } from './progress.js';
import type { FlashSession } from './session.js';

export const DIGEST_BLOCK = 0x10000;

export interface DigestSurvey {
  /** Per sector of the span: the target's SHA-256 of it. */
  readonly digests: Uint8Array[];
  /** Stub calls made: ERASE_CHECK and SHA256. */
  readonly eraseChecks: number;
  readonly hashCalls: number;
  /** Bytes the target hashed. */
  readonly bytesHashed: number;
}

/** Per-sector digests of the span as the target holds it. */
export async function surveySectors(session: FlashSession, span: SectorSpan, progress?: PhaseProgress): Promise<DigestSurvey> {
  const size = span.sectorSize;
  const digests: Uint8Array[] = new Array(span.count);
  let eraseChecks = 0;
  let hashCalls = 0;
  let bytesHashed = 0;
  const blank = blankDigest(size);
  for (let blockStart = span.start; blockStart < span.end; ) {
    const blockEnd = Math.min(span.end, Math.floor(blockStart / DIGEST_BLOCK) * DIGEST_BLOCK + DIGEST_BLOCK);
    const first = (blockStart - span.start) / size;
    const count = (blockEnd - blockStart) / size;
    eraseChecks++;
    const check = await session.stub.eraseCheck(blockStart, blockEnd - blockStart);
    // Sectors before the first programmed byte are blank.
    const firstUsed = check.blank ? count : Math.floor((check.firstNonBlank! - blockStart) / size);
    for (let i = 0; i < firstUsed; i++) digests[first + i] = blank;
    if (firstUsed < count) {
      const from = blockStart + firstUsed * size;
      const have = await session.stub.sha256Pieces(from, blockEnd - from, size);
      hashCalls++;
      bytesHashed += blockEnd - from;
      have.forEach((digest, i) => (digests[first + firstUsed + i] = digest));
    }
    progress?.advance(blockEnd - blockStart);
    blockStart = blockEnd;
  }
  return { digests, eraseChecks, hashCalls, bytesHashed };
}
