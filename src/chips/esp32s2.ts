import type { ChipDescriptor } from './types.js';

export const esp32s2: ChipDescriptor = {
  name: 'esp32s2',
  displayName: 'ESP32-S2',
  architecture: 'xtensa',
  cores: 1,
  imageChipId: 0x0002,
  jtagIdcode: 0x120034e5,
  bootloaderOffset: 0x1000,
  sramAlias: {
    kind: 'offset',
    offset: 0x70000,
    dram: { start: 0x3ffb0000, end: 0x40000000 },
    iram: { start: 0x40020000, end: 0x40070000 },
  },
  drom: { start: 0x3f000000, end: 0x3ff80000 },
  irom: { start: 0x40080000, end: 0x40800000 },
  sharedFlashWindow: false,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  mmuPageSizes: [0x10000],
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40020000 },
};
