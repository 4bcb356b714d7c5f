/**
 * The simulated ROM as an ELF symbol file, the counterpart of the ROM ELF ESP-IDF ships for a real
 * chip: GDB loads it with `add-symbol-file` and can then name, bound and unwind out of the ROM's
 * functions (`bt`, `finish` inside one).
 */
import { writeElf, type ElfWriteSymbol } from '../../image/elf-write.js';
import { EF_RISCV_RVC, EM_RISCV, SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS, STT_FUNC } from '../../image/elf.js';
import { ROM_BASE, type Esp32c3 } from './chip.js';
import { ROM_ALIASES, ROM_SYMBOLS } from './rom/symbols.js';

/** A jump-table slot of the chip's ROM: the size given to a function named but not modelled. */
const JUMP_TABLE_SLOT = 4;

/**
 * The ROM bytes `chip` serves (0x40000000–0x40060000) as `.text`, with an STT_FUNC symbol for every
 * ROM function it serves (its size: 2 for a modelled one, which reads as `ret`), for every other
 * function the ROM symbol table names (a jump-table slot, 4 bytes; calling it stops the simulated
 * chip), and for each other name of them (size 0, so that a backtrace names the function as above).
 */
export function simulatedRomElf(chip: Esp32c3): Uint8Array {
  const symbols: ElfWriteSymbol[] = [];
  const named = new Set<number>();
  const add = (name: string, address: number, size: number): void => {
    symbols.push({ name, value: address, size, type: STT_FUNC, section: 0 });
    if (size > 0) named.add(address);
  };
  for (const f of chip.romFunctions()) add(f.name, f.address, f.size);
  const known = new Set(symbols.map((s) => s.name));
  for (const [name, address] of Object.entries(ROM_SYMBOLS)) {
    if (!known.has(name)) add(name, address, named.has(address) ? 0 : JUMP_TABLE_SLOT);
  }
  for (const [alias, name] of Object.entries(ROM_ALIASES)) {
    const address = ROM_SYMBOLS[name];
    if (address !== undefined && !known.has(alias)) add(alias, address, 0);
  }
  return writeElf({
    machine: EM_RISCV,
    flags: EF_RISCV_RVC,
    entry: ROM_BASE,
    sections: [{ name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: ROM_BASE, data: chip.rom.slice() }],
    symbols: symbols.sort((a, b) => a.value - b.value || b.size - a.size),
  });
}
