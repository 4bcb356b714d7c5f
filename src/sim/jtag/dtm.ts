/**
 * The RISC-V JTAG Debug Transport Module (debug spec 0.13.2, chapter 6): the IDCODE, DTMCS and
 * DMI registers behind a TAP, and the Debug Module Interface the DMI register drives.
 *
 * DMI scans are 41 bits: address[40:34] | data[33:2] | op[1:0]. An operation starts at Update-DR
 * and its result (data and status) is captured by the next Capture-DR. The status is sticky:
 * after a failed (2) or busy (3) operation, further operations are ignored until the debugger
 * writes dtmcs.dmireset (or dmihardreset).
 */
import { BYPASS_REGISTER, TapController, constantRegister, type DataRegister } from './tap.js';

/** What sits behind the DMI: the Debug Module's register file (7-bit addresses, 32-bit data). */
export interface DmiTarget {
  dmiRead(address: number): number;
  dmiWrite(address: number, value: number): void;
}

export const JTAG_IR = {
  IDCODE: 0x01,
  DTMCS: 0x10,
  DMI: 0x11,
  BYPASS: 0x1f,
} as const;

export const DMI_OP = { NOP: 0, READ: 1, WRITE: 2 } as const;
export const DMI_STATUS = { OK: 0, FAILED: 2, BUSY: 3 } as const;

export const DTMCS_DMIRESET = 1 << 16;
export const DTMCS_DMIHARDRESET = 1 << 17;

export interface DtmOptions {
  /** JTAG IDCODE (the ESP32-C3 reports 0x00005c25). */
  readonly idcode: number;
  /** DMI address bits (7 for the ESP32-C3). */
  readonly abits?: number;
  /** dtmcs.idle: Run-Test/Idle cycles the debugger should leave between DMI scans. */
  readonly idleHint?: number;
  /**
   * TCK cycles a DMI operation takes to complete (0: instant). With a value above the idle hint,
   * debuggers see busy status and must back off; used to exercise that path.
   */
  readonly dmiBusyCycles?: number;
}

export class Dtm {
  readonly tap: TapController;
  private readonly abits: number;
  private readonly idle: number;
  private readonly busyCycles: number;
  /** Sticky status reported in op and dtmcs.dmistat. */
  private status = 0;
  /** Address and data captured by the next DMI Capture-DR. */
  private lastAddress = 0;
  private lastData = 0;
  /** TCK cycle at which the operation in flight completes (busy before that). */
  private doneAt = 0;
  private readonly dmiRegister: DataRegister;
  private readonly dtmcsRegister: DataRegister;
  private readonly idcodeRegister: DataRegister;
  /** The last exception the Debug Module threw (the DTM reports it as a failed operation). */
  lastError: unknown;

  constructor(private readonly dmi: DmiTarget, options: DtmOptions) {
    this.abits = options.abits ?? 7;
    this.idle = Math.min(7, options.idleHint ?? 1);
    this.busyCycles = options.dmiBusyCycles ?? 0;
    this.idcodeRegister = constantRegister(options.idcode);
    this.dtmcsRegister = {
      length: 32,
      capture: () => BigInt(this.dtmcs()),
      update: (v) => this.writeDtmcs(Number(v & 0xffffffffn)),
    };
    this.dmiRegister = {
      length: this.abits + 34,
      capture: () => this.captureDmi(),
      update: (v) => this.updateDmi(v),
    };
    this.tap = new TapController({
      irLength: 5,
      resetInstruction: JTAG_IR.IDCODE,
      dataRegisterFor: (ir) => this.registerFor(ir),
    });
  }

  /** dtmcs as read by the debugger. */
  dtmcs(): number {
    return (1 | (this.abits << 4) | (this.status << 10) | (this.idle << 12)) >>> 0;
  }

  private registerFor(ir: number): DataRegister {
    switch (ir) {
      case JTAG_IR.IDCODE:
        return this.idcodeRegister;
      case JTAG_IR.DTMCS:
        return this.dtmcsRegister;
      case JTAG_IR.DMI:
        return this.dmiRegister;
      default:
        return BYPASS_REGISTER;
    }
  }

  private writeDtmcs(value: number): void {
    if (value & DTMCS_DMIHARDRESET) {
      this.status = 0;
      this.doneAt = 0;
    } else if (value & DTMCS_DMIRESET) {
      this.status = 0;
    }
  }

  private inFlight(): boolean {
    return this.tap.cycles < this.doneAt;
  }

  private captureDmi(): bigint {
    if (this.inFlight() && this.status === 0) this.status = DMI_STATUS.BUSY;
    return (BigInt(this.lastAddress) << 34n) | (BigInt(this.lastData >>> 0) << 2n) | BigInt(this.status);
  }

  private updateDmi(value: bigint): void {
    const op = Number(value & 3n);
    const data = Number((value >> 2n) & 0xffffffffn) >>> 0;
    const address = Number(value >> 34n) & ((1 << this.abits) - 1);
    if (this.inFlight()) {
      if (this.status === 0) this.status = DMI_STATUS.BUSY;
      return;
    }
    if (this.status !== 0 || op === DMI_OP.NOP) return;
    this.lastAddress = address;
    try {
      if (op === DMI_OP.READ) {
        this.lastData = this.dmi.dmiRead(address) >>> 0;
      } else if (op === DMI_OP.WRITE) {
        this.dmi.dmiWrite(address, data);
        this.lastData = data;
      } else {
        this.status = DMI_STATUS.FAILED;
        return;
      }
    } catch (error) {
      this.lastError = error;
      this.status = DMI_STATUS.FAILED;
      return;
    }
    if (this.busyCycles > 0) this.doneAt = this.tap.cycles + this.busyCycles;
  }
}
