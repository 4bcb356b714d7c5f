import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_LINK_RING, planStreamRing, PIECES_PER_RING, RING_FILL_MS, ringLimitForLink } from '../../src/flash/stream-ring.js';

const START = 0x3fc84910;
const END = START + 0x10000 - 32; // the stub's scratch less the control block

test('stream ring: pieces of whole link transfers with room for escapes, the ring ending at the control block', () => {
  const r = planStreamRing(START, END, 16360);
  assert.equal(r.size, r.piece * PIECES_PER_RING);
  assert.equal(r.address + r.size, END, 'ends where the control block starts');
  assert.equal(r.piece % 4, 0);
  // Two 16360-byte transfers hold the piece even with 1/32 of its bytes escaped (doubled).
  assert.ok(r.piece * (1 + 1 / 32) <= 2 * 16360, `piece ${r.piece}`);
  assert.ok(r.piece > 2 * 16360 * 0.95, `piece ${r.piece} uses the two transfers`);
});

test('stream ring: a link whose transfer exceeds half the room gets all the room in two halves; an explicit size is kept', () => {
  const big = planStreamRing(START, END, 1 << 20);
  assert.deepEqual(big, { address: START, size: 0xffe0, piece: 0x7ff0 });
  const tiny = planStreamRing(START, END, 2);
  assert.deepEqual(tiny, big, 'a transfer too small to plan with: the whole room');
  const exact = planStreamRing(START, END, 16360, 4096);
  assert.deepEqual(exact, { address: END - 4096, size: 4096, piece: 2048 });
  assert.equal(planStreamRing(0, 0x4000, 16360, 0x10000).size, 0x4000, 'never more than the room');
});

test('stream ring: no larger than a stream of known length, still ending at the control block; an explicit size wins', () => {
  assert.deepEqual(planStreamRing(START, END, 16360, undefined, 0x3000), { address: END - 0x3000, size: 0x3000, piece: 0x1800 });
  assert.deepEqual(planStreamRing(START, END, 16360, undefined, 5), { address: END - 8, size: 8, piece: 4 }, 'a word, at least 8 bytes');
  assert.deepEqual(planStreamRing(START, END, 16360, undefined, 0x100000), planStreamRing(START, END, 16360), 'a long stream: the full ring');
  assert.deepEqual(planStreamRing(START, END, 16360, 0x4000, 0x1000), { address: END - 0x4000, size: 0x4000, piece: 0x2000 });
});

test('stream ring: a link sizes it by what it moves in RING_FILL_MS, never below MIN_LINK_RING', () => {
  assert.equal(ringLimitForLink(66), 66 * RING_FILL_MS, 'OpenOCD over JTAG: ~66 bytes per ms');
  assert.equal(ringLimitForLink(1), MIN_LINK_RING);
  assert.equal(ringLimitForLink(Infinity), Infinity, 'in process: no limit');
  // On a loopback GDB server (tens of MB/s) the limit is far above the scratch buffer: the full ring.
  assert.deepEqual(planStreamRing(START, END, 16360, undefined, ringLimitForLink(30_000)), planStreamRing(START, END, 16360));
  const slow = 32 * RING_FILL_MS;
  assert.deepEqual(planStreamRing(START, END, 16360, undefined, ringLimitForLink(32)), { address: END - slow, size: slow, piece: slow / 2 });
});
