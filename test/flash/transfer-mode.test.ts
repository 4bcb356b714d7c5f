/** Which transfer a write uses when none is asked for: deflate across a link, uncompressed in process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseMode } from '../../src/flash/transfer.js';
import type { FlashSession } from '../../src/flash/session.js';
import type { Target, TargetCapabilities } from '../../src/target/types.js';
import { WorkAreaAllocator } from '../../src/algorithm/work-area.js';

const sessionWith = (capabilities: TargetCapabilities) => ({ target: { capabilities } }) as unknown as FlashSession;
const link: TargetCapabilities = { memoryWhileRunning: true, haltsOnBreakInstruction: true, maxTransfer: 0x4000 };
const haltedOnly: TargetCapabilities = { memoryWhileRunning: false, haltsOnBreakInstruction: false, maxTransfer: 0x1000 };
const inProcess: TargetCapabilities = { ...link, maxTransfer: 1 << 20, inProcess: true };

test('across a link (OpenOCD, a GDB server, QEMU) the default is deflate; --no-compress streams, or calls where memory only works halted', () => {
  assert.equal(chooseMode(sessionWith(link), {}), 'deflate');
  assert.equal(chooseMode(sessionWith(haltedOnly), {}), 'deflate');
  assert.equal(chooseMode(sessionWith(link), { compress: false }), 'stream');
  assert.equal(chooseMode(sessionWith(haltedOnly), { compress: false }), 'calls');
});

test('on an in-process target nothing crosses a link: uncompressed by default, deflate only when asked', () => {
  assert.equal(chooseMode(sessionWith(inProcess), {}), 'stream');
  assert.equal(chooseMode(sessionWith(inProcess), { compress: true }), 'deflate');
  assert.equal(chooseMode(sessionWith(inProcess), { mode: 'calls' }), 'calls');
});

test('a write too short to pay for the RAM deflate would borrow goes plain, unless compression is asked for or that RAM is held already', async () => {
  const scratch = { address: 0x3fc84910, size: 0x10000 };
  const onDemand = { address: scratch.address, size: 86080 };
  const regions = { inflateTables: { address: 0x3fc94910, size: 9544 }, romInflater: { address: 0x3fc96e58, size: 10992 } };
  const withHeld = async (capabilities: TargetCapabilities, held: { address: number; size: number }[], named = regions, ringLimit = Infinity) => {
    // Without backup the allocator never touches the target.
    const allocator = new WorkAreaAllocator({} as Target, { start: 0x3fc80000, end: 0x3fca4000 }, false);
    for (const h of held) await allocator.allocateAt(h.address, h.size, 'held');
    const stub = { ringLimit };
    return { target: { capabilities }, stub, loaded: { image: { symbols: { scratch, onDemand, regions: named } }, allocator } } as unknown as FlashSession;
  };
  // Deflate would borrow the 32 KiB inflate window and the ROM inflater's 10,992 bytes: 43,760.
  const fresh = await withHeld(link, []);
  assert.equal(chooseMode(fresh, {}, 0x1000), 'stream', 'a sector: 4 KiB saved at best against 2 x 43 KiB moved');
  assert.equal(chooseMode(await withHeld(haltedOnly, []), {}, 0x1000), 'calls');
  assert.equal(chooseMode(fresh, {}, 0x7000), 'stream', 'up to two thirds of what deflate would borrow');
  assert.equal(chooseMode(fresh, {}, 0x8000), 'deflate');
  // The stub's own inflater keeps 9,544 bytes of tables instead: the bar is 28,208 bytes.
  assert.equal(chooseMode(fresh, { inflater: 'stub' }, 0x6e00), 'stream');
  assert.equal(chooseMode(fresh, { inflater: 'stub' }, 0x7000), 'deflate');
  assert.equal(chooseMode(fresh, {}), 'deflate', 'size unknown');
  assert.equal(chooseMode(fresh, { compress: true }, 0x1000), 'deflate');
  // An image that does not say where the decoder state lies: deflate borrows the whole range.
  assert.equal(chooseMode(await withHeld(link, [], {} as typeof regions), {}, 0xe000), 'stream');
  // Through OpenOCD the stream ring is a few KiB (what the link fills in RING_FILL_MS): plain
  // borrows little, so writes up to 2 x 43,760 - 2 x 6,600 bytes stay plain.
  const slowLink = await withHeld(link, [], regions, 6600);
  assert.equal(chooseMode(slowLink, {}, 0x10000), 'stream');
  assert.equal(chooseMode(slowLink, {}, 0x12200), 'stream');
  assert.equal(chooseMode(slowLink, {}, 0x12300), 'deflate');
  // A session that deflated before holds the window and state: nothing more to borrow.
  assert.equal(chooseMode(await withHeld(link, [onDemand]), {}, 0x1000), 'deflate');
  // The window held (an earlier stream's ring): the bar drops to two thirds of the inflater state.
  const afterStream = await withHeld(link, [{ address: scratch.address, size: 0x8000 }]);
  assert.equal(chooseMode(afterStream, {}, 0x1c00), 'stream');
  assert.equal(chooseMode(afterStream, {}, 0x2000), 'deflate');
});
