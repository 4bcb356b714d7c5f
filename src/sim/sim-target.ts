/**
 * The simulated ESP32-C3 as an in-process Target. The hart runs in slices on the event loop
 * (setImmediate), so host code, timers and sockets keep working while it runs. Memory is reachable
 * at any time (like the system bus); registers only while halted. Software breakpoints are
 * host-side (no memory is patched, so they work in flash and ROM too); dcsr.ebreakm is set on
 * attach, so ebreak instructions in the program halt it as under OpenOCD. Hardware breakpoints and
 * watchpoints share the hart's 8 triggers.
 */
import type {
  BreakpointKind,
  WatchpointKind,
  ResumeOptions,
  RegisterInfo,
  StopInfo,
  StopReason,
  Target,
  TargetCapabilities,
  TargetListener,
  TargetState,
} from '../target/types.js';
import {
  TargetDisconnectedError,
  TargetError,
  TargetMemoryError,
  TargetRegisterError,
  TargetStateError,
  TargetTimeoutError,
  UnknownMonitorCommandError,
} from '../target/errors.js';
import { TargetEvents } from '../target/events.js';
import { RISCV_CSR, RISCV_GPR_NAMES, canonicalRiscvName, defaultRiscv32Registers } from '../target/riscv-registers.js';
import { hex32 } from '../chips/types.js';
import type { Esp32c3 } from './esp32c3/chip.js';
import type { ResetRequest } from './esp32c3/watchdogs.js';
import type { RunResult } from './hart/types.js';
import { DebuggerTriggers } from './debugger-triggers.js';

export const DEFAULT_SLICE_INSTRUCTIONS = 500_000;
/** Monitor commands of the simulator beyond those every espalgo GDB server has. */
const SIM_MONITOR_HELP = '  console      what the program printed on its UART and USB console so far\n';

/** Sub-slice length: how late a reset request (watchdog, software reset) can be carried out. */
const SUB_SLICE = 20_000;
/**
 * Longest time one slice may hold the event loop: a debugger request (GDB packet, JTAG scan)
 * waits at most this long for the running hart to yield.
 */
const SLICE_MS = 0.5;
/** Reads and writes one register of the hart. */
interface RegisterAccess {
  get(): number;
  set(value: number): void;
}

/** Instructions per slice while a debugger is active (see noteDebuggerActivity). */
const ACTIVE_SLICE_INSTRUCTIONS = 1_000;
/** Longest slice while a debugger is active: how long its next message may wait (tens of microseconds). */
const ACTIVE_SLICE_MAX = 4_000;
/** How long a debugger counts as active after its last message. */
const DEBUGGER_ACTIVE_MS = 20;
const DCSR_EBREAKM = 1 << 15;

/** All hardware breakpoint slots (triggers) are in use. */
export class HardwareBreakpointLimitError extends TargetError {
  constructor(readonly address: number, readonly limit: number) {
    super(
      'TARGET_HW_BREAKPOINT_LIMIT',
      `cannot set a hardware breakpoint at ${hex32(address)}: all ${limit} triggers are in use (breakpoints and watchpoints share them); remove one or use a software breakpoint`,
    );
  }
}

/** No trigger is free for a watchpoint. */
export class WatchpointLimitError extends TargetError {
  constructor(readonly address: number, readonly limit: number) {
    super(
      'TARGET_WATCHPOINT_LIMIT',
      `cannot set a watchpoint at ${hex32(address)}: all ${limit} triggers are in use (breakpoints and watchpoints share them); remove a hardware breakpoint or watchpoint`,
    );
  }
}

export interface SimTargetOptions {
  /** Instructions per event-loop slice (default 500000). */
  readonly sliceInstructions?: number;
  /** Re-boot from flash (reset run / reset halt); provided by the factory. */
  readonly reboot?: () => void;
}

interface Waiter {
  resolve(stop: StopInfo): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class SimTarget implements Target {
  readonly architecture = 'riscv32' as const;
  readonly description = 'sim:esp32c3';
  readonly capabilities: TargetCapabilities = {
    memoryWhileRunning: true,
    haltsOnBreakInstruction: true,
    hardwareBreakpoints: 8,
    maxTransfer: 1 << 20,
    inProcess: true,
  };
  readonly registers: readonly RegisterInfo[] = defaultRiscv32Registers();
  private readonly events = new TargetEvents();
  private running = false;
  private closed = false;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /** The scheduled slice waits out a WFI (a timer), not just the next event-loop turn. */
  private scheduledIdle = false;
  private lastStop: StopInfo = { reason: 'interrupt', signal: 2 };
  private readonly waiters = new Set<Waiter>();
  private readonly triggers: DebuggerTriggers;
  private readonly slice: number;
  /** The error that stopped the hart last (unknown ROM function, failing host call), if any. */
  lastError: Error | undefined;

  constructor(readonly chip: Esp32c3, private readonly options: SimTargetOptions = {}) {
    this.slice = options.sliceInstructions ?? DEFAULT_SLICE_INSTRUCTIONS;
    this.triggers = new DebuggerTriggers(chip.hart, this.capabilities.hardwareBreakpoints ?? 8);
    this.attachDebugger();
    if (!chip.hart.halted) chip.hart.requestHalt();
    this.lastStop = this.stopFromHart();
  }

  /** What OpenOCD does on examine: ebreak in M-mode enters debug mode; ASSIST_DEBUG says a debugger is there. */
  private attachDebugger(): void {
    const h = this.chip.hart;
    h.writeCsr(RISCV_CSR.dcsr, h.readCsr(RISCV_CSR.dcsr) | DCSR_EBREAKM);
    this.chip.assistDebug.debuggerAttached = true;
  }

  state(): TargetState {
    if (this.closed) return 'disconnected';
    return this.running ? 'running' : 'halted';
  }

  on(listener: TargetListener): () => void {
    return this.events.on(listener);
  }

  // ---- run control ---------------------------------------------------------------------------

  async halt(_timeoutMs?: number): Promise<StopInfo> {
    this.checkOpen('halt');
    if (!this.running) return this.lastStop;
    this.chip.hart.requestHalt();
    this.stopped();
    return this.lastStop;
  }

  async resume(address?: number, options: ResumeOptions = {}): Promise<void> {
    this.checkOpen('resume');
    if (this.running) return;
    const h = this.chip.hart;
    if (address !== undefined) h.pc = address >>> 0;
    // As OpenOCD does: resuming at a hardware breakpoint runs the instruction it stopped before.
    h.resume({ stepOffTriggers: true });
    this.lastError = undefined;
    this.running = true;
    this.events.emit({ type: 'resumed' });
    this.schedule(false);
    options.onSent?.();
  }

  async step(_timeoutMs?: number): Promise<StopInfo> {
    this.checkOpen('step');
    if (this.running) throw new TargetStateError('step', 'running');
    const r = this.chip.hart.step();
    this.afterRun(r);
    if (this.chip.resetPending) this.handleReset();
    if (!this.chip.hart.halted) this.chip.hart.requestHalt();
    this.lastStop = this.stopFromHart();
    this.events.emit({ type: 'halted', stop: this.lastStop });
    return this.lastStop;
  }

  waitForHalt(timeoutMs: number): Promise<StopInfo> {
    if (!this.running) return Promise.resolve(this.lastStop);
    return new Promise<StopInfo>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new TargetTimeoutError('waiting for the simulated hart to halt', timeoutMs));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  async reset(mode: 'halt' | 'run'): Promise<void> {
    this.checkOpen('reset');
    this.cancelSchedule();
    const h = this.chip.hart;
    this.chip.flash.settle();
    if (mode === 'halt') {
      // Stop at the reset vector before the ROM runs: registers and peripherals at reset values.
      this.chip.resetPeripherals();
      h.reset(true);
      this.attachDebugger();
      this.triggers.rearm();
      this.running = false;
      this.events.emit({ type: 'reset' });
      this.lastStop = { reason: 'reset', signal: 5, pc: h.pc };
      this.events.emit({ type: 'halted', stop: this.lastStop });
      this.releaseWaiters();
      return;
    }
    this.options.reboot?.();
    this.attachDebugger();
    this.triggers.rearm();
    this.events.emit({ type: 'reset' });
    if (h.halted) h.resume();
    this.running = true;
    this.events.emit({ type: 'resumed' });
    this.schedule(false);
  }

  private schedule(idle: boolean): void {
    if (this.scheduled || this.closed) return;
    const run = (): void => {
      this.scheduled = undefined;
      this.runSlice();
    };
    this.scheduled = idle ? setTimeout(run, 1) : setImmediate(run);
    this.scheduledIdle = idle;
  }

  private cancelSchedule(): void {
    if (!this.scheduled) return;
    if (this.scheduledIdle) clearTimeout(this.scheduled as NodeJS.Timeout);
    else clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  private debuggerActiveUntil = 0;
  /** Data arrived from the debugger since the last slice began. */
  private debuggerSpoke = false;
  /** Instructions in the next slice while a debugger is active (see runSlice). */
  private activeSlice = ACTIVE_SLICE_INSTRUCTIONS;

  /** A debugger front end (JTAG, GDB) just exchanged data: keep slices short for a while. */
  noteDebuggerActivity(): void {
    this.debuggerActiveUntil = performance.now() + DEBUGGER_ACTIVE_MS;
    this.debuggerSpoke = true;
  }

  private runSlice(): void {
    if (!this.running || this.closed) return;
    const h = this.chip.hart;
    const now = performance.now();
    // While a debugger is talking (JTAG scans, GDB packets), yield after a few instructions so that
    // each of its round trips waits microseconds, not a whole slice. A slice after which nothing
    // arrived doubles the next one (up to ACTIVE_SLICE_MAX): a debugger waiting for a long run to
    // stop costs an event-loop turn per 4000 instructions, not per thousand.
    if (this.debuggerSpoke) this.activeSlice = ACTIVE_SLICE_INSTRUCTIONS;
    else this.activeSlice = Math.min(this.activeSlice * 2, ACTIVE_SLICE_MAX, this.slice);
    this.debuggerSpoke = false;
    let left = now < this.debuggerActiveUntil ? this.activeSlice : this.slice;
    let last: RunResult = { reason: 'budget', executed: 0 };
    const deadline = now + SLICE_MS;
    while (left > 0) {
      last = h.run(Math.min(SUB_SLICE, left));
      left -= Math.max(1, last.executed);
      this.afterRun(last);
      if (this.chip.resetPending) this.handleReset();
      if (last.reason !== 'budget' || h.halted || performance.now() > deadline) break;
    }
    if (h.halted) {
      this.stopped();
      return;
    }
    this.schedule(last.reason === 'wfi');
  }

  private afterRun(r: RunResult): void {
    this.chip.tick();
    if (r.reason === 'error' && r.error) {
      this.lastError = r.error;
      this.events.emit({ type: 'output', text: `simulator: ${r.error.message}\n` });
    }
  }

  /** A watchdog or the program asked for a reset: re-boot from flash and keep the run state. */
  private handleReset(): void {
    const req = this.chip.takeResetRequest();
    if (req) this.reboot(req);
  }

  /**
   * Re-boot from flash as a chip reset does, keeping the run state (halted stays halted); `by` names
   * the reset (its cause goes into RTC_CNTL's reset state, which the boot has just reset). What a
   * debugger set up survives as it does under OpenOCD, which re-applies it after a reset: dcsr's
   * ebreakm (the boot resets dcsr) and the hardware breakpoints.
   */
  reboot(by?: ResetRequest): void {
    const wasHalted = this.chip.hart.halted;
    this.options.reboot?.();
    if (by) this.chip.rtcCntl.setResetCause(by.cause);
    this.attachDebugger();
    this.triggers.rearm();
    if (wasHalted && !this.chip.hart.halted) this.chip.hart.requestHalt();
    if (by) this.events.emit({ type: 'output', text: `simulator: chip reset by ${by.source}\n` });
    this.events.emit({ type: 'reset' });
  }

  private stopped(): void {
    this.cancelSchedule();
    this.running = false;
    this.lastStop = this.stopFromHart();
    this.events.emit({ type: 'halted', stop: this.lastStop });
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const w of [...this.waiters]) {
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve(this.lastStop);
    }
  }

  private stopFromHart(): StopInfo {
    const h = this.chip.hart;
    const pc = h.pc;
    if (this.lastError) return { reason: 'exception', signal: 5, pc };
    const map: Record<string, [StopReason, number]> = {
      ebreak: ['breakpoint', 5],
      trigger: ['hw-breakpoint', 5],
      haltreq: ['interrupt', 2],
      step: ['step', 5],
      resethaltreq: ['reset', 5],
    };
    const [reason, signal] = map[h.haltCause] ?? ['unknown', 5];
    const watchpoint = h.haltCause === 'trigger' ? this.triggers.takeWatchpointHit() : undefined;
    if (watchpoint) return { reason: 'watchpoint', signal: 5, pc, watchpoint };
    return { reason, signal, pc };
  }

  // ---- memory --------------------------------------------------------------------------------

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    this.checkOpen('readMemory');
    // On a chip the CPU runs on while a debugger's read travels: here the hart's next slice runs
    // first, so a host polling the program's progress (a stream's control block) right behind the
    // packets that fed it sees the program react to them, not the hart standing still.
    if (this.running && this.scheduled && !this.scheduledIdle) {
      this.cancelSchedule();
      this.runSlice();
    }
    try {
      return this.chip.bus.readBlock(address >>> 0, length);
    } catch (e) {
      throw new TargetMemoryError(address >>> 0, length, 'read', (e as Error).message);
    }
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    this.checkOpen('writeMemory');
    try {
      this.chip.bus.writeBlock(address >>> 0, data);
    } catch (e) {
      throw new TargetMemoryError(address >>> 0, data.length, 'write', (e as Error).message);
    }
  }

  // ---- registers -----------------------------------------------------------------------------

  /** Register accessors by the name asked for, resolved once (the hart never changes). */
  private readonly accessors = new Map<string, RegisterAccess>();

  private regAccess(name: string): RegisterAccess {
    let access = this.accessors.get(name);
    if (!access) this.accessors.set(name, (access = this.resolveAccess(name)));
    return access;
  }

  private resolveAccess(name: string): RegisterAccess {
    const h = this.chip.hart;
    const n = canonicalRiscvName(name);
    const gpr = RISCV_GPR_NAMES.indexOf(n);
    if (gpr === 0) return { get: () => 0, set: () => undefined };
    if (gpr > 0) return { get: () => h.x[gpr]! >>> 0, set: (v) => void (h.x[gpr] = v >>> 0) };
    if (n === 'pc') return { get: () => h.pc, set: (v) => void (h.pc = v) };
    const csrNum = (RISCV_CSR as Record<string, number>)[n] ?? (/^csr(0x[0-9a-f]+|\d+)$/.test(n) ? Number(n.slice(3)) : undefined);
    if (csrNum === undefined) throw new TargetRegisterError(name, 'no such register on the simulated ESP32-C3');
    return {
      get: () => {
        try {
          return h.readCsr(csrNum) >>> 0;
        } catch (e) {
          throw new TargetRegisterError(name, (e as Error).message);
        }
      },
      set: (v) => {
        try {
          h.writeCsr(csrNum, v >>> 0);
        } catch (e) {
          throw new TargetRegisterError(name, (e as Error).message);
        }
      },
    };
  }

  private needHalted(operation: string): void {
    this.checkOpen(operation);
    if (this.running) throw new TargetStateError(operation, 'running');
  }

  async readRegister(name: string): Promise<number> {
    this.needHalted('readRegister');
    return this.regAccess(name).get();
  }

  async writeRegister(name: string, value: number): Promise<void> {
    this.needHalted('writeRegister');
    this.regAccess(name).set(value);
  }

  async readRegisters(names?: readonly string[]): Promise<Map<string, number>> {
    this.needHalted('readRegisters');
    const out = new Map<string, number>();
    for (const name of names ?? this.registers.map((r) => r.name)) out.set(name, this.regAccess(name).get());
    return out;
  }

  async writeRegisters(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    this.needHalted('writeRegisters');
    const entries = values instanceof Map ? [...values.entries()] : Object.entries(values);
    const access = entries.map(([name, v]) => [this.regAccess(name), v] as const);
    for (const [a, v] of access) a.set(v);
  }

  // ---- breakpoints ---------------------------------------------------------------------------

  async addBreakpoint(address: number, kind: BreakpointKind): Promise<void> {
    this.checkOpen('addBreakpoint');
    const a = address >>> 0;
    if (kind === 'software') {
      this.chip.hart.addBreakpoint(a);
      return;
    }
    if (!this.triggers.addBreakpoint(a)) throw new HardwareBreakpointLimitError(a, this.triggers.count);
  }

  async removeBreakpoint(address: number, kind: BreakpointKind): Promise<void> {
    this.checkOpen('removeBreakpoint');
    const a = address >>> 0;
    if (kind === 'software') this.chip.hart.removeBreakpoint(a);
    else this.triggers.removeBreakpoint(a);
  }

  async addWatchpoint(address: number, length: number, kind: WatchpointKind): Promise<void> {
    this.checkOpen('addWatchpoint');
    const a = address >>> 0;
    if (!this.triggers.addWatchpoint(a, length, kind)) throw new WatchpointLimitError(a, this.triggers.count);
  }

  async removeWatchpoint(address: number, length: number, kind: WatchpointKind): Promise<void> {
    this.checkOpen('removeWatchpoint');
    this.triggers.removeWatchpoint(address >>> 0, length, kind);
  }

  // ---- misc ----------------------------------------------------------------------------------

  async monitor(command: string): Promise<string> {
    const c = command.trim();
    if (c === 'reset halt' || c === 'reset run' || c === 'reset') {
      await this.reset(c === 'reset halt' ? 'halt' : 'run');
      return 'ok\n';
    }
    if (c === 'console') return this.chip.consoleText;
    if (c === 'help') return SIM_MONITOR_HELP;
    throw new UnknownMonitorCommandError(c, ['reset halt', 'reset run', 'console', 'help']);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelSchedule();
    this.running = false;
    this.closed = true;
    for (const w of [...this.waiters]) {
      clearTimeout(w.timer);
      w.reject(new TargetDisconnectedError('waitForHalt', 'the simulator was closed'));
    }
    this.waiters.clear();
    this.chip.assistDebug.debuggerAttached = false;
    this.events.emit({ type: 'disconnected' });
  }

  private checkOpen(operation: string): void {
    if (this.closed) throw new TargetStateError(operation, 'disconnected');
  }
}
