/**
 * The flasher stub's SHA256 on the chip's SHA accelerator: right digests, and the accelerator, its
 * clock gate and resets given back exactly — idle and gated, in the middle of the program's own
 * hash, or busy with a calculation the stub must not wait for (then it hashes in software).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { SHA_REG } from '../../src/sim/esp32c3/sha-accelerator.js';
import { withStub } from './stub-fixture.js';

const CLK_EN1 = 0x600c0014;
const RST_EN1 = 0x600c001c;
const SHA = 0x6003b000;

/** Everything the accelerator holds, and its gate and resets. */
function snapshot(sim: SimulatedEsp32c3): number[] {
  const regs = Array.from({ length: 0xc0 / 4 }, (_, i) => sim.chip.sha.peek(i * 4));
  return [sim.chip.system.peek(0x14), sim.chip.system.peek(0x1c), ...regs];
}

function expected(sim: SimulatedEsp32c3, address: number, length: number): string {
  return createHash('sha256').update(sim.flash.bytes.subarray(address, address + length)).digest('hex');
}

test('SHA256 on the accelerator: digests of the flash; the block is clocked for the call and left gated and in reset as found', async () => {
  await withStub('normal', async (stub, sim) => {
    const before = snapshot(sim);
    assert.deepEqual(before.slice(0, 2), [0, 0x1fe], 'power-on: SHA clock off, crypto blocks in reset');
    const blocks = sim.chip.sha.blocks;
    for (const [address, length] of [[0, 0x10000], [0x1000, 55], [0x1004, 56], [0x2000, 64], [0x3000, 4093]] as const) {
      assert.equal(Buffer.from(await stub.sha256(address, length)).toString('hex'), expected(sim, address, length), `${length} bytes at ${address}`);
    }
    const pieces = await stub.sha256Pieces(0x10000, 0x5000, 0x1000);
    pieces.forEach((d, i) => assert.equal(Buffer.from(d).toString('hex'), expected(sim, 0x10000 + i * 0x1000, 0x1000)));
    assert.ok(sim.chip.sha.blocks - blocks >= (0x10000 + 0x5000) / 64, 'the accelerator did the hashing');
    assert.deepEqual(snapshot(sim), before, 'SYSTEM gate and resets and every SHA register as found');
  });
});

test("SHA256 in the middle of the program's own SHA-1: its mode, H and M come back and its hash completes right", async () => {
  await withStub('normal', async (stub, sim) => {
    const bus = sim.chip.bus;
    // The program: SHA clocked and out of reset, one block of a two-block SHA-1 done, the next
    // block half written into M when the debugger halted it.
    bus.write32(CLK_EN1, bus.read32(CLK_EN1) | (1 << 2));
    bus.write32(RST_EN1, 0);
    const message = new Uint8Array(randomBytes(100));
    const padded = new Uint8Array(128);
    padded.set(message);
    padded[100] = 0x80;
    new DataView(padded.buffer).setUint32(124, 800);
    const words = new DataView(padded.buffer);
    bus.write32(SHA + SHA_REG.mode, 0);
    for (let i = 0; i < 16; i++) bus.write32(SHA + SHA_REG.m + 4 * i, words.getUint32(i * 4, true));
    bus.write32(SHA + SHA_REG.start, 1);
    for (let i = 0; i < 8; i++) bus.write32(SHA + SHA_REG.m + 4 * i, words.getUint32(64 + i * 4, true));
    const before = snapshot(sim);
    const blocks = sim.chip.sha.blocks;
    assert.equal(Buffer.from(await stub.sha256(0x8000, 0x3000)).toString('hex'), expected(sim, 0x8000, 0x3000));
    assert.ok(sim.chip.sha.blocks > blocks, 'the stub used the accelerator');
    assert.deepEqual(snapshot(sim), before, 'mode, H, M, gate and resets as the program left them');
    // The program goes on: the rest of its second block, then CONTINUE.
    for (let i = 8; i < 16; i++) bus.write32(SHA + SHA_REG.m + 4 * i, words.getUint32(64 + i * 4, true));
    bus.write32(SHA + SHA_REG.continue, 1);
    const digest = new Uint8Array(20);
    for (let i = 0; i < 5; i++) new DataView(digest.buffer).setUint32(i * 4, bus.read32(SHA + SHA_REG.h + 4 * i), true);
    assert.equal(Buffer.from(digest).toString('hex'), createHash('sha1').update(message).digest('hex'));
  });
});

test('an accelerator that stays busy (a DMA-SHA run of the program) is left alone: the stub hashes in software', async () => {
  await withStub('normal', async (stub, sim) => {
    const bus = sim.chip.bus;
    bus.write32(CLK_EN1, 1 << 2);
    bus.write32(RST_EN1, 0);
    bus.write32(SHA + SHA_REG.mode, 2);
    sim.chip.sha.busyPolls = 1e9;
    bus.write32(SHA + SHA_REG.start, 1);
    const before = snapshot(sim);
    const blocks = sim.chip.sha.blocks;
    assert.equal(Buffer.from(await stub.sha256(0x10000, 0x800)).toString('hex'), expected(sim, 0x10000, 0x800));
    assert.equal(sim.chip.sha.blocks, blocks, 'nothing was started on the busy block');
    assert.deepEqual(snapshot(sim), before);
  });
});
