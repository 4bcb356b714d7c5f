/**
 * Advances a running hart on the event loop, in slices, so that socket reads (the debugger's
 * JTAG traffic) are served between slices. It sleeps while the hart is halted, held in reset or
 * waiting in wfi (then it looks again every `idlePollMs`), and wakes on `kick()`.
 */
import type { DebugHart, DebugHartRunResult } from './debug-hart.js';

export interface HartRunnerOptions {
  /** Instructions per slice (default 10000: about a millisecond). */
  readonly sliceInstructions?: number;
  /**
   * Instructions per slice while a debugger is busy (default 1000), so its round trips wait less.
   * Busy means `activity()` changed since the previous slice.
   */
  readonly busySliceInstructions?: number;
  /** A counter that grows with debugger traffic (the Debug Module's dmiOperations). */
  readonly activity?: () => number;
  /** How often a hart waiting in wfi is looked at again, in ms (default 2). */
  readonly idlePollMs?: number;
  /** False while something (a reset line) holds the hart; default always true. */
  readonly mayRun?: () => boolean;
  /** Called when the hart stops by itself (ebreak, trigger, step, error). */
  readonly onStop?: (result: DebugHartRunResult) => void;
}

export class HartRunner {
  private scheduled: 'none' | 'immediate' | 'timer' = 'none';
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly slice: number;
  private readonly busySlice: number;
  private lastActivity = -1;
  private readonly idlePollMs: number;
  /** Instructions executed by this runner (diagnostics, benchmarks). */
  executed = 0;
  slices = 0;

  constructor(private readonly hart: DebugHart, private readonly options: HartRunnerOptions = {}) {
    this.slice = Math.max(1, Math.floor(options.sliceInstructions ?? 10000));
    this.busySlice = Math.max(1, Math.floor(options.busySliceInstructions ?? Math.min(1000, this.slice)));
    this.idlePollMs = Math.max(1, options.idlePollMs ?? 2);
  }

  /** True while a slice is scheduled. */
  get active(): boolean {
    return this.scheduled !== 'none';
  }

  /** The hart may have started running: schedule slices. */
  kick(): void {
    if (this.closed) return;
    if (this.scheduled === 'timer') {
      clearTimeout(this.timer);
      this.scheduled = 'none';
    }
    if (this.scheduled === 'none') this.scheduleImmediate();
  }

  /** Stops scheduling for good. */
  close(): void {
    this.closed = true;
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.scheduled = 'none';
  }

  private scheduleImmediate(): void {
    this.scheduled = 'immediate';
    this.immediate = setImmediate(() => this.tick());
  }

  private tick(): void {
    this.scheduled = 'none';
    if (this.closed || this.hart.halted || !(this.options.mayRun?.() ?? true)) return;
    const activity = this.options.activity?.() ?? 0;
    const busy = activity !== this.lastActivity;
    this.lastActivity = activity;
    const result = this.hart.run(busy ? this.busySlice : this.slice);
    this.slices++;
    this.executed += result.executed ?? 0;
    switch (result.reason) {
      case 'budget':
      case 'pause':
        this.scheduleImmediate();
        return;
      case 'wfi':
        this.scheduled = 'timer';
        this.timer = setTimeout(() => this.tick(), this.idlePollMs);
        return;
      default:
        this.options.onStop?.(result);
    }
  }
}
