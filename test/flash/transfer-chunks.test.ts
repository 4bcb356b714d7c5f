/** How the buffered transfer cuts data into chunks: deflated where it pays, plain pieces of one buffer where not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { transferChunks, type Chunk } from '../../src/flash/transfer.js';
import { random } from './flash-fixture.js';

const BUFFER = 0x4000;

function reassemble(chunks: readonly Chunk[], start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let next = start;
  for (const c of chunks) {
    assert.equal(c.address, next, 'chunks follow each other');
    assert.ok(c.payload.length <= BUFFER, 'every payload fits one buffer');
    const bytes = c.deflated ? new Uint8Array(inflateRawSync(c.payload)) : c.payload;
    assert.equal(bytes.length, c.length);
    out.set(bytes, c.address - start);
    next += c.length;
  }
  assert.equal(next, start + length);
  return out;
}

test('deflate: incompressible data goes as plain pieces of one buffer; compressible data as deflated chunks', () => {
  const data = random(0x20000);
  data.fill(0, 0x10000); // the second 64 KiB compresses to almost nothing
  const chunks = [...transferChunks([{ address: 0x100000, data }], 'deflate', BUFFER, {})];
  assert.deepEqual(
    chunks.map((c) => [c.address - 0x100000, c.length, c.deflated]),
    [[0, BUFFER, false], [BUFFER, BUFFER, false], [2 * BUFFER, BUFFER, false], [3 * BUFFER, BUFFER, false], [0x10000, 0x10000, true]],
  );
  assert.deepEqual(reassemble(chunks, 0x100000, data.length), data);
});

test('deflate: a chunk that shrinks but not into one buffer is halved until it fits', () => {
  // Four bits of entropy per byte: about half size, so 64 KiB does not fit a 16 KiB buffer.
  const text = random(0x10000).map((b) => b & 15);
  const chunks = [...transferChunks([{ address: 0, data: text }], 'deflate', BUFFER, {})];
  assert.ok(chunks.every((c) => c.deflated) && chunks.length > 1, JSON.stringify(chunks.map((c) => [c.length, c.payload.length])));
  assert.deepEqual(reassemble(chunks, 0, text.length), text);
});

test('calls: plain pieces of one buffer, nothing compressed', () => {
  const data = new Uint8Array(0x9000);
  const chunks = [...transferChunks([{ address: 0x2000, data }, { address: 0x20000, data: data.subarray(0, 0x100) }], 'calls', BUFFER, {})];
  assert.deepEqual(chunks.map((c) => [c.address, c.length, c.deflated]), [[0x2000, BUFFER, false], [0x6000, BUFFER, false], [0xa000, 0x1000, false], [0x20000, 0x100, false]]);
});

test('deflate: chunks that pack well grow, and a short tail rides with the chunk before it', () => {
  const data = new Uint8Array(0x48000); // zeros: 64 KiB, then 128 KiB, then the 96 KiB left in one call
  const chunks = [...transferChunks([{ address: 0, data }], 'deflate', BUFFER, {})];
  assert.deepEqual(chunks.map((c) => [c.address, c.length, c.deflated]), [[0, 0x10000, true], [0x10000, 0x20000, true], [0x30000, 0x18000, true]]);
  assert.deepEqual(reassemble(chunks, 0, data.length), data);
  const tail = [...transferChunks([{ address: 0, data: data.subarray(0, 0x11000) }], 'deflate', BUFFER, {})];
  assert.deepEqual(tail.map((c) => c.length), [0x11000], 'a 4 KiB tail is not a call of its own');
});
