/**
 * Hardware breakpoints and watchpoints as a debugger sets them on the hart's triggers (as OpenOCD
 * does): each takes a free trigger (one whose tdata1 matches nothing; the program may use others
 * itself) armed as mcontrol, M-mode, action "enter debug mode" — execute for a breakpoint, store
 * and/or load for a watchpoint (one byte: match equal; more: the smallest aligned power-of-two
 * range holding them, NAPOT). Breakpoints and watchpoints draw from the same triggers, as on the
 * ESP32-C3. The hart's trigger module does the matching; which trigger fired is read back from its
 * hit bit. What was set is kept, so the triggers can be armed again after a reset clears them.
 */
import type { WatchpointKind } from '../target/types.js';
import { RISCV_CSR } from '../target/riscv-registers.js';
import type { Hart } from './hart/hart.js';

/** mcontrol: type 2, dmode, action 1 (enter debug), M-mode. */
const MCONTROL_DEBUG_M = ((2 << 28) | (1 << 27) | (1 << 12) | (1 << 6)) >>> 0;
const EXECUTE = 1 << 2;
const STORE = 1 << 1;
const LOAD = 1 << 0;
const MATCH_NAPOT = 1 << 7;
const HIT = 1 << 20;
const MCONTROL_MATCH_BITS = EXECUTE | STORE | LOAD;

const ACCESS_BITS: Readonly<Record<WatchpointKind, number>> = { write: STORE, read: LOAD, access: STORE | LOAD };

/** What one trigger is set for. */
type Use =
  | { readonly type: 'breakpoint'; readonly address: number }
  | { readonly type: 'watchpoint'; readonly address: number; readonly length: number; readonly kind: WatchpointKind };

export interface WatchpointHit {
  readonly kind: WatchpointKind;
  /** Start of the watched range. */
  readonly address: number;
}

export class DebuggerTriggers {
  private readonly uses = new Map<string, { readonly use: Use; readonly index: number }>();

  constructor(
    private readonly hart: Hart,
    readonly count: number,
  ) {}

  /** Arm a trigger at `address` (already armed: nothing to do); false when every trigger is in use. */
  addBreakpoint(address: number): boolean {
    return this.add({ type: 'breakpoint', address: address >>> 0 });
  }

  removeBreakpoint(address: number): void {
    this.remove(key({ type: 'breakpoint', address: address >>> 0 }));
  }

  /** Arm a trigger on `length` bytes at `address`; false when every trigger is in use. */
  addWatchpoint(address: number, length: number, kind: WatchpointKind): boolean {
    return this.add({ type: 'watchpoint', address: address >>> 0, length: Math.max(1, length), kind });
  }

  removeWatchpoint(address: number, length: number, kind: WatchpointKind): void {
    this.remove(key({ type: 'watchpoint', address: address >>> 0, length: Math.max(1, length), kind }));
  }

  /** Arm every trigger again (after a reset cleared them). */
  rearm(): void {
    for (const { use, index } of this.uses.values()) this.arm(index, use);
  }

  /**
   * After a trigger halt: the watchpoint whose trigger fired, if one did (undefined for a
   * breakpoint). Clears the hit bits of our triggers, so the next halt is judged afresh.
   */
  takeWatchpointHit(): WatchpointHit | undefined {
    const h = this.hart;
    let hit: WatchpointHit | undefined;
    for (const { use, index } of this.uses.values()) {
      h.writeCsr(RISCV_CSR.tselect, index);
      const tdata1 = h.readCsr(RISCV_CSR.tdata1);
      if (!(tdata1 & HIT)) continue;
      h.writeCsr(RISCV_CSR.tdata1, tdata1 & ~HIT);
      if (use.type === 'watchpoint' && !hit) hit = { kind: use.kind, address: use.address };
    }
    return hit;
  }

  private add(use: Use): boolean {
    const k = key(use);
    if (this.uses.has(k)) return true;
    const index = this.freeTrigger();
    if (index === undefined) return false;
    this.uses.set(k, { use, index });
    this.arm(index, use);
    return true;
  }

  private remove(k: string): void {
    const entry = this.uses.get(k);
    if (!entry) return;
    this.uses.delete(k);
    const h = this.hart;
    h.writeCsr(RISCV_CSR.tselect, entry.index);
    h.writeCsr(RISCV_CSR.tdata1, 0);
    h.writeCsr(RISCV_CSR.tdata2, 0);
  }

  private freeTrigger(): number | undefined {
    const h = this.hart;
    const used = new Set([...this.uses.values()].map((u) => u.index));
    for (let i = 0; i < this.count; i++) {
      if (used.has(i)) continue;
      h.writeCsr(RISCV_CSR.tselect, i);
      if ((h.readCsr(RISCV_CSR.tdata1) & MCONTROL_MATCH_BITS) === 0) return i;
    }
    return undefined;
  }

  private arm(index: number, use: Use): void {
    const h = this.hart;
    let tdata1 = MCONTROL_DEBUG_M | EXECUTE;
    let tdata2 = use.address;
    if (use.type === 'watchpoint') {
      const size = napotSize(use.address, use.length);
      tdata1 = MCONTROL_DEBUG_M | ACCESS_BITS[use.kind] | (size > 1 ? MATCH_NAPOT : 0);
      // NAPOT: the base of the range with size/2 - 1 in its low bits (as many trailing ones as size has zero bits, less one).
      tdata2 = size > 1 ? ((use.address & ~(size - 1)) | (size / 2 - 1)) >>> 0 : use.address;
    }
    h.writeCsr(RISCV_CSR.tselect, index);
    h.writeCsr(RISCV_CSR.tdata1, 0);
    h.writeCsr(RISCV_CSR.tdata2, tdata2);
    h.writeCsr(RISCV_CSR.tdata1, tdata1 >>> 0);
  }
}

function key(use: Use): string {
  return use.type === 'breakpoint' ? `b${use.address}` : `w${use.kind}:${use.address}:${use.length}`;
}

/** The smallest power-of-two size whose aligned block holds [address, address + length). */
function napotSize(address: number, length: number): number {
  const last = address + length - 1;
  let size = 1;
  while (size < 2 ** 31 && Math.floor(address / size) !== Math.floor(last / size)) size *= 2;
  return size;
}
