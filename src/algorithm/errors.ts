/** Typed errors of the algorithm runner. Each says what failed, where, and what to try. */
import { hex32 } from '../chips/types.js';

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

export class AlgorithmUnexpectedStopError extends AlgorithmError {
  constructor(readonly routine: string, readonly pc: number | undefined, readonly reason: string, readonly registers: RegisterSnapshot) {
    super(
      'ALGO_UNEXPECTED_STOP',
      `${routine} stopped at ${pc === undefined ? 'an unknown address' : hex32(pc)} (${reason}) instead of returning; ` +
        'a breakpoint of yours may lie in code it calls. The target state was restored.',
    );
  }
}

export class AlgorithmLoadError extends AlgorithmError {
  constructor(message: string, readonly address?: number) {
    super('ALGO_LOAD', message);
  }
}

export class WorkAreaError extends AlgorithmError {
  constructor(message: string, readonly address?: number, readonly size?: number) {
    super('ALGO_WORK_AREA', message);
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
