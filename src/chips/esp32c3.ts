import type { ChipDescriptor } from './types.js';

export const esp32c3: ChipDescriptor = {
  name: 'esp32c3',
  displayName: 'ESP32-C3',
  architecture: 'riscv32',
  cores: 1,
  imageChipId: 0x0005,
  jtagIdcode: 0x00005c25,
  bootloaderOffset: 0x0,
  sramAlias: {
    kind: 'offset',
    offset: 0x700000,
    dram: { start: 0x3fc80000, end: 0x3fce0000 },
    iram: { start: 0x40380000, end: 0x403e0000 },
  },
  drom: { start: 0x3c000000, end: 0x3c800000 },
  irom: { start: 0x42000000, end: 0x42800000 },
  sharedFlashWindow: false,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  directBootMapBytes: 0x400000, // rev 3 and later
  mmuPageSizes: [0x10000],
  mmuEntries: 128,
  mmuTable: 0x600c5000,
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40060000 },
  assistDebugMonitor: 0x600ce000, // ASSIST_DEBUG_C0RE_0_MONTR_ENA
  stub: {
    workArea: { start: 0x3fc80000, end: 0x3fc80000 + 0x24000 },
    iramOrigin: 0x40380000,
    iramLength: 0x4000,
    dramOrigin: 0x3fc84000,
    dramLength: 0x20000,
  },
  romFlash: {
    spiflashRead: { name: 'esp_rom_spiflash_read', address: 0x40000130, prototype: 'esp_rom_spiflash_result_t esp_rom_spiflash_read(uint32_t src, uint32_t *dest, int32_t len)' },
    legacyDataPointer: 0x3fcdfff0,
    legacyDataRange: { start: 0x3fc80000, end: 0x3fce0000 },
    caches: [
      {
        cache: 'icache',
        enableRegister: 0x600c4000, // EXTMEM ICACHE_CTRL
        enableMask: 0x1,
        suspend: { name: 'Cache_Suspend_ICache', address: 0x40000524, prototype: 'uint32_t Cache_Suspend_ICache(void)' },
        resume: { name: 'Cache_Resume_ICache', address: 0x40000528, prototype: 'void Cache_Resume_ICache(uint32_t autoload)' },
      },
    ],
  },
  spi1: {
    base: 0x60002000,
    spi0Base: 0x60003000,
    reg: {
      cmd: 0x00, addr: 0x04, ctrl: 0x08, ctrl1: 0x0c, ctrl2: 0x10, clock: 0x14, user: 0x18, user1: 0x1c, user2: 0x20,
      mosiDlen: 0x24, misoDlen: 0x28, rdStatus: 0x2c, misc: 0x34, fsm: 0x54, w0: 0x58, timingCali: 0xa8,
    },
    spi0FsmIdleMask: 0x70, // EM_ST [6:4]
    ctrlOctalBits: 0,
  },
};
