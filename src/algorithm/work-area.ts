/**
 * Working areas: an allocator over a region of target RAM that backs up what it hands out and writes
 * it back on release, so the program that owns that RAM never sees a change.
 */
import type { AddressRange } from '../chips/types.js';
import { counted, hex32 } from '../chips/types.js';
import type { Target } from '../target/types.js';
import { WorkAreaError } from './errors.js';

export interface WorkArea {
  readonly address: number;
  readonly size: number;
  readonly label: string;
  /** Original RAM contents, written back on release; undefined when allocated without backup. */
  readonly backup: Uint8Array | undefined;
}

export interface AllocateOptions {
  /** Alignment of the start address (power of two, default 4). */
  readonly align?: number;
  /** Back up and restore this area (default: the allocator's setting). */
  readonly backup?: boolean;
}

export class WorkAreaAllocator {
  private readonly areas: WorkArea[] = [];
  /** Ranges `allocate` keeps out of (RAM held on demand: `cover` takes it part by part). */
  private readonly reserved: AddressRange[] = [];

  /**
   * @param region the RAM the allocator may hand out
   * @param backupByDefault false = "no-backup" mode for bulk work where the RAM's contents do not matter
   */
  constructor(
    private readonly target: Target,
    readonly region: AddressRange,
    private readonly backupByDefault = true,
  ) {
    if (region.end <= region.start) throw new WorkAreaError(`empty work area ${hex32(region.start)}..${hex32(region.end)}`);
  }

  get allocated(): readonly WorkArea[] {
    return this.areas;
  }

  /** Bytes backed up so far (what a release will write back). */
  get backedUpBytes(): number {
    return this.areas.reduce((n, a) => n + (a.backup ? a.size : 0), 0);
  }

  /**
   * Allocate `size` bytes at exactly `address`. `outside` says what to do when that lies outside the
   * work area (default: give a work area that covers it).
   */
  async allocateAt(address: number, size: number, label: string, options: AllocateOptions & { readonly outside?: string } = {}): Promise<WorkArea> {
    const start = address >>> 0;
    const end = start + size;
    if (size <= 0) throw new WorkAreaError(`${label}: size must be positive`, start, size);
    if (start < this.region.start || end > this.region.end) {
      throw new WorkAreaError(
        `${label} needs ${hex32(start)}..${hex32(end)} but the work area is ${hex32(this.region.start)}..${hex32(this.region.end)}; ` +
          (options.outside ?? 'give a work area that covers it'),
        start,
        size,
      );
    }
    const clash = this.areas.find((a) => start < a.address + a.size && a.address < end);
    if (clash) {
      throw new WorkAreaError(`${label} at ${hex32(start)} (+${size}) overlaps ${clash.label} at ${hex32(clash.address)} (+${clash.size})`, start, size);
    }
    return this.take(start, size, label, options);
  }

  /**
   * Keep `allocate` out of [address, address + size) without holding it (nothing backed up): RAM
   * that `cover` or `allocateAt` will take when it is about to be written.
   */
  reserve(address: number, size: number): void {
    if (size > 0) this.reserved.push({ start: address >>> 0, end: (address >>> 0) + size });
  }

  /**
   * Make sure [address, address + size) is held (and so backed up): the parts no area holds yet are
   * allocated, each with the allocator's backup setting; parts already held are left as they are.
   * For RAM a stub leaves to its callers (the image's on-demand range), claimed just before a write.
   * Returns the bytes newly taken.
   */
  async cover(address: number, size: number, label: string): Promise<number> {
    let taken = 0;
    for (const gap of this.gaps(address >>> 0, (address >>> 0) + size)) {
      await this.allocateAt(gap.start, gap.end - gap.start, label);
      taken += gap.end - gap.start;
    }
    return taken;
  }

  /** Bytes of [address, address + size) that no area holds (what `cover` would take). */
  unheldBytes(address: number, size: number): number {
    return this.gaps(address >>> 0, (address >>> 0) + size).reduce((n, g) => n + g.end - g.start, 0);
  }

  /** The parts of [start, end) that no area holds, in address order. */
  private gaps(start: number, end: number): AddressRange[] {
    return gapsBetween(start, end, this.areas.map((a) => ({ start: a.address, end: a.address + a.size })));
  }

  /** Allocate `size` bytes anywhere in the region (first fit). */
  async allocate(size: number, label: string, options: AllocateOptions = {}): Promise<WorkArea> {
    const align = options.align ?? 4;
    if (size <= 0) throw new WorkAreaError(`${label}: size must be positive`, undefined, size);
    const taken = [...this.areas.map((a) => ({ start: a.address, end: a.address + a.size })), ...this.reserved].sort((a, b) => a.start - b.start);
    let candidate = alignUp(this.region.start, align);
    for (const a of taken) {
      if (candidate + size <= a.start) break;
      candidate = Math.max(candidate, alignUp(a.end, align));
    }
    if (candidate + size > this.region.end) {
      throw new WorkAreaError(`no room for ${label} (${size} bytes) in the work area ${hex32(this.region.start)}..${hex32(this.region.end)}: ${this.whyNoRoom(size, align, taken)}`, undefined, size);
    }
    return this.take(candidate, size, label, options);
  }

  /** Why `size` bytes (aligned to `align`) do not fit: the area is too small, too little of it is free, or the free RAM is in pieces. */
  private whyNoRoom(size: number, align: number, taken: readonly AddressRange[]): string {
    const total = this.region.end - this.region.start;
    if (total < size) return `it holds only ${total} bytes in all`;
    const gaps = gapsBetween(this.region.start, this.region.end, taken);
    const free = gaps.reduce((n, g) => n + g.end - g.start, 0);
    if (free < size) return `only ${free} of its ${total} bytes are free`;
    const largest = Math.max(...gaps.map((g) => g.end - g.start));
    return largest >= size
      ? `${free} bytes are free, but no free block holds ${size} bytes once aligned to ${align} (fragmented; the largest is ${largest} bytes)`
      : `${free} bytes are free, but in pieces (fragmented): the largest is ${largest} bytes`;
  }

  /** Write back the area's backup (if any) and forget it. */
  async release(area: WorkArea): Promise<void> {
    const index = this.areas.indexOf(area);
    if (index < 0) return;
    this.areas.splice(index, 1);
    if (area.backup) await this.target.writeMemory(area.address, area.backup);
  }

  /** Release every area, newest first, restoring all backed-up RAM. */
  async releaseAll(): Promise<void> {
    const errors: unknown[] = [];
    let lostBytes = 0;
    let lostAt: number | undefined;
    while (this.areas.length > 0) {
      const area = this.areas[this.areas.length - 1]!;
      try {
        await this.release(area); // takes the area off the list before writing it back
      } catch (error) {
        errors.push(error);
        if (area.backup) lostBytes += area.size;
        lostAt ??= area.address;
      }
    }
    if (errors.length > 0) {
      // address: the first area not given back; size: the backed-up bytes not written back.
      throw new WorkAreaError(`could not restore ${counted(errors.length, 'work area')}: ${String((errors[0] as Error)?.message ?? errors[0])}`, lostAt, lostBytes, { cause: errors[0] });
    }
  }

  private async take(address: number, size: number, label: string, options: AllocateOptions): Promise<WorkArea> {
    const wantBackup = options.backup ?? this.backupByDefault;
    const backup = wantBackup ? await this.target.readMemory(address, size) : undefined;
    const area: WorkArea = { address, size, label, backup };
    this.areas.push(area);
    return area;
  }
}

/** The parts of [start, end) outside every range of `ranges` (any order, may overlap), in address order. */
function gapsBetween(start: number, end: number, ranges: readonly AddressRange[]): AddressRange[] {
  const inside = ranges.filter((r) => r.start < end && start < r.end).sort((a, b) => a.start - b.start);
  const out: AddressRange[] = [];
  let at = start;
  for (const r of inside) {
    if (r.start > at) out.push({ start: at, end: r.start });
    at = Math.max(at, r.end);
  }
  if (at < end) out.push({ start: at, end });
  return out;
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
