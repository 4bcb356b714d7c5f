/**
 * Machine-mode and debug CSRs of the hart. Storage lives here; counters come from the hart.
 * Only M-mode exists: mstatus.MPP reads 3, dcsr.prv reads 3.
 */
import { TriggerModule } from './triggers.js';

export const CSR = {
  mstatus: 0x300, misa: 0x301, mie: 0x304, mtvec: 0x305, mcountinhibit: 0x320,
  mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  tselect: 0x7a0, tdata1: 0x7a1, tdata2: 0x7a2, tdata3: 0x7a3, tinfo: 0x7a4,
  dcsr: 0x7b0, dpc: 0x7b1, dscratch0: 0x7b2, dscratch1: 0x7b3,
  mcycle: 0xb00, minstret: 0xb02, mcycleh: 0xb80, minstreth: 0xb82,
  cycle: 0xc00, time: 0xc01, instret: 0xc02, cycleh: 0xc80, timeh: 0xc81, instreth: 0xc82,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14,
  /** ESP32-C3 custom performance counter CSRs (plain storage here). */
  mpcer: 0x7e0, mpcmr: 0x7e1, mpccr: 0x7e2,
} as const;

export const MSTATUS_MIE = 1 << 3;
export const MSTATUS_MPIE = 1 << 7;
export const MSTATUS_MPP_M = 3 << 11;

// dcsr fields
export const DCSR_XDEBUGVER = 4 << 28;
export const DCSR_EBREAKM = 1 << 15;
export const DCSR_EBREAKS = 1 << 13;
export const DCSR_EBREAKU = 1 << 12;
export const DCSR_STEPIE = 1 << 11;
export const DCSR_STOPCOUNT = 1 << 10;
export const DCSR_STOPTIME = 1 << 9;
export const DCSR_STEP = 1 << 2;
const DCSR_WRITABLE = DCSR_EBREAKM | DCSR_EBREAKS | DCSR_EBREAKU | DCSR_STEPIE | DCSR_STOPCOUNT | DCSR_STOPTIME | DCSR_STEP;

const TWO32 = 0x1_0000_0000;

/** What the CSR file needs from the hart. */
export interface CsrHost {
  readonly halted: boolean;
  /** pc, which is dpc while halted. */
  pc: number;
  readonly instructionsRetired: number;
  /** Cause code of the current debug-mode entry (dcsr.cause). */
  readonly haltCauseCode: number;
  /** Interrupt lines driven by the chip (OR-ed into mip). */
  readonly interruptLines: number;
  /** mie/mip/mstatus changed: recompute pending interrupts. */
  interruptStateChanged(): void;
}

export class CsrFile {
  mstatus = MSTATUS_MPP_M;
  mie = 0;
  mipSoft = 0;
  mtvec = 0;
  mscratch = 0;
  mepc = 0;
  mcause = 0;
  mtval = 0;
  mcountinhibit = 0;
  dcsr = DCSR_XDEBUGVER | 3;
  dscratch0 = 0;
  dscratch1 = 0;
  /** Added to instructionsRetired to give minstret / mcycle (written values). */
  instretAdjust = 0;
  cycleAdjust = 0;
  readonly custom = new Map<number, number>([[CSR.mpcer, 0], [CSR.mpcmr, 0], [CSR.mpccr, 0]]);
  readonly triggers: TriggerModule;

  constructor(
    private readonly host: CsrHost,
    readonly misa: number,
    readonly hartId: number,
    triggerCount: number,
    private readonly ids: { vendor: number; arch: number; impl: number },
  ) {
    this.triggers = new TriggerModule(triggerCount);
  }

  reset(): void {
    this.mstatus = MSTATUS_MPP_M;
    this.mie = 0;
    this.mipSoft = 0;
    this.mtvec = 0;
    this.mscratch = 0;
    this.mepc = 0;
    this.mcause = 0;
    this.mtval = 0;
    this.mcountinhibit = 0;
    this.dcsr = DCSR_XDEBUGVER | 3;
    this.dscratch0 = 0;
    this.dscratch1 = 0;
    this.triggers.reset();
    this.host.interruptStateChanged();
  }

  get mip(): number {
    return (this.mipSoft | this.host.interruptLines) >>> 0;
  }

  private counter(adjust: number): number {
    return this.host.instructionsRetired + adjust;
  }

  /** True when the CSR exists. Debug CSRs exist for programs only in debug mode. */
  exists(n: number, debugAccess: boolean): boolean {
    if (n >= CSR.dcsr && n <= CSR.dscratch1) return debugAccess || this.host.halted;
    return this.read(n) !== undefined;
  }

  /** Value of CSR n, or undefined when it does not exist. */
  read(n: number): number | undefined {
    switch (n) {
      case CSR.mstatus: return (this.mstatus | MSTATUS_MPP_M) >>> 0;
      case CSR.misa: return this.misa >>> 0;
      case CSR.mie: return this.mie >>> 0;
      case CSR.mtvec: return this.mtvec >>> 0;
      case CSR.mcountinhibit: return this.mcountinhibit >>> 0;
      case CSR.mscratch: return this.mscratch >>> 0;
      case CSR.mepc: return this.mepc >>> 0;
      case CSR.mcause: return this.mcause >>> 0;
      case CSR.mtval: return this.mtval >>> 0;
      case CSR.mip: return this.mip;
      case CSR.tselect: return this.triggers.select;
      case CSR.tdata1: return this.triggers.readTdata1();
      case CSR.tdata2: return this.triggers.readTdata2();
      case CSR.tdata3: return 0;
      case CSR.tinfo: return this.triggers.count > 0 ? 1 << 2 : 1;
      case CSR.dcsr: return ((this.dcsr & ~(7 << 6)) | (this.host.haltCauseCode << 6) | 3) >>> 0;
      case CSR.dpc: return this.host.pc >>> 0;
      case CSR.dscratch0: return this.dscratch0 >>> 0;
      case CSR.dscratch1: return this.dscratch1 >>> 0;
      case CSR.mcycle: case CSR.cycle: return this.counter(this.cycleAdjust) % TWO32 >>> 0;
      case CSR.mcycleh: case CSR.cycleh: return Math.floor(this.counter(this.cycleAdjust) / TWO32) >>> 0;
      case CSR.minstret: case CSR.instret: return this.counter(this.instretAdjust) % TWO32 >>> 0;
      case CSR.minstreth: case CSR.instreth: return Math.floor(this.counter(this.instretAdjust) / TWO32) >>> 0;
      case CSR.mvendorid: return this.ids.vendor >>> 0;
      case CSR.marchid: return this.ids.arch >>> 0;
      case CSR.mimpid: return this.ids.impl >>> 0;
      case CSR.mhartid: return this.hartId >>> 0;
    }
    if ((n >= 0xb03 && n <= 0xb1f) || (n >= 0xb83 && n <= 0xb9f) || (n >= 0x323 && n <= 0x33f)) return 0; // mhpm*
    return this.custom.get(n);
  }

  /** Writes CSR n. Returns false when it does not exist. Read-only CSRs ignore writes. */
  write(n: number, v: number, debugAccess: boolean): boolean {
    v >>>= 0;
    switch (n) {
      case CSR.mstatus:
        this.mstatus = (v & (MSTATUS_MIE | MSTATUS_MPIE)) | MSTATUS_MPP_M;
        this.host.interruptStateChanged();
        return true;
      case CSR.misa: return true;
      case CSR.mie: this.mie = v; this.host.interruptStateChanged(); return true;
      case CSR.mtvec: this.mtvec = (v & 3) >= 2 ? v & ~3 : v; return true;
      case CSR.mcountinhibit: this.mcountinhibit = v & 5; return true;
      case CSR.mscratch: this.mscratch = v; return true;
      case CSR.mepc: this.mepc = v & ~1; return true;
      case CSR.mcause: this.mcause = v; return true;
      case CSR.mtval: this.mtval = v; return true;
      case CSR.mip: this.mipSoft = v; this.host.interruptStateChanged(); return true;
      case CSR.tselect: this.triggers.writeSelect(v); return true;
      case CSR.tdata1: this.triggers.writeTdata1(v, debugAccess || this.host.halted); return true;
      case CSR.tdata2: this.triggers.writeTdata2(v, debugAccess || this.host.halted); return true;
      case CSR.tdata3: return true;
      case CSR.tinfo: return true;
      case CSR.dcsr: this.dcsr = DCSR_XDEBUGVER | (v & DCSR_WRITABLE) | 3; return true;
      case CSR.dpc: this.host.pc = v & ~1; return true;
      case CSR.dscratch0: this.dscratch0 = v; return true;
      case CSR.dscratch1: this.dscratch1 = v; return true;
      case CSR.mcycle: case CSR.mcycleh: case CSR.minstret: case CSR.minstreth: {
        const cycle = n === CSR.mcycle || n === CSR.mcycleh;
        const cur = this.counter(cycle ? this.cycleAdjust : this.instretAdjust);
        const hi = Math.floor(cur / TWO32);
        const lo = cur % TWO32;
        const next = n === CSR.mcycle || n === CSR.minstret ? hi * TWO32 + v : v * TWO32 + lo;
        if (cycle) this.cycleAdjust = next - this.host.instructionsRetired;
        else this.instretAdjust = next - this.host.instructionsRetired;
        return true;
      }
    }
    if (this.custom.has(n)) {
      this.custom.set(n, v);
      return true;
    }
    return this.read(n) !== undefined; // read-only or hardwired
  }
}
