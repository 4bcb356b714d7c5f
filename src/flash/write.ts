/**
 * Writing flash, planned then committed:
 *
 *   plan    read back the partly covered edge sectors, survey what the target holds (blank check
 *           per block, SHA-256 per block, per sector only where a block differs), decide per sector
 *   erase   the sectors that hold something else
 *   write   the sectors that need data (deflated, streamed or chunked: transfer.ts)
 *   verify  SHA-256 of every changed range on the target against the host's
 *
 * `planFlashWrite` stops after the plan (a dry run); `commitFlashWrite` runs the rest. Where the
 * write will stream deflated (transfer.ts), writeFlash has the planned image compressed on the
 * thread pool while the target is surveyed, so the write phase finds it ready.
 */
import { coalesce, checkRange, edgeRanges, mergeIntoSectors, planWrite, sectorSpan, type WritePlan } from './planner.js';
import { surveySectors, type DigestSurvey } from './digests.js';
import { eraseRanges } from './erase.js';
import { assertSessionOpen, sessionGeometry } from './geometry.js';
import { PhaseProgress, type FlashOperationOptions } from './progress.js';
import type { FlashSession } from './session.js';
import { checkLevel, DeflatedImage } from './deflated-image.js';
import { DEFAULT_LEVEL, deflateStreamWindow, programRanges, type TransferOptions, type TransferStats } from './transfer.js';
import { assertFlashMatches } from './verify.js';

export interface WriteOptions extends Omit<TransferOptions, 'onProgress'>, FlashOperationOptions {
  /** Skip sectors that already hold the data (default true; false = rewrite everything). */
  readonly skipUnchanged?: boolean;
  /** Verify the changed ranges by SHA-256 afterwards (default true). */
  readonly verify?: boolean;
}

export interface PlannedWrite {
  readonly offset: number;
  readonly length: number;
  readonly plan: WritePlan;
  readonly survey: DigestSurvey | undefined;
  readonly planMs: number;
  /** The image being compressed for the write (PlanOptions.deflate). */
  readonly deflated?: DeflatedImage;
}

export interface PlanOptions extends Pick<WriteOptions, 'skipUnchanged' | 'onProgress' | 'signal'> {
  /**
   * Compress the planned image at this zlib level for this inflate window on the thread pool while
   * the target is surveyed.
   */
  readonly deflate?: { readonly level: number; readonly window: number };
}

export interface WriteReport {
  readonly offset: number;
  readonly length: number;
  readonly sectorsTotal: number;
  readonly sectorsSkipped: number;
  readonly sectorsErased: number;
  readonly sectorsProgrammed: number;
  readonly bytesProgrammed: number;
  /** Bytes sent over the link for programming (compressed where deflated). */
  readonly wireBytes: number;
  readonly transfer: TransferStats | undefined;
  /** How the result is known to be right: hashes of the changed ranges, or the plan's hashes when nothing changed. */
  readonly verified: 'sha256' | 'plan' | 'not-verified';
  readonly eraseCalls: number;
  readonly ms: { readonly plan: number; readonly erase: number; readonly write: number; readonly verify: number; readonly total: number };
  /** Requested bytes per second of the whole operation, in KiB/s. */
  readonly kbps: number;
}

/** Check the request, read the edges, survey the target and plan; nothing is changed. */
export async function planFlashWrite(session: FlashSession, offset: number, data: Uint8Array, options: PlanOptions = {}): Promise<PlannedWrite> {
  checkRange(sessionGeometry(session), offset, data.length, 'write', 'word');
  const span = sectorSpan(session.sectorSize, offset, data.length);
  const progress = new PhaseProgress(options, 'plan', span.end - span.start, { address: span.start, sectorsTotal: span.count });
  const existing = new Map<number, Uint8Array>();
  for (const edge of edgeRanges(span)) existing.set(edge.address, await session.stub.read(edge.address, edge.length));
  const image = mergeIntoSectors(span, offset, data, existing);
  const deflated = options.deflate && new DeflatedImage(span.start, image, options.deflate.level, options.deflate.window);
  const skip = options.skipUnchanged ?? true;
  try {
    const survey = skip ? await surveySectors(session, span, progress) : undefined;
    const plan = planWrite({ span, image, targetDigests: survey?.digests ?? [], force: !skip });
    deflated?.retain(plan.program);
    progress.skip(plan.sectorsSkipped);
    progress.finish();
    return { offset, length: data.length, plan, survey, planMs: progress.elapsedMs, ...(deflated ? { deflated } : {}) };
  } catch (error) {
    deflated?.dispose();
    throw error;
  }
}

/** Erase, program and verify what the plan says. */
export async function commitFlashWrite(session: FlashSession, planned: PlannedWrite, options: WriteOptions = {}): Promise<WriteReport> {
  assertSessionOpen(session);
  const { plan } = planned;
  const eraseBytes = plan.erase.reduce((n, r) => n + r.length, 0);
  const erase = new PhaseProgress(options, 'erase', eraseBytes, { address: plan.span.start, sectorsTotal: plan.sectorsErased });
  const eraseCalls = await eraseRanges(session, plan.erase, erase);
  erase.finish();

  const write = new PhaseProgress(options, 'write', plan.bytesToProgram, {
    address: plan.span.start,
    sectorsTotal: plan.span.count,
    sectorsSkipped: plan.sectorsSkipped,
  });
  let transfer: TransferStats | undefined;
  try {
    if (plan.program.length > 0) {
      const ranges = plan.program.map((r) => ({ address: r.address, data: plan.image.subarray(r.address - plan.span.start, r.address - plan.span.start + r.length) }));
      const deflated = planned.deflated ? { deflated: planned.deflated } : {};
      transfer = await programRanges(session, ranges, { ...options, ...deflated, onProgress: (bytes, wire) => write.advance(bytes, wire) });
    }
  } finally {
    planned.deflated?.dispose();
  }
  write.finish();

  // Everything that changed: erased or programmed sectors, coalesced.
  const changed = coalesce([...plan.erase, ...plan.program]);
  const verified: WriteReport['verified'] = options.verify === false ? 'not-verified' : changed.length === 0 ? 'plan' : 'sha256';
  let verifyMs = 0;
  if (verified === 'sha256') {
    const bytes = changed.reduce((n, r) => n + r.length, 0);
    const verify = new PhaseProgress(options, 'verify', bytes, { address: plan.span.start });
    for (const r of changed) {
      await assertFlashMatches(session, r.address, plan.image.subarray(r.address - plan.span.start, r.address - plan.span.start + r.length));
      verify.advance(r.length);
    }
    verify.finish();
    verifyMs = verify.elapsedMs;
  }
  const total = planned.planMs + erase.elapsedMs + write.elapsedMs + verifyMs;
  return {
    offset: planned.offset,
    length: planned.length,
    sectorsTotal: plan.span.count,
    sectorsSkipped: plan.sectorsSkipped,
    sectorsErased: plan.sectorsErased,
    sectorsProgrammed: plan.sectorsProgrammed,
    bytesProgrammed: plan.bytesToProgram,
    wireBytes: transfer?.wireBytes ?? 0,
    transfer,
    verified,
    eraseCalls,
    ms: { plan: planned.planMs, erase: erase.elapsedMs, write: write.elapsedMs, verify: verifyMs, total },
    kbps: total > 0 ? planned.length / 1024 / (total / 1000) : 0,
  };
}

/** Plan and commit in one go. */
export async function writeFlash(session: FlashSession, offset: number, data: Uint8Array, options: WriteOptions = {}): Promise<WriteReport> {
  if (options.level !== undefined) checkLevel(options.level);
  const window = deflateStreamWindow(session, options, [data]);
  const planned = await planFlashWrite(session, offset, data, { ...options, ...(window === undefined ? {} : { deflate: { level: options.level ?? DEFAULT_LEVEL, window } }) });
  return commitFlashWrite(session, planned, options);
}
