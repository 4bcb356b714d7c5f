/**
 * Peer test: compile a tiny C program with the RISC-V cross compiler, link it to ESP32-C3 address
 * windows, and check that elf2image places every section where the chip can load/map it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esp32c3 } from '../../src/chips/index.js';
import { elfSectionData, findSection, findSymbol, parseElf } from '../../src/image/elf.js';
import { elf2image } from '../../src/image/elf2image.js';
import { parseImage, segmentData } from '../../src/image/image.js';

const CC = 'riscv64-unknown-elf-gcc';

function haveCompiler(): boolean {
  const r = spawnSync(CC, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

const SOURCE = `
const char greeting[] = "hello from flash";
int counter = 42;
__attribute__((section(".iram1"))) int ram_func(int x) { return x + counter; }
int _start(void) { return ram_func(greeting[0]); }
`;

const LINKER = `
ENTRY(_start)
MEMORY {
  drom (r)  : ORIGIN = 0x3C010020, LENGTH = 0x10000
  dram (rw) : ORIGIN = 0x3FC80000, LENGTH = 0x10000
  iram (rx) : ORIGIN = 0x40380000, LENGTH = 0x10000
  irom (rx) : ORIGIN = 0x42000020, LENGTH = 0x10000
}
SECTIONS {
  .flash.rodata : { *(.rodata .rodata.* .srodata .srodata.*) } > drom
  .dram0.data   : { *(.data .data.* .sdata .sdata.*) } > dram
  .iram0.text   : { *(.iram1 .iram1.*) } > iram
  .flash.text   : { *(.text .text.*) } > irom
  /DISCARD/     : { *(.comment) *(.riscv.attributes) *(.note*) }
}
`;

test('elf2image on a cross-compiled ESP32-C3 program', { timeout: 60_000 }, (t) => {
  if (!haveCompiler()) {
    if (process.env.CI === 'true') assert.fail(`${CC} is missing (required under CI)`);
    t.skip(`${CC} not installed`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-elf2image-'));
  try {
    writeFileSync(join(dir, 'a.c'), SOURCE);
    writeFileSync(join(dir, 'link.ld'), LINKER);
    execFileSync(CC, [
      '-march=rv32imc', '-mabi=ilp32', '-O2', '-ffreestanding', '-nostdlib', '-nostartfiles',
      '-Wl,--build-id=none', '-T', join(dir, 'link.ld'), '-o', join(dir, 'a.elf'), join(dir, 'a.c'),
    ], { stdio: 'pipe', timeout: 30_000 });
    const elf = parseElf(new Uint8Array(readFileSync(join(dir, 'a.elf'))));
    assert.equal(elf.machine, 0xf3);
    const start = findSymbol(elf, '_start');
    assert.ok(start, '_start symbol');
    const img = elf2image(elf, esp32c3);
    const p = parseImage(img);
    assert.deepEqual(p.findings, []);
    assert.equal(p.header.entry, start.value);
    assert.equal(p.checksum.valid, true);
    assert.equal(p.sha256?.valid, true);
    const kinds = p.segments.map((s) => s.kind);
    assert.deepEqual(kinds.filter((k) => k !== 'padding'), ['drom', 'dram', 'iram', 'irom']);
    for (const name of ['.flash.rodata', '.dram0.data', '.iram0.text', '.flash.text']) {
      const sec = findSection(elf, name)!;
      assert.ok(sec, name);
      const seg = p.segments.find((s) => s.loadAddress === sec.addr);
      assert.ok(seg, `segment for ${name} at 0x${sec.addr.toString(16)}`);
      assert.deepEqual(segmentData(img, seg).subarray(0, sec.size), elfSectionData(elf, sec), `${name} bytes`);
      if (seg.kind === 'drom' || seg.kind === 'irom') assert.equal(seg.dataOffset % 0x10000, seg.loadAddress % 0x10000);
    }
    const rodata = new TextDecoder().decode(segmentData(img, p.segments[0]!));
    assert.match(rodata, /hello from flash/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
