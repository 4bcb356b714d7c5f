/**
 * A scripted ESP32-S3 for the ROM-call probe: Xtensa register names, sparse memory, an SPI1 model
 * that shifts the JEDEC id by every extra dummy left set (USER dummy, TIMING_CALI extra, DDR), a
 * CACHE_STATE register that stays busy for a few reads after a suspend (the S3 ROM bug), and the
 * few ROM functions the probe calls, written in TypeScript and run when the CPU is resumed with
 * a8 = their address (the windowed-ABI trampoline's callx8 target). Not a CPU: it checks the plan's
 * bookkeeping and ordering on the Xtensa convention; real execution is covered on the simulated C3.
 */
import { MapRegisters } from '../target/map-registers.js';
import { TargetEvents, TargetTimeoutError, type RegisterInfo, type StopInfo, type Target, type TargetListener, type TargetState } from '../../src/target/index.js';
import { XTENSA_TRAMPOLINE_RETURN } from '../../src/algorithm/arch/xtensa.js';

export const S3 = {
  romDataPtr: 0x3fceffe4, romData: 0x3fcef000, spi1: 0x60002000, cacheState: 0x600c4130,
  icacheCtrl: 0x600c4060, dcacheCtrl: 0x600c4000,
  octal: 0x40002004, suspendI: 0x4000189c, resumeI: 0x400018a8, suspendD: 0x400018b4, resumeD: 0x400018c0, read: 0x40000a20,
} as const;
const REG = { cmd: 0x00, user: 0x18, user1: 0x1c, user2: 0x20, w0: 0x58, timing: 0xa8, ddr: 0xe0 } as const;

export interface ScriptedS3Options {
  readonly octal: boolean;
  /** JEDEC id bytes as the flash sends them. */
  readonly id: readonly [number, number, number];
  readonly flash: Uint8Array;
}

export class ScriptedS3 extends MapRegisters implements Target {
  readonly architecture = 'xtensa' as const;
  readonly description = 'scripted-s3';
  readonly capabilities = { memoryWhileRunning: false, haltsOnBreakInstruction: true, maxTransfer: 0x10000 };
  readonly registers: readonly RegisterInfo[];
  private readonly mem = new Map<number, number>();
  private status: TargetState = 'running';
  private pending: StopInfo | undefined;
  private readonly events = new TargetEvents();
  /** ROM calls in order, with what the ROM read saw. */
  readonly calls: string[] = [];
  readonly readStates: { timingExtra: number; romDummy: number; ddr: number; cachesSuspended: boolean }[] = [];
  cacheStateReads = 0;
  spi1Writes = 0;
  private suspended = { i: false, d: false };
  private busyReads = 0;
  private readonly programPc: number;

  constructor(private readonly o: ScriptedS3Options) {
    super();
    const names = [...Array.from({ length: 16 }, (_, i) => `a${i}`), 'pc', 'ps', 'windowbase', 'windowstart', 'sar'];
    this.registers = names.map((name, regnum) => ({ name, regnum, bitsize: 32 }));
    names.forEach((n, i) => this.regs.set(n, (0x1000 + i * 0x11) >>> 0));
    this.programPc = this.regs.get('pc')!;
    this.set32(S3.romDataPtr, S3.romData);
    this.set32(S3.romData + 4, 0x400000); // chip_size as the bootloader set it (4 MiB header)
    this.mem.set(S3.romData + 25, 1); // IDF's S3 timing tuning: dummy_len_plus[1] = 1
    this.set32(S3.spi1 + 0x08, (1 << 24) | (1 << 13) | (1 << 21)); // CTRL: QIO fast read + WP
    this.set32(S3.spi1 + REG.user, (0x80000000 | (1 << 29)) >>> 0); // USR_COMMAND | USR_DUMMY
    this.set32(S3.spi1 + REG.user1, (23 << 26) | 0); // 1 dummy cycle
    this.set32(S3.spi1 + REG.timing, (1 << 1) | (1 << 2)); // TIMING_CALI on, extra dummy 1
    this.set32(S3.spi1 + REG.w0, 0x12345678);
    this.set32(S3.icacheCtrl, 1);
    this.set32(S3.dcacheCtrl, 1);
    this.set32(S3.cacheState, 0x1001);
  }

  word(a: number): number {
    let v = 0;
    for (let i = 3; i >= 0; i--) v = (v << 8) | (this.mem.get(a + i) ?? 0);
    return v >>> 0;
  }
  private set32(a: number, v: number): void {
    for (let i = 0; i < 4; i++) this.mem.set(a + i, (v >>> (8 * i)) & 0xff);
  }

  private idShifted(extra: number): number {
    const [m, t, c] = this.o.id;
    const stream = BigInt((m << 24) | (t << 16) | (c << 8)) << BigInt(extra);
    const b = (k: number) => Number((stream >> BigInt(24 - 8 * k)) & 0xffn);
    return (b(0) | (b(1) << 8) | (b(2) << 16)) >>> 0;
  }

  private spiCommand(bits: number): void {
    const r = (off: number) => this.word(S3.spi1 + off);
    const timing = r(REG.timing) & 2 ? (r(REG.timing) >>> 2) & 7 : 0;
    const userDummy = r(REG.user) & (1 << 29) ? (r(REG.user1) & 0x3f) + 1 : 0;
    const extra = userDummy + timing + (r(REG.ddr) ? 1 : 0);
    const opcode = bits & (1 << 28) ? 0x9f : r(REG.user2) & 0xff;
    if (opcode === 0x9f) this.set32(S3.spi1 + REG.w0, this.idShifted(extra));
    if (opcode === 0x05) this.set32(S3.spi1 + REG.w0, this.busyReads-- > 0 ? 1 : 0);
  }

  state(): TargetState {
    return this.status;
  }
  async halt(): Promise<StopInfo> {
    this.status = 'halted';
    return { reason: 'interrupt', pc: this.regs.get('pc')! };
  }
  async resume(): Promise<void> {
    const entry = this.regs.get('a8')!;
    const pc = this.regs.get('pc')!;
    this.status = 'running';
    if (pc === this.programPc) return; // the program carries on (only ROM calls are scripted)
    const a = (n: number) => this.regs.get(`a${n}`)!;
    let result = 0;
    switch (entry) {
      case S3.octal: this.calls.push('octal'); result = this.o.octal ? 1 : 0; break;
      case S3.suspendI: this.calls.push('suspendI'); this.suspended.i = true; this.set32(S3.cacheState, 0x1002); result = 4; break;
      case S3.suspendD: this.calls.push('suspendD'); this.suspended.d = true; this.set32(S3.cacheState, 0x2001); result = 8; break;
      case S3.resumeI: this.calls.push(`resumeI(${a(2)})`); this.suspended.i = false; break;
      case S3.resumeD: this.calls.push(`resumeD(${a(2)})`); this.suspended.d = false; break;
      case S3.read: {
        this.calls.push('read');
        const [src, dest, len] = [a(2), a(3), a(4)];
        const timing = this.word(S3.spi1 + REG.timing);
        const st = { timingExtra: timing & 2 ? (timing >>> 2) & 7 : 0, romDummy: this.mem.get(S3.romData + 25) ?? 0, ddr: this.word(S3.spi1 + REG.ddr), cachesSuspended: this.suspended.i && this.suspended.d };
        this.readStates.push(st);
        if (src + len > this.word(S3.romData + 4)) { result = 1; break; }
        const bad = st.timingExtra + st.romDummy > 0;
        for (let i = 0; i < len; i++) this.mem.set(dest + i, bad ? 0x5a : this.o.flash[src + i] ?? 0xff);
        // the ROM's own use of SPI1 leaves its registers changed
        this.set32(S3.spi1 + REG.user, 0x80000000 | (1 << 30) | (1 << 28));
        this.set32(S3.spi1 + REG.w0, 0xabcdef01);
        break;
      }
      default: throw new Error(`scripted S3: no ROM routine at a8=${entry.toString(16)}`);
    }
    this.regs.set('a2', result >>> 0);
    this.regs.set('pc', pc + XTENSA_TRAMPOLINE_RETURN);
    this.status = 'halted';
    this.pending = { reason: 'breakpoint', pc: pc + XTENSA_TRAMPOLINE_RETURN };
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
    throw new TargetTimeoutError('wait for halt', timeoutMs);
  }
  async readMemory(address: number, length: number): Promise<Uint8Array> {
    if (address === S3.cacheState) {
      this.cacheStateReads++;
      // Busy for two reads after a suspend, then idle (1 in each 12-bit field).
      if (this.cacheStateReads % 3 === 0) this.set32(S3.cacheState, 0x1001);
    }
    return Uint8Array.from({ length }, (_, i) => this.mem.get(address + i) ?? 0);
  }
  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    if (address >= S3.spi1 && address < S3.spi1 + 0x1000) this.spi1Writes++;
    if (address === S3.spi1 + REG.cmd) {
      const v = data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
      this.spiCommand(v >>> 0);
      return; // CMD bits clear at once
    }
    data.forEach((b, i) => this.mem.set(address + i, b));
  }
  async addBreakpoint(): Promise<void> {}
  async removeBreakpoint(): Promise<void> {}
  async reset(): Promise<void> {}
  on(listener: TargetListener): () => void {
    return this.events.on(listener);
  }
  async close(): Promise<void> {}
  /** Let "the program" run again (no routine: the scripted CPU only runs ROM calls). */
  runProgram(): void {
    this.status = 'running';
  }
  /** Make the next `n` RDSR reads report WIP (an application write in progress). */
  beginBusy(n: number): void {
    this.busyReads = n;
  }
}
