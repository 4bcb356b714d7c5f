import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHIPS, findChip, chipByImageId, dramToIram, iramToDram, esp32, esp32c3, esp32s3 } from '../../src/chips/index.js';

test('every chip has a unique name and image chip id', () => {
  assert.equal(CHIPS.length, 9);
  assert.equal(new Set(CHIPS.map((c) => c.name)).size, CHIPS.length);
  assert.equal(new Set(CHIPS.map((c) => c.imageChipId)).size, CHIPS.length);
});

test('lookup by name and by image id', () => {
  assert.equal(findChip('ESP32-C3'), esp32c3);
  assert.equal(findChip('esp32_s3'), esp32s3);
  assert.equal(findChip('esp8266'), undefined);
  assert.equal(chipByImageId(5), esp32c3);
  assert.equal(chipByImageId(0xffff), undefined);
});

test('stub placement from OpenOCD for C3, S3 and ESP32', () => {
  assert.equal(esp32c3.stub?.iramOrigin, 0x40380000);
  assert.equal(esp32c3.stub?.dramOrigin, 0x3fc84000);
  assert.equal(esp32s3.stub?.workArea.start, 0x3fc9c000);
  assert.equal(esp32.stub?.iramOrigin, 0x400bc000);
});

test('I/D alias: offset chips and the word-reversed ESP32', () => {
  assert.equal(dramToIram(esp32c3, 0x3fc80000), 0x40380000);
  assert.equal(iramToDram(esp32c3, 0x40380010), 0x3fc80010);
  assert.equal(dramToIram(esp32s3, 0x3fc9c000), 0x4038c000);
  // ESP32: first data word is the last instruction word.
  assert.equal(dramToIram(esp32, 0x3ffe0000), 0x400bfffc);
  assert.equal(dramToIram(esp32, 0x3ffe0004), 0x400bfff8);
  for (const d of [0x3ffe0000, 0x3ffe0004, 0x3ffe1234 & ~3, 0x3fffff00]) {
    assert.equal(iramToDram(esp32, dramToIram(esp32, d)), d);
  }
});
