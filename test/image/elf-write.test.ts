// writeElf, the ELF symbol-file writer: what it writes reads back with parseElf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeElf } from '../../src/image/elf-write.js';
import { elfSectionData, findSection, parseElf } from '../../src/image/elf.js';
import { EM_XTENSA, ET_EXEC, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS, STB_GLOBAL, STT_FUNC } from '../../src/image/index.js';

test('writeElf: sections with bytes and without (NOBITS), global symbols in them, read back by parseElf', () => {
  const code = Uint8Array.of(0x82, 0x80, 0x01, 0x00, 0x13); // odd length: the next section is aligned
  const bytes = writeElf({
    machine: EM_XTENSA,
    flags: 0x300,
    entry: 0x40000400,
    sections: [
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: 0x40000000, data: code },
      { name: '.bss', type: SHT_NOBITS, flags: SHF_ALLOC | SHF_WRITE, addr: 0x3fc80000, size: 0x2000 },
      { name: '.rodata', type: SHT_PROGBITS, flags: SHF_ALLOC, addr: 0x3ff00000, data: Uint8Array.of(1, 2, 3, 4) },
    ],
    symbols: [
      { name: 'reset', value: 0x40000000, size: 2, type: STT_FUNC, section: 0 },
      { name: 'buffer', value: 0x3fc80100, size: 0x100, type: 1, section: 1 },
      { name: 'table', value: 0x3ff00000, size: 4, type: 1, section: 2 },
      { name: 'reset_alias', value: 0x40000000, size: 0, type: STT_FUNC, section: 0 },
    ],
  });
  const elf = parseElf(bytes);
  assert.deepEqual([elf.type, elf.machine, elf.flags, elf.entry, elf.programHeaders.length], [ET_EXEC, EM_XTENSA, 0x300, 0x40000400, 0]);
  assert.deepEqual(elf.sections.map((s) => s.name), ['', '.text', '.bss', '.rodata', '.symtab', '.strtab', '.shstrtab']);
  const text = findSection(elf, '.text')!;
  assert.deepEqual([text.addr, text.size, text.flags], [0x40000000, code.length, SHF_ALLOC | SHF_EXECINSTR]);
  assert.deepEqual(elfSectionData(elf, text), code);
  const bss = findSection(elf, '.bss')!;
  assert.deepEqual([bss.type, bss.addr, bss.size], [SHT_NOBITS, 0x3fc80000, 0x2000]);
  const rodata = findSection(elf, '.rodata')!;
  assert.equal(rodata.offset % 4, 0);
  assert.deepEqual(elfSectionData(elf, rodata), Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(
    elf.symbols.map((s) => [s.name, s.value, s.size, s.type, s.bind, elf.sections[s.sectionIndex]!.name]),
    [
      ['reset', 0x40000000, 2, STT_FUNC, STB_GLOBAL, '.text'],
      ['buffer', 0x3fc80100, 0x100, 1, STB_GLOBAL, '.bss'],
      ['table', 0x3ff00000, 4, 1, STB_GLOBAL, '.rodata'],
      ['reset_alias', 0x40000000, 0, STT_FUNC, STB_GLOBAL, '.text'],
    ],
  );
  const symtab = findSection(elf, '.symtab')!;
  assert.equal(symtab.info, 1, 'sh_info: only the null symbol is local');
});

test('writeElf refuses a symbol in a section it was not given', () => {
  assert.throws(
    () => writeElf({ machine: 0xf3, sections: [], symbols: [{ name: 'f', value: 0, size: 0, type: STT_FUNC, section: 0 }] }),
    /symbol f: section 0 is not one of the 0 sections/,
  );
});
