/**
 * The RISC-V Debug Module, spec 0.13.2, for one hart (hart 0): run control (dmcontrol, dmstatus,
 * hartinfo, haltsum), abstract commands with a program buffer, and System Bus Access.
 *
 * Run control in short:
 * - haltreq halts the selected hart (cause 3) at once if it runs; it stays requested until the
 *   debugger clears it, so a hart released from reset with haltreq set halts before its first
 *   instruction.
 * - resumereq (ignored while haltreq is set) leaves debug mode and sets resumeack. With dcsr.step
 *   the one instruction runs right here, so the hart is halted again (cause 4) before the
 *   debugger's next DMI access.
 * - ndmreset holds the system in reset (hart unavailable) until it is cleared; hartreset does the
 *   same for the hart alone. Leaving reset sets havereset (cleared by ackhavereset) and halts the
 *   hart when haltreq or resethaltreq asks for it.
 * - hartsel has 20 bits; every hart but 0 reads as nonexistent, which is how debuggers count harts.
 */
import { AbstractCommands, type AbstractCommandOptions } from './abstract-commands.js';
import type { DebugHart } from './debug-hart.js';
import { DCSR_STEP, DEBUG_CSR, DM, DMCONTROL, DMSTATUS } from './dm-registers.js';
import type { DmiTarget } from './dtm.js';
import { SystemBusAccess, type SystemBusPort } from './system-bus.js';

export interface DebugModuleOptions {
  /** Program buffer words: 16 as on the ESP32-C3 (default), or 0 for none. */
  readonly progbufSize?: number;
  /** Data registers (default 2, as on the ESP32-C3). */
  readonly dataCount?: number;
  /** Implicit ebreak after the program buffer (default false, as on the ESP32-C3). */
  readonly impebreak?: boolean;
  /** Address the program buffer has for programs run from it (default 0x000ff000, unmapped on the ESP32-C3). */
  readonly progbufAddress?: number;
  /**
   * Resets the system when ndmreset is released (or SRST): peripherals and the hart. The hart
   * must enter debug mode before its first instruction when `haltAfter` is true. Default:
   * `hart.reset(haltAfter)`.
   */
  readonly systemReset?: (haltAfter: boolean) => void;
}

/** Something to tell when the hart starts running (the runner that advances it). */
export type ResumeListener = () => void;

export class DebugModule implements DmiTarget {
  readonly abstract: AbstractCommands;
  readonly sba: SystemBusAccess;
  private dmactive = false;
  private hartsel = 0;
  private haltreq = false;
  private ndmreset = false;
  private hartresetHeld = false;
  private resethaltreq = false;
  private havereset = true;
  private resumeack = false;
  private readonly impebreak: boolean;
  private readonly systemReset: (haltAfter: boolean) => void;
  private readonly resumeListeners = new Set<ResumeListener>();
  /** DMI operations so far; a runner compares it between slices to see a debugger at work. */
  dmiOperations = 0;

  constructor(readonly hart: DebugHart, readonly bus: SystemBusPort, options: DebugModuleOptions = {}) {
    this.impebreak = options.impebreak ?? false;
    const abstractOptions: AbstractCommandOptions = {
      dataCount: options.dataCount ?? 2,
      progbufSize: options.progbufSize ?? 16,
      progbufAddress: options.progbufAddress ?? 0x000ff000,
      impebreak: this.impebreak,
    };
    if (abstractOptions.dataCount < 1 || abstractOptions.dataCount > 12) throw new RangeError('dataCount must be 1..12');
    if (abstractOptions.progbufSize < 0 || abstractOptions.progbufSize > 16) throw new RangeError('progbufSize must be 0..16');
    this.abstract = new AbstractCommands(
      { hart, bus, selectedHartHalted: () => this.selectedExists() && !this.hartInReset() && hart.halted },
      abstractOptions,
    );
    this.sba = new SystemBusAccess(bus);
    this.systemReset = options.systemReset ?? ((haltAfter) => hart.reset(haltAfter));
  }

  /** The hart may run: it is not held in reset by ndmreset or hartreset. */
  get hartMayRun(): boolean {
    return !this.hartInReset();
  }

  /** Subscribe to "the hart was resumed" (for a runner). Returns an unsubscribe function. */
  onResume(listener: ResumeListener): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  /** SRST from the adapter: hold the system in reset while asserted. */
  setSystemResetLine(asserted: boolean): void {
    if (asserted) {
      this.ndmreset = true;
    } else if (this.ndmreset) {
      this.ndmreset = false;
      this.leaveReset();
    }
  }

  private hartInReset(): boolean {
    return this.ndmreset || this.hartresetHeld;
  }

  private selectedExists(): boolean {
    return this.hartsel === 0;
  }

  dmiRead(address: number): number {
    this.dmiOperations++;
    switch (address) {
      case DM.dmcontrol:
        return this.readDmcontrol();
      case DM.dmstatus:
        return this.readDmstatus();
      case DM.hartinfo:
        // nscratch = 1 (dscratch0); data registers are not shadowed in CSRs or memory.
        return this.selectedExists() ? 1 << 20 : 0;
      case DM.haltsum0:
        return (this.hartsel >>> 5) === 0 && this.hart.halted && !this.hartInReset() ? 1 : 0;
      case DM.haltsum1:
        return (this.hartsel >>> 10) === 0 && this.hart.halted && !this.hartInReset() ? 1 : 0;
      case DM.haltsum2:
      case DM.haltsum3:
      case DM.hawindowsel:
      case DM.hawindow:
      case DM.authdata:
      case DM.nextdm:
        return 0;
    }
    if (!this.dmactive) return 0;
    return this.abstract.read(address) ?? this.sba.read(address) ?? 0;
  }

  dmiWrite(address: number, value: number): void {
    this.dmiOperations++;
    value >>>= 0;
    if (address === DM.dmcontrol) {
      this.writeDmcontrol(value);
      return;
    }
    // While dmactive is 0 the module is held in reset and ignores everything but dmcontrol.
    if (!this.dmactive) return;
    if (!this.abstract.write(address, value)) this.sba.write(address, value);
  }

  private readDmcontrol(): number {
    let v = this.dmactive ? DMCONTROL.dmactive : 0;
    if (this.ndmreset) v |= DMCONTROL.ndmreset;
    if (this.hartresetHeld) v |= DMCONTROL.hartreset;
    v |= (this.hartsel & DMCONTROL.hartselloMask) << DMCONTROL.hartselloShift;
    v |= ((this.hartsel >>> 10) & DMCONTROL.hartselhiMask) << DMCONTROL.hartselhiShift;
    return v >>> 0;
  }

  private readDmstatus(): number {
    let v = DMSTATUS.version013 | DMSTATUS.authenticated | DMSTATUS.hasresethaltreq;
    if (this.impebreak) v |= DMSTATUS.impebreak;
    if (!this.selectedExists()) return (v | DMSTATUS.anynonexistent | DMSTATUS.allnonexistent) >>> 0;
    if (this.hartInReset()) v |= DMSTATUS.anyunavail | DMSTATUS.allunavail;
    else if (this.hart.halted) v |= DMSTATUS.anyhalted | DMSTATUS.allhalted;
    else v |= DMSTATUS.anyrunning | DMSTATUS.allrunning;
    if (this.resumeack) v |= DMSTATUS.anyresumeack | DMSTATUS.allresumeack;
    if (this.havereset) v |= DMSTATUS.anyhavereset | DMSTATUS.allhavereset;
    return v >>> 0;
  }

  private writeDmcontrol(value: number): void {
    if (!(value & DMCONTROL.dmactive)) {
      this.deactivate();
      return;
    }
    this.dmactive = true;
    // hartsel and the reset bits apply first; the other requests act on the new selection.
    this.hartsel =
      (((value >>> DMCONTROL.hartselloShift) & DMCONTROL.hartselloMask) |
        (((value >>> DMCONTROL.hartselhiShift) & DMCONTROL.hartselhiMask) << 10)) >>> 0;
    const selected = this.selectedExists();
    const ndmreset = (value & DMCONTROL.ndmreset) !== 0;
    if (selected) {
      this.haltreq = (value & DMCONTROL.haltreq) !== 0;
      if (value & DMCONTROL.ackhavereset) this.havereset = false;
      if (value & DMCONTROL.setresethaltreq) this.resethaltreq = true;
      else if (value & DMCONTROL.clrresethaltreq) this.resethaltreq = false;
    }
    const wasInReset = this.hartInReset();
    this.ndmreset = ndmreset;
    if (selected) this.hartresetHeld = (value & DMCONTROL.hartreset) !== 0;
    if (wasInReset && !this.hartInReset()) this.leaveReset();

    if (!selected || this.hartInReset()) return;
    if (this.haltreq) {
      if (!this.hart.halted) this.hart.requestHalt();
    } else if (value & DMCONTROL.resumereq) {
      this.resume();
    }
  }

  /** Leaving ndmreset/hartreset/SRST: reset and maybe halt at the first instruction. */
  private leaveReset(): void {
    const haltAfter = this.haltreq || this.resethaltreq;
    this.systemReset(haltAfter);
    this.havereset = true;
    this.resumeack = false;
    if (!this.hart.halted) this.notifyResume();
  }

  private resume(): void {
    if (!this.hart.halted) return;
    this.resumeack = false;
    let stepping = false;
    try {
      stepping = (this.hart.readCsr(DEBUG_CSR.dcsr) & DCSR_STEP) !== 0;
    } catch {
      stepping = false;
    }
    this.hart.resume();
    this.resumeack = true;
    if (stepping) {
      // The single step completes before the debugger looks again.
      this.hart.run(1);
      if (!this.hart.halted) this.hart.requestHalt();
      return;
    }
    this.notifyResume();
  }

  private notifyResume(): void {
    for (const listener of this.resumeListeners) listener();
  }

  /** dmactive = 0: the module returns to its reset state (the hart keeps its state). */
  private deactivate(): void {
    this.dmactive = false;
    this.hartsel = 0;
    this.haltreq = false;
    this.resethaltreq = false;
    const wasInReset = this.hartInReset();
    this.ndmreset = false;
    this.hartresetHeld = false;
    if (wasInReset) this.leaveReset();
    this.abstract.reset();
    this.sba.reset();
  }
}
