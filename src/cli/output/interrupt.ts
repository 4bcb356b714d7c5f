/**
 * Ctrl-C during a flash operation on a target behind a GDB server: the first one asks the
 * operation to stop at its next step (between two stub calls), after which the session gives the
 * target back — work-area RAM restored, the program resumed — before the command exits. A second
 * Ctrl-C quits at once and says what state the target is left in.
 */
import { EXIT_INTERRUPTED } from './exit-codes.js';
import type { CliIo } from './io.js';

export async function withInterrupt<T>(io: CliIo, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      io.err('\nespalgo: interrupted: stopping after the current step, then giving the target back (restoring its RAM and resuming it); Ctrl-C again quits at once\n');
      controller.abort();
      return;
    }
    io.err('espalgo: quit at once: the target may be left halted in the flasher stub with part of its RAM borrowed; reset it\n');
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
