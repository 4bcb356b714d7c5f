/**
 * ROM-owned data the flash services use (facts §2.5): the pointer at 0x3FCDFFF0 to
 * esp_rom_spiflash_legacy_data_t, which this simulator places at 0x3FCDFE00 inside the ROM's
 * fixed interface area (0x3FCDF830–0x3FCE0000), and the cache MMU-end variables at 0x3FCDFE40.
 * The services read the record through the bus on every call, as the ROM reads its RAM, so a
 * program that changes it changes their behaviour.
 */
import type { Bus } from '../../bus.js';

export const ROM_SPIFLASH_LEGACY_DATA_PTR = 0x3fcdfff0;
export const ROM_SPIFLASH_LEGACY_FUNCS_PTR = 0x3fcdfff4;
export const ROM_LEGACY_DATA_ADDR = 0x3fcdfe00;
/** Cache_Get_IROM_MMU_End / Cache_Get_DROM_MMU_End variables (simulator placement). */
export const ROM_IROM_MMU_END_ADDR = 0x3fcdfe40;
export const ROM_DROM_MMU_END_ADDR = 0x3fcdfe44;
/** CPU frequency in MHz for ets_get_cpu_frequency (simulator placement). */
export const ROM_CPU_FREQ_ADDR = 0x3fcdfe48;

export const LEGACY = {
  deviceId: 0,
  chipSize: 4,
  blockSize: 8,
  sectorSize: 12,
  pageSize: 16,
  statusMask: 20,
  dummyLenPlus: 24, // [0] SPI0, [1] SPI1, [2]
  sigMatrix: 27,
} as const;

export interface FlashChipRecord {
  deviceId: number;
  chipSize: number;
  blockSize: number;
  sectorSize: number;
  pageSize: number;
  statusMask: number;
}

/** Where the record currently is (follows the pointer, as the ROM does). */
export function legacyDataAddress(bus: Bus): number {
  return bus.read32(ROM_SPIFLASH_LEGACY_DATA_PTR);
}

export function readFlashChip(bus: Bus): FlashChipRecord {
  const a = legacyDataAddress(bus);
  return {
    deviceId: bus.read32(a + LEGACY.deviceId),
    chipSize: bus.read32(a + LEGACY.chipSize),
    blockSize: bus.read32(a + LEGACY.blockSize),
    sectorSize: bus.read32(a + LEGACY.sectorSize),
    pageSize: bus.read32(a + LEGACY.pageSize),
    statusMask: bus.read32(a + LEGACY.statusMask),
  };
}

export function writeFlashChip(bus: Bus, chip: FlashChipRecord): void {
  const a = legacyDataAddress(bus);
  bus.write32(a + LEGACY.deviceId, chip.deviceId);
  bus.write32(a + LEGACY.chipSize, chip.chipSize);
  bus.write32(a + LEGACY.blockSize, chip.blockSize);
  bus.write32(a + LEGACY.sectorSize, chip.sectorSize);
  bus.write32(a + LEGACY.pageSize, chip.pageSize);
  bus.write32(a + LEGACY.statusMask, chip.statusMask);
}

export function readDummyLenPlus(bus: Bus, spi: 0 | 1 | 2): number {
  return bus.read8(legacyDataAddress(bus) + LEGACY.dummyLenPlus + spi);
}

export function writeDummyLenPlus(bus: Bus, spi: 0 | 1 | 2, value: number): void {
  bus.write8(legacyDataAddress(bus) + LEGACY.dummyLenPlus + spi, value);
}

/**
 * What the ROM's start-up and the 2nd-stage bootloader leave behind: the pointer, a record
 * configured like IDF's bootloader does (64K block, 4K sector, 256 page, mask 0xFFFF),
 * dummy_len_plus all 0, MMU ends covering the whole table.
 */
export function initRomData(bus: Bus, deviceId: number, chipSize: number): void {
  bus.write32(ROM_SPIFLASH_LEGACY_DATA_PTR, ROM_LEGACY_DATA_ADDR);
  bus.write32(ROM_SPIFLASH_LEGACY_FUNCS_PTR, 0);
  bus.writeBlock(ROM_LEGACY_DATA_ADDR, new Uint8Array(28));
  writeFlashChip(bus, { deviceId, chipSize, blockSize: 0x10000, sectorSize: 0x1000, pageSize: 0x100, statusMask: 0xffff });
  bus.write32(ROM_IROM_MMU_END_ADDR, 0x200);
  bus.write32(ROM_DROM_MMU_END_ADDR, 0x200);
  bus.write32(ROM_CPU_FREQ_ADDR, 160);
}
