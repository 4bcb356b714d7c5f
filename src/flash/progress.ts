/**
 * One progress event stream for every flash operation. The CLI turns it into progress bars or
 * JSON lines; a library user passes one callback.
 */
import { hex32 } from '../chips/types.js';
import { FlashError } from './errors.js';

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

/** What every flash operation takes: a progress callback and a way to stop it. */
export interface FlashOperationOptions {
  readonly onProgress?: FlashProgressListener;
  /**
   * Aborting stops the operation at its next step, between two stub calls (never while the stub
   * runs), with a FlashError FLASH_INTERRUPTED; the session can then be closed as usual, which
   * gives the target back (work-area RAM restored, resumed if it was running).
   */
  readonly signal?: AbortSignal;
}

/**
 * Emits start/progress/done events of one phase with elapsed time and KiB/s filled in. Its start
 * and each step are where an aborted operation stops (FLASH_INTERRUPTED).
 */
export class PhaseProgress {
  private readonly started = performance.now();
  private done = 0;
  private wire = 0;
  private skipped = 0;
  private endedAt: number | undefined;

  private readonly listener: FlashProgressListener | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(
    options: FlashOperationOptions,
    readonly phase: FlashPhase,
    readonly bytesTotal: number,
    private readonly extra: { address?: number; sectorsTotal?: number; sectorsSkipped?: number } = {},
  ) {
    this.listener = options.onProgress;
    this.signal = options.signal;
    this.skipped = extra.sectorsSkipped ?? 0;
    this.stopIfAborted();
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
    this.stopIfAborted();
  }

  skip(sectors: number, bytes = 0): void {
    this.skipped += sectors;
    if (bytes) this.done = Math.min(this.bytesTotal, this.done + bytes);
    this.emit('progress');
    this.stopIfAborted();
  }

  finish(): void {
    if (this.endedAt !== undefined) return;
    this.endedAt = performance.now();
    this.emit('done');
  }

  private stopIfAborted(): void {
    if (!this.signal?.aborted) return;
    const at = this.extra.address;
    // The phase's range named by its start (the bytes done need not be the first ones: skipped sectors).
    const what = at !== undefined ? `the ${this.phase} from ${hex32(at)}` : this.phase;
    throw new FlashError('FLASH_INTERRUPTED', this.done < this.bytesTotal ? `interrupted during ${what}, ${this.done} of ${this.bytesTotal} bytes done` : `interrupted at the end of ${what} (all ${this.bytesTotal} bytes done)`, {
      ...(at !== undefined ? { address: at } : {}),
      action: this.phase === 'write' || this.phase === 'erase'
        ? 'The flash holds part of the change: run the same command again (sectors already right are skipped)'
        : 'Run the command again',
    });
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
