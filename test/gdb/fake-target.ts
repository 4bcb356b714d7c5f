/**
 * A small in-memory Target for the GDB tests: RAM regions, a register file, breakpoints, and a
 * "CPU" that walks pc through a loop of 4-byte instructions on a timer while it runs.
 */
import type { Target, TargetCapabilities, RegisterInfo, TargetState, StopInfo, BreakpointKind, TargetListener } from '../../src/target/types.js';
import { TargetEvents, TargetMemoryError, TargetStateError, TargetTimeoutError, TargetRegisterError, TargetError, defaultRiscv32Registers, canonicalRiscvName } from '../../src/target/index.js';

export interface FakeTargetOptions {
  readonly regions?: ReadonlyArray<{ start: number; size: number }>;
  /** pc walks [loopStart, loopEnd) while running. */
  readonly loopStart?: number;
  readonly loopEnd?: number;
  readonly memoryWhileRunning?: boolean;
  readonly hardwareBreakpoints?: number;
}

export const EBREAK = 0x00100073;

export class FakeTarget implements Target {
  readonly architecture = 'riscv32' as const;
  readonly description = 'fake:rv32';
  readonly capabilities: TargetCapabilities;
  readonly registers: readonly RegisterInfo[] = defaultRiscv32Registers();
  readonly regions: Array<{ start: number; data: Uint8Array }>;
  readonly regs = new Map<string, number>();
  readonly swBreakpoints = new Set<number>();
  readonly hwBreakpoints = new Set<number>();
  readonly loopStart: number;
  readonly loopEnd: number;
  instructions = 0;
  resets = 0;
  private current: TargetState = 'halted';
  private lastStop: StopInfo;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly events = new TargetEvents();
  private readonly waiters = new Set<(s: StopInfo) => void>();

  constructor(options: FakeTargetOptions = {}) {
    this.regions = (options.regions ?? [{ start: 0x80000000, size: 0x200000 }]).map((r) => ({ start: r.start, data: new Uint8Array(r.size) }));
    this.loopStart = options.loopStart ?? 0x80000100;
    this.loopEnd = options.loopEnd ?? 0x80000140;
    this.capabilities = {
      memoryWhileRunning: options.memoryWhileRunning ?? true,
      haltsOnBreakInstruction: true,
      hardwareBreakpoints: options.hardwareBreakpoints ?? 2,
      maxTransfer: 1 << 20,
    };
    for (const r of this.registers) this.regs.set(r.name, 0);
    this.regs.set('pc', this.loopStart);
    this.regs.set('misa', 0x40001104);
    this.lastStop = { reason: 'reset', pc: this.loopStart };
  }

  state(): TargetState {
    return this.current;
  }

  on(listener: TargetListener): () => void {
    return this.events.on(listener);
  }

  private stop(stop: StopInfo): StopInfo {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.current = 'halted';
    this.lastStop = stop;
    for (const w of [...this.waiters]) w(stop);
    this.waiters.clear();
    this.events.emit({ type: 'halted', stop });
    return stop;
  }

  async halt(): Promise<StopInfo> {
    if (this.current === 'halted') return this.lastStop;
    return this.stop({ reason: 'interrupt', pc: this.pc, signal: 2 });
  }

  get pc(): number {
    return this.regs.get('pc')!;
  }

  /** One instruction: ebreak halts; otherwise pc moves on through the loop. Returns a stop or undefined. */
  private execute(): StopInfo | undefined {
    const pc = this.pc;
    if (this.peek32(pc) === EBREAK) return { reason: 'breakpoint', pc };
    this.instructions++;
    const next = pc + 4 >= this.loopEnd || pc + 4 < this.loopStart ? this.loopStart : pc + 4;
    this.regs.set('pc', next >>> 0);
    return undefined;
  }

  async resume(address?: number): Promise<void> {
    if (this.current !== 'halted') throw new TargetStateError('resume', this.current);
    if (address !== undefined) this.regs.set('pc', address >>> 0);
    this.current = 'running';
    this.events.emit({ type: 'resumed' });
    let first = true;
    const tick = () => {
      for (let i = 0; i < 4 && this.current === 'running'; i++) {
        const pc = this.pc;
        if (!first && this.swBreakpoints.has(pc)) return void this.stop({ reason: 'breakpoint', pc });
        if (!first && this.hwBreakpoints.has(pc)) return void this.stop({ reason: 'hw-breakpoint', pc });
        first = false;
        const s = this.execute();
        if (s) return void this.stop(s);
      }
      this.timer = setTimeout(tick, 1);
    };
    this.timer = setTimeout(tick, 1);
  }

  async step(): Promise<StopInfo> {
    if (this.current !== 'halted') throw new TargetStateError('step', this.current);
    return this.stop(this.execute() ?? { reason: 'step', pc: this.pc });
  }

  waitForHalt(timeoutMs: number): Promise<StopInfo> {
    if (this.current === 'halted') return Promise.resolve(this.lastStop);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new TargetTimeoutError('waitForHalt', timeoutMs));
      }, timeoutMs);
      const done = (s: StopInfo) => {
        clearTimeout(timer);
        resolve(s);
      };
      this.waiters.add(done);
    });
  }

  private locate(address: number, length: number, access: 'read' | 'write'): { data: Uint8Array; offset: number } {
    if (this.current === 'running' && !this.capabilities.memoryWhileRunning) throw new TargetStateError(`${access} memory`, 'running');
    for (const r of this.regions) {
      const offset = address - r.start;
      if (offset >= 0 && offset + length <= r.data.length) return { data: r.data, offset };
    }
    throw new TargetMemoryError(address, length, access, 'nothing is mapped there');
  }

  peek32(address: number): number | undefined {
    for (const r of this.regions) {
      const o = address - r.start;
      if (o >= 0 && o + 4 <= r.data.length) return new DataView(r.data.buffer, r.data.byteOffset).getUint32(o, true);
    }
    return undefined;
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    const { data, offset } = this.locate(address >>> 0, length, 'read');
    return data.slice(offset, offset + length);
  }

  async writeMemory(address: number, bytes: Uint8Array): Promise<void> {
    const { data, offset } = this.locate(address >>> 0, bytes.length, 'write');
    data.set(bytes, offset);
  }

  private name(n: string): string {
    const c = canonicalRiscvName(n);
    if (!this.regs.has(c)) throw new TargetRegisterError(n, 'no such register');
    return c;
  }

  async readRegisters(names?: readonly string[]): Promise<Map<string, number>> {
    if (this.current !== 'halted') throw new TargetStateError('readRegisters', this.current);
    const out = new Map<string, number>();
    for (const n of names ?? this.registers.map((r) => r.name)) out.set(n, this.regs.get(this.name(n))!);
    return out;
  }

  async writeRegisters(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    if (this.current !== 'halted') throw new TargetStateError('writeRegisters', this.current);
    const entries = values instanceof Map ? [...values] : Object.entries(values);
    for (const [n, v] of entries) {
      const c = this.name(n);
      if (c !== 'zero') this.regs.set(c, (v as number) >>> 0);
    }
  }

  async readRegister(name: string): Promise<number> {
    return (await this.readRegisters([name])).get(name)!;
  }

  async writeRegister(name: string, value: number): Promise<void> {
    await this.writeRegisters({ [name]: value });
  }

  async addBreakpoint(address: number, kind: BreakpointKind): Promise<void> {
    if (kind === 'hardware') {
      if (this.hwBreakpoints.size >= (this.capabilities.hardwareBreakpoints ?? 0)) throw new TargetError('TARGET_NO_TRIGGER', 'no free hardware trigger');
      this.hwBreakpoints.add(address >>> 0);
    } else {
      this.swBreakpoints.add(address >>> 0);
    }
  }

  async removeBreakpoint(address: number, kind: BreakpointKind): Promise<void> {
    (kind === 'hardware' ? this.hwBreakpoints : this.swBreakpoints).delete(address >>> 0);
  }

  async reset(mode: 'halt' | 'run'): Promise<void> {
    this.resets++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.regs.set('pc', this.loopStart);
    this.current = 'halted';
    this.lastStop = { reason: 'reset', pc: this.loopStart };
    this.events.emit({ type: 'reset' });
    if (mode === 'run') await this.resume();
  }

  async monitor(command: string): Promise<string> {
    return `fake: ${command}\n`;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
