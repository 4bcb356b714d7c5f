/** The one interface every layer above uses to drive a CPU: the simulator, a GDB server, OpenOCD. */
import type { Architecture } from '../chips/types.js';

/** Why the target stopped. */
export type StopReason =
  | 'breakpoint' // software breakpoint (ebreak / break) or Z0
  | 'hw-breakpoint' // hardware trigger (Z1)
  | 'watchpoint'
  | 'step' // single step completed
  | 'interrupt' // halted on request (Ctrl-C / haltreq)
  | 'exception' // the CPU trapped somewhere the debugger sees it
  | 'reset'
  | 'exited' // W packet: the program exited
  | 'killed' // X packet
  | 'unknown';

export interface StopInfo {
  readonly reason: StopReason;
  /** Program counter at the stop, when the target reports or can read it. */
  readonly pc?: number;
  /** POSIX signal number of a GDB stop reply (5 = SIGTRAP, 2 = SIGINT), when there was one. */
  readonly signal?: number;
  /** Exit code for `exited`. */
  readonly exitCode?: number;
  /** Thread id reported with the stop, if any. */
  readonly thread?: string;
  /** For `watchpoint`: which kind of access hit it and where (an address inside the watched range). */
  readonly watchpoint?: { readonly kind: WatchpointKind; readonly address: number };
}

export type TargetState = 'halted' | 'running' | 'unknown' | 'disconnected';

export type BreakpointKind = 'software' | 'hardware';

/** What a watchpoint stops on: stores (GDB `watch`), loads (`rwatch`) or both (`awatch`). */
export type WatchpointKind = 'write' | 'read' | 'access';

/** One register as the target describes it (GDB target description numbering). */
export interface RegisterInfo {
  readonly name: string;
  /** GDB register number (index in `g` packets and `p`/`P`). */
  readonly regnum: number;
  readonly bitsize: number;
  /** Byte offset in the `g` packet, when the register is part of it. */
  readonly offset?: number;
  readonly group?: string;
  readonly type?: string;
  /** Feature the register came from, e.g. "org.gnu.gdb.riscv.cpu". */
  readonly feature?: string;
}

export interface TargetCapabilities {
  /** Memory can be read and written while the CPU runs (system bus access, OpenOCD, the simulator). */
  readonly memoryWhileRunning: boolean;
  /** A software breakpoint instruction executed by the CPU halts it and reports to the debugger. */
  readonly haltsOnBreakInstruction: boolean;
  /** Number of hardware breakpoints (triggers); undefined if not known. */
  readonly hardwareBreakpoints?: number;
  /** Largest single memory transfer the link carries, in bytes. */
  readonly maxTransfer: number;
  /**
   * Memory is reached by a function call in this process, not across a link (the in-process
   * simulator): compressing data for it saves nothing, so the flash driver sends it uncompressed
   * unless asked to compress.
   */
  readonly inProcess?: boolean;
}

export type TargetEvent =
  | { readonly type: 'halted'; readonly stop: StopInfo }
  | { readonly type: 'resumed' }
  | { readonly type: 'reset' }
  | { readonly type: 'output'; readonly text: string }
  | { readonly type: 'disconnected'; readonly error?: Error };

export type TargetListener = (event: TargetEvent) => void;

export interface ResumeOptions {
  /**
   * Registers staged for the interrupted program that this run does not use (a stub run that
   * leaves mepc alone): where the target stages writes, they stay staged — sent before the program
   * itself next runs, or with a flush — instead of going out with this resume. Others ignore it.
   */
  readonly holdRegisters?: readonly string[];
  /**
   * Called once the resume is on its way (the CPU may not run yet): memory operations started from
   * here on take effect after it. Lets a caller overlap its next work with the resume's round
   * trip. Targets that cannot tell do not call it; the caller goes on when resume() resolves.
   */
  readonly onSent?: () => void;
}

/**
 * A debuggable CPU. All addresses and register values are unsigned 32-bit numbers.
 * Methods reject with a TargetError subclass (see errors.ts); none of them hangs: every wait is bounded.
 */
export interface Target {
  readonly architecture: Architecture;
  /** A short description for messages, e.g. "sim:esp32c3" or "127.0.0.1:3333 (OpenOCD)". */
  readonly description: string;
  readonly capabilities: TargetCapabilities;
  /** The register file as the target describes it. */
  readonly registers: readonly RegisterInfo[];

  state(): TargetState;

  /** Stop the CPU. Resolves with the stop once it is halted (immediately if it already is). */
  halt(timeoutMs?: number): Promise<StopInfo>;
  /**
   * Let the CPU run from its current PC (or from `address`). Resolves once it runs. Memory writes
   * started before the call, awaited or not, take effect before the CPU runs.
   */
  resume(address?: number, options?: ResumeOptions): Promise<void>;
  /** Execute one instruction. */
  step(timeoutMs?: number): Promise<StopInfo>;
  /** Wait until the CPU halts; rejects with TargetTimeoutError after `timeoutMs`. */
  waitForHalt(timeoutMs: number): Promise<StopInfo>;

  /**
   * Memory access. Operations started without awaiting earlier ones take effect in the order they
   * were started (a link pipelines them but keeps their order), so data and then a flag saying it
   * is there may be written back to back.
   */
  readMemory(address: number, length: number): Promise<Uint8Array>;
  writeMemory(address: number, data: Uint8Array): Promise<void>;

  /** Read registers by name (all of them when `names` is omitted). */
  readRegisters(names?: readonly string[]): Promise<Map<string, number>>;
  writeRegisters(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void>;
  readRegister(name: string): Promise<number>;
  writeRegister(name: string, value: number): Promise<void>;
  /**
   * Optional: write registers lazily. Reads see the values at once; the target gets them no later
   * than the next resume or step (sharing its round trip), or the next event-loop turn. Targets
   * without it take writeRegisters.
   */
  stageRegisters?(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void>;
  /** Optional: send staged register writes now; with `refetch`, drop cached values so the next read asks the CPU. */
  flushRegisters?(options?: { readonly refetch?: boolean }): Promise<void>;
  /**
   * Optional hint from a debugger front end (GDB server, JTAG) that it just exchanged data: a
   * target that shares the event loop with it (the simulator) yields more often for a while, so
   * the next request waits microseconds, not a whole run slice.
   */
  noteDebuggerActivity?(): void;

  addBreakpoint(address: number, kind: BreakpointKind, length?: number): Promise<void>;
  removeBreakpoint(address: number, kind: BreakpointKind, length?: number): Promise<void>;
  /**
   * Optional: stop when the program accesses `length` bytes at `address` (hardware triggers, shared
   * with hardware breakpoints where the chip shares them). The stop has reason `watchpoint`; on
   * RISC-V the PC is at the accessing instruction, which has not run yet (GDB steps over it).
   * Rejects when no trigger is free; targets without watchpoints leave both methods out.
   */
  addWatchpoint?(address: number, length: number, kind: WatchpointKind): Promise<void>;
  removeWatchpoint?(address: number, length: number, kind: WatchpointKind): Promise<void>;

  /** Reset the chip; `halt` stops it at the reset vector. */
  reset(mode: 'halt' | 'run'): Promise<void>;
  /** A debugger monitor command (qRcmd); undefined where the target has none. */
  monitor?(command: string): Promise<string>;

  on(listener: TargetListener): () => void;
  close(): Promise<void>;
}
