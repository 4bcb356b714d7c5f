/** JEDEC identification of the simulated SPI NOR flash: 0xMMTTCC (manufacturer, memory type, capacity). */

export const MIN_FLASH_SIZE = 0x100000; // 1 MiB
export const MAX_FLASH_SIZE = 0x1000000; // 16 MiB (24-bit addressing, 256 MMU pages)

/** Winbond W25Q-series manufacturer and memory type, as most ESP32-C3 modules carry. */
export const DEFAULT_MANUFACTURER = 0xef;
export const DEFAULT_MEMORY_TYPE = 0x40;

export class FlashConfigError extends Error {
  readonly code = 'SIM_FLASH_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'FlashConfigError';
  }
}

/** Capacity byte of a standard JEDEC id: log2 of the size in bytes (0x16 = 4 MiB). */
export function capacityCodeForSize(size: number): number {
  return Math.log2(size);
}

export function sizeForCapacityCode(code: number): number | undefined {
  if (code < 0x10 || code > 0x1f) return undefined;
  return 2 ** code;
}

export function checkFlashSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_FLASH_SIZE || size > MAX_FLASH_SIZE || (size & (size - 1)) !== 0) {
    throw new FlashConfigError(
      `flash size ${size} bytes is not supported: use a power of two from 1 MiB to 16 MiB (e.g. 4MB = ${0x400000})`,
    );
  }
}

/** The id a chip of `size` bytes reports, 0xMMTTCC. */
export function defaultJedecId(size: number): number {
  return ((DEFAULT_MANUFACTURER << 16) | (DEFAULT_MEMORY_TYPE << 8) | capacityCodeForSize(size)) >>> 0;
}

/** Parse "4MB", "4M", "4MiB", "512KB", "0x400000" or a plain byte count. */
export function parseFlashSize(text: string): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*(k|kb|kib|m|mb|mib)?\s*$/i.exec(text);
  if (!m) throw new FlashConfigError(`cannot read flash size "${text}": write it like 4MB, 16MB or 0x400000`);
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (unit.startsWith('k')) return n * 1024;
  if (unit.startsWith('m')) return n * 1024 * 1024;
  return n;
}
