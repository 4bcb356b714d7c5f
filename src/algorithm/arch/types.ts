/** The per-architecture seam: everything the runner needs to know to call a function on a CPU. */
import type { Architecture } from '../../chips/types.js';
import type { RegisterInfo } from '../../target/types.js';
import type { TrapInfo } from '../errors.js';

/** The trampoline: a few instructions that call the entry and then halt. */
export interface TrampolineLayout {
  readonly bytes: Uint8Array;
  /** Required alignment of the trampoline's address. */
  readonly align: number;
  /** Offset (from the trampoline base) of the first instruction executed. */
  readonly entryOffset: number;
  /** Offset of the break instruction a clean return halts on. */
  readonly returnOffset: number;
  /**
   * Offset of a break instruction the trap vector is pointed at, so an exception in the routine halts
   * the CPU right away instead of running the program's own handler. Undefined if the architecture
   * cannot redirect its trap vector this way.
   */
  readonly trapCatcherOffset?: number;
}

export interface CallSetup {
  /** Address of the routine. */
  readonly entry: number;
  /** Instruction-bus address of the trampoline. */
  readonly trampoline: number;
  /** Top of the stack (exclusive). */
  readonly stackTop: number;
  readonly args: readonly number[];
  /** Where exceptions should go: the routine's own trap entry, or the trampoline's catcher. */
  readonly trapVector?: number;
  /** The context saved before the call (register name → value). */
  readonly saved: ReadonlyMap<string, number>;
}

export interface CallingConvention {
  readonly architecture: Architecture;
  /** How many arguments fit in registers. */
  readonly maxArgs: number;
  /** Register holding the return value after the call. */
  readonly resultRegister: string;
  /** Register holding the program counter. */
  readonly pcRegister: string;
  trampoline(): TrampolineLayout;
  /** The registers that make up the interrupted program's context, among those the target has. */
  contextRegisters(available: readonly RegisterInfo[]): string[];
  /** Register values to write for a call. */
  callRegisters(setup: CallSetup): Map<string, number>;
  /**
   * Where exceptions land when the trap vector cannot be pointed at a catcher (Xtensa: VECBASE also
   * holds the window handlers a call needs), computed from the saved context. Optional: the runner
   * plants software breakpoints there for the run only and reports a stop at one as an exception.
   */
  exceptionVectors?(saved: ReadonlyMap<string, number>): number[];
  /** Registers to read when the routine stopped at the trap catcher. */
  readonly trapRegisters: readonly string[];
  /** Describe a trap from those registers. */
  trapFromRegisters(registers: ReadonlyMap<string, number>): TrapInfo;
  /** Human name of a trap cause number. */
  describeCause(cause: number): string;
  /**
   * Whether `code` (bytes read at a stop address, at least 4) starts with a break instruction, the
   * kind a stop of reason `breakpoint` comes from when no debugger planted it. Optional: without
   * it, such a stop is not told apart from a debugger's breakpoint.
   */
  isBreakInstruction?(code: Uint8Array): boolean;
}
