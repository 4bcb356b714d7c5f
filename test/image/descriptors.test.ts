import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAppDescriptor, parseAppDescriptor, hasAppDescriptor } from '../../src/image/app-desc.js';
import { buildBootloaderDescriptor, hasBootloaderDescriptor, parseBootloaderDescriptor } from '../../src/image/bootloader-desc.js';
import { ImageFormatError } from '../../src/image/errors.js';

test('app descriptor: byte layout and round trip', () => {
  const elfSha = Uint8Array.from({ length: 32 }, (_, i) => i);
  const d = buildAppDescriptor({
    secureVersion: 3, version: 'v1.25.0', projectName: 'micropython', time: '10:00:00', date: 'Apr 15 2025',
    idfVer: 'v5.2.2', appElfSha256: elfSha, minEfuseBlkRevFull: 0, maxEfuseBlkRevFull: 99, mmuPageSizeLog2: 15,
  });
  assert.equal(d.length, 256);
  assert.deepEqual([...d.subarray(0, 8)], [0x32, 0x54, 0xcd, 0xab, 3, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(d.subarray(16, 23)), 'v1.25.0');
  assert.equal(d[176 + 2], 99);
  assert.equal(d[180], 15);
  const p = parseAppDescriptor(d);
  assert.equal(p.projectName, 'micropython');
  assert.equal(p.idfVer, 'v5.2.2');
  assert.equal(p.date, 'Apr 15 2025');
  assert.equal(p.maxEfuseBlkRevFull, 99);
  assert.equal(p.mmuPageSize, 0x8000);
  assert.deepEqual([...p.appElfSha256], [...elfSha]);
  assert.equal(parseAppDescriptor(buildAppDescriptor()).mmuPageSize, undefined, 'page size 0 = not recorded');
  assert.ok(hasAppDescriptor(d, 0));
  assert.ok(!hasAppDescriptor(d, 1));
  assert.throws(() => parseAppDescriptor(new Uint8Array(256)), (e: unknown) => e instanceof ImageFormatError && e.code === 'DESC_BAD_MAGIC' && e.found === 0);
  assert.throws(() => parseAppDescriptor(d.subarray(0, 100)), (e: unknown) => e instanceof ImageFormatError && e.code === 'IMAGE_TRUNCATED');
  assert.throws(() => buildAppDescriptor({ version: 'x'.repeat(32) }), (e: unknown) => e instanceof ImageFormatError && e.code === 'IMAGE_BUILD');
});

test('bootloader descriptor: byte layout and round trip', () => {
  const d = buildBootloaderDescriptor({ secureVersion: 2, version: 7, idfVer: 'v5.3', dateTime: 'Jun  1 2024 08:00:00' });
  assert.equal(d.length, 80);
  assert.deepEqual([...d.subarray(0, 8)], [0x50, 0, 0, 2, 7, 0, 0, 0]);
  const p = parseBootloaderDescriptor(d);
  assert.deepEqual(p, { offset: 0, magic: 0x50, reserved1: 0, secureVersion: 2, version: 7, idfVer: 'v5.3', dateTime: 'Jun  1 2024 08:00:00' });
  assert.ok(hasBootloaderDescriptor(d, 0));
  const junk = d.slice();
  junk[10] = 0x01; // control character inside idf_ver: not a descriptor
  assert.ok(!hasBootloaderDescriptor(junk, 0));
  assert.throws(() => parseBootloaderDescriptor(new Uint8Array(80)), (e: unknown) => e instanceof ImageFormatError && e.code === 'DESC_BAD_MAGIC');
});
