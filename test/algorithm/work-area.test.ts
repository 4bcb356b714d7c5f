/** The work-area allocator's on-demand holding: reserve keeps first-fit out, cover backs up gaps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkAreaAllocator } from '../../src/algorithm/work-area.js';
import { WorkAreaError } from '../../src/algorithm/errors.js';
import { ScriptedTarget } from './scripted-target.js';

const BASE = 0x80000000;

function patterned(): ScriptedTarget {
  const target = new ScriptedTarget(BASE, 0x1000);
  for (let i = 0; i < target.ram.length; i++) target.ram[i] = (i * 13 + 5) & 0xff;
  return target;
}

test('allocate keeps out of a reserved range, which stays unheld until covered', async () => {
  const target = patterned();
  const allocator = new WorkAreaAllocator(target, { start: BASE, end: BASE + 0x1000 });
  allocator.reserve(BASE, 0x800);
  const a = await allocator.allocate(0x100, 'a');
  assert.equal(a.address, BASE + 0x800, 'first fit after the reserved range');
  assert.equal(allocator.backedUpBytes, 0x100);
  await assert.rejects(allocator.allocate(0x800, 'too big'), (e: unknown) => e instanceof WorkAreaError && /: only 1792 of its 4096 bytes are free$/.test(e.message));
});

test('no room says which: the area is too small, too little is free, or the free RAM is in pieces', async () => {
  const why = async (allocator: WorkAreaAllocator, size: number, align?: number): Promise<string> => {
    try {
      await allocator.allocate(size, 'stack', align !== undefined ? { align } : {});
    } catch (e) {
      assert.ok(e instanceof WorkAreaError);
      return e.message;
    }
    throw new Error('allocated');
  };
  const area = `in the work area ${'0x' + BASE.toString(16)}..${'0x' + (BASE + 0x1000).toString(16)}`;
  const small = new WorkAreaAllocator(patterned(), { start: BASE, end: BASE + 0x1000 });
  assert.equal(await why(small, 0x2000), `no room for stack (8192 bytes) ${area}: it holds only 4096 bytes in all`);
  assert.doesNotMatch(await why(small, 0x2000), /fragmented/);
  const pieces = new WorkAreaAllocator(patterned(), { start: BASE, end: BASE + 0x1000 });
  await pieces.allocateAt(BASE + 0x400, 0x100, 'a');
  await pieces.allocateAt(BASE + 0xa00, 0x100, 'b');
  // Free: 0x400, 0x500 and 0x500 bytes; 0x600 fits in none.
  assert.equal(await why(pieces, 0x600), `no room for stack (1536 bytes) ${area}: 3584 bytes are free, but in pieces (fragmented): the largest is 1280 bytes`);
  // 0x500 bytes fit the free block 0x500..0xa00 only at 0x500, which a 0x400 alignment misses.
  assert.match(await why(pieces, 0x500, 0x400), /: 3584 bytes are free, but no free block holds 1280 bytes once aligned to 1024 \(fragmented; the largest is 1280 bytes\)$/);
});

test('cover backs up only the parts no area holds, once, and release gives them back', async () => {
  const target = patterned();
  const before = target.ram.slice();
  const allocator = new WorkAreaAllocator(target, { start: BASE, end: BASE + 0x1000 });
  allocator.reserve(BASE, 0x800);
  await allocator.allocateAt(BASE + 0x200, 0x100, 'held');
  assert.equal(allocator.unheldBytes(BASE + 0x100, 0x300), 0x200);
  assert.equal(await allocator.cover(BASE + 0x100, 0x300, 'on demand'), 0x200, 'the held 0x100 in the middle is not taken again');
  assert.equal(allocator.unheldBytes(BASE + 0x100, 0x300), 0);
  assert.deepEqual(
    allocator.allocated.map((a) => [a.address - BASE, a.size]).sort((x, y) => x[0]! - y[0]!),
    [[0x100, 0x100], [0x200, 0x100], [0x300, 0x100]],
  );
  assert.equal(await allocator.cover(BASE + 0x100, 0x300, 'again'), 0, 'covering held RAM takes nothing');
  target.ram.fill(0xee, 0x100, 0x400); // a routine writes what was covered
  await allocator.releaseAll();
  assert.deepEqual(target.ram, before);
  await assert.rejects(allocator.cover(BASE + 0xf00, 0x200, 'outside'), (e: unknown) => e instanceof WorkAreaError);
});

test('releaseAll still gives back every other area when writing one back fails, and says which failed', async () => {
  const target = patterned();
  const before = target.ram.slice();
  const allocator = new WorkAreaAllocator(target, { start: BASE, end: BASE + 0x1000 });
  await allocator.allocateAt(BASE, 0x100, 'a');
  const b = await allocator.allocateAt(BASE + 0x100, 0x100, 'b');
  await allocator.allocateAt(BASE + 0x200, 0x100, 'c');
  target.ram.fill(0xee, 0, 0x300);
  const write = target.writeMemory.bind(target);
  target.writeMemory = async (address: number, data: Uint8Array) => {
    if (address === b.address) throw new Error('E01');
    return write(address, data);
  };
  await assert.rejects(allocator.releaseAll(), (e: unknown) => e instanceof WorkAreaError && /1 work area/.test(e.message) && e.address === b.address && e.size === 0x100);
  assert.deepEqual(target.ram.subarray(0, 0x100), before.subarray(0, 0x100), 'area a (released after the failing b) is given back');
  assert.deepEqual(target.ram.subarray(0x200, 0x300), before.subarray(0x200, 0x300));
  assert.equal(allocator.allocated.length, 0);
});
