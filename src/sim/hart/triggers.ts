/**
 * Debug trigger module (RISC-V debug spec 0.13): `count` triggers of type 2 (mcontrol) selected
 * through tselect. Supported: execute, load and store matches in M-mode, match = equal (0),
 * NAPOT (1), >= (2), < (3); action 0 (breakpoint exception) or 1 (enter debug mode); timing
 * "before". chain and select are hard-wired to 0.
 */
export const MCONTROL_TYPE = 2;

// mcontrol bit positions
const DMODE = 1 << 27;
const HIT = 1 << 20;
const ACTION_SHIFT = 12;
const MATCH_SHIFT = 7;
const M = 1 << 6;
const U = 1 << 3;
const EXECUTE = 1 << 2;
const STORE = 1 << 1;
const LOAD = 1 << 0;
/** maskmax = 31: NAPOT ranges up to 2^31 bytes. */
const MASKMAX = 31 << 21;
/** Bits a debugger may write (dmode, hit, sizelo, action, match, m, u, execute, store, load). */
const WRITABLE = DMODE | HIT | (3 << 16) | (0xf << ACTION_SHIFT) | (0xf << MATCH_SHIFT) | M | U | EXECUTE | STORE | LOAD;

export type TriggerAction = 'exception' | 'debug';

export class TriggerModule {
  readonly tdata1: Uint32Array;
  readonly tdata2: Uint32Array;
  select = 0;
  /** Any trigger armed for execute / for load or store (checked on the hart's hot path). */
  executeArmed = false;
  memoryArmed = false;

  constructor(readonly count: number) {
    this.tdata1 = new Uint32Array(Math.max(count, 1));
    this.tdata2 = new Uint32Array(Math.max(count, 1));
    this.reset();
  }

  reset(): void {
    this.tdata1.fill(((MCONTROL_TYPE << 28) | MASKMAX) >>> 0);
    this.tdata2.fill(0);
    this.select = 0;
    this.update();
  }

  writeSelect(v: number): void {
    // Writing an index that does not exist leaves a value that reads back differently, which is how
    // debuggers count triggers.
    this.select = v >>> 0 < this.count ? v >>> 0 : this.select;
  }

  readTdata1(): number {
    return this.count === 0 ? 0 : this.tdata1[this.select]!;
  }

  /** `debugMode`: the write comes from a debugger (may write dmode=1 triggers). */
  writeTdata1(v: number, debugMode: boolean): void {
    if (this.count === 0) return;
    const cur = this.tdata1[this.select]!;
    if ((cur & DMODE) && !debugMode) return;
    let next = (MCONTROL_TYPE << 28) | MASKMAX | (v & WRITABLE);
    if (!debugMode) next &= ~DMODE;
    const action = (next >>> ACTION_SHIFT) & 0xf;
    if (action > 1) next &= ~(0xf << ACTION_SHIFT); // unsupported action → 0
    const match = (next >>> MATCH_SHIFT) & 0xf;
    if (match > 3) next &= ~(0xf << MATCH_SHIFT);
    this.tdata1[this.select] = next >>> 0;
    this.update();
  }

  readTdata2(): number {
    return this.count === 0 ? 0 : this.tdata2[this.select]!;
  }

  writeTdata2(v: number, debugMode: boolean): void {
    if (this.count === 0) return;
    if ((this.tdata1[this.select]! & DMODE) && !debugMode) return;
    this.tdata2[this.select] = v >>> 0;
  }

  private update(): void {
    let ex = false;
    let mem = false;
    for (let i = 0; i < this.count; i++) {
      const t = this.tdata1[i]!;
      if (!(t & M)) continue;
      if (t & EXECUTE) ex = true;
      if (t & (LOAD | STORE)) mem = true;
    }
    this.executeArmed = ex;
    this.memoryArmed = mem;
  }

  private matches(i: number, addr: number): boolean {
    const t = this.tdata1[i]!;
    const v = this.tdata2[i]!;
    switch ((t >>> MATCH_SHIFT) & 0xf) {
      case 0: return addr === v;
      case 1: {
        // NAPOT: trailing ones of tdata2 give the size.
        let ones = 0;
        while (ones < 31 && (v >>> ones) & 1) ones++;
        const mask = ones >= 31 ? 0 : (~((1 << (ones + 1)) - 1)) >>> 0;
        return ((addr & mask) >>> 0) === ((v & mask) >>> 0);
      }
      case 2: return addr >= v;
      case 3: return addr < v;
    }
    return false;
  }

  /** The action of the first armed execute trigger matching `pc` (its hit bit is set), or undefined. */
  checkExecute(pc: number): TriggerAction | undefined {
    return this.check(EXECUTE, pc >>> 0);
  }

  /** Same for a load (`store` false) or a store of `size` bytes at `addr`. */
  checkMemory(addr: number, size: number, store: boolean): TriggerAction | undefined {
    const kind = store ? STORE : LOAD;
    for (let k = 0; k < size; k++) {
      const hit = this.check(kind, (addr + k) >>> 0);
      if (hit) return hit;
    }
    return undefined;
  }

  private check(kind: number, addr: number): TriggerAction | undefined {
    for (let i = 0; i < this.count; i++) {
      const t = this.tdata1[i]!;
      if (!(t & M) || !(t & kind)) continue;
      if (!this.matches(i, addr)) continue;
      this.tdata1[i] = (t | HIT) >>> 0;
      return ((t >>> ACTION_SHIFT) & 0xf) === 1 ? 'debug' : 'exception';
    }
    return undefined;
  }
}
