import type { ChipDescriptor } from './types.js';

export const esp32s3: ChipDescriptor = {
  name: 'esp32s3',
  displayName: 'ESP32-S3',
  architecture: 'xtensa',
  cores: 2,
  imageChipId: 0x0009,
  jtagIdcode: 0x120034e5,
  bootloaderOffset: 0x0,
  sramAlias: {
    kind: 'offset',
    offset: 0x6f0000,
    dram: { start: 0x3fc88000, end: 0x3fcf0000 },
    iram: { start: 0x40378000, end: 0x403e0000 },
  },
  // OpenOCD's driver range; the stub library and esptool accept up to 0x3E000000 (incl. PSRAM data).
  drom: { start: 0x3c000000, end: 0x3d000000 },
  irom: { start: 0x42000000, end: 0x44000000 },
  sharedFlashWindow: false,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  mmuPageSizes: [0x10000],
  mmuEntries: 512,
  mmuTable: 0x600c5000,
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40060000 },
  stub: {
    workArea: { start: 0x3fc9c000, end: 0x3fc9c000 + 0x24000 },
    iramOrigin: 0x4038c000,
    iramLength: 0x4000,
    dramOrigin: 0x3fca0000,
    dramLength: 0x20000,
  },
  romFlash: {
    spiflashRead: { name: 'esp_rom_spiflash_read', address: 0x40000a20, prototype: 'esp_rom_spiflash_result_t esp_rom_spiflash_read(uint32_t src, uint32_t *dest, int32_t len)' },
    legacyDataPointer: 0x3fceffe4,
    legacyDataRange: { start: 0x3fc88000, end: 0x3fd00000 },
    caches: [
      {
        cache: 'icache',
        enableRegister: 0x600c4060, // EXTMEM ICACHE_CTRL
        enableMask: 0x1,
        suspend: { name: 'rom_Cache_Suspend_ICache', address: 0x4000189c, prototype: 'uint32_t Cache_Suspend_ICache(void)' },
        resume: { name: 'Cache_Resume_ICache', address: 0x400018a8, prototype: 'void Cache_Resume_ICache(uint32_t autoload)' },
        idlePoll: { address: 0x600c4130, mask: 0xfff, idle: 1 }, // CACHE_STATE.ICACHE_STATE
      },
      {
        cache: 'dcache',
        enableRegister: 0x600c4000, // EXTMEM DCACHE_CTRL
        enableMask: 0x1,
        suspend: { name: 'rom_Cache_Suspend_DCache', address: 0x400018b4, prototype: 'uint32_t Cache_Suspend_DCache(void)' },
        resume: { name: 'Cache_Resume_DCache', address: 0x400018c0, prototype: 'void Cache_Resume_DCache(uint32_t autoload)' },
        idlePoll: { address: 0x600c4130, mask: 0xfff000, idle: 0x1000 }, // CACHE_STATE.DCACHE_STATE
      },
    ],
    octalFlashQuery: { name: 'ets_efuse_flash_octal_mode', address: 0x40002004, prototype: 'bool ets_efuse_flash_octal_mode(void)' },
  },
  spi1: {
    base: 0x60002000,
    spi0Base: 0x60003000,
    reg: {
      cmd: 0x00, addr: 0x04, ctrl: 0x08, ctrl1: 0x0c, ctrl2: 0x10, clock: 0x14, user: 0x18, user1: 0x1c, user2: 0x20,
      mosiDlen: 0x24, misoDlen: 0x28, rdStatus: 0x2c, misc: 0x34, fsm: 0x54, w0: 0x58, timingCali: 0xa8, ddr: 0xe0,
    },
    spi0FsmIdleMask: 0x7, // ST [2:0]
    ctrlOctalBits: (1 << 9) | (1 << 6) | (1 << 5) | (1 << 4), // FCMD_OCT, FADDR_OCT, FDIN_OCT, FDOUT_OCT
  },
};
