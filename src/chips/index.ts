import type { ChipDescriptor, ChipName } from './types.js';
import { esp32 } from './esp32.js';
import { esp32s2 } from './esp32s2.js';
import { esp32s3 } from './esp32s3.js';
import { esp32c2 } from './esp32c2.js';
import { esp32c3 } from './esp32c3.js';
import { esp32c5 } from './esp32c5.js';
import { esp32c6 } from './esp32c6.js';
import { esp32h2 } from './esp32h2.js';
import { esp32p4 } from './esp32p4.js';

export * from './types.js';
export { esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c5, esp32c6, esp32h2, esp32p4 };

export const CHIPS: readonly ChipDescriptor[] = [
  esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c5, esp32c6, esp32h2, esp32p4,
];

export const CHIP_NAMES: readonly ChipName[] = CHIPS.map((c) => c.name);

/** Look a chip up by name ("esp32c3", "ESP32-C3" and "esp32-c3" all work); undefined if unknown. */
export function findChip(name: string): ChipDescriptor | undefined {
  const key = name.toLowerCase().replace(/[-_ ]/g, '');
  return CHIPS.find((c) => c.name === key);
}

/** The chip whose image header chip id is `id`; undefined if none. */
export function chipByImageId(id: number): ChipDescriptor | undefined {
  return CHIPS.find((c) => c.imageChipId === id);
}

/** Instruction-bus address of a data-bus SRAM address (the address code written at `dramAddress` runs from). */
export function dramToIram(chip: ChipDescriptor, dramAddress: number): number {
  const alias = chip.sramAlias;
  switch (alias.kind) {
    case 'offset':
      return (dramAddress + alias.offset) >>> 0;
    case 'unified':
      return dramAddress >>> 0;
    case 'reversed':
      return (alias.iram.end - 4 - ((dramAddress - alias.dram.start) & ~3) + (dramAddress & 3)) >>> 0;
  }
}

/** Data-bus address of an instruction-bus SRAM address. */
export function iramToDram(chip: ChipDescriptor, iramAddress: number): number {
  const alias = chip.sramAlias;
  switch (alias.kind) {
    case 'offset':
      return (iramAddress - alias.offset) >>> 0;
    case 'unified':
      return iramAddress >>> 0;
    case 'reversed':
      return (alias.dram.start + (alias.iram.end - 4 - (iramAddress & ~3)) + (iramAddress & 3)) >>> 0;
  }
}
