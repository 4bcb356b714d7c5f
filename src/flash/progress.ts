/**
 * One progress event stream for every flash operation. The CLI turns it into progress bars or
 * JSON lines; a library user passes one callback.
 */

export type FlashPhase = 'plan' | 'erase' | 'write' | 'verify' | 'read' | 'blank-check';

export interface FlashProgressEvent {
  readonly phase: FlashPhase;
  /** start: the phase begins (bytesTotal known); progress: more bytes done; done: the phase ended. */
  readonly state: 'start' | 'progress' | 'done';
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Sectors left alone because they already hold the data (plan and write phases). */
  readonly sectorsSkipped?: number;
  /** Sectors the phase covers. */
  readonly sectorsTotal?: number;
  /** Effective throughput of the phase so far: bytesDone / elapsed time, in KiB per second. */
  readonly kbps?: number;
  /** Milliseconds since the phase started. */
  readonly elapsedMs: number;
  /** Bytes sent over the link so far (write phase; compressed bytes when deflating). */
  readonly wireBytes?: number;
  /** Flash offset the phase works at (start of its range). */
  readonly address?: number;
}

export type FlashProgressListener = (event: FlashProgressEvent) => void;

/** Emits start/progress/done events of one phase with elapsed time and KiB/s filled in. */
export class PhaseProgress {
  private readonly started = performance.now();
  private done = 0;
  private wire = 0;
  private skipped = 0;
  private endedAt: number | undefined;

  constructor(
    private readonly listener: FlashProgressListener | undefined,
    readonly phase: FlashPhase,
    readonly bytesTotal: number,
    private readonly extra: { address?: number; sectorsTotal?: number; sectorsSkipped?: number } = {},
  ) {
    this.skipped = extra.sectorsSkipped ?? 0;
    this.emit('start');
  }

  get bytesDone(): number {
    return this.done;
  }

  /** Milliseconds since the phase started (frozen once it finished). */
  get elapsedMs(): number {
    return (this.endedAt ?? performance.now()) - this.started;
  }

  /** Effective KiB/s so far. */
  get kbps(): number {
    const s = this.elapsedMs / 1000;
    return s > 0 ? this.done / 1024 / s : 0;
  }

  advance(bytes: number, wireBytes = 0): void {
    this.done = Math.min(this.bytesTotal, this.done + bytes);
    this.wire += wireBytes;
    this.emit('progress');
  }

  skip(sectors: number, bytes = 0): void {
    this.skipped += sectors;
    if (bytes) this.done = Math.min(this.bytesTotal, this.done + bytes);
    this.emit('progress');
  }

  finish(): void {
    if (this.endedAt !== undefined) return;
    this.endedAt = performance.now();
    this.emit('done');
  }

  private emit(state: FlashProgressEvent['state']): void {
    if (!this.listener) return;
    const elapsedMs = this.elapsedMs;
    this.listener({
      phase: this.phase,
      state,
      bytesDone: this.done,
      bytesTotal: this.bytesTotal,
      ...(this.extra.sectorsTotal !== undefined ? { sectorsTotal: this.extra.sectorsTotal, sectorsSkipped: this.skipped } : {}),
      ...(state !== 'start' ? { kbps: elapsedMs > 0 ? this.done / 1024 / (elapsedMs / 1000) : 0 } : {}),
      elapsedMs,
      ...(this.wire > 0 ? { wireBytes: this.wire } : {}),
      ...(this.extra.address !== undefined ? { address: this.extra.address } : {}),
    });
  }
}
