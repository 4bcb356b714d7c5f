import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDistanceTable, buildLiteralTable, DIST_BASE, DIST_TABLE_SIZE, LENGTH_BASE, LIT_TABLE_SIZE } from '../../../src/sim/esp32c3/rom/decode-table.js';
import { HuffmanCode } from '../../../src/sim/esp32c3/rom/huffman-code.js';
import { ENTRY } from '../../../src/sim/esp32c3/rom/inflate-fast.js';

const { CODE_LENGTH, CODE_SHIFT, DISTANCE, DIST_BITS, END_OF_BLOCK, ENTRY_BITS, LENGTH, LITERAL, LIT_BITS, SUBTABLE, UNUSED } = ENTRY;

/** The entry for the code at the start of `bits`, through the second level where there is one. */
function lookup(table: Int32Array, first: number, bits: number): number {
  const e = table[bits & ((1 << first) - 1)]!;
  return e & SUBTABLE ? table[(e >>> 16) + ((bits >>> first) & ((1 << (e & ENTRY_BITS)) - 1))]! : e;
}

/** What an entry decodes to, as the bit-by-bit decoder (HuffmanCode.entry) says it: (symbol << 4) | code length, or 0. */
function literalMeaning(e: number): number {
  const len = (e >>> CODE_SHIFT) & CODE_LENGTH;
  if (e & LITERAL) return ((e >>> 16) << 4) | len;
  if (e & END_OF_BLOCK) return (256 << 4) | len;
  if (e & LENGTH) {
    const li = LENGTH_BASE.indexOf(e >>> 16);
    return li < 0 ? -1 : ((257 + li) << 4) | len;
  }
  return e & UNUSED ? -2 : e === 0 ? 0 : -1;
}

function distanceMeaning(e: number): number {
  const len = (e >>> CODE_SHIFT) & CODE_LENGTH;
  if (e & DISTANCE) {
    const d = DIST_BASE.indexOf(e >>> 16);
    return d < 0 ? -1 : (d << 4) | len;
  }
  return e & UNUSED ? -2 : e === 0 ? 0 : -1;
}

/** Every 15-bit input pattern decodes through the table as bit by bit (symbol and length), extra bits counted. */
function assertTableMatches(lengths: Uint8Array, kind: 'literal' | 'distance', label: string): void {
  const code = new HuffmanCode();
  assert.ok(code.build(lengths, 0, lengths.length), `${label}: a usable code`);
  const table = new Int32Array(kind === 'literal' ? LIT_TABLE_SIZE : DIST_TABLE_SIZE);
  (kind === 'literal' ? buildLiteralTable : buildDistanceTable)(table, code);
  const first = kind === 'literal' ? LIT_BITS : DIST_BITS;
  for (let bits = 0; bits < 1 << 15; bits++) {
    const want = code.entry(bits);
    const e = lookup(table, first, bits);
    const got = kind === 'literal' ? literalMeaning(e) : distanceMeaning(e);
    if (got === -2) {
      // a code of a symbol no data may use: the symbol and its length as decoded bit by bit
      const sym = want >>> 4;
      assert.ok(kind === 'literal' ? sym === 286 || sym === 287 : sym === 30 || sym === 31, `${label}: bits ${bits.toString(2)} unused symbol ${sym}`);
      assert.equal((e >>> CODE_SHIFT) & CODE_LENGTH, want & 15, `${label}: bits ${bits.toString(2)} length of an unused symbol`);
      continue;
    }
    if (got !== want) assert.fail(`${label}: bits ${bits.toString(2)}: table says ${got >>> 4}/${got & 15}, bit by bit ${want >>> 4}/${want & 15}`);
    if (want === 0) continue;
    const sym = want >>> 4;
    const extra = kind === 'literal' ? (sym > 256 ? [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0][sym - 257]! : 0) : Math.max(0, (sym >> 1) - 1);
    assert.equal((e & ENTRY_BITS) - (want & 15), extra, `${label}: bits ${bits.toString(2)} extra bits of symbol ${sym}`);
  }
}

/** Code lengths of a complete code over `n` symbols with the longest `max` bits: symbol i's weight halves every few symbols. */
function skewedLengths(n: number, max: number, seed: number): Uint8Array {
  // Kraft: start with every symbol at `max`, then shorten codes while the sum stays within 1.
  const lengths = new Uint8Array(n).fill(max);
  let space = n * (1 << (15 - max)); // in units of 2^-15
  let s = seed;
  for (let pass = 0; pass < 64; pass++) {
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      if (lengths[i]! > 1 && s % (i + 2) === 0) {
        const gain = 1 << (15 - lengths[i]!);
        if (space + gain <= 1 << 15) {
          space += gain;
          lengths[i]!--;
        }
      }
    }
  }
  // Fill what is left with the shortest codes possible: lengthen nothing, shorten the last ones.
  for (let i = n - 1; i >= 0 && space < 1 << 15; i--) {
    while (lengths[i]! > 1 && space + (1 << (15 - lengths[i]!)) <= 1 << 15) {
      space += 1 << (15 - lengths[i]!);
      lengths[i]!--;
    }
  }
  assert.equal(space, 1 << 15, 'complete');
  return lengths;
}

test('the literal/length table decodes every input as the canonical code does, codes longer than its first level included', () => {
  const fixed = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  assertTableMatches(fixed, 'literal', 'fixed');
  for (const [max, seed] of [[15, 1], [15, 2], [13, 3], [12, 4], [11, 5], [9, 6]] as const) {
    const lengths = skewedLengths(286, max, seed);
    assert.ok(Math.max(...lengths) > LIT_BITS || max <= LIT_BITS, 'some codes longer than the first level');
    assertTableMatches(lengths, 'literal', `max ${max} seed ${seed}`);
  }
  // One symbol alone (an incomplete code): the other half of the inputs is no code.
  const single = new Uint8Array(257);
  single[256] = 1;
  assertTableMatches(single, 'literal', 'end-of-block alone');
});

test('the distance table decodes every input as the canonical code does, long codes and the unused symbols 30 and 31 included', () => {
  assertTableMatches(new Uint8Array(32).fill(5), 'distance', 'fixed');
  for (const [max, seed] of [[15, 7], [12, 8], [9, 9]] as const) {
    const lengths = skewedLengths(30, max, seed);
    assert.ok(Math.max(...lengths) > DIST_BITS, 'some codes longer than the first level');
    assertTableMatches(lengths, 'distance', `max ${max} seed ${seed}`);
  }
  const lone = new Uint8Array(30);
  lone[29] = 15; // one code, as long as codes get
  assertTableMatches(lone, 'distance', 'one 15-bit code');
});
