/** Compressing flash contents ahead in cells, and joining pieces into a stream source. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { DEFLATE_CELL, DeflatedImage } from '../../src/flash/deflated-image.js';
import { joinedSource, type StreamSource } from '../../src/flash/stream-source.js';

/** Firmware-like bytes: repeats with some noise, so there is something to compress. */
function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 === 0 ? x >>> 24 : (i >> 5) & 0xff;
  }
  return out;
}

async function drain(source: StreamSource): Promise<Uint8Array> {
  while (!source.ended) await source.next();
  return source.bytes(0, source.length).slice();
}

test('every run of the image streams as one raw DEFLATE stream of its bytes, cells whole or cut', async () => {
  const base = 0x11000; // not on a cell boundary: the first and last cells are short
  const image = sample(0x3c000);
  const d = new DeflatedImage(base, image, 4);
  const runs: Array<[number, number]> = [
    [base, image.length], // all of it
    [0x20000, DEFLATE_CELL], // exactly one cell
    [0x21000, 0x1000], // inside one cell
    [0x1f000, 0x23000], // cut cells at both ends, whole ones between
    [base, 0x1000], // the first sector
    [base + image.length - 0x1000, 0x1000], // the last
  ];
  for (const [address, length] of runs) {
    const stream = await drain(d.stream(address, length));
    const want = image.subarray(address - base, address - base + length);
    assert.deepEqual(new Uint8Array(inflateRawSync(stream)), want, `${address.toString(16)}+${length.toString(16)}`);
    assert.ok(stream.length < length, 'compressed');
  }
  assert.throws(() => d.stream(base - 4, 8), RangeError);
  assert.throws(() => d.stream(base + image.length - 4, 8), RangeError);
});

test('cells the plan dropped, or an image disposed of, still stream when asked for', async () => {
  const image = sample(0x40000);
  const d = new DeflatedImage(0x100000, image, 1);
  d.retain([{ address: 0x100000, length: 0x1000 }]);
  d.dispose();
  const stream = await drain(d.stream(0x120000, 0x20000));
  assert.deepEqual(new Uint8Array(inflateRawSync(stream)), image.subarray(0x20000, 0x40000));
});

test('holds: only views of the very bytes the image was made of', () => {
  const whole = sample(0x21000);
  const image = whole.subarray(0, 0x20000);
  const d = new DeflatedImage(0x10000, image, 4);
  assert.ok(d.holds(0x11000, image.subarray(0x1000, 0x3000)));
  assert.ok(!d.holds(0x12000, image.subarray(0x1000, 0x3000)), 'another address');
  assert.ok(!d.holds(0x11000, image.slice(0x1000, 0x3000)), 'a copy');
  assert.ok(!d.holds(0x2f000, whole.subarray(0x1f000, 0x21000)), 'past the end');
  d.dispose();
});

test('a zlib level outside 0..9 is refused before anything is compressed', () => {
  assert.throws(() => new DeflatedImage(0, sample(0x1000), 11), RangeError);
  assert.throws(() => new DeflatedImage(0, sample(0x1000), 2.5), RangeError);
});

test('joinedSource hands pieces out in order as they complete, then the tail; a failed piece fails next()', async () => {
  let release!: (b: Uint8Array) => void;
  const late = new Promise<Uint8Array>((r) => (release = r));
  const source = joinedSource([Uint8Array.of(1, 2), late, Promise.resolve(Uint8Array.of(5))], Uint8Array.of(9), 2);
  await Promise.resolve();
  assert.deepEqual([source.length, source.ended], [2, false], 'the third piece waits for the second');
  const first = source.bytes(0, 2);
  const grew = source.next();
  release(Uint8Array.of(3, 4));
  await grew;
  await Promise.resolve();
  assert.deepEqual([...source.bytes(0, source.length)], [1, 2, 3, 4, 5, 9]);
  assert.ok(source.ended);
  assert.deepEqual([...first], [1, 2], 'a view handed out earlier keeps its bytes after the buffer grew');

  const failing = joinedSource([Uint8Array.of(1), Promise.reject(new Error('compressor failed'))], Uint8Array.of(9));
  await assert.rejects(async () => {
    while (!failing.ended) await failing.next();
  }, /compressor failed/);
  assert.equal(failing.length, 1, 'nothing after the failed piece');
});
