import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesEqual, parseImage, parsePartitionTable, selectBootApp } from '../../src/image/index.js';
import { EXPECTED_LAYOUTS, readBuild, readManifest } from './prebuilt.js';

const manifest = readManifest();

for (const layout of manifest.layouts) {
  const want = EXPECTED_LAYOUTS[layout.file]!;
  const flash = readBuild(layout.file);

  test(`${layout.file}: bootloader at 0 is a C3 image whose header says ${want.headerFlashSize / 0x100000} MB`, () => {
    const boot = parseImage(flash, { verify: 'full' });
    assert.equal(boot.header.chipId, 0x0005);
    assert.equal(boot.header.flashSizeBytes, want.headerFlashSize);
    assert.equal(boot.sha256?.valid, true);
    assert.equal(boot.bootloaderDesc?.magic, 0x50);
  });

  test(`${layout.file}: partition table at 0x${want.tableOffset.toString(16)} as specified, MD5 valid`, () => {
    const table = parsePartitionTable(flash.subarray(want.tableOffset, want.tableOffset + 0x1000), {
      tableOffset: want.tableOffset,
      flashSize: want.headerFlashSize,
    });
    assert.deepEqual(
      table.entries.map((e) => [e.label, e.type, e.subtype, e.offset, e.size]),
      want.rows.map((r) => [...r]),
    );
    assert.equal(table.md5?.present, true);
    assert.equal(table.md5?.valid, true);
    assert.deepEqual(table.findings.filter((f) => f.severity === 'error'), []);
    const last = table.entries[table.entries.length - 1]!;
    assert.equal(last.offset + last.size, want.headerFlashSize, 'the last partition ends at the header flash size');
    if (want.tableOffset !== 0x8000) {
      assert.ok(flash.subarray(0x8000, 0x9000).every((b) => b === 0xff), 'nothing at the default 0x8000');
    }
  });

  test(`${layout.file}: apps sit at their partitions and the file ends right after the last one`, () => {
    let end = 0;
    for (const app of layout.apps) {
      const image = readBuild(app.app);
      assert.ok(bytesEqual(flash.subarray(app.offset, app.offset + image.length), image), `${app.partition} holds ${app.app}`);
      const parsed = parseImage(flash.subarray(app.offset), { verify: 'full' });
      assert.equal(parsed.appDesc?.version, app.version);
      end = Math.max(end, app.offset + image.length);
    }
    assert.equal(flash.length, end);
  });

  test(`${layout.file}: the bootloader's choice is ${layout.otaSelected ?? 'factory'}`, () => {
    const table = parsePartitionTable(flash.subarray(want.tableOffset, want.tableOffset + 0x1000), { tableOffset: want.tableOffset });
    const otadata = table.entries.find((e) => e.type === 1 && e.subtype === 0);
    const selection = selectBootApp(table, otadata ? flash.subarray(otadata.offset, otadata.offset + otadata.size) : undefined);
    assert.equal(selection.entry?.label, layout.otaSelected ?? 'factory', selection.reason);
    const booted = parseImage(flash.subarray(selection.entry!.offset));
    const expected = layout.apps.find((a) => a.partition === selection.entry!.label)!;
    assert.equal(booted.appDesc?.version, expected.version);
  });
}

test('demo-ota.bin: otadata copy 0 holds seq 2 (ota_1 of two slots), copy 1 is erased', () => {
  const flash = readBuild('demo-ota.bin');
  const view = new DataView(flash.buffer, flash.byteOffset + 0xd000, 0x2000);
  assert.equal(view.getUint32(0, true), 2);
  assert.ok(flash.subarray(0xe000, 0xf000).every((b) => b === 0xff));
});
