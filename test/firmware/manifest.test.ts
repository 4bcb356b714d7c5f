import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { sha256, toHex } from '../../src/image/index.js';
import { BUILD_DIR, EXPECTED_LAYOUTS, readBuild, readManifest } from './prebuilt.js';

test('manifest lists every committed file with its size and sha256', () => {
  const manifest = readManifest();
  assert.equal(manifest.chip, 'esp32c3');
  const onDisk = readdirSync(BUILD_DIR).filter((n) => n !== 'manifest.json').sort();
  assert.deepEqual(manifest.files.map((f) => f.name).sort(), onDisk);
  for (const f of manifest.files) {
    const data = readBuild(f.name);
    assert.equal(data.length, f.size, `${f.name}: size`);
    assert.equal(toHex(sha256(data)), f.sha256, `${f.name}: sha256`);
  }
});

test('manifest describes the four merged layouts with their table offsets', () => {
  const manifest = readManifest();
  assert.deepEqual(manifest.layouts.map((l) => l.file).sort(), Object.keys(EXPECTED_LAYOUTS).sort());
  for (const l of manifest.layouts) {
    const want = EXPECTED_LAYOUTS[l.file]!;
    assert.equal(l.tableOffset, want.tableOffset, `${l.file}: table offset`);
    assert.equal(l.headerFlashSize, want.headerFlashSize, `${l.file}: header flash size`);
    for (const app of l.apps) {
      const row = want.rows.find((r) => r[0] === app.partition);
      assert.ok(row, `${l.file}: app partition ${app.partition} is in the expected table`);
      assert.equal(app.offset, row[3], `${l.file}: ${app.partition} offset`);
    }
  }
  const ota = manifest.layouts.find((l) => l.file === 'demo-ota.bin')!;
  assert.equal(ota.otaSelected, 'ota_1');
  assert.deepEqual(ota.apps.map((a) => a.version), ['1.0.0', '1.0.1']);
});

test('committed firmware outputs stay small (under 2 MB altogether)', () => {
  const total = readManifest().files.reduce((n, f) => n + f.size, 0);
  assert.ok(total < 2_000_000, `firmware/build holds ${total} bytes`);
});
