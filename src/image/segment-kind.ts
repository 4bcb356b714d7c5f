/**
 * Classify a segment's load address for a chip: flash-mapped (DROM/IROM or the shared window),
 * internal SRAM on the data or instruction bus, RTC/LP memory, padding (address 0) or unknown.
 */
import { inRange, type AddressRange, type ChipDescriptor, type ChipName } from '../chips/types.js';
import type { SegmentKind } from './types.js';

interface RamWindows {
  readonly dram: readonly AddressRange[];
  readonly iram: readonly AddressRange[];
  readonly rtc: readonly AddressRange[];
}

/**
 * Internal RAM and RTC/LP memory per chip, beyond the I/D alias ranges of the chip descriptors
 * (those cover only the aliased part of SRAM; e.g. ESP32 DRAM starts at 0x3FFAE000).
 */
const RAM: Readonly<Record<ChipName, RamWindows>> = {
  esp32: {
    dram: [{ start: 0x3ffae000, end: 0x40000000 }],
    iram: [{ start: 0x40070000, end: 0x400a0000 }],
    rtc: [
      { start: 0x3ff80000, end: 0x3ff82000 },
      { start: 0x400c0000, end: 0x400c2000 },
      { start: 0x50000000, end: 0x50002000 },
    ],
  },
  esp32s2: {
    dram: [{ start: 0x3ffb0000, end: 0x40000000 }],
    iram: [{ start: 0x40020000, end: 0x40070000 }],
    rtc: [
      { start: 0x3ff9e000, end: 0x3ffa0000 },
      { start: 0x40070000, end: 0x40072000 },
      { start: 0x50000000, end: 0x50002000 },
    ],
  },
  esp32s3: {
    dram: [{ start: 0x3fc88000, end: 0x3fd00000 }],
    iram: [{ start: 0x40370000, end: 0x403e0000 }],
    rtc: [
      { start: 0x600fe000, end: 0x60100000 },
      { start: 0x50000000, end: 0x50002000 },
    ],
  },
  esp32c2: {
    dram: [{ start: 0x3fca0000, end: 0x3fce0000 }],
    iram: [{ start: 0x4037c000, end: 0x403c0000 }],
    rtc: [],
  },
  esp32c3: {
    dram: [{ start: 0x3fc80000, end: 0x3fce0000 }],
    iram: [{ start: 0x4037c000, end: 0x403e0000 }],
    rtc: [{ start: 0x50000000, end: 0x50002000 }],
  },
  esp32c6: { dram: [], iram: [], rtc: [{ start: 0x50000000, end: 0x50004000 }] },
  esp32h2: { dram: [], iram: [], rtc: [{ start: 0x50000000, end: 0x50001000 }] },
  esp32c5: { dram: [], iram: [], rtc: [{ start: 0x50000000, end: 0x50004000 }] },
  // P4: the 8 KiB SPM (TCM) at 0x30100000 is loadable too.
  esp32p4: { dram: [{ start: 0x30100000, end: 0x30102000 }], iram: [], rtc: [{ start: 0x50108000, end: 0x50110000 }] },
};

function anyIn(ranges: readonly AddressRange[], a: number): boolean {
  for (const r of ranges) if (inRange(r, a)) return true;
  return false;
}

/** True if `address` is seen through the flash cache on this chip (DROM or IROM window). */
export function isFlashMapped(chip: ChipDescriptor, address: number): boolean {
  return inRange(chip.drom, address) || inRange(chip.irom, address);
}

/**
 * Kind of a segment loading at `address`. On shared-window chips a flash address is 'flash'
 * (the caller decides DROM/IROM by order). Unified SRAM (C6, H2, C5, P4) serves both buses and is
 * reported as 'dram'; the bus cannot be told from the address.
 */
export function classifyAddress(chip: ChipDescriptor | undefined, address: number): SegmentKind {
  const a = address >>> 0;
  if (a === 0) return 'padding';
  if (!chip) return 'unknown';
  if (chip.sharedFlashWindow) {
    if (isFlashMapped(chip, a)) return 'flash';
  } else {
    if (inRange(chip.drom, a)) return 'drom';
    if (inRange(chip.irom, a)) return 'irom';
  }
  const ram = RAM[chip.name];
  if (ram && anyIn(ram.rtc, a)) return 'rtc';
  const alias = chip.sramAlias;
  if (alias.kind === 'unified') {
    if (inRange(alias.sram, a)) return 'dram';
  } else {
    if (inRange(alias.dram, a)) return 'dram';
    if (inRange(alias.iram, a)) return 'iram';
  }
  if (ram && anyIn(ram.dram, a)) return 'dram';
  if (ram && anyIn(ram.iram, a)) return 'iram';
  return 'unknown';
}

/** True for kinds that live in flash (read through the cache). */
export function isFlashKind(kind: SegmentKind): boolean {
  return kind === 'drom' || kind === 'irom' || kind === 'flash';
}

/** The ESP-IDF bootloader loads no segment below this address (0 is padding, small values are reserved). */
export const FIRST_LOADED_ADDRESS = 0x10000000;

/**
 * True when the ESP-IDF bootloader would have to copy this segment somewhere the chip has no RAM
 * or RTC/LP memory (its start or its last byte falls outside them), and so refuses the whole image
 * ("bad load address range"). Flash-mapped segments and those it never loads (below
 * FIRST_LOADED_ADDRESS) are not copied, so never outside.
 */
export function outsideChipMemory(chip: ChipDescriptor, address: number, length: number): boolean {
  const a = address >>> 0;
  if (a < FIRST_LOADED_ADDRESS || isFlashMapped(chip, a) || length === 0) return false;
  const loaded = (k: SegmentKind) => k === 'dram' || k === 'iram' || k === 'rtc';
  return !loaded(classifyAddress(chip, a)) || !loaded(classifyAddress(chip, a + length - 1));
}
