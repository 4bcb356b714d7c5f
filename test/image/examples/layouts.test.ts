import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXAMPLE_LAYOUTS, buildExampleApp, buildExampleFlash } from '../../../src/image/examples/index.js';
import { parseImage, parsePartitionTable } from '../../../src/image/index.js';
import { esp32c6 } from '../../../src/chips/index.js';

const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

for (const layout of EXAMPLE_LAYOUTS) {
  test(`layout ${layout.name}: valid images, table where stated, MMU-aligned flash segments`, () => {
    const f = layout.build();
    const at = (flash: number): Uint8Array => f.bytes.subarray(flash - f.baseOffset);
    const boot = parseImage(at(f.chip.bootloaderOffset), { verify: 'full' });
    assert.equal(boot.checksum.valid, true);
    assert.equal(boot.sha256?.valid, true);
    assert.equal(boot.header.chipId, f.chip.imageChipId);
    assert.equal(boot.header.flashSizeBytes, f.flashSize);
    assert.ok(boot.ramOnly);
    assert.ok(boot.bootloaderDesc, 'bootloader descriptor present');
    const table = parsePartitionTable(at(f.tableOffset).subarray(0, 0x1000), { tableOffset: f.tableOffset });
    assert.equal(table.md5?.valid, true);
    assert.deepEqual(table.entries.map((e) => [e.label, e.offset, e.size]), f.partitions.map((e) => [e.label, e.offset, e.size]));
    for (const part of f.parts.filter((p) => p.name !== 'bootloader' && p.name !== 'partition-table' && p.name !== 'otadata')) {
      const img = parseImage(at(part.offset), { verify: 'full' });
      assert.equal(img.checksum.valid, true, `${part.name} checksum`);
      assert.equal(img.sha256?.valid, true, `${part.name} sha256`);
      assert.equal(img.findings.length, 0, `${part.name}: ${img.findings.map((x) => x.message).join('; ')}`);
      for (const s of img.segments) {
        if (s.kind === 'drom' || s.kind === 'irom') assert.equal(s.dataOffset % 0x10000, s.loadAddress % 0x10000, `${part.name} segment ${s.index}`);
      }
    }
  });
}

test('layouts are deterministic', () => {
  for (const name of ['micropython', 'ota']) assert.deepEqual(buildExampleFlash(name).bytes, buildExampleFlash(name).bytes);
});

test('MicroPython-like layout: header says 32 MiB, file ends at the end of the app, padTo pads with 0xFF', () => {
  const f = buildExampleFlash('micropython');
  assert.equal(f.bytes[3]! >> 4, 5, 'size nibble 5 = 32 MB');
  const app = f.parts.find((p) => p.name === 'factory')!;
  assert.equal(f.bytes.length, app.offset + app.length);
  const img = parseImage(f.bytes.subarray(0x10000), { verify: 'none' });
  assert.equal(img.appDesc?.projectName, '');
  assert.equal(img.appDesc?.version, '');
  assert.deepEqual(img.segments.map((s) => s.kind), ['drom', 'dram', 'iram', 'padding', 'irom']);
  const padded = buildExampleFlash('micropython', { padTo: 0x400000 });
  assert.equal(padded.bytes.length, 0x400000);
  assert.deepEqual(padded.bytes.subarray(0, f.bytes.length), f.bytes);
  assert.ok(padded.bytes.subarray(f.bytes.length).every((b) => b === 0xff));
});

test('OTA layout writes otadata selecting seq 2', () => {
  const f = buildExampleFlash('ota');
  assert.equal(u32(f.bytes, 0xd000), 2);
});

test('shared-window chip (C6): rodata first, code later, both in the one window', () => {
  const img = parseImage(buildExampleApp({ chip: esp32c6 }), { verify: 'full' });
  const flash = img.segments.filter((s) => s.kind === 'flash');
  assert.deepEqual(flash.map((s) => s.flashRole), ['drom', 'irom']);
  assert.ok(img.appDesc);
  assert.equal(img.appDesc?.mmuPageSize, 0x10000);
});

test('RAM-only app carries its descriptor in DRAM and no flash segment', () => {
  const f = buildExampleFlash('ram-only');
  const img = parseImage(f.bytes.subarray(0x10000), { verify: 'full' });
  assert.ok(img.ramOnly);
  assert.equal(u32(f.bytes, 0x10000 + img.segments[0]!.dataOffset), 0xabcd5432);
});
