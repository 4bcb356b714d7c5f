import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3, inRange } from '../../src/chips/index.js';
import { parseImage } from '../../src/image/index.js';
import { readBuild } from './prebuilt.js';

const APPS = [
  { file: 'espalgo-demo.bin', version: '1.0.0' },
  { file: 'espalgo-demo-ota1.bin', version: '1.0.1' },
];

for (const app of APPS) {
  test(`${app.file}: valid C3 image with checksum and SHA-256`, () => {
    const img = parseImage(readBuild(app.file), { verify: 'full' });
    assert.equal(img.header.chipId, 0x0005);
    assert.equal(img.header.entry, 0x42000020, 'entry is call_start_cpu0 at the start of IROM');
    assert.equal(img.header.spiModeName, 'dio');
    assert.equal(img.header.flashSizeBytes, 4 * 1024 * 1024);
    assert.equal(img.checksum.valid, true);
    assert.equal(img.sha256?.valid, true);
    assert.equal(img.ramOnly, false);
  });

  test(`${app.file}: ESP-IDF-style app descriptor at image offset 0x20`, () => {
    const img = parseImage(readBuild(app.file));
    const d = img.appDesc;
    assert.ok(d, 'app descriptor found');
    assert.equal(d.offset, 0x20);
    assert.equal(d.magic, 0xabcd5432);
    assert.equal(d.projectName, 'espalgo-demo');
    assert.equal(d.version, app.version);
    assert.equal(d.time, '00:00:00');
    assert.equal(d.date, 'Jan  1 2025');
    assert.equal(d.mmuPageSizeLog2, 16);
  });

  test(`${app.file}: one DROM and one IROM segment at ESP-IDF's link addresses, RAM in SRAM`, () => {
    const img = parseImage(readBuild(app.file));
    const kinds = img.segments.map((s) => s.kind);
    assert.deepEqual(kinds.filter((k) => k === 'drom').length, 1);
    assert.deepEqual(kinds.filter((k) => k === 'irom').length, 1);
    for (const k of kinds) assert.ok(['drom', 'irom', 'dram', 'iram', 'padding'].includes(k), `unexpected segment kind ${k}`);
    const drom = img.segments.find((s) => s.kind === 'drom')!;
    const irom = img.segments.find((s) => s.kind === 'irom')!;
    assert.equal(drom.index, 0, 'DROM comes first (the app descriptor is at image offset 0x20)');
    assert.equal(drom.dataOffset, 0x20);
    assert.equal(irom.loadAddress, 0x42000020);
    // Flash-mapped data must sit at vaddr % 64 KiB in the image.
    for (const s of [drom, irom]) assert.equal(s.dataOffset % 0x10000, s.loadAddress % 0x10000);
    // DROM follows IROM in the MMU table: 0x3C000020 + text size rounded up to 64 KiB.
    const textPages = Math.ceil((irom.length + 0x20) / 0x10000);
    assert.equal(drom.loadAddress, 0x3c000020 + textPages * 0x10000);
    assert.ok(inRange(esp32c3.drom, drom.loadAddress + drom.length - 1));
    assert.ok(inRange(esp32c3.irom, irom.loadAddress + irom.length - 1));
    const iram = img.segments.filter((s) => s.kind === 'iram');
    const dram = img.segments.filter((s) => s.kind === 'dram');
    assert.equal(iram.length, 1);
    assert.equal(dram.length, 1);
    assert.equal(iram[0]!.loadAddress, 0x40380000);
    // IRAM and DRAM share SRAM (I = D + 0x700000): the two must not overlap.
    const iramAsD = iram[0]!.loadAddress - 0x700000;
    assert.ok(dram[0]!.loadAddress >= iramAsD + iram[0]!.length, 'DRAM starts after the D-alias of the IRAM bytes');
    // And stay below the 2nd-stage bootloader's RAM.
    assert.ok(dram[0]!.loadAddress + dram[0]!.length <= 0x3fcce710);
  });
}

test('the two app builds differ only in version string and variant', () => {
  const a = parseImage(readBuild('espalgo-demo.bin'));
  const b = parseImage(readBuild('espalgo-demo-ota1.bin'));
  assert.deepEqual(
    a.segments.map((s) => [s.kind, s.loadAddress, s.length]),
    b.segments.map((s) => [s.kind, s.loadAddress, s.length]),
  );
});

test('bootloader.bin: valid C3 image with a bootloader descriptor, header says 4 MB', () => {
  const img = parseImage(readBuild('bootloader.bin'), { verify: 'full' });
  assert.equal(img.header.chipId, 0x0005);
  assert.equal(img.header.flashSizeBytes, 4 * 1024 * 1024);
  assert.equal(img.checksum.valid, true);
  assert.equal(img.sha256?.valid, true);
  assert.ok(img.bootloaderDesc, 'bootloader descriptor found');
  assert.equal(img.bootloaderDesc.magic, 0x50);
  assert.equal(img.bootloaderDesc.version, 1);
  assert.equal(img.appDesc, undefined);
  assert.ok(img.segments.every((s) => s.kind === 'dram' || s.kind === 'iram'));
});
