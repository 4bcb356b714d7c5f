/**
 * The ESP32-C3 flash MMU table (facts §1.5, §4.1): 128 entries at 0x600C5000, one table for the
 * IROM (0x42000000) and DROM (0x3C000000) windows. Entry = physical 64 KiB page [7:0], bit 8 = invalid.
 */
import type { MemoryDevice } from '../device.js';

export const MMU_TABLE_BASE = 0x600c5000;
export const MMU_ENTRY_COUNT = 128;
export const MMU_TABLE_SIZE = MMU_ENTRY_COUNT * 4;
export const MMU_PAGE_SIZE = 0x10000;
export const MMU_INVALID = 0x100;
export const MMU_ENTRY_MASK = 0x1ff;
export const IROM_BASE = 0x42000000;
export const DROM_BASE = 0x3c000000;
export const FLASH_WINDOW_SIZE = MMU_ENTRY_COUNT * MMU_PAGE_SIZE;

export class FlashMmu implements MemoryDevice {
  readonly name = 'MMU';
  readonly entries = new Uint32Array(MMU_ENTRY_COUNT).fill(MMU_INVALID);
  private readonly listeners: ((index: number) => void)[] = [];

  /** Called with the entry index after every change (-1: all entries). */
  onChange(fn: (index: number) => void): void {
    this.listeners.push(fn);
  }

  /** Physical flash address for a window offset, or undefined when the entry is invalid. */
  translate(windowOffset: number): number | undefined {
    const e = this.entries[(windowOffset >>> 16) & (MMU_ENTRY_COUNT - 1)]!;
    if (e & MMU_INVALID) return undefined;
    return (((e & 0xff) << 16) | (windowOffset & 0xffff)) >>> 0;
  }

  set(index: number, value: number): void {
    if (index < 0 || index >= MMU_ENTRY_COUNT) return;
    const v = value & MMU_ENTRY_MASK;
    if (this.entries[index] === v) return;
    this.entries[index] = v;
    for (const l of this.listeners) l(index);
  }

  invalidateAll(): void {
    this.entries.fill(MMU_INVALID);
    for (const l of this.listeners) l(-1);
  }

  /** Window offsets (page indices) whose entry maps physical page `page`. */
  indicesForPage(page: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < MMU_ENTRY_COUNT; i++) if (this.entries[i] === page) out.push(i);
    return out;
  }

  read32(offset: number): number {
    return offset < MMU_TABLE_SIZE ? this.entries[offset >>> 2]! : 0;
  }
  read16(offset: number): number {
    return (this.read32(offset & ~3) >>> ((offset & 2) * 8)) & 0xffff;
  }
  read8(offset: number): number {
    return (this.read32(offset & ~3) >>> ((offset & 3) * 8)) & 0xff;
  }
  write32(offset: number, value: number): void {
    if (offset < MMU_TABLE_SIZE) this.set(offset >>> 2, value);
  }
  write16(offset: number, value: number): void {
    const shift = (offset & 2) * 8;
    const old = this.read32(offset & ~3);
    this.write32(offset & ~3, (old & ~(0xffff << shift)) | ((value & 0xffff) << shift));
  }
  write8(offset: number, value: number): void {
    const shift = (offset & 3) * 8;
    const old = this.read32(offset & ~3);
    this.write32(offset & ~3, (old & ~(0xff << shift)) | ((value & 0xff) << shift));
  }
}
