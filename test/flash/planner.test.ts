import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlashError } from '../../src/flash/errors.js';
import {
  blankDigest,
  checkRange,
  coalesce,
  edgeRanges,
  mergeIntoSectors,
  planWrite,
  sectorSpan,
  sha256,
} from '../../src/flash/planner.js';

const geometry = { flashSize: 0x400000, sectorSize: 0x1000 };
const S = 0x1000;

function refused(fn: () => void, code: string, address?: number) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FlashError, String(e));
    assert.equal(e.code, code);
    if (address !== undefined) assert.equal(e.address, address);
    assert.ok(e.action.length > 10, 'says what to do');
    return true;
  });
}

test('checkRange refuses unaligned, out-of-range and oversized requests with the address and an action', () => {
  checkRange(geometry, 0x10000, 0x1234 * 4, 'write', 'word');
  checkRange(geometry, 0x3ff000, 0x1000, 'erase', 'sector');
  refused(() => checkRange(geometry, 0x10002, 16, 'write', 'word'), 'FLASH_UNALIGNED', 0x10002);
  refused(() => checkRange(geometry, 0x10800, 0x1000, 'erase', 'sector'), 'FLASH_UNALIGNED', 0x10800);
  refused(() => checkRange(geometry, 0x10000, 0x800, 'erase', 'sector'), 'FLASH_UNALIGNED', 0x10000);
  refused(() => checkRange(geometry, 0x10000, 6, 'blank check', 'word', true), 'FLASH_UNALIGNED');
  refused(() => checkRange(geometry, 0x3ff000, 0x2000, 'write', 'word'), 'FLASH_OUT_OF_RANGE', 0x3ff000);
  refused(() => checkRange(geometry, 0x400000, 4, 'read', 'word'), 'FLASH_OUT_OF_RANGE');
  refused(() => checkRange(geometry, 0, 0x400004, 'write', 'word'), 'FLASH_TOO_LARGE');
  // A range given on the command line is not a file: the action says what length fits.
  assert.throws(() => checkRange(geometry, 0, 0x500000, 'read', 'word'), (e: FlashError) => e.code === 'FLASH_TOO_LARGE' && e.action === 'Give a length of at most 4194304 bytes (the whole flash)' && !/file/.test(e.message));
  assert.throws(() => checkRange(geometry, 0, 0x400004, 'verify', 'word'), (e: FlashError) => /Check the file/.test(e.action));
  refused(() => checkRange(geometry, 0, 0, 'write', 'word'), 'FLASH_EMPTY');
  refused(() => checkRange({ flashSize: 0x2000000, sectorSize: S, addressLimit: 0x1000000 }, 0xfff000, 0x2000, 'write', 'word'), 'FLASH_OUT_OF_RANGE');
  // Offsets past 32 bits are named as given, not wrapped to 0x00000000.
  assert.throws(() => checkRange(geometry, 2 ** 32, 4, 'read', 'word'), (e: FlashError) => e.code === 'FLASH_OUT_OF_RANGE' && /^read: offset 0x100000000 is not a flash offset/.test(e.message));
});


test('sectorSpan and edgeRanges: partial head and tail sectors, one sector covering both', () => {
  const a = sectorSpan(S, 0x10000, 0x3000);
  assert.deepEqual([a.start, a.end, a.count, a.headPartial, a.tailPartial], [0x10000, 0x13000, 3, false, false]);
  assert.deepEqual(edgeRanges(a), []);
  const b = sectorSpan(S, 0x10ffc, 0x1008);
  assert.deepEqual([b.start, b.end, b.count, b.headPartial, b.tailPartial], [0x10000, 0x13000, 3, true, true]);
  assert.deepEqual(edgeRanges(b), [{ address: 0x10000, length: S }, { address: 0x12000, length: S }]);
  const c = sectorSpan(S, 0x10100, 0x100);
  assert.equal(c.count, 1);
  assert.deepEqual(edgeRanges(c), [{ address: 0x10000, length: S }], 'one read for a sector that is head and tail');
});

test('mergeIntoSectors keeps the bytes the request does not cover', () => {
  const span = sectorSpan(S, 0x10ffc, 0x1008);
  const head = new Uint8Array(S).fill(0x11);
  const tail = new Uint8Array(S).fill(0x33);
  const data = new Uint8Array(0x1008).fill(0x22);
  const image = mergeIntoSectors(span, 0x10ffc, data, new Map([[0x10000, head], [0x12000, tail]]));
  assert.equal(image.length, 0x3000);
  assert.equal(image[0xffb], 0x11);
  assert.equal(image[0xffc], 0x22);
  assert.equal(image[0x2003], 0x22);
  assert.equal(image[0x2004], 0x33);
  assert.equal(image[0x2fff], 0x33);
  assert.throws(() => mergeIntoSectors(span, 0x10ffc, data, new Map([[0x10000, head]])), RangeError);
});

test('planWrite: skip same, program blank, erase+program different, erase-only for 0xFF data, unknown digests', () => {
  const span = sectorSpan(S, 0, 6 * S);
  const image = new Uint8Array(6 * S);
  for (let i = 0; i < 6; i++) image.fill(i + 1, i * S, (i + 1) * S);
  image.fill(0xff, 3 * S, 5 * S); // sectors 3 and 4 want 0xFF
  const sector = (i: number) => image.subarray(i * S, (i + 1) * S);
  const other = sha256(new Uint8Array(S).fill(0x77));
  const digests = [sha256(sector(0)), blankDigest(S), other, other, blankDigest(S), undefined];
  const plan = planWrite({ span, image, targetDigests: digests });
  assert.deepEqual(plan.sectors.map((s) => [s.action, s.reason]), [
    ['skip', 'same'],
    ['program', 'blank'],
    ['erase-program', 'differs'],
    ['erase', 'differs'],
    ['skip', 'same'],
    ['erase-program', 'unknown'],
  ]);
  assert.deepEqual(plan.erase, [{ address: 2 * S, length: 2 * S }, { address: 5 * S, length: S }]);
  assert.deepEqual(plan.program, [{ address: S, length: 2 * S }, { address: 5 * S, length: S }]);
  assert.equal(plan.sectorsSkipped, 2);
  assert.equal(plan.sectorsErased, 3);
  assert.equal(plan.sectorsProgrammed, 3);
  assert.equal(plan.bytesToProgram, 3 * S);

  const forced = planWrite({ span, image, targetDigests: digests, force: true });
  assert.equal(forced.sectorsSkipped, 0);
  assert.deepEqual(forced.erase, [{ address: 0, length: 6 * S }]);
  assert.deepEqual(forced.program, [{ address: 0, length: 3 * S }, { address: 5 * S, length: S }]);
  assert.ok(forced.sectors.every((s) => s.reason === 'forced'));
});

test('planWrite: a whole image that matches plans nothing; one changed byte plans exactly one sector', () => {
  const span = sectorSpan(S, 0x20000, 16 * S);
  const image = new Uint8Array(16 * S).map((_, i) => (i * 31 + 7) & 0xff);
  const digests = Array.from({ length: 16 }, (_, i) => sha256(image.subarray(i * S, (i + 1) * S)));
  const same = planWrite({ span, image, targetDigests: digests });
  assert.deepEqual([same.erase, same.program, same.sectorsSkipped], [[], [], 16]);
  const changed = image.slice();
  changed[9 * S + 123] ^= 0x40;
  const one = planWrite({ span, image: changed, targetDigests: digests });
  assert.deepEqual(one.erase, [{ address: 0x20000 + 9 * S, length: S }]);
  assert.deepEqual(one.program, [{ address: 0x20000 + 9 * S, length: S }]);
  assert.equal(one.sectorsSkipped, 15);
  assert.throws(() => planWrite({ span, image: image.subarray(1), targetDigests: digests }), RangeError);
});

test('coalesce merges adjacent and overlapping ranges in address order', () => {
  assert.deepEqual(coalesce([{ address: 0x3000, length: 0x1000 }, { address: 0x1000, length: 0x1000 }, { address: 0x2000, length: 0x1000 }, { address: 0x8000, length: 0x10 }, { address: 0x8008, length: 0x10 }]), [
    { address: 0x1000, length: 0x3000 },
    { address: 0x8000, length: 0x18 },
  ]);
  assert.deepEqual(coalesce([]), []);
});
