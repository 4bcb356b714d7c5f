/** The simulated ESP32-C3. */
export { Esp32c3, type Esp32c3Options, type RomFunction, ROM_BASE, ROM_SIZE, SRAM1_DATA_BASE, SRAM1_INSTR_BASE, SRAM1_SIZE, SRAM0_BASE, RTC_FAST_BASE, ROM_STACK_TOP } from './chip.js';
export { simulatedRomElf } from './rom-elf.js';
export { createSimulatedEsp32c3, type SimulatedEsp32c3, type SimulatedEsp32c3Options } from './create.js';
export { startSimJtagServer, type SimJtagServerOptions } from './jtag-server.js';
export { bootFromFlash, BootError, DEFAULT_PARTITION_TABLE_OFFSET, BOOT_STACK_POINTER, type BootInfo, type BootMapping, type BootOptions } from './boot.js';
export { SCENARIOS, findScenario, UnknownScenarioError, type Scenario } from './scenarios.js';
export { SpiMemController, type SpiMemOptions, type SpiTrace } from './spi-mem.js';
export * from './spi-mem-regs.js';
export { shiftReceived } from './spi-shift.js';
export { FlashMmu, MMU_TABLE_BASE, MMU_ENTRY_COUNT, MMU_PAGE_SIZE, MMU_INVALID, IROM_BASE, DROM_BASE, FLASH_WINDOW_SIZE } from './mmu.js';
export { Extmem, EXTMEM_BASE, EXTMEM_REG } from './extmem.js';
export { esp32c3MemoryRegions } from './memory-map.js';
export { RESET_CAUSE, WDT_WRITE_KEY, SWD_WRITE_KEY, RTC_REG, TIMG_REG, type ResetRequest } from './watchdogs.js';
export { INSTRUCTIONS_PER_SYSTIMER_TICK } from './systimer.js';
export {
  ROM_SERVICES, ROM_SYMBOLS, ROM_ALIASES, romSymbolTable, romAddress, romSymbolAt, installRom,
  ROM_SPIFLASH_LEGACY_DATA_PTR, ROM_LEGACY_DATA_ADDR, readFlashChip, writeFlashChip, readDummyLenPlus, writeDummyLenPlus,
  ROM_OK, ROM_ERR, ROM_TIMEOUT, type RomEnvironment, type RomService, type RomSymbolRow, type FlashChipRecord,
} from './rom/index.js';
