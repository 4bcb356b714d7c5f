/**
 * ELF32 little-endian writer for a symbol file: an executable (ET_EXEC) with sections, each holding
 * bytes (PROGBITS) or only an address range (NOBITS), and a symbol table of global symbols. No
 * program headers: the file is read by debuggers (GDB's add-symbol-file), never loaded.
 */
import { counted } from '../chips/types.js';
import { writeU16, writeU32 } from './bytes.js';
import { EHDR_SIZE, ET_EXEC, SHDR_SIZE, SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB, STB_GLOBAL, SYM_SIZE } from './elf.js';

export interface ElfWriteSection {
  readonly name: string;
  /** SHT_PROGBITS (with `data`) or SHT_NOBITS (with `size`). */
  readonly type: number;
  /** SHF_* */
  readonly flags: number;
  readonly addr: number;
  readonly data?: Uint8Array;
  /** NOBITS only: the size of the range. */
  readonly size?: number;
  readonly addralign?: number;
}

export interface ElfWriteSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* */
  readonly type: number;
  /** Index into the `sections` given to writeElf (0 = the first section). */
  readonly section: number;
}

export interface ElfWriteSpec {
  /** EM_* */
  readonly machine: number;
  readonly flags?: number;
  readonly entry?: number;
  readonly sections: readonly ElfWriteSection[];
  /** All written as STB_GLOBAL. */
  readonly symbols: readonly ElfWriteSymbol[];
}

/** A string table: NUL first, then each name once, NUL-terminated. */
class StringTable {
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private readonly offsets = new Map<string, number>();
  size = 1;

  add(name: string): number {
    if (name === '') return 0;
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const bytes = new TextEncoder().encode(`${name}\0`);
    const at = this.size;
    this.parts.push(bytes);
    this.offsets.set(name, at);
    this.size += bytes.length;
    return at;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

export function writeElf(spec: ElfWriteSpec): Uint8Array {
  for (const s of spec.symbols) {
    if (!Number.isInteger(s.section) || s.section < 0 || s.section >= spec.sections.length) {
      throw new RangeError(`symbol ${s.name}: section ${s.section} is not one of the ${counted(spec.sections.length, 'section')}`);
    }
  }
  const shstr = new StringTable();
  const str = new StringTable();
  const sectionNames = spec.sections.map((s) => shstr.add(s.name));
  const symtabName = shstr.add('.symtab');
  const strtabName = shstr.add('.strtab');
  const shstrtabName = shstr.add('.shstrtab');
  const symbolNames = spec.symbols.map((s) => str.add(s.name));

  // Layout: header, section data, symbol table, string tables, section headers.
  let at = EHDR_SIZE;
  const dataOffsets = spec.sections.map((s) => {
    const offset = align4(at);
    if (s.type !== SHT_NOBITS) at = offset + (s.data?.length ?? 0);
    return offset;
  });
  const symtabOffset = align4(at);
  const symtabSize = (spec.symbols.length + 1) * SYM_SIZE;
  const strtabOffset = symtabOffset + symtabSize;
  const strtabBytes = str.bytes();
  const shstrtabOffset = strtabOffset + strtabBytes.length;
  const shstrtabBytes = shstr.bytes();
  const shoff = align4(shstrtabOffset + shstrtabBytes.length);
  const shnum = spec.sections.length + 4; // null, the sections, .symtab, .strtab, .shstrtab
  const out = new Uint8Array(shoff + shnum * SHDR_SIZE);

  out.set([0x7f, 0x45, 0x4c, 0x46, 1 /* ELFCLASS32 */, 1 /* little-endian */, 1 /* EV_CURRENT */], 0);
  writeU16(out, 16, ET_EXEC);
  writeU16(out, 18, spec.machine);
  writeU32(out, 20, 1);
  writeU32(out, 24, spec.entry ?? 0);
  writeU32(out, 28, 0); // no program headers
  writeU32(out, 32, shoff);
  writeU32(out, 36, spec.flags ?? 0);
  writeU16(out, 40, EHDR_SIZE);
  writeU16(out, 42, 0);
  writeU16(out, 44, 0);
  writeU16(out, 46, SHDR_SIZE);
  writeU16(out, 48, shnum);
  writeU16(out, 50, shnum - 1);

  spec.sections.forEach((s, i) => {
    if (s.type !== SHT_NOBITS && s.data) out.set(s.data, dataOffsets[i]!);
  });
  spec.symbols.forEach((s, i) => {
    const e = symtabOffset + (i + 1) * SYM_SIZE;
    writeU32(out, e, symbolNames[i]!);
    writeU32(out, e + 4, s.value >>> 0);
    writeU32(out, e + 8, s.size >>> 0);
    out[e + 12] = (STB_GLOBAL << 4) | (s.type & 0xf);
    writeU16(out, e + 14, s.section + 1);
  });
  out.set(strtabBytes, strtabOffset);
  out.set(shstrtabBytes, shstrtabOffset);

  const header = (index: number, fields: readonly number[]): void => {
    fields.forEach((v, k) => writeU32(out, shoff + index * SHDR_SIZE + 4 * k, v >>> 0));
  };
  spec.sections.forEach((s, i) => {
    const size = s.type === SHT_NOBITS ? (s.size ?? 0) : (s.data?.length ?? 0);
    header(i + 1, [sectionNames[i]!, s.type, s.flags, s.addr, dataOffsets[i]!, size, 0, 0, s.addralign ?? 4, 0]);
  });
  const symtabIndex = spec.sections.length + 1;
  // sh_link: the string table; sh_info: one past the last local symbol (only the null one is local).
  header(symtabIndex, [symtabName, SHT_SYMTAB, 0, 0, symtabOffset, symtabSize, symtabIndex + 1, 1, 4, SYM_SIZE]);
  header(symtabIndex + 1, [strtabName, SHT_STRTAB, 0, 0, strtabOffset, strtabBytes.length, 0, 0, 1, 0]);
  header(symtabIndex + 2, [shstrtabName, SHT_STRTAB, 0, 0, shstrtabOffset, shstrtabBytes.length, 0, 0, 1, 0]);
  return out;
}
