/**
 * Asking a server to look for a halt. OpenOCD tells GDB that a resumed target halted only once its
 * background poll has seen it, and that poll runs about every 100 ms: every short algorithm call
 * (a flash ID read, an erase, a hash) would wait up to that long for news of a stop that happened
 * microseconds after the resume. OpenOCD runs its timer callbacks, the target poll among them,
 * around every monitor command, and `poll` is the command made for it: the stop reply then comes
 * before the command's own answer. So while someone waits for a halt, ask soon after the resume,
 * then at growing intervals up to the server's own period.
 */

/** Delays between polls, in ms: a short call halts at once; longer runs are asked about less often. */
export const HALT_POLL_DELAYS_MS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 100];

export interface HaltPollOptions {
  /** Ask the server to look now (resolves when it answered). */
  readonly ask: () => Promise<unknown>;
  /** True once the wait is over: the target halted, resumed again, or the link is gone. */
  readonly done: () => boolean;
  /** Delays before each poll; the last one repeats. Default HALT_POLL_DELAYS_MS. */
  readonly delaysMs?: readonly number[];
  /** Called with the reason when polling gives up early (a failed ask). */
  readonly onGiveUp?: (reason: string) => void;
}

/**
 * Poll until `done()`: one request in flight at a time, the next one `delaysMs[i]` after the
 * previous answer. A failed request ends the polling (the server's own poll still reports the
 * halt, only later). Resolves with the number of polls sent.
 */
export async function pollUntilHalted(options: HaltPollOptions): Promise<number> {
  const delays = options.delaysMs ?? HALT_POLL_DELAYS_MS;
  let sent = 0;
  for (let i = 0; ; i++) {
    await new Promise((resolve) => setTimeout(resolve, delays[Math.min(i, delays.length - 1)]));
    if (options.done()) return sent;
    sent++;
    try {
      await options.ask();
    } catch (error) {
      if (!options.done()) options.onGiveUp?.(error instanceof Error ? error.message : String(error));
      return sent;
    }
  }
}
