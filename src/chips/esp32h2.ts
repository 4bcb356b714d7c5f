import type { ChipDescriptor } from './types.js';

export const esp32h2: ChipDescriptor = {
  name: 'esp32h2',
  displayName: 'ESP32-H2',
  architecture: 'riscv32',
  cores: 1,
  imageChipId: 0x0010,
  // Espressif RISC-V TAPs: manufacturer 0x612, part number = chip id.
  jtagIdcode: 0x00010c25,
  bootloaderOffset: 0x0,
  sramAlias: { kind: 'unified', sram: { start: 0x40800000, end: 0x40880000 } },
  // One window serves code and data: IROM and DROM cannot be told apart by address.
  drom: { start: 0x42000000, end: 0x43000000 },
  irom: { start: 0x42000000, end: 0x43000000 },
  sharedFlashWindow: true,
  secureBootV1: false,
  flashSegmentMinTail: 0,
  // Direct boot: Espressif's direct-boot example supports the ESP32-H2 and links its programs for
  // 4 MiB of flash at 0x42000000 (one window for code and data).
  directBootMapBytes: 0x400000,
  mmuPageSizes: [0x10000, 0x8000, 0x4000, 0x2000],
  flashSectorSize: 0x1000,
  rom: { start: 0x40000000, end: 0x40050000 },
};
