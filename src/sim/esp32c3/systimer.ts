/**
 * SYSTIMER (0x60023000): two 52-bit counters at 16 MHz. The simulated time base is the number of
 * retired instructions at an assumed 160 MHz with one instruction per cycle, so one tick = 10
 * instructions. UPDATE latches the value, VALUE_VALID reads set; LOAD sets a counter.
 */
import { RegisterBlock } from './register-block.js';

export const SYSTIMER_BASE = 0x60023000;
export const INSTRUCTIONS_PER_SYSTIMER_TICK = 10;

const UNIT = [
  { op: 0x04, loadHi: 0x0c, loadLo: 0x10, valueHi: 0x40, valueLo: 0x44, load: 0x5c },
  { op: 0x08, loadHi: 0x14, loadLo: 0x18, valueHi: 0x48, valueLo: 0x4c, load: 0x60 },
] as const;

export class Systimer extends RegisterBlock {
  private readonly offsets = [0, 0];

  constructor(private readonly instructions: () => number) {
    super('SYSTIMER', 0x1000, { 0x00: 1 << 30 });
  }

  /** Current counter of unit `u`. */
  counter(u: 0 | 1): number {
    return Math.floor(this.instructions() / INSTRUCTIONS_PER_SYSTIMER_TICK) + this.offsets[u]!;
  }

  protected override readReg(offset: number): number {
    for (const unit of UNIT) {
      if (offset === unit.op) return (super.readReg(offset) | (1 << 29)) >>> 0; // VALUE_VALID
    }
    return super.readReg(offset);
  }

  protected override writeReg(offset: number, value: number): void {
    for (let u = 0; u < 2; u++) {
      const unit = UNIT[u]!;
      if (offset === unit.op) {
        if (value & (1 << 30)) {
          const c = this.counter(u as 0 | 1);
          this.poke(unit.valueLo, c % 2 ** 32);
          this.poke(unit.valueHi, Math.floor(c / 2 ** 32) & 0xfffff);
        }
        this.poke(offset, value & ~(1 << 30));
        return;
      }
      if (offset === unit.load && value & 1) {
        const loaded = (this.peek(unit.loadHi) & 0xfffff) * 2 ** 32 + this.peek(unit.loadLo);
        this.offsets[u] = loaded - Math.floor(this.instructions() / INSTRUCTIONS_PER_SYSTIMER_TICK);
        return;
      }
    }
    super.writeReg(offset, value);
  }
}
