/**
 * A flash image for the simulated ESP32-C3 whose app is a RAM-only counter loop, built with our own
 * image builders: bootloader placeholder, partition table (factory at 0x10000), and an app with one
 * IRAM segment. Used where a test needs a program with a known, tight loop.
 */
import { esp32c3 } from '../../src/chips/index.js';
import { buildImage, buildPartitionTable, mergeFlash } from '../../src/image/index.js';
import { add, addi, assemble, jal, lui, lw, sw } from '../sim/hart/encode.js';

export const COUNTER_IRAM = 0x40390000;
export const COUNTER_ADDRESS = 0x3fc98000;
const [A0, A1, A2] = [10, 11, 12];

const code = [
  lui(A0, COUNTER_ADDRESS >>> 12), // 0x00
  lw(A1, A0, 0), // 0x04 loop
  addi(A1, A1, 1), // 0x08
  sw(A1, A0, 0), // 0x0c
  addi(A2, A2, 3), // 0x10 loop_mid
  add(A2, A2, A1), // 0x14
  jal(0, -0x14), // 0x18 → loop
];

export const COUNTER = {
  entry: COUNTER_IRAM,
  loop: COUNTER_IRAM + 0x04,
  loopMid: COUNTER_IRAM + 0x10,
  loopEnd: COUNTER_IRAM + 0x1c,
} as const;

export function counterFlash(): Uint8Array {
  const chip = esp32c3;
  const bootloader = buildImage({ chip, entry: 0x403ce000, segments: [{ loadAddress: 0x403ce000, data: assemble([jal(0, 0)]) }], flashSizeCode: 2 });
  const app = buildImage({ chip, entry: COUNTER.entry, segments: [{ loadAddress: COUNTER_IRAM, data: assemble(code) }], flashSizeCode: 2 });
  const table = buildPartitionTable([{ type: 0, subtype: 0, offset: 0x10000, size: 0x100000, label: 'factory' }]);
  return mergeFlash([
    { offset: 0, data: bootloader },
    { offset: 0x8000, data: table },
    { offset: 0x10000, data: app },
  ]);
}
