import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c2, esp32c3, esp32c6, esp32h2 } from '../../src/chips/index.js';
import {
  describeChipId, describeSpiSpeed, flashSizeFromCode, flashSizeToCode, formatChipRevision, maxChipRevisionSet, parseChipRevision, parseImageHeader, spiModeCode, spiModeName, spiSpeedCode, writeImageHeader,
} from '../../src/image/image-header.js';
import { ImageFormatError } from '../../src/image/errors.js';

function isErr(code: string, offset?: number) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ImageFormatError, `expected ImageFormatError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset);
    return true;
  };
}

test('flash size nibble ⇄ bytes', () => {
  const mb = 0x100000;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(flashSizeFromCode), [1, 2, 4, 8, 16, 32, 64, 128].map((n) => n * mb));
  assert.equal(flashSizeFromCode(8), undefined);
  assert.equal(flashSizeToCode(32 * mb), 5);
  assert.throws(() => flashSizeToCode(3 * mb), isErr('IMAGE_BUILD'));
});

test('spi mode and speed', () => {
  assert.equal(spiModeName(2), 'dio');
  assert.equal(spiModeName(9), undefined);
  assert.equal(spiModeCode('slow_read'), 5);
  assert.equal(describeSpiSpeed(0xf, esp32c3), '80m');
  assert.equal(describeSpiSpeed(0xf, esp32c2), '60m');
  assert.equal(describeSpiSpeed(0x0, esp32h2), '24m');
  assert.equal(describeSpiSpeed(0x0, 'esp32c6'), '80m');
  assert.equal(describeSpiSpeed(0x7, esp32c3), 'nibble 0x7');
  assert.equal(spiSpeedCode('20m', esp32c6), 2);
  assert.equal(describeChipId(5), '0x0005 (ESP32-C3)');
  assert.equal(describeChipId(0xffff), '0xffff (invalid)');
});

test('header round trip keeps every field', () => {
  const b = new Uint8Array(24);
  const h = {
    segmentCount: 5, spiMode: 3, spiSpeed: 0xf, flashSizeCode: 5, entry: 0x40380000, wpPin: 0xee,
    spiPinDrv: [1, 2, 3] as const, chipId: esp32c6.imageChipId, minChipRev: 3, minChipRevFull: 101, maxChipRevFull: 199, hashAppended: 1,
  };
  writeImageHeader(b, h);
  assert.equal(b[3], 0x5f, 'size in the high nibble, speed in the low nibble');
  const p = parseImageHeader(b);
  assert.deepEqual({ ...p, spiPinDrv: [...p.spiPinDrv] }, {
    ...h, spiPinDrv: [1, 2, 3], magic: 0xe9, spiModeName: 'dout', flashSizeBytes: 32 * 0x100000,
  });
});

test('header errors', () => {
  assert.throws(() => parseImageHeader(new Uint8Array(0)), isErr('IMAGE_TRUNCATED', 0));
  assert.throws(() => parseImageHeader(new Uint8Array([0xe9, 1, 2, 0x20])), isErr('IMAGE_TRUNCATED', 0));
  assert.throws(() => parseImageHeader(new Uint8Array(24).fill(0xff)), isErr('IMAGE_BAD_MAGIC', 0));
  assert.throws(
    () => parseImageHeader(Uint8Array.of(0x3d, 0xb8, 0xf3, 0x96, 0, 0, 0, 0)),
    (e: unknown) => isErr('IMAGE_BAD_MAGIC', 0)(e) && /MCUboot/.test((e as Error).message),
  );
  const b = new Uint8Array(24);
  writeImageHeader(b, {
    segmentCount: 1, spiMode: 2, spiSpeed: 0, flashSizeCode: 1, entry: 0, wpPin: 0xee, spiPinDrv: [0, 0, 0],
    chipId: 5, minChipRev: 0, minChipRevFull: 0, maxChipRevFull: 0, hashAppended: 0,
  });
  b[23] = 2;
  assert.throws(() => parseImageHeader(b), (e: unknown) => isErr('IMAGE_BAD_HEADER', 23)(e) && (e as ImageFormatError).found === 2);
});

test('ESP8266 images are rejected with IMAGE_ESP8266', () => {
  // ESP8266 layout: 8-byte header, then segment headers at offset 8.
  const img = new Uint8Array(8 + 8 + 0x40 + 8 + 0x20 + 16);
  img.set([0xe9, 2, 0, 0x20, 0x00, 0x10, 0x10, 0x40]); // entry 0x40101000
  const dv = new DataView(img.buffer);
  dv.setUint32(8, 0x40100000, true);
  dv.setUint32(12, 0x40, true);
  dv.setUint32(16 + 0x40, 0x3ffe8000, true);
  dv.setUint32(20 + 0x40, 0x20, true);
  assert.throws(() => parseImageHeader(img), (e: unknown) => isErr('IMAGE_ESP8266', 8)(e) && /ESP8266/.test((e as Error).message));
  // ESP8266 "v2" images start with 0xEA
  assert.throws(() => parseImageHeader(new Uint8Array([0xea, 4, 0, 0, 0, 0, 0, 0])), isErr('IMAGE_ESP8266', 0));
});

test('chip revisions: parsed dotted or full, printed dotted; max 0 and 0xFFFF set no limit', () => {
  assert.equal(parseChipRevision('v0.3'), 3);
  assert.equal(parseChipRevision('1.99'), 199);
  assert.equal(parseChipRevision('V3.1'), 301);
  assert.equal(parseChipRevision('3'), 3);
  assert.equal(parseChipRevision('65535'), 0xffff);
  assert.equal(parseChipRevision('0xFFFF'), 0xffff, 'the header\'s "no limit", as help texts write it');
  assert.equal(parseChipRevision('0x3'), 3);
  for (const bad of ['', 'v', '0.100', '1.', '.5', '65536', '0x10000', '-1', '0x', 'v1.2.3']) assert.equal(parseChipRevision(bad), undefined, bad);
  assert.equal(formatChipRevision(3), 'v0.3');
  assert.equal(formatChipRevision(199), 'v1.99');
  assert.deepEqual([0, 0xffff, 99, 1].map(maxChipRevisionSet), [false, false, true, true]);
});
