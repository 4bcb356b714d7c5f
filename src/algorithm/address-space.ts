/**
 * How a loader reaches target RAM: code runs at instruction-bus addresses but is written through the
 * data bus. With a chip descriptor the chip's I/D alias decides; without one (any RISC-V target, e.g.
 * QEMU's virt machine) both buses see the same address.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { dramToIram, iramToDram, inRange } from '../chips/index.js';

export interface AddressSpace {
  /** Data-bus address to write the bytes that execute at `address`. */
  toDataBus(address: number): number;
  /** Instruction-bus address at which the bytes written at data address `address` execute. */
  toInstructionBus(address: number): number;
}

export function addressSpaceFor(chip: ChipDescriptor | undefined): AddressSpace {
  if (!chip || chip.sramAlias.kind === 'unified') {
    return { toDataBus: (a) => a >>> 0, toInstructionBus: (a) => a >>> 0 };
  }
  const alias = chip.sramAlias;
  return {
    toDataBus: (a) => (inRange(alias.iram, a) ? iramToDram(chip, a) : a >>> 0),
    toInstructionBus: (a) => (inRange(alias.dram, a) ? dramToIram(chip, a) : a >>> 0),
  };
}
