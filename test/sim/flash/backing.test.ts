import { test } from 'node:test';
import assert from 'node:assert/strict';
import { andInto } from '../../../src/sim/flash/backing.js';

/** The reference: NOR programming byte by byte. */
function andBytes(bytes: Uint8Array, offset: number, data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) bytes[offset + i]! &= data[i]!;
}

test('andInto programs like NOR flash: erased stretches, programmed ones, mixed, unaligned, longer than one compare', () => {
  const data = Uint8Array.from({ length: 0x18003 }, (_, i) => (i * 131 + 7) & 0xff);
  const cases: Array<[string, (b: Uint8Array) => void, number, number]> = [
    ['erased', () => undefined, 0x100, 0x4000],
    ['programmed before', (b) => b.fill(0x5a, 0, 0x8000), 0x100, 0x4000],
    ['one byte programmed in an erased stretch', (b) => (b[0x3000] = 0x0f), 0x1000, 0x4000],
    ['unaligned start and length', (b) => b.fill(0xf0, 0x2000, 0x2003), 0x1ffd, 0x1003],
    ['spans several compares, the second one dirty', (b) => (b[0x14000] = 0), 0x100, 0x18003],
  ];
  for (const [name, prepare, offset, length] of cases) {
    const flash = new Uint8Array(0x20000).fill(0xff);
    prepare(flash);
    const expected = flash.slice();
    andBytes(expected, offset, data.subarray(0, length));
    andInto(flash, offset, data.subarray(0, length));
    assert.deepEqual(flash, expected, name);
  }
});
