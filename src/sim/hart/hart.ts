/**
 * The RV32IMC + Zicsr + Zifencei machine-mode hart with RISC-V debug support (dcsr/dpc, halt,
 * step, ebreak, triggers). State and the public API live here; the instruction loop is in
 * execute.ts, decoding in decode.ts, CSRs in csr.ts.
 *
 * Decisions where the ESP32-C3 documentation is silent (facts sheet §1.6):
 * - Misaligned loads/stores are performed (little-endian, byte by byte) when every byte is RAM, as
 *   QEMU does; misaligned accesses that touch a device raise load/store-address-misaligned (4/6).
 * - Unmapped or refused accesses raise access faults 1/5/7 with mtval = the address.
 * - ebreak taken as an exception leaves mtval = 0 (as QEMU); trigger exceptions set it to the address.
 * - Host breakpoints (addBreakpoint) report haltCause 'ebreak' (dcsr.cause 1) and are skipped once for
 *   the instruction resumed at; an execute trigger on that instruction fires again at once, as the
 *   spec says (a debugger steps off it with the trigger disabled, as OpenOCD does), unless the
 *   host resumes with `stepOffTriggers`.
 * - Interrupt priority: 11, 3, 7, then the lowest pending line number.
 */
import type { Bus } from '../bus.js';
import { CsrFile, CSR, MSTATUS_MIE, MSTATUS_MPIE, DCSR_STEP, DCSR_EBREAKM, type CsrHost } from './csr.js';
import { execute } from './execute.js';
import {
  HALT_CAUSE_CODE,
  UnknownCsrError,
  type HaltCause,
  type HartOptions,
  type HostCallFn,
  type RomSymbolLookup,
  type RunResult,
  type UnknownExecuteHandler,
} from './types.js';

export const DEFAULT_MISA = 0x40001104; // MXL=1 (RV32), C (bit 2), I (bit 8), M (bit 12)
export const ESP32C3_MISA = 0x40101104; // as above plus U (bit 20), what the chip reports

/** Exception causes (mcause with the interrupt bit clear). */
export const TrapCause = {
  instructionAccessFault: 1,
  illegalInstruction: 2,
  breakpoint: 3,
  loadMisaligned: 4,
  loadAccessFault: 5,
  storeMisaligned: 6,
  storeAccessFault: 7,
  ecallM: 11,
} as const;

interface HostCall {
  readonly name: string;
  readonly fn: HostCallFn;
}

export class Hart implements CsrHost {
  /** @internal registers x0..x31 plus a discard slot (index 32) for writes to x0. */
  readonly regs = new Int32Array(33);
  /** The integer registers (x[0] always reads 0; do not write it). */
  readonly x = new Uint32Array(this.regs.buffer, 0, 32);
  /** @internal */
  readonly csr: CsrFile;
  /** @internal decoded pages by page number (address >>> 12). */
  readonly pages = new Map<number, Int32Array>();
  /** @internal */
  readonly hostCalls = new Map<number, HostCall>();
  /** @internal host-side breakpoints. */
  readonly breakpoints = new Set<number>();
  /** @internal */
  readonly romStart: number;
  /** @internal */
  readonly romEnd: number;
  /** @internal */
  romSymbolLookup: RomSymbolLookup = () => undefined;
  /** @internal */
  unknownExecuteHandler: UnknownExecuteHandler | undefined;

  /** Instructions retired since construction (minstret/mcycle derive from it). */
  instructionsRetired = 0;
  /** @internal current pc (also dpc while halted). */
  pcValue: number;
  /** @internal */
  haltedFlag = false;
  /** @internal */
  cause: HaltCause = 'haltreq';
  /** @internal a halt was requested while run() was executing. */
  haltRequested = false;
  /** @internal waiting in wfi. */
  waiting = false;
  /** @internal the next run() executes one instruction and halts (step()). */
  stepOnce = false;
  /** @internal pc whose host breakpoint is ignored once (the instruction resumed at). */
  resumeSkip = -1;
  /** @internal pc whose execute triggers are ignored once (resume with stepOffTriggers). */
  resumeSkipTriggers = -1;
  /** @internal (mip & mie) != 0 and mstatus.MIE: take an interrupt at the next boundary. */
  irqPending = false;
  /** @internal interrupt lines raised by the chip. */
  interruptLines = 0;
  /** @internal true inside run(). */
  running = false;
  /** The error that stopped the hart last (reason 'error'), cleared on resume. */
  lastError: Error | undefined;

  constructor(readonly bus: Bus, readonly options: HartOptions) {
    this.csr = new CsrFile(this, options.misa ?? DEFAULT_MISA, options.hartId ?? 0, options.triggerCount ?? 8, {
      vendor: options.vendorId ?? 0,
      arch: options.archId ?? 0,
      impl: options.implId ?? 0,
    });
    const rom = options.romRange === undefined ? { start: 0x40000000, end: 0x40060000 } : options.romRange;
    this.romStart = rom ? rom.start >>> 0 : 1;
    this.romEnd = rom ? rom.end >>> 0 : 0;
    this.pcValue = options.resetVector >>> 0;
    bus.onCodeInvalidate((start, length) => this.dropDecoded(start, length));
  }

  get pc(): number {
    return this.pcValue >>> 0;
  }
  set pc(v: number) {
    this.pcValue = (v >>> 0) & ~1;
    this.waiting = false;
  }

  get halted(): boolean {
    return this.haltedFlag;
  }
  /** Why the hart is halted (valid while halted; dcsr.cause gives the number). */
  get haltCause(): HaltCause {
    return this.cause;
  }
  get haltCauseCode(): number {
    return HALT_CAUSE_CODE[this.cause];
  }
  /** Waiting in wfi for an interrupt. */
  get idle(): boolean {
    return this.waiting;
  }

  // ---- running ----

  /** Executes up to maxInstructions; see RunResult for why it returns. */
  run(maxInstructions: number): RunResult {
    return execute(this, Math.max(0, Math.floor(maxInstructions)));
  }

  /** Executes exactly one instruction and halts with cause 'step' (halts first if running). */
  step(): RunResult {
    if (!this.haltedFlag) this.enterDebug('haltreq');
    this.stepOnce = true;
    this.resume({ stepOffTriggers: true });
    const r = this.run(1);
    this.stepOnce = false;
    return r;
  }

  /** Halt request (debugger): halts at the next instruction boundary with cause 'haltreq'. */
  requestHalt(): void {
    if (this.haltedFlag) return;
    if (this.running) this.haltRequested = true;
    else this.enterDebug('haltreq');
  }

  /**
   * Leaves debug mode at pc (= dpc). With dcsr.step set, the next run() executes one instruction.
   * An execute trigger on pc fires before it runs (as on the chip), unless `stepOffTriggers`: then
   * the instruction at pc runs first, as a host debugger resuming from its hardware breakpoint wants.
   */
  resume(options: { readonly stepOffTriggers?: boolean } = {}): void {
    if (!this.haltedFlag) return;
    this.haltedFlag = false;
    this.haltRequested = false;
    this.lastError = undefined;
    this.resumeSkip = this.pcValue;
    this.resumeSkipTriggers = options.stepOffTriggers ? this.pcValue : -1;
  }

  /** Resets the hart (not memory): pc = reset vector, CSRs and registers cleared; optionally halted. */
  reset(haltAfter = false): void {
    this.regs.fill(0);
    this.csr.reset();
    this.pcValue = this.options.resetVector >>> 0;
    this.waiting = false;
    this.haltRequested = false;
    this.lastError = undefined;
    this.haltedFlag = false;
    this.resumeSkip = -1;
    this.resumeSkipTriggers = -1;
    if (haltAfter) this.enterDebug('resethaltreq');
  }

  /** @internal enter debug mode: dpc = pc (the next instruction to execute). */
  enterDebug(cause: HaltCause): void {
    this.haltedFlag = true;
    this.cause = cause;
    this.waiting = false;
    this.haltRequested = false;
  }

  // ---- interrupts ----

  /** Sets interrupt line n (mip bit n, 0..31); taken when enabled in mie and mstatus.MIE. */
  raiseInterrupt(n: number): void {
    this.interruptLines = (this.interruptLines | (1 << n)) >>> 0;
    this.interruptStateChanged();
  }

  clearInterrupt(n: number): void {
    this.interruptLines = (this.interruptLines & ~(1 << n)) >>> 0;
    this.interruptStateChanged();
  }

  /** @internal */
  interruptStateChanged(): void {
    const pending = (this.csr.mip & this.csr.mie) >>> 0;
    this.irqPending = pending !== 0 && (this.csr.mstatus & MSTATUS_MIE) !== 0;
    if (pending !== 0) this.waiting = false;
  }

  /** @internal the interrupt to take: 11, 3, 7, then the lowest other pending line. */
  pendingInterrupt(): number {
    const p = (this.csr.mip & this.csr.mie) >>> 0;
    if (p & (1 << 11)) return 11;
    if (p & (1 << 3)) return 3;
    if (p & (1 << 7)) return 7;
    return 31 - Math.clz32(p & -p);
  }

  /** @internal trap entry; returns the handler address. `pc` is the mepc value. */
  trap(cause: number, tval: number, pc: number, interrupt = false): number {
    const c = this.csr;
    c.mepc = pc >>> 0;
    c.mcause = interrupt ? (0x80000000 | cause) >>> 0 : cause;
    c.mtval = interrupt ? 0 : tval >>> 0;
    c.mstatus = (c.mstatus & MSTATUS_MIE ? c.mstatus | MSTATUS_MPIE : c.mstatus & ~MSTATUS_MPIE) & ~MSTATUS_MIE;
    this.interruptStateChanged();
    const base = c.mtvec & ~3;
    return (interrupt && (c.mtvec & 3) === 1 ? base + 4 * cause : base) >>> 0;
  }

  /** @internal mret; returns the new pc. */
  mret(): number {
    const c = this.csr;
    c.mstatus = (c.mstatus & MSTATUS_MPIE ? c.mstatus | MSTATUS_MIE : c.mstatus & ~MSTATUS_MIE) | MSTATUS_MPIE;
    this.interruptStateChanged();
    return c.mepc;
  }

  /** @internal */
  get ebreakHalts(): boolean {
    return (this.csr.dcsr & DCSR_EBREAKM) !== 0;
  }
  /** @internal */
  get stepping(): boolean {
    return this.stepOnce || (this.csr.dcsr & DCSR_STEP) !== 0;
  }

  // ---- CSRs for debuggers ----

  /** Reads CSR n as a debugger does (no traps); throws UnknownCsrError when it does not exist. */
  readCsr(n: number): number {
    const v = this.csr.read(n);
    if (v === undefined) throw new UnknownCsrError(n);
    return v;
  }

  writeCsr(n: number, v: number): void {
    if (!this.csr.write(n, v, true)) throw new UnknownCsrError(n);
  }

  // ---- host calls, breakpoints ----

  /** Runs `fn` instead of the instruction at `address` (a ROM service); returns to ra unless fn set pc. */
  registerHostCall(address: number, name: string, fn: HostCallFn): void {
    this.hostCalls.set(address >>> 0, { name, fn });
    this.dropDecoded(address >>> 0, 4);
  }

  unregisterHostCall(address: number): void {
    this.hostCalls.delete(address >>> 0);
    this.dropDecoded(address >>> 0, 4);
  }

  /** Names ROM addresses in UnknownRomCallError messages. */
  setRomSymbolLookup(fn: RomSymbolLookup): void {
    this.romSymbolLookup = fn;
  }

  /** Called for ROM addresses without a host call (see UnknownExecuteHandler). */
  setUnknownExecuteHandler(fn: UnknownExecuteHandler | undefined): void {
    this.unknownExecuteHandler = fn;
  }

  /** Host-side breakpoint: halts (cause 'ebreak') before executing at pc. Free when none are set. */
  addBreakpoint(pc: number): void {
    this.breakpoints.add((pc & ~1) >>> 0);
  }

  removeBreakpoint(pc: number): void {
    this.breakpoints.delete((pc & ~1) >>> 0);
  }

  /** Drops decoded instructions that overlap [start, start+length). */
  invalidateDecoded(start?: number, length?: number): void {
    this.dropDecoded(start ?? 0, length ?? 0x1_0000_0000);
  }

  private dropDecoded(start: number, length: number): void {
    if (length >= 0x1_0000_0000 || this.pages.size === 0) {
      this.pages.clear();
      return;
    }
    // An instruction may start 2 bytes before the range and run into it.
    const first = Math.floor(Math.max(0, start - 2) / 4096);
    const last = Math.floor((start + Math.max(1, length) - 1) / 4096);
    if (last - first > this.pages.size) {
      for (const p of [...this.pages.keys()]) if (p >= first && p <= last) this.pages.delete(p);
    } else {
      for (let p = first; p <= last; p++) this.pages.delete(p);
    }
  }
}

export { CSR, MSTATUS_MIE, MSTATUS_MPIE };
