/** Typed errors of the algorithm runner. Each says what failed, where, and what to try. */
import { hex32 } from '../chips/types.js';
import { TargetDisconnectedError } from '../target/errors.js';

export class AlgorithmError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A register snapshot attached to run failures (name → value). */
export type RegisterSnapshot = Readonly<Record<string, number>>;

export class AlgorithmTimeoutError extends AlgorithmError {
  constructor(
    readonly routine: string,
    readonly timeoutMs: number,
    readonly pc: number | undefined,
    readonly registers: RegisterSnapshot,
  ) {
    super(
      'ALGO_TIMEOUT',
      `${routine} did not finish within ${timeoutMs} ms` +
        (pc !== undefined ? `; halted it at pc ${hex32(pc)}` : '') +
        '; the target state was restored. Raise the timeout if the routine is legitimately slow.',
    );
  }
}

/** The caller's AbortSignal (Ctrl-C) stopped the run: the CPU was halted and the context restored. */
export class AlgorithmInterruptedError extends AlgorithmError {
  constructor(readonly routine: string, readonly pc: number | undefined, readonly registers: RegisterSnapshot) {
    super(
      'ALGO_INTERRUPTED',
      `${routine} was interrupted` + (pc !== undefined ? `; halted it at pc ${hex32(pc)}` : '') + '; the target state was restored.',
    );
  }
}

/** What the CPU recorded when the routine trapped. */
export interface TrapInfo {
  /** Where the information came from: the stub's own trap record or the CPU's CSRs. */
  readonly source: 'trap-record' | 'csr';
  readonly cause: number;
  readonly epc: number;
  readonly tval: number;
  readonly status?: number;
  readonly sp?: number;
  readonly ra?: number;
  readonly description: string;
}

export class AlgorithmExceptionError extends AlgorithmError {
  constructor(readonly routine: string, readonly trap: TrapInfo, readonly registers: RegisterSnapshot, readonly log?: string) {
    super(
      'ALGO_EXCEPTION',
      `${routine} raised an exception: ${trap.description} at ${hex32(trap.epc)} (tval ${hex32(trap.tval)}); ` +
        'the target state was restored.',
    );
  }
}

/**
 * A break instruction at the stop address: in the routine's own image as linked (an assertion or
 * trap compiled into it), or in the memory of code it calls (compiled in, or a debugger's software
 * breakpoint). Undefined: none there (a hardware breakpoint, say), or the address could not be read.
 */
export type BreakInstructionSite = 'routine' | 'called-code';

export class AlgorithmUnexpectedStopError extends AlgorithmError {
  constructor(
    readonly routine: string,
    readonly pc: number | undefined,
    readonly reason: string,
    readonly registers: RegisterSnapshot,
    readonly breakInstruction?: BreakInstructionSite,
  ) {
    const at = pc === undefined ? 'an unknown address' : hex32(pc);
    super(
      'ALGO_UNEXPECTED_STOP',
      breakInstruction === 'routine'
        ? `${routine} stopped at ${at} on a break instruction in its own code (a trap or assertion compiled into it) instead of returning. The target state was restored.`
        : breakInstruction === 'called-code'
          ? `${routine} stopped at ${at} on a break instruction in code it calls (compiled in, or a software breakpoint a debugger left there) instead of returning. The target state was restored.`
          : `${routine} stopped at ${at} (${reason}) instead of returning; a breakpoint of yours may lie in code it calls. The target state was restored.`,
    );
  }
}

export class AlgorithmLoadError extends AlgorithmError {
  constructor(message: string, readonly address?: number) {
    super('ALGO_LOAD', message);
  }
}

export class WorkAreaError extends AlgorithmError {
  constructor(message: string, readonly address?: number, readonly size?: number, options?: { cause?: unknown }) {
    super('ALGO_WORK_AREA', message, options);
  }
}

/** A stub unloaded while another, loaded after it over the same RAM, is still loaded (nothing was changed). */
export class UnloadOrderError extends AlgorithmError {
  constructor(readonly stub: string, readonly laterStub: string, readonly address: number) {
    super(
      'ALGO_UNLOAD_ORDER',
      `stub "${stub}" cannot be unloaded yet: stub "${laterStub}", loaded after it over the same RAM (${hex32(address)}…), is still loaded, and giving the RAM back now would put this stub over the program when that one is unloaded; ` +
        'unload that one first (close flash sessions in the reverse order of opening)',
    );
  }
}

export class AlgorithmArgumentError extends AlgorithmError {
  constructor(message: string) {
    super('ALGO_ARGS', message);
  }
}

export class AlgorithmUnsupportedError extends AlgorithmError {
  constructor(message: string) {
    super('ALGO_UNSUPPORTED', message);
  }
}

export class RestoreMismatchError extends AlgorithmError {
  constructor(readonly mismatches: readonly { what: string; expected: number; found: number }[]) {
    super(
      'ALGO_RESTORE_MISMATCH',
      `the target context was not restored exactly: ` +
        mismatches.slice(0, 4).map((m) => `${m.what} expected ${hex32(m.expected)} found ${hex32(m.found)}`).join(', ') +
        (mismatches.length > 4 ? ` and ${mismatches.length - 4} more` : ''),
    );
  }
}

/**
 * The target could not be put back after a run (typically: the link dropped mid-call). The
 * program's registers and/or the RAM the call borrowed are as the routine left them, and the CPU
 * may still be running it. `failure` is what went wrong first (undefined if the routine returned).
 */
export class AlgorithmNotRestoredError extends AlgorithmError {
  constructor(
    readonly routine: string,
    readonly failure: unknown,
    readonly restoreError: unknown,
    readonly left: { readonly registers: boolean; readonly ramBytes: number },
  ) {
    const parts = [left.registers ? "the program's registers" : '', left.ramBytes > 0 ? `${left.ramBytes} bytes of RAM the call borrowed` : ''];
    const what = parts.filter(Boolean).join(' and ') || 'the borrowed RAM';
    const bothLinkLost = failure instanceof TargetDisconnectedError && restoreError instanceof TargetDisconnectedError;
    super(
      'ALGO_NOT_RESTORED',
      `${routine}: ${describeFailure(failure)}. The target could not be put back` +
        (bothLinkLost ? '' : ` (${messageOf(restoreError)})`) +
        `: ${what} ${left.registers ? 'are' : 'is'} as the routine left ${left.registers ? 'them' : 'it'}, and the CPU may still be running it. ` +
        'Reset the chip before relying on the program there.',
      { cause: failure ?? restoreError },
    );
  }

  /** RAM could not be given back after a run that ended with `failure` (which may already be this error). */
  static afterRelease(routine: string, failure: unknown, releaseError: unknown): AlgorithmNotRestoredError {
    const ramBytes = releaseError instanceof WorkAreaError ? releaseError.size ?? 0 : 0;
    if (failure instanceof AlgorithmNotRestoredError) {
      return new AlgorithmNotRestoredError(routine, failure.failure, failure.restoreError, {
        registers: failure.left.registers,
        ramBytes: failure.left.ramBytes + ramBytes,
      });
    }
    return new AlgorithmNotRestoredError(routine, failure, releaseError, { registers: false, ramBytes });
  }
}

function describeFailure(failure: unknown): string {
  if (failure === undefined) return 'it returned';
  // Its message says the state was restored, which is what failed here.
  if (failure instanceof AlgorithmTimeoutError) return `it did not finish within ${failure.timeoutMs} ms`;
  if (failure instanceof AlgorithmInterruptedError) return 'it was interrupted';
  if (failure instanceof AlgorithmExceptionError) return `it raised an exception: ${failure.trap.description} at ${hex32(failure.trap.epc)}`;
  if (failure instanceof AlgorithmUnexpectedStopError) return `it stopped at ${failure.pc === undefined ? 'an unknown address' : hex32(failure.pc)} instead of returning`;
  return messageOf(failure).replace(/\.$/, '');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
