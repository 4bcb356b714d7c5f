/**
 * A stub image from an ELF file: allocated sections become code (executable), data (initialised)
 * and BSS (no bits), adjacent sections of one kind are merged, and the runner's symbols are looked
 * up by name:
 *   entry        the `entrySymbol` option, else `stub_main`, else the ELF entry
 *   trap entry   `stub_trap_entry`   (mtvec points here during runs)
 *   trap record  `stub_trap_record`  (128 bytes, see trap-record.ts)
 *   log buffer   `stub_log_buffer`   (u32 count + text; its symbol size is the buffer size)
 *   link memory  `_iram_org`/`_iram_len`/`_dram_org`/`_dram_len` (absolute symbols from the linker script)
 */
import type { Architecture } from '../chips/types.js';
import { concatBytes } from '../image/bytes.js';
import { EM_RISCV, EM_XTENSA, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, elfSectionData, findSymbol } from '../image/elf.js';
import type { ElfFile } from '../image/types.js';
import { AlgorithmLoadError } from './errors.js';
import type { StubImage, StubRange, StubSegment } from './stub-image.js';

export interface ElfStubOptions {
  readonly name?: string;
  readonly entrySymbol?: string;
  readonly stackSize?: number;
}

export const DEFAULT_STUB_STACK_SIZE = 2048;

export function stubImageFromElf(elf: ElfFile, options: ElfStubOptions = {}): StubImage {
  const architecture = architectureOf(elf);
  const segments: { address: number; parts: Uint8Array[]; size: number; executable: boolean }[] = [];
  const bss: { address: number; size: number }[] = [];
  const allocated = elf.sections
    .filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0)
    .sort((a, b) => a.addr - b.addr);
  for (const section of allocated) {
    if (section.type === SHT_NOBITS) {
      const last = bss[bss.length - 1];
      if (last && last.address + last.size === section.addr) last.size += section.size;
      else bss.push({ address: section.addr, size: section.size });
      continue;
    }
    const executable = (section.flags & SHF_EXECINSTR) !== 0;
    const data = elfSectionData(elf, section);
    const last = segments[segments.length - 1];
    if (last && last.executable === executable && last.address + last.size === section.addr) {
      last.parts.push(data);
      last.size += data.length;
    } else {
      segments.push({ address: section.addr, parts: [data], size: data.length, executable });
    }
  }
  if (segments.length === 0) throw new AlgorithmLoadError('the ELF has no allocated sections with contents to load');

  const entrySymbol = options.entrySymbol ?? (findSymbol(elf, 'stub_main') ? 'stub_main' : undefined);
  let entry = elf.entry;
  if (entrySymbol) {
    const sym = findSymbol(elf, entrySymbol);
    if (!sym) throw new AlgorithmLoadError(`the ELF has no symbol "${entrySymbol}" to use as the entry`);
    entry = sym.value;
  }
  const value = (name: string) => findSymbol(elf, name)?.value;
  const log = findSymbol(elf, 'stub_log_buffer');
  const range = (org: string, len: string): StubRange | undefined => {
    const a = value(org);
    const n = value(len);
    return a !== undefined && n !== undefined ? { address: a >>> 0, size: n >>> 0 } : undefined;
  };
  const iram = range('_iram_org', '_iram_len');
  const dram = range('_dram_org', '_dram_len');
  const trapEntry = value('stub_trap_entry');
  const trapRecord = value('stub_trap_record');
  return {
    name: options.name ?? entrySymbol ?? 'stub',
    architecture,
    entry: entry >>> 0,
    segments: segments.map((s): StubSegment => ({ address: s.address >>> 0, bytes: concatBytes(s.parts), executable: s.executable })),
    bss,
    stackSize: options.stackSize ?? DEFAULT_STUB_STACK_SIZE,
    symbols: {
      ...(log ? { logBuffer: { address: log.value >>> 0, size: log.size } } : {}),
      ...(trapRecord !== undefined ? { trapRecord: trapRecord >>> 0 } : {}),
      ...(trapEntry !== undefined ? { trapEntry: trapEntry >>> 0 } : {}),
    },
    ...(iram ? { iram } : {}),
    ...(dram ? { dram } : {}),
  };
}

function architectureOf(elf: ElfFile): Architecture {
  if (elf.machine === EM_RISCV) return 'riscv32';
  if (elf.machine === EM_XTENSA) return 'xtensa';
  throw new AlgorithmLoadError(`the ELF is for machine ${elf.machine}, not RISC-V (243) or Xtensa (94)`);
}

