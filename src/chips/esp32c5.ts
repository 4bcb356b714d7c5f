import type { ChipDescriptor } from './types.js';

export const esp32c5: ChipDescriptor = {
  name: 'esp32c5',
  displayName: 'ESP32-C5',
  architecture: 'riscv32',
  cores: 1,
  imageChipId: 0x0017,
  // Espressif RISC-V TAPs: manufacturer 0x612, part number = chip id.
  jtagIdcode: 0x00017c25,
  bootloaderOffset: 0x2000,
  sramAlias: { kind: 'unified', sram: { start: 0x40800000, end: 0x40880000 } },
  // One window serves code and data: IROM and DROM cannot be told apart by address.
  drom: { start: 0x42000000, end: 0x44000000 },
  irom: { start: 0x42000000, end: 0x44000000 },
  sharedFlashWindow: true,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  mmuPageSizes: [0x10000, 0x8000, 0x4000, 0x2000],
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40050000 },
};
