import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMcubootHeader, isMcubootImage, mcubootFindings, parseMcubootHeader } from '../../src/image/mcuboot.js';
import { mergeFlash } from '../../src/image/merge.js';
import { ImageFormatError } from '../../src/image/errors.js';
import { mcubootImage } from './support/mcuboot.js';

test('MCUboot header: bytes, detection and errors', () => {
  const h = { loadAddress: 0x42000000, headerSize: 0x20, protectedTlvSize: 0, imageSize: 0x12340, flags: 0x10, version: { major: 1, minor: 2, revision: 3, build: 4 } };
  const b = buildMcubootHeader(h);
  assert.deepEqual([...b.subarray(0, 4)], [0x3d, 0xb8, 0xf3, 0x96]);
  assert.ok(isMcubootImage(b));
  assert.deepEqual(parseMcubootHeader(b), { magic: 0x96f3b83d, ...h });
  assert.ok(!isMcubootImage(new Uint8Array([0xe9, 0, 0, 0])));
  assert.throws(() => parseMcubootHeader(b.subarray(0, 16)), (e: unknown) => e instanceof ImageFormatError && e.code === 'MCUBOOT_TRUNCATED');
  const bad = b.slice();
  bad[0] = 0;
  assert.throws(() => parseMcubootHeader(bad), (e: unknown) => e instanceof ImageFormatError && e.code === 'MCUBOOT_BAD_MAGIC' && e.offset === 0);
});

test('mcubootFindings: an image cut short, no TLV area (or protected area) after it, a TLV area cut short; none for a whole image', () => {
  const codes = (b: Uint8Array) => mcubootFindings(b, parseMcubootHeader(b)).map((f) => f.code);
  const whole = mcubootImage(); // header 0x20, image 0x100, a TLV area of 0x28 bytes holding the SHA256
  assert.deepEqual(codes(whole), []);
  assert.deepEqual(codes(mcubootImage({ protectedTlvs: [[0x50, new Uint8Array(4)]] })), [], 'protected TLVs first, then the others');
  assert.deepEqual(codes(whole.subarray(0, 0x100)), ['MCUBOOT_TRUNCATED'], 'the image itself cut short');
  assert.deepEqual(codes(whole.subarray(0, 0x130)), ['MCUBOOT_TRUNCATED'], 'the TLV area cut short');
  assert.deepEqual(codes(whole.subarray(0, 0x120)), ['MCUBOOT_NO_TLV'], 'unsigned: nothing after the image');
  const noProtected = whole.slice();
  noProtected[10] = 0x10; // the header counts 16 bytes of protected TLVs
  const f = mcubootFindings(noProtected, parseMcubootHeader(noProtected));
  assert.deepEqual(f.map((x) => [x.code, x.offset]), [['MCUBOOT_NO_TLV', 0x120]]);
  assert.match(f[0]!.message, /no protected TLV area \(magic 0x6908\) at 0x00000120, right after the image: 0x6907 is there/);
  const small = buildMcubootHeader({ loadAddress: 0, headerSize: 8, protectedTlvSize: 0, imageSize: 0, flags: 0, version: { major: 0, minor: 0, revision: 0, build: 0 } });
  assert.deepEqual(codes(small), ['MCUBOOT_HEADER_SIZE']);
});

test('mergeFlash: base offset, fill, size', () => {
  const out = mergeFlash(
    [
      { offset: 0x8000, data: Uint8Array.of(1, 2), name: 'pt' },
      { offset: 0x1000, data: Uint8Array.of(9) },
    ],
    { baseOffset: 0x1000 },
  );
  assert.equal(out.length, 0x7002);
  assert.equal(out[0], 9);
  assert.equal(out[1], 0xff);
  assert.deepEqual([...out.subarray(0x7000)], [1, 2]);
  const sized = mergeFlash([{ offset: 0, data: Uint8Array.of(5) }], { size: 16, fill: 0 });
  assert.deepEqual([...sized], [5, ...Array(15).fill(0)]);
});

test('mergeFlash errors name both parts', () => {
  assert.throws(
    () => mergeFlash([
      { offset: 0x10000, data: new Uint8Array(0x100), name: 'app' },
      { offset: 0x100f0, data: new Uint8Array(0x10), name: 'otadata' },
    ]),
    (e: unknown) => e instanceof ImageFormatError && e.code === 'MERGE_OVERLAP' && /"app".*"otadata"/.test(e.message) && e.offset === 0x100f0,
  );
  assert.throws(() => mergeFlash([{ offset: 0, data: new Uint8Array(1), name: 'boot' }], { baseOffset: 0x1000 }), (e: unknown) => e instanceof ImageFormatError && e.code === 'MERGE_RANGE');
  assert.throws(() => mergeFlash([{ offset: 0, data: new Uint8Array(32) }], { size: 16 }), (e: unknown) => e instanceof ImageFormatError && e.code === 'MERGE_RANGE');
  // touching parts are fine
  assert.equal(mergeFlash([{ offset: 0, data: new Uint8Array(4) }, { offset: 4, data: new Uint8Array(4) }]).length, 8);
});

test('mergeFlash refuses offsets flash cannot be written at: a part or the base off a 4-byte word, a base that is no offset', () => {
  const align = (e: unknown) => e instanceof ImageFormatError && e.code === 'MERGE_ALIGN';
  assert.throws(() => mergeFlash([{ offset: 0x10001, data: new Uint8Array(4), name: 'app' }]), (e: unknown) => align(e) && /"app" \(0x00010001\.\.0x00010005\) does not start on a multiple of 4 bytes/.test((e as Error).message));
  assert.throws(() => mergeFlash([{ offset: 4, data: new Uint8Array(4) }], { baseOffset: 3 }), (e: unknown) => align(e) && /base offset 0x00000003 is not a flash offset/.test((e as Error).message));
  for (const baseOffset of [-4, 1.5, 0x100000000]) assert.throws(() => mergeFlash([{ offset: 0x100000000, data: new Uint8Array(0) }], { baseOffset }), align);
  assert.equal(mergeFlash([{ offset: 0x1004, data: Uint8Array.of(7) }], { baseOffset: 0x1000 })[4], 7);
});
