import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readU16, readU32, readU8, writeU32, readCString, writeCString, slice } from '../../src/image/bytes.js';
import { crc32, md5, romCrc32Le, sha256 } from '../../src/image/hash.js';
import { ImageFormatError } from '../../src/image/errors.js';
import { otaSeqCrc } from '../../src/image/otadata.js';

test('little-endian readers and writers', () => {
  const b = new Uint8Array([0x78, 0x56, 0x34, 0x12, 0xff]);
  assert.equal(readU8(b, 4), 0xff);
  assert.equal(readU16(b, 0), 0x5678);
  assert.equal(readU32(b, 0), 0x12345678);
  writeU32(b, 1, 0xdeadbeef);
  assert.deepEqual([...b], [0x78, 0xef, 0xbe, 0xad, 0xde]);
  assert.equal(readU32(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0), 0xffffffff);
});

test('out-of-range reads throw BYTES_RANGE with offset, expected and found', () => {
  const b = new Uint8Array(6);
  assert.throws(
    () => readU32(b, 4),
    (e: unknown) => e instanceof ImageFormatError && e.code === 'BYTES_RANGE' && e.offset === 4 && e.expected === 4 && e.found === 2 && /0x00000004/.test(e.message),
  );
  assert.throws(() => readU8(b, -1), ImageFormatError);
  assert.throws(() => slice(b, 2, 5), ImageFormatError);
});

test('fixed-size strings', () => {
  const b = new Uint8Array(8).fill(0xaa);
  writeCString(b, 0, 8, 'abc');
  assert.deepEqual([...b], [0x61, 0x62, 0x63, 0, 0, 0, 0, 0]);
  assert.equal(readCString(b, 0, 8), 'abc');
  writeCString(b, 0, 8, 'abcdefgh');
  assert.equal(readCString(b, 0, 8), 'abcdefgh', 'unterminated at full length');
  assert.throws(() => writeCString(b, 0, 8, 'abcdefghi'), (e: unknown) => e instanceof ImageFormatError && e.code === 'IMAGE_BUILD');
});

test('crc32: standard check value and ROM crc32_le chaining', () => {
  const nine = new TextEncoder().encode('123456789');
  assert.equal(crc32(nine), 0xcbf43926);
  assert.equal(romCrc32Le(0, nine), 0xcbf43926, 'crc32_le(0, …) is the standard CRC-32');
  assert.equal(romCrc32Le(romCrc32Le(0, nine.subarray(0, 4)), nine.subarray(4)), 0xcbf43926, 'chaining');
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('otadata crc: crc32_le(0xFFFFFFFF, ota_seq, 4) — hand-checked vectors', () => {
  // seq 1 → 0x4743989A, seq 2 → 0x55F63774 (zlib.crc32(pack("<I", seq), 0xffffffff)).
  assert.equal(otaSeqCrc(1), 0x4743989a);
  assert.equal(otaSeqCrc(2), 0x55f63774);
  assert.equal(otaSeqCrc(3), 0xed4a5011);
  // independently: init 0 register (~0xFFFFFFFF), bitwise, final inversion
  let c = 0;
  for (const byte of [5, 0, 0, 0]) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  assert.equal(otaSeqCrc(5), (c ^ 0xffffffff) >>> 0);
});

test('sha256 and md5 agree with node:crypto', () => {
  for (const s of ['', 'abc', 'x'.repeat(1000)]) {
    const data = new TextEncoder().encode(s);
    assert.equal(Buffer.from(sha256(data)).toString('hex'), createHash('sha256').update(data).digest('hex'));
    assert.equal(Buffer.from(md5(data)).toString('hex'), createHash('md5').update(data).digest('hex'));
  }
  assert.equal(Buffer.from(md5(new TextEncoder().encode('abc'))).toString('hex'), '900150983cd24fb0d6963f7d28e17f72');
});
