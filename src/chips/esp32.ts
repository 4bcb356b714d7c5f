import type { ChipDescriptor } from './types.js';

export const esp32: ChipDescriptor = {
  name: 'esp32',
  displayName: 'ESP32',
  architecture: 'xtensa',
  cores: 2,
  imageChipId: 0x0000,
  jtagIdcode: 0x120034e5,
  bootloaderOffset: 0x1000,
  sramAlias: {
    kind: 'reversed',
    dram: { start: 0x3ffe0000, end: 0x40000000 },
    iram: { start: 0x400a0000, end: 0x400c0000 },
  },
  drom: { start: 0x3f400000, end: 0x3f800000 },
  irom: { start: 0x400d0000, end: 0x40400000 },
  sharedFlashWindow: false,
  secureBootV1: true,
  flashSegmentMinTail: 0x24,
  mmuPageSizes: [0x10000],
  mmuEntries: 384,
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40070000 },
  stub: {
    workArea: { start: 0x3ffe0000, end: 0x3ffe0000 + 0x18000 },
    iramOrigin: 0x400bc000,
    iramLength: 0x4000,
    dramOrigin: 0x3ffe4000,
    dramLength: 0x14000,
  },
};
