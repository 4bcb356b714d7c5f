/**
 * A block of 32-bit registers that read back what was written (unless a subclass says otherwise).
 * Byte and halfword accesses are merged into the word without calling the read hook twice.
 */
import type { MemoryDevice } from '../device.js';

export class RegisterBlock implements MemoryDevice {
  protected readonly regs: Uint32Array;
  private readonly resets: ReadonlyMap<number, number>;

  constructor(readonly name: string, readonly size: number, resets: Readonly<Record<number, number>> = {}) {
    this.regs = new Uint32Array(size >>> 2);
    this.resets = new Map(Object.entries(resets).map(([k, v]) => [Number(k), v >>> 0]));
    this.resetRegisters();
  }

  /** Back to the reset values. */
  resetRegisters(): void {
    this.regs.fill(0);
    for (const [off, v] of this.resets) this.regs[off >>> 2] = v;
  }

  /** The stored value, without side effects. */
  peek(offset: number): number {
    return this.regs[offset >>> 2]! >>> 0;
  }

  /** Store a value without side effects. */
  poke(offset: number, value: number): void {
    this.regs[offset >>> 2] = value >>> 0;
  }

  /** Hook: a 32-bit read of the register at `offset` (word aligned). */
  protected readReg(offset: number): number {
    return this.regs[offset >>> 2]! >>> 0;
  }

  /** Hook: a write of the register at `offset`; `value` already merged for byte/halfword writes. */
  protected writeReg(offset: number, value: number): void {
    this.regs[offset >>> 2] = value >>> 0;
  }

  read32(offset: number): number {
    return this.readReg(offset & ~3) >>> 0;
  }
  read16(offset: number): number {
    return (this.readReg(offset & ~3) >>> ((offset & 2) * 8)) & 0xffff;
  }
  read8(offset: number): number {
    return (this.readReg(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  write32(offset: number, value: number): void {
    this.writeReg(offset & ~3, value >>> 0);
  }
  write16(offset: number, value: number): void {
    const shift = (offset & 2) * 8;
    const old = this.peek(offset & ~3);
    this.writeReg(offset & ~3, ((old & ~(0xffff << shift)) | ((value & 0xffff) << shift)) >>> 0);
  }
  write8(offset: number, value: number): void {
    const shift = (offset & 3) * 8;
    const old = this.peek(offset & ~3);
    this.writeReg(offset & ~3, ((old & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0);
  }
}
