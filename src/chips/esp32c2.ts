import type { ChipDescriptor } from './types.js';

export const esp32c2: ChipDescriptor = {
  name: 'esp32c2',
  displayName: 'ESP32-C2',
  architecture: 'riscv32',
  cores: 1,
  imageChipId: 0x000c,
  // Espressif RISC-V TAPs: manufacturer 0x612, part number = chip id.
  jtagIdcode: 0x0000cc25,
  bootloaderOffset: 0x0,
  sramAlias: {
    kind: 'offset',
    offset: 0x6dc000,
    dram: { start: 0x3fca0000, end: 0x3fce0000 },
    iram: { start: 0x4037c000, end: 0x403c0000 },
  },
  drom: { start: 0x3c000000, end: 0x3c400000 },
  irom: { start: 0x42000000, end: 0x42400000 },
  sharedFlashWindow: false,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  mmuPageSizes: [0x10000, 0x8000, 0x4000],
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40090000 },
};
