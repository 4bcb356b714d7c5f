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
  mmuPageSizes: [0x10000],
  mmuEntries: 128,
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40060000 },
  stub: {
    workArea: { start: 0x3fc80000, end: 0x3fc80000 + 0x24000 },
    iramOrigin: 0x40380000,
    iramLength: 0x4000,
    dramOrigin: 0x3fc84000,
    dramLength: 0x20000,
  },
};
