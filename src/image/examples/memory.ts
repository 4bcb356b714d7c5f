/** Per-chip RAM load addresses for example images (values in the style of real ESP-IDF builds). */
import type { ChipDescriptor, ChipName } from '../../chips/types.js';

export interface ExampleAddresses {
  /** App DRAM (.data) and IRAM (.iram0.text) load addresses. */
  readonly appDram: number;
  readonly appIram: number;
  /** Bootloader DRAM (with the descriptor) and its two IRAM segments. */
  readonly bootDram: number;
  readonly bootIram: readonly [number, number];
}

const TABLE: Partial<Record<ChipName, ExampleAddresses>> = {
  esp32: { appDram: 0x3ffb0000, appIram: 0x40080000, bootDram: 0x3fff0030, bootIram: [0x40078000, 0x40080400] },
  esp32s2: { appDram: 0x3ffbe000, appIram: 0x40022000, bootDram: 0x3ffe6100, bootIram: [0x4004d000, 0x40050000] },
  esp32s3: { appDram: 0x3fc93000, appIram: 0x40374000, bootDram: 0x3fce3700, bootIram: [0x403c9700, 0x403cc700] },
  esp32c2: { appDram: 0x3fca0000, appIram: 0x40380000, bootDram: 0x3fcd5a00, bootIram: [0x403ae000, 0x403b0000] },
  esp32c3: { appDram: 0x3fc88000, appIram: 0x40380000, bootDram: 0x3fcd5820, bootIram: [0x403cc710, 0x403ce710] },
  esp32c6: { appDram: 0x40800000, appIram: 0x40810000, bootDram: 0x4086c110, bootIram: [0x4086e610, 0x40875720] },
  esp32h2: { appDram: 0x40800000, appIram: 0x40810000, bootDram: 0x4083cd90, bootIram: [0x4083efd0, 0x40845f20] },
  esp32c5: { appDram: 0x40800000, appIram: 0x40810000, bootDram: 0x4085e5a0, bootIram: [0x408556b0, 0x40858000] },
  esp32p4: { appDram: 0x4ff00000, appIram: 0x4ff10000, bootDram: 0x4ff29ed0, bootIram: [0x4ff2cbd0, 0x4ff2fbd0] },
};

export function exampleAddresses(chip: ChipDescriptor): ExampleAddresses {
  const t = TABLE[chip.name];
  if (!t) throw new Error(`no example addresses for ${chip.displayName}`);
  return t;
}

/** Flash-mapped windows for examples: where rodata (DROM) and code (IROM) are linked. */
export function exampleFlashWindows(chip: ChipDescriptor): { drom: number; irom: number } {
  if (chip.sharedFlashWindow) {
    // One window: code low, rodata linked after it (as ESP-IDF does on C6/H2).
    return { irom: chip.irom.start, drom: chip.irom.start + 0x100000 };
  }
  return { drom: chip.drom.start, irom: chip.irom.start };
}
