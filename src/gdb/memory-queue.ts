/**
 * One queue per link for memory packets: transfers are cut into packets that go out in the order
 * the transfers were started, with up to `depth` + 1 packets outstanding across all of them (the
 * next one already encoded when a reply frees a place). So memory operations started without
 * awaiting the ones before take effect in call order — a write of data and then of a flag saying
 * the data is there can be pipelined back to back — while each transfer keeps its own result.
 */

/** One packet's work: send it and resolve when its reply has been taken in. */
export type PacketTask = () => Promise<void>;

interface Transfer {
  left: number;
  failure: unknown;
  failed: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Queued {
  readonly transfer: Transfer;
  readonly task: PacketTask;
}

export class MemoryQueue {
  private readonly queued: Queued[] = [];
  private head = 0;
  private outstanding = 0;
  /** Packets queued and packets handed over so far (never reset), for handedOver(). */
  private enqueued = 0;
  private handed = 0;
  private readonly handoverWaiters: { readonly upTo: number; readonly resolve: () => void }[] = [];

  /** @param limit packets outstanding at once (read each time, so a depth change applies at once) */
  constructor(private readonly limit: () => number) {}

  /**
   * Queue a transfer's packets behind everything queued so far. Resolves when all have completed;
   * after a packet fails, the transfer's later packets are skipped and the first failure is thrown.
   */
  run(tasks: readonly PacketTask[]): Promise<void> {
    if (tasks.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const transfer: Transfer = { left: tasks.length, failure: undefined, failed: false, resolve, reject };
      for (const task of tasks) this.queued.push({ transfer, task });
      this.enqueued += tasks.length;
      this.pump();
    });
  }

  /**
   * Resolves once every packet queued so far has been handed to the link (sent or about to be:
   * the link sends in order), not answered. Whatever is sent after that point — a resume — follows
   * those packets on the wire, so the target sees them first.
   */
  handedOver(): Promise<void> {
    if (this.handed >= this.enqueued) return Promise.resolve();
    return new Promise((resolve) => this.handoverWaiters.push({ upTo: this.enqueued, resolve }));
  }

  private pump(): void {
    while (this.outstanding < Math.max(1, this.limit()) && this.head < this.queued.length) {
      const { transfer, task } = this.queued[this.head]!;
      this.queued[this.head++] = undefined as unknown as Queued;
      if (this.head > 1024 && this.head * 2 > this.queued.length) {
        this.queued.splice(0, this.head);
        this.head = 0;
      }
      this.handed++;
      if (transfer.failed) {
        this.settle(transfer);
        continue;
      }
      this.outstanding++;
      let promise: Promise<void>;
      try {
        promise = task();
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        () => this.done(transfer),
        (error: unknown) => {
          if (!transfer.failed) {
            transfer.failed = true;
            transfer.failure = error;
          }
          this.done(transfer);
        },
      );
    }
    this.wakeHandover();
  }

  private wakeHandover(): void {
    while (this.handoverWaiters.length > 0 && this.handoverWaiters[0]!.upTo <= this.handed) this.handoverWaiters.shift()!.resolve();
  }

  private done(transfer: Transfer): void {
    this.outstanding--;
    this.settle(transfer);
    this.pump();
  }

  private settle(transfer: Transfer): void {
    if (--transfer.left > 0) return;
    if (transfer.failed) transfer.reject(transfer.failure);
    else transfer.resolve();
  }
}
