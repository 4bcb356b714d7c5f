/**
 * The peripheral address space 0x60000000–0x60100000 as one bus device that dispatches to the
 * blocks mapped in it (2 KiB granularity: RTC_CNTL and EFUSE share a 4 KiB page). Addresses no
 * block claims read 0 and ignore writes, like Espressif's QEMU; each such address is counted and
 * reported once through `log`.
 */
import { hex32 } from '../../chips/types.js';
import type { MemoryDevice } from '../device.js';

export const PERIPHERAL_BASE = 0x60000000;
export const PERIPHERAL_SIZE = 0x100000;
const GRAIN_SHIFT = 11;

interface Slot {
  readonly start: number;
  readonly end: number;
  readonly device: MemoryDevice;
}

export class PeripheralSpace implements MemoryDevice {
  readonly name = 'peripherals';
  private readonly slots: (Slot | undefined)[] = new Array(PERIPHERAL_SIZE >>> GRAIN_SHIFT);
  /** Accesses to addresses nothing models, by address. */
  readonly unknownAccesses = new Map<number, number>();

  constructor(private readonly log?: (message: string) => void) {}

  /** Place `device` at absolute `address` (2 KiB aligned) for `size` bytes. */
  attach(address: number, size: number, device: MemoryDevice): void {
    const start = (address - PERIPHERAL_BASE) >>> 0;
    const slot = { start, end: start + size, device };
    for (let g = start >>> GRAIN_SHIFT; g < (start + size + (1 << GRAIN_SHIFT) - 1) >>> GRAIN_SHIFT; g++) {
      if (this.slots[g]) throw new Error(`peripheral ${device.name} at ${hex32(address)} overlaps ${this.slots[g]!.device.name}`);
      this.slots[g] = slot;
    }
  }

  /** The block mapped at an absolute address, if any. */
  deviceAt(address: number): MemoryDevice | undefined {
    return this.slots[((address - PERIPHERAL_BASE) >>> 0) >>> GRAIN_SHIFT]?.device;
  }

  private slot(offset: number, write: boolean): Slot | undefined {
    const s = this.slots[offset >>> GRAIN_SHIFT];
    if (s && offset < s.end) return s;
    const addr = (PERIPHERAL_BASE + (offset & ~3)) >>> 0;
    const n = this.unknownAccesses.get(addr) ?? 0;
    this.unknownAccesses.set(addr, n + 1);
    if (n === 0) this.log?.(`peripheral ${write ? 'write to' : 'read of'} ${hex32(addr)}: no register modelled there (reads 0, writes ignored)`);
    return undefined;
  }

  read8(offset: number): number {
    const s = this.slot(offset, false);
    return s ? s.device.read8(offset - s.start) : 0;
  }
  read16(offset: number): number {
    const s = this.slot(offset, false);
    return s ? s.device.read16(offset - s.start) : 0;
  }
  read32(offset: number): number {
    const s = this.slot(offset, false);
    return s ? s.device.read32(offset - s.start) : 0;
  }
  write8(offset: number, value: number): void {
    const s = this.slot(offset, true);
    if (s) s.device.write8(offset - s.start, value);
  }
  write16(offset: number, value: number): void {
    const s = this.slot(offset, true);
    if (s) s.device.write16(offset - s.start, value);
  }
  write32(offset: number, value: number): void {
    const s = this.slot(offset, true);
    if (s) s.device.write32(offset - s.start, value);
  }
}
