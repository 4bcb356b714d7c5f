/**
 * A scripted RISC-V-like target for runner unit tests: flat RAM, a register file, and "routines"
 * written in TypeScript that run when the CPU is resumed at the trampoline with a7 = their address.
 * A routine clobbers registers like real code would, may trap (→ mtvec) or never return (→ timeout).
 * The real CPU runs in the simulator tests; this one isolates the runner's bookkeeping.
 */
import { MapRegisters } from '../target/map-registers.js';
import {
  defaultRiscv32Registers,
  TargetEvents,
  TargetTimeoutError,
  type BreakpointKind,
  type RegisterInfo,
  type StopInfo,
  type Target,
  type TargetCapabilities,
  type TargetListener,
  type TargetState,
} from '../../src/target/index.js';

/** What a routine does at its end; `{ stopAt }`: the CPU halts there for a breakpoint (a break instruction, or one a debugger set). */
export type Routine = (cpu: ScriptedTarget) => 'return' | 'trap' | 'hang' | { readonly stopAt: number };

export class ScriptedTarget extends MapRegisters implements Target {
  readonly architecture = 'riscv32' as const;
  readonly description = 'scripted';
  readonly registers: readonly RegisterInfo[] = defaultRiscv32Registers();
  readonly ram: Uint8Array;
  readonly routines = new Map<number, Routine>();
  readonly breakpoints = new Set<number>();
  capabilities: TargetCapabilities;
  private status: TargetState = 'halted';
  private pending: StopInfo | undefined;
  private readonly events = new TargetEvents();
  memoryReads = 0;
  memoryWrites = 0;

  constructor(readonly ramBase: number, ramSize: number, haltsOnBreak = true) {
    super();
    this.ram = new Uint8Array(ramSize);
    for (const r of this.registers) this.regs.set(r.name, 0);
    this.capabilities = { memoryWhileRunning: true, haltsOnBreakInstruction: haltsOnBreak, maxTransfer: 4096 };
  }

  state(): TargetState {
    return this.status;
  }
  async halt(): Promise<StopInfo> {
    this.status = 'halted';
    return { reason: 'interrupt', pc: this.regs.get('pc')! };
  }
  async resume(address?: number): Promise<void> {
    if (address !== undefined) this.regs.set('pc', address);
    this.status = 'running';
    const pc = this.regs.get('pc')!;
    const entry = this.regs.get('a7')!;
    const routine = this.routines.get(entry);
    if (!routine) throw new Error(`scripted target: no routine at a7=${entry.toString(16)} (pc ${pc.toString(16)})`);
    const outcome = routine(this);
    if (outcome === 'hang') return; // stays running
    let stopPc: number;
    if (typeof outcome === 'object') {
      stopPc = outcome.stopAt;
    } else if (outcome === 'return') {
      stopPc = pc + 2; // c.jalr a7 returns to the c.ebreak right after it
    } else {
      this.regs.set('mepc', entry);
      this.regs.set('mcause', 2);
      this.regs.set('mtval', 0xdeadbeef);
      stopPc = (this.regs.get('mtvec')! & ~3) >>> 0;
    }
    if (!this.capabilities.haltsOnBreakInstruction && !this.breakpoints.has(stopPc)) {
      return; // a guest ebreak the debugger never sees: it stays "running" forever
    }
    this.regs.set('pc', stopPc);
    this.status = 'halted';
    this.pending = { reason: 'breakpoint', pc: stopPc };
  }
  async step(): Promise<StopInfo> {
    throw new Error('not scripted');
  }
  async waitForHalt(timeoutMs: number): Promise<StopInfo> {
    if (this.status === 'halted' && this.pending) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    await new Promise((r) => setTimeout(r, timeoutMs));
    throw new TargetTimeoutError('wait for halt', timeoutMs);
  }
  async readMemory(address: number, length: number): Promise<Uint8Array> {
    this.memoryReads++;
    const o = this.offset(address, length);
    return this.ram.slice(o, o + length);
  }
  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    this.memoryWrites++;
    this.ram.set(data, this.offset(address, data.length));
  }
  async addBreakpoint(address: number, _kind: BreakpointKind): Promise<void> {
    this.breakpoints.add(address);
  }
  async removeBreakpoint(address: number): Promise<void> {
    this.breakpoints.delete(address);
  }
  async reset(): Promise<void> {}
  on(listener: TargetListener): () => void {
    return this.events.on(listener);
  }
  async close(): Promise<void> {}

  /** Read a 32-bit word of RAM (test convenience). */
  word(address: number): number {
    const o = this.offset(address, 4);
    return new DataView(this.ram.buffer).getUint32(o, true);
  }

  private offset(address: number, length: number): number {
    const o = address - this.ramBase;
    if (o < 0 || o + length > this.ram.length) throw new Error(`scripted target: access ${address.toString(16)}+${length} outside RAM`);
    return o;
  }
}
