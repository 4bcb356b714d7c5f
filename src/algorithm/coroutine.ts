/**
 * A host co-routine that runs alongside a stub: init before the stub starts, run while it runs
 * (streaming data through target memory), done after it halted. Running alongside needs memory
 * access while the CPU runs.
 */
import type { Target } from '../target/types.js';
import { AlgorithmUnsupportedError } from './errors.js';

export interface CoroutineContext {
  readonly target: Target;
  /** Addresses of the memory arguments, by user-argument index. */
  readonly memoryArguments: ReadonlyMap<number, number>;
  /**
   * `aborted` turns true when the stub halts or the run fails; a running co-routine should stop
   * then. (A plain flag, polled: an AbortSignal's abort event costs far more than a streamed call
   * can spare.)
   */
  readonly signal: CoroutineSignal;
}

export interface CoroutineSignal {
  readonly aborted: boolean;
}

export interface Coroutine {
  init?(ctx: CoroutineContext): Promise<void>;
  run?(ctx: CoroutineContext): Promise<void>;
  /**
   * After the stub halted, alongside the run's own reads (its result registers, log and outputs):
   * reads whose result counts only if the stub returned normally (the run raises otherwise).
   */
  done?(ctx: CoroutineContext): Promise<void>;
}

export function assertCoroutineSupported(target: Target, coroutine: Coroutine | undefined): void {
  if (coroutine?.run && !target.capabilities.memoryWhileRunning) {
    throw new AlgorithmUnsupportedError(
      `${target.description} gives no memory access while the CPU runs, so a co-routine cannot stream data alongside the stub; ` +
        'use chunked calls instead (each call transfers its data before it starts)',
    );
  }
}
