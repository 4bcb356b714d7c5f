/**
 * ELF32 little-endian reader: file header, program headers, section headers (with names) and the
 * symbol table. Everything is bounds-checked; malformed files raise ImageFormatError ELF_*.
 */
import { readU16, readU32 } from './bytes.js';
import { counted } from '../chips/types.js';
import { ImageFormatError, h32, type ImageErrorCode } from './errors.js';
import type { ElfFile, ElfProgramHeader, ElfSection, ElfSymbol } from './types.js';

export const ET_EXEC = 2;
export const PT_LOAD = 1;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const PF_X = 0x1;
export const PF_W = 0x2;
export const PF_R = 0x4;
export const EM_XTENSA = 0x5e;
export const EM_RISCV = 0xf3;
/** e_flags bit of a RISC-V object that uses compressed (C) instructions. */
export const EF_RISCV_RVC = 0x1;
export const STB_GLOBAL = 1;
export const STT_FUNC = 2;
export const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
export const SHDR_SIZE = 40;
export const SYM_SIZE = 16;

function fail(code: ImageErrorCode, message: string, offset?: number, expected?: number | string, found?: number | string): never {
  throw new ImageFormatError(code, message, {
    ...(offset !== undefined ? { offset } : {}),
    ...(expected !== undefined ? { expected } : {}),
    ...(found !== undefined ? { found } : {}),
  });
}

function need(bytes: Uint8Array, offset: number, size: number, what: string): void {
  if (offset < 0 || offset + size > bytes.length) {
    fail('ELF_TRUNCATED', `${what} at ${h32(offset)} needs ${counted(size, 'byte')} but the file is ${counted(bytes.length, 'byte')} long`, offset, size, Math.max(0, bytes.length - offset));
  }
}

function cstrAt(bytes: Uint8Array, start: number, end: number, index: number, what: string): string {
  if (index === 0) return '';
  const at = start + index;
  if (index < 0 || at >= end) fail('ELF_BAD_HEADER', `${what}: name offset ${index} lies outside its string table (${end - start} bytes)`, at);
  let stop = at;
  while (stop < end && bytes[stop] !== 0) stop++;
  if (stop >= end) fail('ELF_TRUNCATED', `${what}: the name at ${h32(at)} is not NUL-terminated inside its string table`, at);
  let s = '';
  for (let i = at; i < stop; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** True if `bytes` start with the ELF magic 7f 45 4c 46 (a linked program, not flash contents). */
export function isElfFile(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf(bytes: Uint8Array): ElfFile {
  if (!isElfFile(bytes)) {
    fail('ELF_NOT_ELF', 'the file does not start with the ELF magic 7f 45 4c 46 ("\\x7fELF")', 0);
  }
  need(bytes, 0, 16, 'ELF identification');
  if (bytes[4] !== 1) {
    fail('ELF_CLASS', `EI_CLASS at 0x00000004 is ${bytes[4]} (${bytes[4] === 2 ? 'ELF64' : 'unknown'}); only 32-bit ELF (1) is supported`, 4, 1, bytes[4]);
  }
  if (bytes[5] !== 1) {
    fail('ELF_ENDIAN', `EI_DATA at 0x00000005 is ${bytes[5]} (${bytes[5] === 2 ? 'big-endian' : 'unknown'}); only little-endian ELF (1) is supported`, 5, 1, bytes[5]);
  }
  need(bytes, 0, EHDR_SIZE, 'ELF header');
  const type = readU16(bytes, 16);
  const machine = readU16(bytes, 18);
  const entry = readU32(bytes, 24);
  const phoff = readU32(bytes, 28);
  const shoff = readU32(bytes, 32);
  const flags = readU32(bytes, 36);
  const phentsize = readU16(bytes, 42);
  let phnum = readU16(bytes, 44);
  const shentsize = readU16(bytes, 46);
  let shnum = readU16(bytes, 48);
  let shstrndx = readU16(bytes, 50);

  if (shoff !== 0) {
    if (shentsize < SHDR_SIZE) fail('ELF_BAD_HEADER', `e_shentsize at 0x0000002e is ${shentsize}, smaller than a 40-byte section header`, 46, SHDR_SIZE, shentsize);
    need(bytes, shoff, SHDR_SIZE, 'section header 0');
    // Extended numbering: counts that do not fit the header live in section 0.
    if (shnum === 0) shnum = readU32(bytes, shoff + 20);
    if (shstrndx === 0xffff) shstrndx = readU32(bytes, shoff + 24);
    if (phnum === 0xffff) phnum = readU32(bytes, shoff + 28);
    if (shnum * shentsize > bytes.length) fail('ELF_TRUNCATED', `${shnum} section headers at ${h32(shoff)} do not fit in the ${bytes.length}-byte file`, shoff);
    need(bytes, shoff, shnum * shentsize, `${shnum} section headers`);
  } else shnum = 0;

  const programHeaders: ElfProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < PHDR_SIZE) fail('ELF_BAD_HEADER', `e_phentsize at 0x0000002a is ${phentsize}, smaller than a 32-byte program header`, 42, PHDR_SIZE, phentsize);
    if (phnum * phentsize > bytes.length) fail('ELF_TRUNCATED', `${phnum} program headers at ${h32(phoff)} do not fit in the ${bytes.length}-byte file`, phoff);
    need(bytes, phoff, phnum * phentsize, `${phnum} program headers`);
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * phentsize;
      const ph: ElfProgramHeader = {
        index: i,
        type: readU32(bytes, at),
        offset: readU32(bytes, at + 4),
        vaddr: readU32(bytes, at + 8),
        paddr: readU32(bytes, at + 12),
        fileSize: readU32(bytes, at + 16),
        memSize: readU32(bytes, at + 20),
        flags: readU32(bytes, at + 24),
        align: readU32(bytes, at + 28),
      };
      if (ph.type === PT_LOAD && ph.fileSize > 0) need(bytes, ph.offset, ph.fileSize, `program header ${i} data`);
      programHeaders.push(ph);
    }
  }

  const raw: Omit<ElfSection, 'name'>[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    nameOffsets.push(readU32(bytes, at));
    const s = {
      index: i,
      type: readU32(bytes, at + 4),
      flags: readU32(bytes, at + 8),
      addr: readU32(bytes, at + 12),
      offset: readU32(bytes, at + 16),
      size: readU32(bytes, at + 20),
      link: readU32(bytes, at + 24),
      info: readU32(bytes, at + 28),
      addralign: readU32(bytes, at + 32),
      entsize: readU32(bytes, at + 36),
    };
    if (i > 0 && s.type !== SHT_NOBITS && s.type !== 0 && s.size > 0) need(bytes, s.offset, s.size, `section ${i} data`);
    raw.push(s);
  }
  let names: string[] = raw.map(() => '');
  if (shnum > 0 && shstrndx !== 0) {
    const strtab = raw[shstrndx];
    if (!strtab || strtab.type === SHT_NOBITS) fail('ELF_BAD_HEADER', `e_shstrndx ${shstrndx} does not name a section with data (there are ${shnum})`, 50, `< ${shnum}`, shstrndx);
    names = nameOffsets.map((n, i) => cstrAt(bytes, strtab.offset, strtab.offset + strtab.size, n, `section ${i}`));
  }
  const sections: ElfSection[] = raw.map((s, i) => ({ ...s, name: names[i]! }));

  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
  if (symtab) {
    const str = sections[symtab.link];
    if (!str || str.type !== SHT_STRTAB) fail('ELF_BAD_HEADER', `symbol table "${symtab.name}" links to section ${symtab.link}, which is not a string table`, symtab.offset);
    const entsize = symtab.entsize >= SYM_SIZE ? symtab.entsize : SYM_SIZE;
    const count = Math.floor(symtab.size / entsize);
    for (let i = 1; i < count; i++) {
      const at = symtab.offset + i * entsize;
      const info = bytes[at + 12]!;
      symbols.push({
        name: cstrAt(bytes, str.offset, str.offset + str.size, readU32(bytes, at), `symbol ${i}`),
        value: readU32(bytes, at + 4),
        size: readU32(bytes, at + 8),
        type: info & 0xf,
        bind: info >> 4,
        sectionIndex: readU16(bytes, at + 14),
      });
    }
  }
  return { bytes, type, machine, entry, flags, programHeaders, sections, symbols };
}

/** The symbol named `name` (the first global one if several), or undefined. */
export function findSymbol(elf: ElfFile, name: string): ElfSymbol | undefined {
  let found: ElfSymbol | undefined;
  for (const s of elf.symbols) {
    if (s.name !== name) continue;
    if (s.bind === 1) return s;
    found ??= s;
  }
  return found;
}

/** name → symbol map (global symbols win over local ones of the same name). */
export function symbolMap(elf: ElfFile): Map<string, ElfSymbol> {
  const m = new Map<string, ElfSymbol>();
  for (const s of elf.symbols) {
    if (s.name === '') continue;
    const prev = m.get(s.name);
    if (!prev || (prev.bind !== 1 && s.bind === 1)) m.set(s.name, s);
  }
  return m;
}

export function findSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** File bytes of a section (empty for NOBITS). */
export function elfSectionData(elf: ElfFile, section: ElfSection): Uint8Array {
  if (section.type === SHT_NOBITS) return new Uint8Array(0);
  return elf.bytes.subarray(section.offset, section.offset + section.size);
}

/** File bytes of a program header (p_filesz bytes). */
export function elfSegmentData(elf: ElfFile, ph: ElfProgramHeader): Uint8Array {
  return elf.bytes.subarray(ph.offset, ph.offset + ph.fileSize);
}
