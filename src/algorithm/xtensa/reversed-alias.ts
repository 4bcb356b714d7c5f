/**
 * ESP32's word-reversed SRAM alias: SRAM1 seen from the instruction bus has its 32-bit words in
 * mirrored order (data word at dram.start + k·4 is instruction word at iram.end − 4 − k·4); the
 * bytes inside each word keep their order. Code that must run from instruction addresses
 * [I, I + n) is therefore written through the data bus as the same words in reverse order, ending
 * at the data address of I's word.
 */
import type { AddressRange } from '../../chips/types.js';

export interface ReversedAlias {
  readonly dram: AddressRange;
  readonly iram: AddressRange;
}

/**
 * The words of `bytes` in reverse order. `lead` filler bytes come first (for code that starts in
 * the middle of a word), and the last partial word is filled up with 0xFF; after the reversal that
 * partial word is the first one.
 */
export function reverseWords(bytes: Uint8Array, lead = 0): Uint8Array {
  const total = Math.ceil((lead + bytes.length) / 4) * 4;
  const straight = new Uint8Array(total).fill(0xff);
  straight.set(bytes, lead);
  const out = new Uint8Array(total);
  for (let w = 0; w < total / 4; w++) out.set(straight.subarray(w * 4, w * 4 + 4), total - 4 - w * 4);
  return out;
}

/** Data-bus address of the word holding instruction-bus address `iAddress` (byte offset kept). */
export function reversedDataAddress(alias: ReversedAlias, iAddress: number): number {
  return (alias.dram.start + (alias.iram.end - 4 - (iAddress & ~3)) + (iAddress & 3)) >>> 0;
}

/** Instruction-bus address of the word at data-bus address `dAddress` (byte offset kept). */
export function reversedInstructionAddress(alias: ReversedAlias, dAddress: number): number {
  return (alias.iram.end - 4 - ((dAddress - alias.dram.start) & ~3) + (dAddress & 3)) >>> 0;
}

/** Where and what to write through the data bus so that `bytes` execute at instruction address `iAddress`. */
export function placeReversed(alias: ReversedAlias, iAddress: number, bytes: Uint8Array): { dataAddress: number; bytes: Uint8Array } {
  const lead = iAddress & 3;
  const data = reverseWords(bytes, lead);
  const lastWord = (iAddress & ~3) + data.length - 4;
  return { dataAddress: reversedDataAddress(alias, lastWord), bytes: data };
}

/**
 * Instruction-bus address at which a block written (already reversed, a whole number of words)
 * at data address `dAddress` starts executing.
 */
export function reversedBlockStart(alias: ReversedAlias, dAddress: number, length: number): number {
  return reversedInstructionAddress(alias, dAddress + Math.ceil(length / 4) * 4 - 4);
}
