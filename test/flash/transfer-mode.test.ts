/** Which transfer a write uses when none is asked for: deflate across a link, uncompressed in process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseMode } from '../../src/flash/transfer.js';
import type { FlashSession } from '../../src/flash/session.js';
import type { TargetCapabilities } from '../../src/target/types.js';

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
