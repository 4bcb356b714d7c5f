/** The simulated chip's memory map for GDB (qXfer:memory-map:read). */
import type { MemoryRegion } from '../../gdb/memory-map.js';
import { DROM_BASE, FLASH_WINDOW_SIZE, IROM_BASE } from './mmu.js';
import {
  ROM_BASE, ROM_DATA_VIEW_BASE, ROM_DATA_VIEW_SIZE, ROM_SIZE, RTC_FAST_BASE, RTC_FAST_SIZE, SRAM0_BASE, SRAM0_SIZE,
  SRAM1_DATA_BASE, SRAM1_INSTR_BASE, SRAM1_SIZE,
} from './chip.js';

/** ROM and the flash windows are read-only for GDB (it then prefers hardware breakpoints there). */
export function esp32c3MemoryRegions(): MemoryRegion[] {
  return [
    { type: 'rom', start: DROM_BASE, length: FLASH_WINDOW_SIZE },
    { type: 'ram', start: SRAM1_DATA_BASE, length: SRAM1_SIZE },
    { type: 'rom', start: ROM_DATA_VIEW_BASE, length: ROM_DATA_VIEW_SIZE },
    { type: 'rom', start: ROM_BASE, length: ROM_SIZE },
    { type: 'ram', start: SRAM0_BASE, length: SRAM0_SIZE },
    { type: 'ram', start: SRAM1_INSTR_BASE, length: SRAM1_SIZE },
    { type: 'rom', start: IROM_BASE, length: FLASH_WINDOW_SIZE },
    { type: 'ram', start: RTC_FAST_BASE, length: RTC_FAST_SIZE },
    { type: 'ram', start: 0x60000000, length: 0x100000 },
  ];
}
