/**
 * Abstract commands (debug spec 0.13.2 §3.6): abstractcs, command, abstractauto, the data
 * registers and the program buffer.
 *
 * Only Access Register (cmdtype 0) is implemented, with aarsize 2 (32 bits): a 64-bit request
 * fails with cmderr 2, which is how debuggers learn that XLEN is 32. regno 0x1000–0x101f are the
 * GPRs, 0x0000–0x0fff the CSRs the hart has (dcsr, dpc, triggers, misa …). Commands complete at
 * once, so abstractcs.busy never reads 1.
 */
import { ABSTRACTCS, ACCESS_REGISTER, CMDERR, DM, REGNO, type CmdErr } from './dm-registers.js';
import type { DebugHart } from './debug-hart.js';
import { ProgramBuffer } from './program-buffer.js';
import type { SystemBusPort } from './system-bus.js';

export interface AbstractCommandOptions {
  /** Number of data registers (2 on the ESP32-C3: data0, data1). */
  readonly dataCount: number;
  /** Program buffer words (16 on the ESP32-C3; 0 for none). */
  readonly progbufSize: number;
  /** Where the program buffer appears to programs executed from it. */
  readonly progbufAddress: number;
  readonly impebreak: boolean;
}

export interface AbstractCommandHost {
  readonly hart: DebugHart;
  readonly bus: SystemBusPort;
  /** The selected hart exists and is halted. */
  selectedHartHalted(): boolean;
}

export class AbstractCommands {
  readonly data: Uint32Array;
  readonly progbuf: ProgramBuffer;
  private cmderr: CmdErr = CMDERR.none;
  private lastCommand = 0;
  private autoexecData = 0;
  private autoexecProgbuf = 0;
  /** The reason the last command failed, for diagnostics. */
  lastFailure = '';
  /** Commands executed (diagnostics). */
  executed = 0;

  constructor(private readonly host: AbstractCommandHost, private readonly options: AbstractCommandOptions) {
    this.data = new Uint32Array(options.dataCount);
    this.progbuf = new ProgramBuffer(options.progbufSize, options.progbufAddress, options.impebreak);
  }

  reset(): void {
    this.data.fill(0);
    this.progbuf.reset();
    this.cmderr = CMDERR.none;
    this.lastCommand = 0;
    this.autoexecData = 0;
    this.autoexecProgbuf = 0;
    this.lastFailure = '';
  }

  get error(): CmdErr {
    return this.cmderr;
  }

  /** Handles a DMI read; undefined for addresses this block does not own. */
  read(address: number): number | undefined {
    if (address === DM.abstractcs) {
      return (
        (this.options.progbufSize << ABSTRACTCS.progbufsizeShift) |
        (this.cmderr << ABSTRACTCS.cmderrShift) |
        this.options.dataCount
      ) >>> 0;
    }
    if (address === DM.command) return 0;
    if (address === DM.abstractauto) return ((this.autoexecProgbuf << 16) | this.autoexecData) >>> 0;
    if (address >= DM.data0 && address <= DM.data11) {
      const i = address - DM.data0;
      if (i >= this.data.length) return 0;
      const v = this.data[i]!;
      this.autoexec(this.autoexecData, i);
      return v;
    }
    if (address >= DM.progbuf0 && address <= DM.progbuf15) {
      const i = address - DM.progbuf0;
      if (i >= this.options.progbufSize) return 0;
      const v = this.progbuf.words[i]!;
      this.autoexec(this.autoexecProgbuf, i);
      return v;
    }
    return undefined;
  }

  /** Handles a DMI write; false for addresses this block does not own. */
  write(address: number, value: number): boolean {
    if (address === DM.abstractcs) {
      this.cmderr = (this.cmderr & ~((value & ABSTRACTCS.cmderrMask) >>> ABSTRACTCS.cmderrShift)) as CmdErr;
      return true;
    }
    if (address === DM.command) {
      // While cmderr is set, writes to command are ignored.
      if (this.cmderr === CMDERR.none) {
        this.lastCommand = value >>> 0;
        this.execute(this.lastCommand);
      }
      return true;
    }
    if (address === DM.abstractauto) {
      this.autoexecData = value & ((1 << this.options.dataCount) - 1);
      this.autoexecProgbuf = (value >>> 16) & (this.options.progbufSize >= 16 ? 0xffff : (1 << this.options.progbufSize) - 1);
      return true;
    }
    if (address >= DM.data0 && address <= DM.data11) {
      const i = address - DM.data0;
      if (i < this.data.length) {
        this.data[i] = value >>> 0;
        this.autoexec(this.autoexecData, i);
      }
      return true;
    }
    if (address >= DM.progbuf0 && address <= DM.progbuf15) {
      const i = address - DM.progbuf0;
      if (i < this.options.progbufSize) {
        this.progbuf.words[i] = value >>> 0;
        this.autoexec(this.autoexecProgbuf, i);
      }
      return true;
    }
    return false;
  }

  private autoexec(mask: number, index: number): void {
    if ((mask >>> index) & 1 && this.cmderr === CMDERR.none) this.execute(this.lastCommand);
  }

  private fail(err: CmdErr, why: string): void {
    this.cmderr = err;
    this.lastFailure = why;
  }

  /** Runs one command; sets cmderr on failure. */
  execute(command: number): void {
    this.executed++;
    const cmdtype = command >>> ACCESS_REGISTER.cmdtypeShift;
    if (cmdtype !== 0) return this.fail(CMDERR.notSupported, `command type ${cmdtype} is not supported (only Access Register)`);
    const aarsize = (command >>> ACCESS_REGISTER.aarsizeShift) & ACCESS_REGISTER.aarsizeMask;
    const transfer = (command & ACCESS_REGISTER.transfer) !== 0;
    const write = (command & ACCESS_REGISTER.write) !== 0;
    const postexec = (command & ACCESS_REGISTER.postexec) !== 0;
    const regno = command & ACCESS_REGISTER.regnoMask;
    if (transfer && aarsize !== 2) return this.fail(CMDERR.notSupported, `register size ${8 << aarsize} bits is not supported (XLEN is 32)`);
    if (!this.host.selectedHartHalted()) return this.fail(CMDERR.haltResume, 'the hart is not halted');
    if (transfer && !this.transfer(regno, write)) return;
    if (transfer && command & ACCESS_REGISTER.aarpostincrement) {
      this.lastCommand = ((command & ~ACCESS_REGISTER.regnoMask) | ((regno + 1) & ACCESS_REGISTER.regnoMask)) >>> 0;
    }
    if (postexec) {
      const result = this.progbuf.execute({
        readGpr: (i) => this.host.hart.x[i]!,
        writeGpr: (i, v) => {
          if (i !== 0) this.host.hart.x[i] = v;
        },
        readCsr: (n) => this.host.hart.readCsr(n),
        writeCsr: (n, v) => this.host.hart.writeCsr(n, v),
        bus: this.host.bus,
      });
      if (!result.ok) this.fail(CMDERR.exception, result.reason);
    }
  }

  private transfer(regno: number, write: boolean): boolean {
    const hart = this.host.hart;
    if (regno >= REGNO.gprFirst && regno <= REGNO.gprLast) {
      const i = regno - REGNO.gprFirst;
      if (write) {
        if (i !== 0) hart.x[i] = this.data[0]!;
      } else {
        this.data[0] = i === 0 ? 0 : hart.x[i]!;
      }
      return true;
    }
    if (regno <= REGNO.csrLast) {
      try {
        if (write) hart.writeCsr(regno, this.data[0]!);
        else this.data[0] = hart.readCsr(regno) >>> 0;
        return true;
      } catch (error) {
        this.fail(CMDERR.exception, error instanceof Error ? error.message : String(error));
        return false;
      }
    }
    this.fail(CMDERR.exception, `register 0x${regno.toString(16)} does not exist on this hart`);
    return false;
  }
}
