/**
 * A flash window (DROM 0x3C000000 or IROM 0x42000000, 8 MiB each) read through the MMU.
 * Invalid entries and disabled/shut buses raise BusFault and are recorded in EXTMEM; writes fault.
 */
import { BusFault, type MemoryDevice } from '../device.js';
import type { SpiNorFlash } from '../flash/spi-nor.js';
import type { FlashMmu } from './mmu.js';
import type { Extmem } from './extmem.js';

export class FlashWindow implements MemoryDevice {
  constructor(
    readonly name: string,
    readonly base: number,
    private readonly bus: 'ibus' | 'dbus',
    private readonly mmu: FlashMmu,
    private readonly extmem: Extmem,
    private readonly flash: SpiNorFlash,
  ) {}

  private physical(offset: number, size: number): number {
    const blocked = this.extmem.blockReason(this.bus);
    const vaddr = (this.base + offset) >>> 0;
    if (blocked) {
      this.extmem.recordDisabledAccess(this.bus);
      throw new BusFault(vaddr, this.bus === 'ibus' ? 'fetch' : 'load', size, blocked);
    }
    const p = this.mmu.translate(offset);
    if (p === undefined) {
      const index = offset >>> 16;
      this.extmem.recordMmuFault(vaddr, index, this.mmu.entries[index]!);
      throw new BusFault(vaddr, 'load', size, `MMU entry ${index} is invalid (MMU_ENTRY_FAULT)`);
    }
    return p % this.flash.size;
  }

  read8(offset: number): number {
    return this.flash.bytes[this.physical(offset, 1)]!;
  }
  read16(offset: number): number {
    const p = this.physical(offset, 2);
    const b = this.flash.bytes;
    return b[p]! | (b[(p + 1) % this.flash.size]! << 8);
  }
  read32(offset: number): number {
    const p = this.physical(offset, 4);
    const b = this.flash.bytes;
    if (p + 3 < b.length) return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    return (this.read16(offset) | (this.read16(offset + 2) << 16)) >>> 0;
  }
  write8(offset: number): void {
    throw new BusFault((this.base + offset) >>> 0, 'store', 1, `${this.name} is read-only flash`);
  }
  write16(offset: number): void {
    throw new BusFault((this.base + offset) >>> 0, 'store', 2, `${this.name} is read-only flash`);
  }
  write32(offset: number): void {
    throw new BusFault((this.base + offset) >>> 0, 'store', 4, `${this.name} is read-only flash`);
  }
}
