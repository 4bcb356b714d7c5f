import type { ChipDescriptor } from './types.js';

export const esp32p4: ChipDescriptor = {
  name: 'esp32p4',
  displayName: 'ESP32-P4',
  architecture: 'riscv32',
  cores: 2,
  imageChipId: 0x0012,
  // Espressif RISC-V TAPs: manufacturer 0x612, part number = chip id.
  jtagIdcode: 0x00012c25,
  bootloaderOffset: 0x2000,
  sramAlias: { kind: 'unified', sram: { start: 0x4ff00000, end: 0x4ffc0000 } },
  // One window serves code and data: IROM and DROM cannot be told apart by address.
  drom: { start: 0x40000000, end: 0x4c000000 },
  irom: { start: 0x40000000, end: 0x4c000000 },
  sharedFlashWindow: true,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  mmuPageSizes: [0x10000, 0x8000, 0x4000, 0x2000],
  flashSectorSize: 0x1000,
  rom: { start: 0x4fc00000, end: 0x4fc20000 },
};
