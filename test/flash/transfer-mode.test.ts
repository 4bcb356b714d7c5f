/** Which transfer a write uses when none is asked for: deflate across a link, uncompressed in process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { chooseTransfer, deflatedSizeEstimate } from '../../src/flash/transfer-mode.js';
import type { TransferOptions } from '../../src/flash/transfer.js';
import type { FlashSession } from '../../src/flash/session.js';
import type { Target, TargetCapabilities } from '../../src/target/types.js';
import { WorkAreaAllocator } from '../../src/algorithm/work-area.js';
import type { LoadedStub } from '../../src/algorithm/loader.js';
import type { AlgorithmRunner } from '../../src/algorithm/runner.js';
import { StubClient } from '../../src/flash/stub-client.js';
import { RING_FILL_MS } from '../../src/flash/stream-ring.js';

/** The mode chooseTransfer picks. */
const chooseMode = (session: FlashSession, options: Pick<TransferOptions, 'mode' | 'compress' | 'inflater' | 'window'>, data?: readonly Uint8Array[]) => chooseTransfer(session, options, data).mode;

const sessionWith = (capabilities: TargetCapabilities) => ({ target: { capabilities } }) as unknown as FlashSession;
const link: TargetCapabilities = { memoryWhileRunning: true, haltsOnBreakInstruction: true, maxTransfer: 0x4000 };
const haltedOnly: TargetCapabilities = { memoryWhileRunning: false, haltsOnBreakInstruction: false, maxTransfer: 0x1000 };
const inProcess: TargetCapabilities = { ...link, maxTransfer: 1 << 20, inProcess: true };
/** Data that compresses to almost nothing (erased flash, padding). */
const zeros = (n: number): Uint8Array[] => [new Uint8Array(n)];
/** Deterministic bytes that compress to `share` of their size or so (xorshift32, `bits` bits of entropy per byte). */
function noise(n: number, bits: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) & ((1 << bits) - 1);
  }
  return out;
}

/** `n` bytes: one block of `block` random bytes over and over (repeats exactly `block` apart). */
function repeated(block: number, n: number): Uint8Array {
  const one = noise(block, 8);
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += block) out.set(one.subarray(0, Math.min(block, n - at)), at);
  return out;
}

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

// The flasher stub's layout: the 64 KiB scratch buffer, then each inflater's decoder state.
const scratch = { address: 0x3fc84910, size: 0x10000 };
const onDemand = { address: scratch.address, size: 86080 };
const regions = { inflateTables: { address: 0x3fc94910, size: 9544 }, romInflater: { address: 0x3fc96e58, size: 10992 } };

/**
 * A session over a link with `capabilities` that holds `held` already, with the stub client's own
 * ring planning (a link moving `linkBytesPerMs`).
 */
async function withHeld(capabilities: TargetCapabilities, held: { address: number; size: number }[], named = regions, linkBytesPerMs = Infinity): Promise<FlashSession> {
  // Without backup the allocator never touches the target.
  const allocator = new WorkAreaAllocator({} as Target, { start: 0x3fc80000, end: 0x3fca4000 }, false);
  for (const h of held) await allocator.allocateAt(h.address, h.size, 'held');
  const target = { capabilities };
  const loaded = { image: { symbols: { scratch, onDemand, regions: named } }, allocator } as unknown as LoadedStub;
  const stub = new StubClient({ target } as unknown as AlgorithmRunner, loaded, { linkBytesPerMs });
  return { target, stub, loaded } as unknown as FlashSession;
}
/** What the OpenOCD chain moves: a 16 KiB ring in RING_FILL_MS. */
const OPENOCD_BYTES_PER_MS = 0x4000 / RING_FILL_MS;

test('a write too short to pay for the RAM deflate would borrow goes plain, unless compression is asked for or that RAM is held already', async () => {
  // (Zeros: compressed to next to nothing, the bars are where deflate could at best pay.) Deflate
  // would borrow the smallest inflate window, 4 KiB, and the ROM inflater's 10,992 bytes: 15,088.
  // A plain write of n bytes moves n and backs up and restores its ring of n: 3n.
  const fresh = await withHeld(link, []);
  assert.equal(chooseMode(fresh, {}, zeros(0x1000)), 'stream', 'a sector: 4 KiB saved at best against 2 x 15 KiB moved');
  assert.equal(chooseMode(await withHeld(haltedOnly, []), {}, zeros(0x1000)), 'calls');
  assert.equal(chooseMode(fresh, {}, zeros(0x2700)), 'stream', 'up to two thirds of what deflate would borrow');
  assert.equal(chooseMode(fresh, {}, zeros(0x2800)), 'deflate');
  // The stub's own inflater keeps 9,544 bytes of tables instead: the bar is 2 x 13,640 / 3 = 9,093 bytes.
  assert.equal(chooseMode(fresh, { inflater: 'stub' }, zeros(0x2300)), 'stream');
  assert.equal(chooseMode(fresh, { inflater: 'stub' }, zeros(0x2400)), 'deflate');
  assert.equal(chooseMode(fresh, {}), 'deflate', 'size unknown');
  assert.equal(chooseMode(fresh, { compress: true }, zeros(0x1000)), 'deflate');
  // An image that does not say where the decoder state lies: deflate borrows the whole range.
  assert.equal(chooseMode(await withHeld(link, [], {} as typeof regions), {}, zeros(0xe000)), 'stream');
  // Through OpenOCD the stream ring is ~16 KiB (what the link fills in RING_FILL_MS): plain borrows
  // less. With the 32 KiB window (43,760 bytes borrowed) writes up to 2 x 43,760 - 2 x 16,384 =
  // 54,752 bytes stay plain.
  const slowLink = await withHeld(link, [], regions, OPENOCD_BYTES_PER_MS);
  assert.equal(chooseMode(slowLink, { window: 0x8000 }, zeros(0xd500)), 'stream');
  assert.equal(chooseMode(slowLink, { window: 0x8000 }, zeros(0xe000)), 'deflate');
  // A session that deflated before holds the window and state: nothing more to borrow.
  assert.equal(chooseMode(await withHeld(link, [onDemand]), {}, zeros(0x1000)), 'deflate');
  // The window held (an earlier stream's ring): the bar drops to two thirds of the inflater state.
  const afterStream = await withHeld(link, [{ address: scratch.address, size: 0x8000 }]);
  assert.equal(chooseMode(afterStream, {}, zeros(0x1c00)), 'stream');
  assert.equal(chooseMode(afterStream, {}, zeros(0x2000)), 'deflate');
});

test('the inflate window: the smallest borrows least; a larger one where it borrows no more or its gain pays', async () => {
  const fresh = await withHeld(link, [], regions, OPENOCD_BYTES_PER_MS);
  const window = (session: FlashSession, options: Pick<TransferOptions, 'compress' | 'window'>, data: Uint8Array[]) => chooseTransfer(session, options, data).window;
  // Data without repeats farther than 4 KiB apart gains nothing from a larger window, however long.
  assert.equal(window(fresh, {}, [noise(0x40000, 4)]), 0x1000);
  assert.equal(window(fresh, {}, [noise(0x100000, 4)]), 0x1000);
  // A 16 KiB block repeated: through 32 KiB it packs to almost nothing, through 16 KiB not at all.
  assert.deepEqual(chooseTransfer(fresh, {}, [repeated(0x4000, 0x40000)]), { mode: 'deflate', window: 0x8000 });
  // Repeats 6 KiB apart: the 8 KiB window would do, the largest (measured) is chosen; never a
  // window between credited with more than it can reach.
  assert.equal(window(fresh, {}, [repeated(0x1800, 0x40000)]), 0x8000);
  // A link whose speed is not known (or in the same process) would move the bytes the largest
  // window could save faster than measuring it takes: it is modelled then, not measured.
  const fast = await withHeld(link, []);
  assert.deepEqual(chooseTransfer(fast, {}, [repeated(0x4000, 0x40000)]), { mode: 'deflate', window: 0x1000 });
  assert.equal(window(fast, {}, [noise(0x100000, 4)]), 0x2000, 'the model: 1 MiB saves ~10 KiB through 8 KiB');
  assert.equal(window(fresh, { compress: true }, zeros(0x1000)), 0x1000, 'asked to compress a sector: the least RAM');
  assert.equal(window(fresh, { window: 0x4000 }, [noise(0x40000, 4)]), 0x4000, 'asked for');
  assert.throws(() => chooseTransfer(fresh, { window: 0x3000 }, zeros(0x1000)), RangeError);
  // Held already (a session that deflated with it, an earlier stream's ring over it): the largest.
  assert.equal(window(await withHeld(link, [onDemand]), {}, zeros(0x10000)), 0x8000);
  assert.equal(window(await withHeld(link, [{ address: scratch.address, size: 0x8000 }]), {}, zeros(0x10000)), 0x8000);
  // An image that does not say where the decoder state lies: every window borrows the whole range.
  assert.equal(window(await withHeld(link, [], {} as typeof regions), {}, zeros(0x10000)), 0x8000);
});

test('the estimate of the compressed size: whole for short data, from samples spread over long data', () => {
  // Each sample has its window's worth of context: repeats are seen as far as the window reaches.
  const far = repeated(0x4000, 0x100000);
  assert.ok(deflatedSizeEstimate([far], 0x4000) > 0xf0000, 'a 16 KiB window does not reach the repeat');
  assert.ok(deflatedSizeEstimate([far], 0x8000) < 0x30000, 'a 32 KiB window does');
  const code = noise(0x100000, 4); // ~4 bits per byte: packs to a little over half, like machine code
  const actual = deflateRawSync(code, { level: 4 }).length;
  const estimate = deflatedSizeEstimate([code]);
  assert.ok(Math.abs(estimate - actual) < actual * 0.1, `estimate ${estimate}, level 4 packs to ${actual}`);
  // Half erased, half random, in two pieces: the samples see both.
  const mixed = [new Uint8Array(0x40000).fill(0xff), noise(0x40000, 8)];
  const half = deflatedSizeEstimate(mixed);
  assert.ok(half > 0x40000 * 0.85 && half < 0x40000 * 1.2, `half erased, half random: ${half}`);
  // Many pieces, empty ones among them (ranges of a plan): the same answer as one piece.
  const joined = new Uint8Array(0x80000);
  joined.set(mixed[0]!, 0);
  joined.set(mixed[1]!, 0x40000);
  const cut = [new Uint8Array(0), joined.subarray(0, 0x1234), new Uint8Array(0), joined.subarray(0x1234, 0x50000), joined.subarray(0x50000)];
  assert.equal(deflatedSizeEstimate(cut), deflatedSizeEstimate([joined]));
  assert.equal(deflatedSizeEstimate([noise(0x1000, 8)]), deflateRawSync(noise(0x1000, 8), { level: 1 }).length, 'short: compressed whole');
  assert.equal(deflatedSizeEstimate([noise(0x1000, 8), new Uint8Array(0), noise(0x3000, 4)]), deflateRawSync(Buffer.concat([noise(0x1000, 8), noise(0x3000, 4)]), { level: 1 }).length, 'short pieces: as one');
  assert.equal(deflatedSizeEstimate([]), 0);
});

test('through OpenOCD (a ~16 KiB ring) data that compresses only so far goes plain until deflate saves more than it borrows', async () => {
  const session = await withHeld(link, [], regions, OPENOCD_BYTES_PER_MS);
  // Machine-code-like data (~58 %): 32 KiB moves 64 KiB plain, ~80 KiB deflated (2 x 15 KiB
  // borrowed, ~19 KiB of data, its ring twice); 128 KiB the other way round (160 against ~134).
  assert.equal(chooseMode(session, {}, [noise(0x8000, 4)]), 'stream');
  assert.equal(chooseMode(session, {}, [noise(0x20000, 4)]), 'deflate');
  // Data that does not compress never pays for the window and state.
  assert.equal(chooseMode(session, {}, [noise(0x100000, 8)]), 'stream');
  // Erased flash: deflate once the data outweighs what it borrows.
  assert.equal(chooseMode(session, {}, zeros(0x10000)), 'deflate');
  assert.equal(chooseMode(session, { compress: true }, [noise(0x1000, 8)]), 'deflate', 'asked for');
});
