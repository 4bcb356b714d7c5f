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
  mmuPageSizes: [0x10000],
  mmuEntries: 512,
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40060000 },
  stub: {
    workArea: { start: 0x3fc9c000, end: 0x3fc9c000 + 0x24000 },
    iramOrigin: 0x4038c000,
    iramLength: 0x4000,
    dramOrigin: 0x3fca0000,
    dramLength: 0x20000,
  },
};
