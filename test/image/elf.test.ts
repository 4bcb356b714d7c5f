import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elfSectionData, elfSegmentData, findSection, findSymbol, parseElf, symbolMap } from '../../src/image/elf.js';
import { ImageFormatError } from '../../src/image/errors.js';
import { writeTestElf } from './support/elf-writer.js';

const text = Uint8Array.of(0x13, 0, 0, 0, 0x6f, 0, 0, 0);
const rodata = new TextEncoder().encode('hello\0\0\0');

function sample(): Uint8Array {
  return writeTestElf({
    entry: 0x42000020,
    segments: [
      { vaddr: 0x42000020, data: text, flags: 5 },
      { vaddr: 0x3c000020, data: rodata, flags: 4, memSize: 0x10 },
    ],
    sections: [
      { name: '.text', addr: 0x42000020, data: text, flags: 6 },
      { name: '.rodata', addr: 0x3c000020, data: rodata, flags: 2 },
      { name: '.bss', addr: 0x3fc80000, data: new Uint8Array(0x40), type: 8, flags: 3 },
    ],
    symbols: [
      { name: 'main', value: 0x42000020, size: 8 },
      { name: 'greeting', value: 0x3c000020, size: 6, type: 1, shndx: 2 },
      { name: 'local_thing', value: 0x1234, bind: 0 },
      { name: 'local_thing', value: 0x5678, bind: 1 },
    ],
  });
}

test('reads header, program headers, sections and symbols', () => {
  const elf = parseElf(sample());
  assert.equal(elf.machine, 0xf3);
  assert.equal(elf.type, 2);
  assert.equal(elf.entry, 0x42000020);
  assert.equal(elf.programHeaders.length, 2);
  assert.deepEqual([...elfSegmentData(elf, elf.programHeaders[0]!)], [...text]);
  assert.equal(elf.programHeaders[1]!.memSize, 0x10);
  assert.deepEqual(elf.sections.map((s) => s.name), ['', '.text', '.rodata', '.bss', '.symtab', '.strtab', '.shstrtab']);
  assert.deepEqual([...elfSectionData(elf, findSection(elf, '.rodata')!)], [...rodata]);
  assert.equal(elfSectionData(elf, findSection(elf, '.bss')!).length, 0, 'NOBITS has no file data');
  assert.equal(findSymbol(elf, 'main')?.value, 0x42000020);
  assert.equal(findSymbol(elf, 'greeting')?.type, 1);
  assert.equal(findSymbol(elf, 'greeting')?.sectionIndex, 2);
  assert.equal(findSymbol(elf, 'local_thing')?.value, 0x5678, 'global wins');
  assert.equal(symbolMap(elf).get('local_thing')?.value, 0x5678);
  assert.equal(findSymbol(elf, 'nope'), undefined);
});

function code(c: string, offset?: number) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ImageFormatError, String(e));
    assert.equal(e.code, c, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return true;
  };
}

test('errors: not ELF, ELF64, big-endian, truncation, bad string index', () => {
  assert.throws(() => parseElf(new Uint8Array([0xe9, 1, 2, 3])), code('ELF_NOT_ELF', 0));
  assert.throws(() => parseElf(new Uint8Array(0)), code('ELF_NOT_ELF'));
  const b = sample();
  const e64 = b.slice();
  e64[4] = 2;
  assert.throws(() => parseElf(e64), (e: unknown) => code('ELF_CLASS', 4)(e) && /ELF64/.test((e as Error).message));
  const be = b.slice();
  be[5] = 2;
  assert.throws(() => parseElf(be), (e: unknown) => code('ELF_ENDIAN', 5)(e) && /big-endian/.test((e as Error).message));
  assert.throws(() => parseElf(b.subarray(0, 40)), code('ELF_TRUNCATED', 0));
  assert.throws(() => parseElf(b.subarray(0, 60)), code('ELF_TRUNCATED'));
  // program header pointing past the end
  const ph = b.slice();
  new DataView(ph.buffer).setUint32(52 + 4, 0x7fff0000, true);
  assert.throws(() => parseElf(ph), code('ELF_TRUNCATED', 0x7fff0000));
  // e_shstrndx out of range
  const sx = b.slice();
  new DataView(sx.buffer).setUint16(50, 99, true);
  assert.throws(() => parseElf(sx), code('ELF_BAD_HEADER', 50));
  // section name offset outside .shstrtab
  const dv = new DataView(b.buffer.slice(0));
  const shoff = dv.getUint32(32, true);
  const bad = new Uint8Array(dv.buffer);
  new DataView(bad.buffer).setUint32(shoff + 40, 0xffff, true);
  assert.throws(() => parseElf(bad), code('ELF_BAD_HEADER'));
});

test('an ELF with no sections and no symbols is still readable', () => {
  const b = sample();
  new DataView(b.buffer).setUint32(32, 0, true); // e_shoff = 0
  const elf = parseElf(b);
  assert.equal(elf.sections.length, 0);
  assert.equal(elf.symbols.length, 0);
  assert.equal(elf.programHeaders.length, 2);
});
