/**
 * What the target's sectors hold, found cheaply: ERASE_CHECK per 64 KiB block finds the blank
 * sectors, one SHA-256 per block confirms the blocks that already hold the new data, and only the
 * sectors of blocks that differ are hashed one by one.
 */
import { blankDigest, sha256, sameBytes, type SectorSpan } from './planner.js';
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

/**
 * Per-sector digests of the span as the target holds it; `image` is the span's new contents (used
 * to recognise whole blocks that already match, so their sectors need no hash of their own).
 */
export async function surveySectors(session: FlashSession, span: SectorSpan, image: Uint8Array, progress?: PhaseProgress): Promise<DigestSurvey> {
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
      const want = image.subarray(from - span.start, blockEnd - span.start);
      const have = await session.stub.sha256(from, blockEnd - from);
      hashCalls++;
      bytesHashed += blockEnd - from;
      if (sameBytes(have, sha256(want))) {
        for (let i = firstUsed; i < count; i++) digests[first + i] = sha256(image.subarray((first + i) * size, (first + i + 1) * size));
      } else if (count - firstUsed === 1) {
        digests[first + firstUsed] = have;
      } else {
        for (let i = firstUsed; i < count; i++) {
          digests[first + i] = await session.stub.sha256(span.start + (first + i) * size, size);
          hashCalls++;
          bytesHashed += size;
        }
      }
    }
    progress?.advance(blockEnd - blockStart);
    blockStart = blockEnd;
  }
  return { digests, eraseChecks, hashCalls, bytesHashed };
}
