import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync, deflateSync, inflateRawSync } from 'node:zlib';
import { Inflater } from '../../../src/sim/esp32c3/rom/inflater.js';
import { completeLengths, DIST_BASE, dynamicBlock, LENGTH_BASE, type Op } from './deflate-writer.js';

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

/**
 * Data whose deflate codes are long: bytes drawn with weights that halve from one byte value to
 * the next (literal/length codes up to 15 bits), and copies of earlier bytes from distances whose
 * weights halve from one distance code to the next (distance codes longer than 8 bits).
 */
function longCodes(size: number, seed: number): Uint8Array {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
  const skewed = (n: number) => {
    let i = 0;
    while (i < n - 1 && rnd() < 0.5) i++;
    return i;
  };
  const out = new Uint8Array(size);
  for (let o = 0; o < size; ) {
    if (o < 64 || rnd() < 0.6) {
      out[o++] = skewed(40) * 5;
      continue;
    }
    // A distance in the range of distance code k: 1 << (k/2) or so, up to what exists.
    const k = skewed(30);
    const distance = Math.min(o, 1 + Math.floor((1 << (k >> 1)) * (1 + rnd())));
    const length = Math.min(size - o, 3 + Math.floor(rnd() * 6));
    for (let i = 0; i < length; i++, o++) out[o] = out[o - distance]!;
  }
  return out;
}

test('codes longer than the lookup tables\' first level (second-level tables) decode, whole and in pieces', () => {
  for (const seed of [1, 2, 3]) {
    const data = longCodes(200000, seed);
    const packed = deflateRawSync(data, { level: 9 });
    for (const [piece, out] of [[packed.length, 1 << 20], [32736, 32768], [61, 4096], [1, 7]] as const) {
      const { bytes, inflater } = inflatePieces(packed, piece, out);
      assert.equal(inflater.state, 'done', `seed ${seed} pieces ${piece}/${out}: ${inflater.failure}`);
      assert.ok(bytes.equals(data), `seed ${seed} pieces ${piece}/${out}`);
    }
  }
});

test('a stream cut in two at any byte decodes the same, raw or zlib-wrapped, whatever is asked of it at a time', () => {
  const data = Buffer.concat([longCodes(3000, 4), new TextEncoder().encode('the flasher stub inflates what the host packed. '.repeat(40)), longCodes(2000, 5)]);
  for (const zlib of [false, true]) {
    const packed = zlib ? deflateSync(data) : deflateRawSync(data);
    for (let cut = 0; cut <= packed.length; cut++) {
      for (const [out, moreAtEnd] of [[1 << 20, true], [100, false]] as const) {
        const inflater = new Inflater({ zlib });
        const parts: Uint8Array[] = [];
        const drain = () => {
          for (;;) {
            inflater.run(out);
            const got = inflater.take(out);
            if (got.length === 0) break;
            parts.push(got.slice());
          }
        };
        inflater.feed(packed.subarray(0, cut), true);
        drain();
        inflater.feed(packed.subarray(cut), moreAtEnd);
        drain();
        const label = `${zlib ? 'zlib' : 'raw'} cut at ${cut} of ${packed.length}, ${out} at a time`;
        assert.equal(inflater.state, 'done', `${label}: ${inflater.failure}`);
        assert.equal(inflater.adlerMismatch, false, label);
        if (moreAtEnd) assert.equal(inflater.consumedTo, packed.length, label);
        assert.ok(Buffer.concat(parts).equals(data), label);
      }
    }
  }
});

/**
 * A block whose codes are mostly 15 bits long (most literals, every length code, the farthest
 * distance codes), with every length and distance code and the most extra bits: 20 bits for a
 * length, 28 for a distance (more than a refill of the bit buffer may leave).
 */
function longestCodes(): { packed: Uint8Array; data: Uint8Array } {
  const lit = completeLengths(286, [0x41, 0x42, 0x43, 0x44, 0x45, 256, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50]);
  const dist = completeLengths(30, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  let s = 7;
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const ops: Op[] = [];
  // Enough output for the farthest distances, mostly short codes, every literal somewhere.
  for (let i = 0; i < 33000; i++) ops.push(i % 64 === 0 ? rnd(256) : 0x41 + rnd(16));
  for (let i = 0; i < 3000; i++) {
    if (rnd(3) === 0) {
      ops.push(rnd(256));
      continue;
    }
    const li = rnd(29);
    const di = i % 4 === 0 ? 28 + rnd(2) : rnd(30);
    const length = Math.min(258, LENGTH_BASE[li]! + rnd((LENGTH_BASE[li + 1] ?? 259) - LENGTH_BASE[li]!));
    const distance = DIST_BASE[di]! + rnd((DIST_BASE[di + 1] ?? 32769) - DIST_BASE[di]!);
    ops.push({ length, distance });
  }
  return dynamicBlock(lit, dist, ops);
}

test('15-bit codes with the most extra bits decode as zlib decodes them, whole, in pieces and cut anywhere among them', () => {
  const { packed, data } = longestCodes();
  assert.ok(Buffer.from(inflateRawSync(packed)).equals(data), 'the block is what zlib reads');
  for (const [piece, out] of [[packed.length, 1 << 20], [32736, 32768], [4096, 100], [61, 4096], [10, 3], [1, 7]] as const) {
    const { bytes, inflater } = inflatePieces(packed, piece, out);
    assert.equal(inflater.state, 'done', `pieces ${piece}/${out}: ${inflater.failure}`);
    assert.ok(bytes.equals(data), `pieces ${piece}/${out}`);
  }
  // Cut in two anywhere in the last 3000 bytes (among the matches): the same output, the end where the stream ends.
  for (let cut = packed.length - 3000; cut <= packed.length; cut++) {
    const inflater = new Inflater();
    const parts: Uint8Array[] = [];
    for (const [from, to] of [[0, cut], [cut, packed.length]] as const) {
      inflater.feed(packed.subarray(from, to), true);
      for (;;) {
        inflater.run(1 << 20);
        const got = inflater.take(1 << 20);
        if (got.length === 0) break;
        parts.push(got.slice());
      }
    }
    assert.equal(inflater.state, 'done', `cut at ${cut}: ${inflater.failure}`);
    assert.equal(inflater.consumedTo, packed.length, `cut at ${cut}`);
    assert.ok(Buffer.concat(parts).equals(data), `cut at ${cut}`);
  }
});
