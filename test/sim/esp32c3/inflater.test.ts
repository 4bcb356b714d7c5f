import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import { Inflater } from '../../../src/sim/esp32c3/rom/inflater.js';

/** Feed `packed` in pieces of `piece` bytes (more input announced up to the last, or always), take output in pieces of `out`. */
function inflatePieces(packed: Uint8Array, piece: number, out: number, options: { zlib?: boolean; moreAtEnd?: boolean } = {}): { bytes: Buffer; inflater: Inflater } {
  const inflater = new Inflater({ zlib: options.zlib ?? false });
  const parts: Uint8Array[] = [];
  for (let at = 0; at < packed.length; at += piece) {
    const last = at + piece >= packed.length;
    inflater.feed(packed.subarray(at, at + piece), !last || options.moreAtEnd === true);
    for (;;) {
      inflater.run(out);
      const got = inflater.take(out);
      if (got.length === 0) break;
      parts.push(got.slice());
    }
  }
  return { bytes: Buffer.concat(parts), inflater };
}

const samples: [string, Uint8Array][] = [
  ['text', new TextEncoder().encode('the flasher stub inflates what the host packed. '.repeat(3000))],
  ['random', new Uint8Array(randomBytes(70000))],
  ['zeros', new Uint8Array(100000)],
  ['mixed', new Uint8Array(90000).map((_, i) => ((i * 2654435761) >>> ((i >> 9) & 15)) & (i & 0x100 ? 0x0f : 0xff))],
];

test('decodes what zlib packs, at every level, whatever the input and output piece sizes', () => {
  for (const [name, data] of samples) {
    for (const level of [0, 1, 6, 9]) {
      const packed = deflateRawSync(data, { level });
      for (const [piece, out] of [[packed.length, 1 << 20], [1, 7], [13, 4096], [4096, 32768]] as const) {
        const { bytes, inflater } = inflatePieces(packed, piece, out);
        assert.equal(inflater.state, 'done', `${name} level ${level} pieces ${piece}/${out}`);
        assert.ok(bytes.equals(data), `${name} level ${level} pieces ${piece}/${out}`);
      }
    }
  }
});

test('a stream fed with "more to come" to the end still ends at its final block (long end-of-block codes too)', () => {
  for (const [name, data] of samples) {
    const packed = deflateRawSync(data, { level: 6 });
    for (const piece of [packed.length, 1000, 3]) {
      const { bytes, inflater } = inflatePieces(packed, piece, 1 << 20, { moreAtEnd: true });
      assert.equal(inflater.state, 'done', `${name} pieces ${piece}`);
      assert.ok(bytes.equals(data), name);
      assert.equal(inflater.consumedTo, packed.length, `${name}: the end of the stream is where the input ends`);
    }
  }
});

test('sync-flushed pieces joined and closed by an empty final block decode as one stream', () => {
  const data = samples[3]![1];
  const pieces = [data.subarray(0, 30000), data.subarray(30000, 60000), data.subarray(60000)];
  const packed = Buffer.concat([...pieces.map((p) => deflateRawSync(p, { finishFlush: constants.Z_SYNC_FLUSH })), Buffer.of(0x03, 0x00)]);
  const { bytes, inflater } = inflatePieces(packed, 777, 5000, { moreAtEnd: true });
  assert.equal(inflater.state, 'done');
  assert.ok(bytes.equals(data));
});

test('zlib wrapper: header checked, Adler-32 compared with the trailer', () => {
  const data = samples[0]![1];
  const packed = deflateSync(data);
  const good = inflatePieces(packed, 100, 5000, { zlib: true });
  assert.equal(good.inflater.state, 'done');
  assert.equal(good.inflater.adlerMismatch, false);
  assert.ok(good.bytes.equals(data));
  const bad = Uint8Array.from(packed);
  bad[bad.length - 1]! ^= 1;
  assert.equal(inflatePieces(bad, bad.length, 1 << 20, { zlib: true }).inflater.adlerMismatch, true);
  const header = Uint8Array.from(packed);
  header[1]! ^= 1; // (CMF*256 + FLG) % 31 no longer 0
  assert.equal(inflatePieces(header, header.length, 1 << 20, { zlib: true }).inflater.state, 'failed');
});

test('corrupt streams fail; a truncated one reads zeros past its end, as the ROM does', () => {
  const reserved = inflatePieces(Uint8Array.of(0x07, 0x00), 2, 100); // final block of type 3
  assert.equal(reserved.inflater.state, 'failed');
  assert.match(reserved.inflater.failure, /block type 3/);
  const stored = inflatePieces(Uint8Array.of(0x01, 0x05, 0x00, 0x00, 0x00), 5, 100); // LEN/NLEN disagree
  assert.equal(stored.inflater.state, 'failed');
  // A stored block cut short: its missing bytes come out as zeros.
  const data = new Uint8Array(randomBytes(1000));
  const packed = deflateRawSync(data, { level: 0 });
  const cut = inflatePieces(packed.subarray(0, packed.length - 100), packed.length, 1 << 20);
  assert.equal(cut.inflater.state, 'done');
  assert.ok(cut.bytes.subarray(0, 900).equals(data.subarray(0, 900)));
  assert.ok(cut.bytes.subarray(900).equals(new Uint8Array(100)));
  // A back-reference before the start of the output fails the stream.
  const early = inflatePieces(Uint8Array.of(0x63, 0x00, 0x42, 0x00), 4, 100); // fixed block: a length/distance pair first
  assert.equal(early.inflater.state, 'failed');
  assert.match(early.inflater.failure, /distance/);
});
