/**
 * Builds the ESP32-C3 flasher stub into stub/build/ (or --out DIR):
 *
 *   npx tsx scripts/build-stub.ts [--out DIR] [--cc riscv64-unknown-elf-gcc]
 *
 * Writes esp32c3-flasher.elf and esp32c3-flasher.json (the StubImage JSON descriptor of
 * src/algorithm/stub-image.ts: code and data segments, BSS, entry, trap/log symbols, link regions).
 * Reproducible: objects in a temporary directory, paths recorded relative to the repository,
 * no build id, no timestamps. Prints the section sizes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stubImageToJson, type StubImage, type StubRange } from '../src/algorithm/stub-image.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NAME = 'esp32c3-flasher';
const SOURCES = [
  'stub/src/trap.S',
  'stub/src/main.c',
  'stub/src/log.c',
  'stub/src/libc.c',
  'stub/src/spi1.c',
  'stub/src/flash.c',
  'stub/src/flash_size.c',
  'stub/src/flash_info.c',
  'stub/src/flash_cmds.c',
  'stub/src/stream.c',
  'stub/src/map_get.c',
  'stub/src/sha256.c',
  'stub/src/sha_hw.c',
  'stub/src/inflate.c',
  'stub/src/inflate_rom.c',
];
const STACK_SIZE = 4096;
const IRAM = { address: 0x40380000, size: 0x4000 };
const DRAM = { address: 0x3fc84000, size: 0x20000 };

const CFLAGS = [
  '-march=rv32imc', '-mabi=ilp32', '-Os', '-g', '-ffreestanding', '-nostdlib', '-fno-builtin',
  '-fno-tree-loop-distribute-patterns', '-ffunction-sections', '-fdata-sections', '-fno-common',
  '-fno-asynchronous-unwind-tables', '-fno-unwind-tables', '-msmall-data-limit=0',
  '-Wall', '-Wextra', '-Werror', `-ffile-prefix-map=${ROOT}=.`, `-Wa,--debug-prefix-map=${ROOT}=.`,
];
const LDFLAGS = [
  '-nostartfiles', '-Tstub/esp32c3/stub.ld', '-Lstub/esp32c3', '-Wl,--gc-sections', '-Wl,--build-id=none',
  '-Wl,--no-warn-rwx-segments', '-lgcc',
];

function parseArgs(argv: readonly string[]): { out: string; cc: string } {
  let out = join(ROOT, 'stub', 'build');
  let cc = process.env.RISCV_CC ?? 'riscv64-unknown-elf-gcc';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out' && argv[i + 1]) out = resolve(argv[++i]!);
    else if (a === '--cc' && argv[i + 1]) cc = argv[++i]!;
    else throw new Error(`build-stub: unknown argument "${a}" (use --out DIR, --cc COMPILER)`);
  }
  return { out, cc };
}

// ---- a minimal ELF32 little-endian reader: sections and symbols --------------------------------

interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly address: number;
  readonly offset: number;
  readonly size: number;
}
interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
}
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;

function readElf(bytes: Uint8Array): { entry: number; sections: ElfSection[]; symbols: ElfSymbol[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, false) !== 0x7f454c46 || bytes[4] !== 1 || bytes[5] !== 1) throw new Error('build-stub: not an ELF32 little-endian file');
  const entry = v.getUint32(24, true);
  const shoff = v.getUint32(32, true);
  const shentsize = v.getUint16(46, true);
  const shnum = v.getUint16(48, true);
  const shstrndx = v.getUint16(50, true);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return {
      nameOff: v.getUint32(o, true), type: v.getUint32(o + 4, true), flags: v.getUint32(o + 8, true),
      address: v.getUint32(o + 12, true), offset: v.getUint32(o + 16, true), size: v.getUint32(o + 20, true),
      link: v.getUint32(o + 24, true), entsize: v.getUint32(o + 36, true),
    };
  });
  const str = (tableOffset: number, at: number): string => {
    let end = tableOffset + at;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(tableOffset + at, end));
  };
  const shstr = raw[shstrndx]!.offset;
  const sections = raw.map((s) => ({ name: str(shstr, s.nameOff), type: s.type, flags: s.flags, address: s.address, offset: s.offset, size: s.size }));
  const symbols: ElfSymbol[] = [];
  for (const s of raw) {
    if (s.type !== SHT_SYMTAB) continue;
    const strtab = raw[s.link]!.offset;
    for (let o = s.offset; o + 16 <= s.offset + s.size; o += s.entsize || 16) {
      const nameOff = v.getUint32(o, true);
      if (nameOff === 0) continue;
      symbols.push({ name: str(strtab, nameOff), value: v.getUint32(o + 4, true), size: v.getUint32(o + 8, true) });
    }
  }
  return { entry, sections, symbols };
}

function toImage(elfBytes: Uint8Array): StubImage {
  const elf = readElf(elfBytes);
  const alloc = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0);
  const symbol = (name: string): ElfSymbol => {
    const found = elf.symbols.find((s) => s.name === name);
    if (!found) throw new Error(`build-stub: the ELF has no symbol ${name}`);
    return found;
  };
  const segments = alloc
    .filter((s) => s.type !== SHT_NOBITS)
    .map((s) => ({ address: s.address, executable: (s.flags & SHF_EXECINSTR) !== 0, bytes: elfBytes.slice(s.offset, s.offset + s.size) }));
  const bss = alloc.filter((s) => s.type === SHT_NOBITS).map((s) => ({ address: s.address, size: s.size }));
  const unexpected = alloc.filter((s) => !['.text', '.data', '.bss'].includes(s.name));
  if (unexpected.length) throw new Error(`build-stub: unexpected sections ${unexpected.map((s) => s.name).join(', ')}; update stub.ld`);
  const log = symbol('stub_log_buffer');
  const trapRecord = symbol('stub_trap_record');
  const trapEntry = symbol('stub_trap_entry');
  const descriptor = symbol('stub_descriptor');
  const scratch = symbol('stub_scratch');
  const onDemand = { address: symbol('_on_demand_start').value, size: symbol('_on_demand_end').value - symbol('_on_demand_start').value };
  if (scratch.value !== onDemand.address || scratch.size > onDemand.size) throw new Error('build-stub: stub_scratch does not open the on-demand range');
  const inside = (r: StubRange): boolean => r.address >= onDemand.address && r.address + r.size <= onDemand.address + onDemand.size;
  const regions = { romInflater: rangeOf(symbol('rom_inflater')), inflateTables: spanOf(symbol('lit_codes'), symbol('dist_codes')) };
  for (const [name, r] of Object.entries(regions)) if (!inside(r)) throw new Error(`build-stub: region ${name} is not in the on-demand range`);
  if (trapEntry.value % 4 !== 0) throw new Error('build-stub: stub_trap_entry is not 4-byte aligned');
  if (descriptor.value !== IRAM.address) throw new Error('build-stub: stub_descriptor is not at the IRAM origin');
  if (trapRecord.size !== 128) throw new Error('build-stub: stub_trap_record is not 128 bytes');
  if (elf.entry !== symbol('stub_main').value) throw new Error('build-stub: the ELF entry is not stub_main');
  return {
    name: NAME,
    architecture: 'riscv32',
    entry: elf.entry,
    segments,
    bss,
    stackSize: STACK_SIZE,
    symbols: {
      logBuffer: { address: log.value, size: log.size },
      trapRecord: trapRecord.value,
      trapEntry: trapEntry.value,
      descriptor: descriptor.value,
      scratch: { address: scratch.value, size: scratch.size },
      onDemand,
      regions,
    },
    iram: IRAM,
    dram: DRAM,
  };
}

function rangeOf(s: ElfSymbol): StubRange {
  return { address: s.value, size: s.size };
}

/** The range two adjacent symbols fill together (refused if anything lies between them). */
function spanOf(a: ElfSymbol, b: ElfSymbol): StubRange {
  const [lo, hi] = a.value <= b.value ? [a, b] : [b, a];
  if (lo.value + lo.size !== hi.value) throw new Error(`build-stub: ${lo.name} and ${hi.name} are not adjacent; update stub.ld or the regions`);
  return { address: lo.value, size: lo.size + hi.size };
}

function checkFits(image: StubImage): void {
  for (const s of image.segments) {
    const region = s.executable ? IRAM : DRAM;
    if (s.address < region.address || s.address + s.bytes.length > region.address + region.size) {
      throw new Error(`build-stub: segment at 0x${s.address.toString(16)} (${s.bytes.length} bytes) leaves its region`);
    }
  }
  for (const b of image.bss) {
    if (b.address + b.size > DRAM.address + DRAM.size) throw new Error('build-stub: BSS leaves the DRAM region');
  }
}

function main(): void {
  const { out, cc } = parseArgs(process.argv.slice(2));
  mkdirSync(out, { recursive: true });
  const objDir = mkdtempSync(join(tmpdir(), 'espalgo-stub-'));
  try {
    const objects = SOURCES.map((src) => {
      const obj = join(objDir, src.replace(/[/.]/g, '_') + '.o');
      execFileSync(cc, [...CFLAGS, '-c', src, '-o', obj], { cwd: ROOT, stdio: 'inherit' });
      return obj;
    });
    const elfPath = join(objDir, `${NAME}.elf`);
    execFileSync(cc, [...CFLAGS, ...objects, ...LDFLAGS, '-o', elfPath], { cwd: ROOT, stdio: 'inherit' });
    const elfBytes = new Uint8Array(readFileSync(elfPath));
    const image = toImage(elfBytes);
    checkFits(image);
    writeFileSync(join(out, `${NAME}.elf`), elfBytes);
    writeFileSync(join(out, `${NAME}.json`), JSON.stringify(stubImageToJson(image), null, 2) + '\n');
    const code = image.segments.filter((s) => s.executable).reduce((n, s) => n + s.bytes.length, 0);
    const data = image.segments.filter((s) => !s.executable).reduce((n, s) => n + s.bytes.length, 0);
    const bss = image.bss.reduce((n, b) => n + b.size, 0);
    console.log(`build-stub: ${NAME}: code ${code} bytes, data ${data} bytes, bss ${bss} bytes, entry 0x${image.entry.toString(16)}`);
    console.log(`build-stub: wrote ${NAME}.elf and ${NAME}.json to ${relative(process.cwd(), out) || '.'}`);
  } finally {
    rmSync(objDir, { recursive: true, force: true });
  }
}

main();
