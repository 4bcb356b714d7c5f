/**
 * Hardware breakpoints as a debugger sets them on the hart's triggers (as OpenOCD does): each
 * address takes a free trigger (one whose tdata1 matches nothing; the program may use others
 * itself) armed as mcontrol, execute, M-mode, action "enter debug mode". The addresses are kept,
 * so the triggers can be armed again after a reset clears them.
 */
import { RISCV_CSR } from '../target/riscv-registers.js';
import type { Hart } from './hart/hart.js';

/** mcontrol: type 2, dmode, action 1 (enter debug), M-mode, execute. */
const MCONTROL_EXEC_DEBUG = ((2 << 28) | (1 << 27) | (1 << 12) | (1 << 6) | (1 << 2)) >>> 0;
const MCONTROL_MATCH_BITS = 0x7; // execute | store | load

export class HardwareBreakpoints {
  private readonly byAddress = new Map<number, number>(); // address → trigger index

  constructor(
    private readonly hart: Hart,
    readonly count: number,
  ) {}

  /** Arm a trigger at `address` (already armed: nothing to do); false when every trigger is in use. */
  add(address: number): boolean {
    if (this.byAddress.has(address)) return true;
    const index = this.freeTrigger();
    if (index === undefined) return false;
    this.byAddress.set(address, index);
    this.arm(index, address);
    return true;
  }

  /** Disarm the trigger at `address`, if there is one. */
  remove(address: number): void {
    const index = this.byAddress.get(address);
    if (index === undefined) return;
    this.byAddress.delete(address);
    const h = this.hart;
    h.writeCsr(RISCV_CSR.tselect, index);
    h.writeCsr(RISCV_CSR.tdata1, 0);
    h.writeCsr(RISCV_CSR.tdata2, 0);
  }

  /** Arm every breakpoint's trigger again (after a reset cleared them). */
  rearm(): void {
    for (const [address, index] of this.byAddress) this.arm(index, address);
  }

  private freeTrigger(): number | undefined {
    const h = this.hart;
    const used = new Set(this.byAddress.values());
    for (let i = 0; i < this.count; i++) {
      if (used.has(i)) continue;
      h.writeCsr(RISCV_CSR.tselect, i);
      if ((h.readCsr(RISCV_CSR.tdata1) & MCONTROL_MATCH_BITS) === 0) return i;
    }
    return undefined;
  }

  private arm(index: number, address: number): void {
    const h = this.hart;
    h.writeCsr(RISCV_CSR.tselect, index);
    h.writeCsr(RISCV_CSR.tdata1, 0);
    h.writeCsr(RISCV_CSR.tdata2, address);
    h.writeCsr(RISCV_CSR.tdata1, MCONTROL_EXEC_DEBUG);
  }
}
