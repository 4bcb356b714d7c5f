/**
 * Ctrl-C during work on a target behind a GDB server: the first one asks the operation to stop
 * (a flash operation at its next step, between two stub calls; a call at once, halting it), after
 * which the target is given back — registers and borrowed RAM restored, the program resumed —
 * before the command exits. A second Ctrl-C quits at once and says what state the target is left in.
 * A short command (probe, ota, a live flash map) finishes what it is doing first (withDeferredInterrupt).
 */
import { EXIT_INTERRUPTED } from './exit-codes.js';
import type { CliIo } from './io.js';

/** What the two Ctrl-Cs say: what stops and how the target is given back; what quitting at once leaves. */
export interface InterruptWords {
  readonly stopping: string;
  readonly quit: string;
}

const FLASH_WORDS: InterruptWords = {
  stopping: 'stopping after the current step, then giving the target back (restoring its RAM and resuming it)',
  quit: 'the target may be left halted in the flasher stub with part of its RAM borrowed; reset it',
};

export async function withInterrupt<T>(io: CliIo, body: (signal: AbortSignal) => Promise<T>, words: InterruptWords = FLASH_WORDS): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      io.err(`\nespalgo: interrupted: ${words.stopping}; Ctrl-C again quits at once\n`);
      controller.abort();
      return;
    }
    io.err(`espalgo: quit at once: ${words.quit}\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const FINISH_WORDS: InterruptWords = {
  stopping: 'finishing what is under way (a few stub calls), then giving the target back (restoring its RAM and resuming it)',
  quit: FLASH_WORDS.quit,
};

/**
 * For a command of a few stub calls (probe, rom-probe, ota, a live flash-map): a first Ctrl-C lets
 * it finish — its output is printed, the target given back, a --persist file written whole — and
 * the command then exits 130; a second quits at once. Without this the signal would kill the
 * process with the target halted in the stub, its RAM borrowed.
 */
export async function withDeferredInterrupt(io: CliIo, body: () => Promise<number>): Promise<number> {
  let interrupted = false;
  const code = await withInterrupt(io, async (signal) => {
    const result = await body();
    interrupted = signal.aborted;
    return result;
  }, FINISH_WORDS);
  return interrupted ? EXIT_INTERRUPTED : code;
}
