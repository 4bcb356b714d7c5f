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

test('a write too short to pay for the decoder RAM deflate would borrow goes plain, unless compression is asked for or that RAM is held already', async () => {
  const onDemand = { address: 0x3fc84910, size: 86080 };
  const withHeld = async (capabilities: TargetCapabilities, held: { address: number; size: number }[]) => {
    // Without backup the allocator never touches the target.
    const allocator = new WorkAreaAllocator({} as Target, { start: 0x3fc80000, end: 0x3fca4000 }, false);
    for (const h of held) await allocator.allocateAt(h.address, h.size, 'held');
    return { target: { capabilities }, loaded: { image: { symbols: { onDemand } }, allocator } } as unknown as FlashSession;
  };
  const fresh = await withHeld(link, []);
  assert.equal(chooseMode(fresh, {}, 0x1000), 'stream', 'a sector: 4 KiB saved at best against 2 x 84 KiB moved');
  assert.equal(chooseMode(await withHeld(haltedOnly, []), {}, 0x1000), 'calls');
  assert.equal(chooseMode(fresh, {}, 0xe000), 'stream', 'up to two thirds of the unclaimed range');
  assert.equal(chooseMode(fresh, {}, 0x10000), 'deflate');
  assert.equal(chooseMode(fresh, {}), 'deflate', 'size unknown');
  assert.equal(chooseMode(fresh, { compress: true }, 0x1000), 'deflate');
  // A session that deflated before holds the range: nothing more to borrow.
  assert.equal(chooseMode(await withHeld(link, [onDemand]), {}, 0x1000), 'deflate');
  // Half held (an earlier stream's ring): the bar drops with what is left.
  assert.equal(chooseMode(await withHeld(link, [{ address: onDemand.address, size: 43040 }]), {}, 0x8000), 'deflate');
});
