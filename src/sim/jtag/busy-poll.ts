/**
 * Keep the event loop polling for a short while after traffic, instead of sleeping in the kernel
 * until the next packet. A debugger's JTAG or GDB traffic is a long run of small request/reply
 * exchanges; when the loop has nothing else to do it blocks in epoll, and waking it costs tens of
 * microseconds per exchange — on the simulated chain (OpenOCD → remote_bitbang) a third of a
 * memory write's time while the hart is halted. A chain of setImmediate callbacks makes libuv poll
 * without blocking; it stops `windowMs` after the last `touch()`, so an idle debugger costs
 * nothing.
 */
export class BusyPoll {
  private last = 0;
  private spinning = false;
  private stopped = false;

  /** `now` is the clock in ms (tests give their own). */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Traffic arrived (or is expected): poll without sleeping for the next `windowMs`. */
  touch(): void {
    if (this.windowMs <= 0 || this.stopped) return;
    this.last = this.now();
    if (this.spinning) return;
    this.spinning = true;
    setImmediate(this.spin);
  }

  /** Polling without sleeping right now. */
  get active(): boolean {
    return this.spinning;
  }

  /** For good: later touches do nothing (the chain ends at its next turn). */
  stop(): void {
    this.stopped = true;
  }

  private readonly spin = (): void => {
    if (!this.stopped && this.now() - this.last < this.windowMs) setImmediate(this.spin);
    else this.spinning = false;
  };
}
