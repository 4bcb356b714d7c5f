/**
 * The write planner (pure: no target access). Given the flash geometry, the request and what the
 * target's sectors hold (their SHA-256 digests), it decides per sector: skip (already holds the
 * data), program only (blank already), erase only (the data is all 0xFF), or erase and program.
 * Partly covered sectors are written whole: the caller reads their other bytes back and merges
 * them in (`mergeIntoSectors`) so they keep their contents.
 */
import { createHash } from 'node:crypto';
import { hex32, hexWide } from '../chips/types.js';
import { FlashError } from './errors.js';

export interface FlashGeometry {
  /** Flash size in bytes. */
  readonly flashSize: number;
  /** Erase unit in bytes (power of two). */
  readonly sectorSize: number;
  /** Highest offset the stub reaches (exclusive); default flashSize. */
  readonly addressLimit?: number;
}

export interface ByteRange {
  readonly address: number;
  readonly length: number;
}

export type Alignment = 'word' | 'sector';

/** Refuse a request that cannot be done, before anything is touched. */
export function checkRange(geometry: FlashGeometry, offset: number, length: number, what: string, align: Alignment, alignLength = align === 'sector'): void {
  const unit = align === 'sector' ? geometry.sectorSize : 4;
  const unitName = align === 'sector' ? `${geometry.sectorSize / 1024} KiB (the sector size)` : '4 bytes';
  if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) {
    throw new FlashError('FLASH_OUT_OF_RANGE', `${what}: offset ${Number.isInteger(offset) && offset > 0 ? hexWide(offset) : offset} is not a flash offset`, { action: 'Give a non-negative 32-bit offset such as 0x10000' });
  }
  if (!Number.isInteger(length) || length <= 0) {
    throw new FlashError('FLASH_EMPTY', `${what}: nothing to do (length ${length})`, { address: offset, action: 'Give a positive length' });
  }
  if (offset % unit !== 0) {
    throw new FlashError('FLASH_UNALIGNED', `${what}: offset ${hex32(offset)} is not a multiple of ${unitName}`, {
      address: offset,
      action: `Use an offset aligned to ${unitName}, e.g. ${hex32(offset - (offset % unit))}`,
    });
  }
  if (alignLength && length % unit !== 0) {
    throw new FlashError('FLASH_UNALIGNED', `${what}: length ${length} is not a multiple of ${unitName}`, {
      address: offset,
      action: `Round the length up to ${Math.ceil(length / unit) * unit} bytes`,
    });
  }
  if (length > geometry.flashSize) {
    throw new FlashError('FLASH_TOO_LARGE', `${what}: ${length} bytes do not fit the ${geometry.flashSize / 1024} KiB flash`, {
      address: offset,
      // A write or verify takes its length from a file; the others from the command.
      action: what === 'write' || what === 'verify' ? 'Check the file and the flash size; split the image or use a larger flash' : `Give a length of at most ${geometry.flashSize} bytes (the whole flash)`,
    });
  }
  const limit = Math.min(geometry.flashSize, geometry.addressLimit ?? geometry.flashSize);
  if (offset + length > limit) {
    const why = limit < geometry.flashSize ? `the stub reaches only the first ${limit / 0x100000} MiB` : `the flash ends at ${hex32(limit)}`;
    throw new FlashError('FLASH_OUT_OF_RANGE', `${what}: ${hex32(offset)}..${hexWide(offset + length)} goes past the end (${why})`, {
      address: offset,
      action: offset >= limit ? `Use an offset below ${hex32(limit)}` : `Keep the range below ${hex32(limit)}: at most ${limit - offset} bytes from this offset`,
    });
  }
}

/** The whole sectors a byte range touches. */
export interface SectorSpan {
  /** Sector-aligned start. */
  readonly start: number;
  /** Sector-aligned end (exclusive). */
  readonly end: number;
  readonly sectorSize: number;
  readonly count: number;
  /** The first sector is only partly covered by the request. */
  readonly headPartial: boolean;
  /** The last sector is only partly covered by the request. */
  readonly tailPartial: boolean;
}

export function sectorSpan(sectorSize: number, offset: number, length: number): SectorSpan {
  const start = offset - (offset % sectorSize);
  const end = Math.ceil((offset + length) / sectorSize) * sectorSize;
  return {
    start,
    end,
    sectorSize,
    count: (end - start) / sectorSize,
    headPartial: offset !== start,
    tailPartial: offset + length !== end,
  };
}

/** The ranges a span's partial sectors need read back (at most two, possibly the same sector). */
export function edgeRanges(span: SectorSpan): ByteRange[] {
  const out: ByteRange[] = [];
  if (span.headPartial) out.push({ address: span.start, length: span.sectorSize });
  if (span.tailPartial && !(span.headPartial && span.count === 1)) out.push({ address: span.end - span.sectorSize, length: span.sectorSize });
  return out;
}

/**
 * The span's new contents: the request's data, with the bytes of partly covered sectors that the
 * request does not cover taken from `existing` (flash offset → the sector's current bytes).
 */
export function mergeIntoSectors(span: SectorSpan, offset: number, data: Uint8Array, existing: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const image = new Uint8Array(span.end - span.start).fill(0xff);
  for (const edge of edgeRanges(span)) {
    const bytes = existing.get(edge.address);
    if (!bytes || bytes.length !== span.sectorSize) throw new RangeError(`mergeIntoSectors: the contents of the sector at ${hex32(edge.address)} are missing`);
    image.set(bytes, edge.address - span.start);
  }
  image.set(data, offset - span.start);
  return image;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

const blankDigests = new Map<number, Uint8Array>();
/** SHA-256 of `size` bytes of 0xFF (an erased range). */
export function blankDigest(size: number): Uint8Array {
  let d = blankDigests.get(size);
  if (!d) {
    d = sha256(new Uint8Array(size).fill(0xff));
    blankDigests.set(size, d);
  }
  return d;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export type SectorAction = 'skip' | 'program' | 'erase' | 'erase-program';
/** Why: same = already holds the data; blank = erased already; differs = holds other data; forced = --no-skip; unknown = no digest. */
export type SectorReason = 'same' | 'blank' | 'differs' | 'forced' | 'unknown';

export interface SectorPlan {
  readonly address: number;
  readonly action: SectorAction;
  readonly reason: SectorReason;
}

export interface WritePlan {
  readonly span: SectorSpan;
  /** The span's new contents (sector aligned). */
  readonly image: Uint8Array;
  readonly sectors: readonly SectorPlan[];
  /** Coalesced ranges to erase, in address order. */
  readonly erase: readonly ByteRange[];
  /** Coalesced ranges to program (erased by then), in address order. */
  readonly program: readonly ByteRange[];
  readonly sectorsSkipped: number;
  readonly sectorsErased: number;
  readonly sectorsProgrammed: number;
  readonly bytesToProgram: number;
}

export interface PlanInput {
  readonly span: SectorSpan;
  readonly image: Uint8Array;
  /** Per sector of the span, the target's SHA-256 of that sector (undefined = unknown). */
  readonly targetDigests: readonly (Uint8Array | undefined)[];
  /** Rewrite every sector, whatever it holds. */
  readonly force?: boolean;
}

export function planWrite(input: PlanInput): WritePlan {
  const { span, image } = input;
  if (image.length !== span.end - span.start) throw new RangeError(`planWrite: image has ${image.length} bytes, the span ${span.end - span.start}`);
  const size = span.sectorSize;
  const blank = blankDigest(size);
  const sectors: SectorPlan[] = [];
  for (let i = 0; i < span.count; i++) {
    const address = span.start + i * size;
    const want = image.subarray(i * size, (i + 1) * size);
    const wantBlank = isBlank(want);
    const have = input.targetDigests[i];
    const haveBlank = have !== undefined && sameBytes(have, blank);
    let action: SectorAction;
    let reason: SectorReason;
    if (input.force) {
      action = wantBlank ? 'erase' : 'erase-program';
      reason = 'forced';
    } else if (have === undefined) {
      action = wantBlank ? 'erase' : 'erase-program';
      reason = 'unknown';
    } else if (sameBytes(have, sha256(want))) {
      action = 'skip';
      reason = 'same';
    } else if (haveBlank) {
      action = 'program';
      reason = 'blank';
    } else {
      action = wantBlank ? 'erase' : 'erase-program';
      reason = 'differs';
    }
    sectors.push({ address, action, reason });
  }
  const erase = coalesce(sectors.filter((s) => s.action === 'erase' || s.action === 'erase-program').map((s) => ({ address: s.address, length: size })));
  const program = coalesce(sectors.filter((s) => s.action === 'program' || s.action === 'erase-program').map((s) => ({ address: s.address, length: size })));
  return {
    span,
    image,
    sectors,
    erase,
    program,
    sectorsSkipped: sectors.filter((s) => s.action === 'skip').length,
    sectorsErased: erase.reduce((n, r) => n + r.length / size, 0),
    sectorsProgrammed: program.reduce((n, r) => n + r.length / size, 0),
    bytesToProgram: program.reduce((n, r) => n + r.length, 0),
  };
}

/** Merge adjacent or overlapping ranges (input in any order). */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.address - b.address);
  const out: { address: number; length: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.address <= last.address + last.length) last.length = Math.max(last.length, r.address + r.length - last.address);
    else out.push({ address: r.address, length: r.length });
  }
  return out;
}
