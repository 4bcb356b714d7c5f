/** The simulated SHA accelerator: clock gate and resets, SHA-1/224/256 blocks, resumed hashes, busy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Bus } from '../../../src/sim/bus.js';
import { SystemBlock, SYSTEM_PERIP_CLK_EN1, SYSTEM_PERIP_RST_EN1 } from '../../../src/sim/esp32c3/misc-blocks.js';
import { ShaAccelerator, SHA_REG, SHA_RESET_BITS } from '../../../src/sim/esp32c3/sha-accelerator.js';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { buildFlash } from './fixture.js';

function setup(): { sha: ShaAccelerator; system: SystemBlock } {
  const system = new SystemBlock();
  return { sha: new ShaAccelerator(system), system };
}

function enable(system: SystemBlock): void {
  system.write32(SYSTEM_PERIP_CLK_EN1, system.read32(SYSTEM_PERIP_CLK_EN1) | (1 << 2));
  system.write32(SYSTEM_PERIP_RST_EN1, system.read32(SYSTEM_PERIP_RST_EN1) & ~SHA_RESET_BITS);
}

/** FIPS 180-4 padding: the message, 0x80, zeros, the bit length (big-endian, 64 bits). */
function pad(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64);
  out.set(message);
  out[message.length] = 0x80;
  new DataView(out.buffer).setBigUint64(out.length - 8, BigInt(message.length) * 8n);
  return out;
}

function pushBlock(sha: ShaAccelerator, block: Uint8Array, first: boolean): void {
  const dv = new DataView(block.buffer, block.byteOffset, 64);
  for (let i = 0; i < 16; i++) sha.write32(SHA_REG.m + 4 * i, dv.getUint32(i * 4, true));
  sha.write32(first ? SHA_REG.start : SHA_REG.continue, 1);
  while (sha.read32(SHA_REG.busy) & 1);
}

function readH(sha: ShaAccelerator, words: number): Uint8Array {
  const out = new Uint8Array(words * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < words; i++) dv.setUint32(i * 4, sha.read32(SHA_REG.h + 4 * i), true);
  return out;
}

function hashOn(sha: ShaAccelerator, mode: number, message: Uint8Array): Uint8Array {
  sha.write32(SHA_REG.mode, mode);
  const p = pad(message);
  for (let at = 0; at < p.length; at += 64) pushBlock(sha, p.subarray(at, at + 64), at === 0);
  return readH(sha, mode === 0 ? 5 : mode === 1 ? 7 : 8);
}

test('gated or in reset the block reads 0 and ignores writes; clocked and released it answers', () => {
  const { sha, system } = setup();
  assert.equal(sha.read32(SHA_REG.date), 0, 'clock off, held in reset');
  sha.write32(SHA_REG.mode, 2);
  system.write32(SYSTEM_PERIP_CLK_EN1, 1 << 2);
  assert.equal(sha.read32(SHA_REG.date), 0, 'clocked but still in reset (SHA, DS and HMAC resets set)');
  system.write32(SYSTEM_PERIP_RST_EN1, system.read32(SYSTEM_PERIP_RST_EN1) & ~(1 << 2));
  assert.equal(sha.read32(SHA_REG.date), 0, 'the DS and HMAC resets hold it too');
  system.write32(SYSTEM_PERIP_RST_EN1, system.read32(SYSTEM_PERIP_RST_EN1) & ~SHA_RESET_BITS);
  assert.equal(sha.read32(SHA_REG.date), 0x20190402);
  assert.equal(sha.read32(SHA_REG.mode), 0, 'the write while gated was ignored');
  sha.write32(SHA_REG.mode, 2);
  sha.write32(SHA_REG.h, 0x12345678);
  system.write32(SYSTEM_PERIP_CLK_EN1, 0);
  assert.equal(sha.read32(SHA_REG.mode), 0, 'clock off again');
  system.write32(SYSTEM_PERIP_CLK_EN1, 1 << 2);
  assert.equal(sha.read32(SHA_REG.mode), 2, 'gating keeps the registers');
  system.write32(SYSTEM_PERIP_RST_EN1, 1 << 4);
  system.write32(SYSTEM_PERIP_RST_EN1, 0);
  assert.equal(sha.read32(SHA_REG.mode), 0, 'a reset (here through DS) clears them');
  assert.equal(sha.read32(SHA_REG.h), 0);
});

test('SHA-1, SHA-224 and SHA-256 of messages of many lengths match node:crypto', () => {
  const { sha, system } = setup();
  enable(system);
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4096]) {
    const m = new Uint8Array(randomBytes(length));
    for (const [mode, name] of [[0, 'sha1'], [1, 'sha224'], [2, 'sha256']] as const) {
      assert.deepEqual(Buffer.from(hashOn(sha, mode, m)).toString('hex'), createHash(name).update(m).digest('hex'), `${name} of ${length} bytes`);
    }
  }
});

test('a hash saved from H and written back continues where it stopped (interleaved calculations)', () => {
  const { sha, system } = setup();
  enable(system);
  const a = pad(new Uint8Array(randomBytes(200)));
  const b = new Uint8Array(randomBytes(77));
  sha.write32(SHA_REG.mode, 2);
  pushBlock(sha, a.subarray(0, 64), true);
  pushBlock(sha, a.subarray(64, 128), false);
  const saved = Array.from({ length: 8 }, (_, i) => sha.read32(SHA_REG.h + 4 * i));
  const other = hashOn(sha, 0, b); // another calculation in between, in another mode
  assert.equal(Buffer.from(other).toString('hex'), createHash('sha1').update(b).digest('hex'));
  sha.write32(SHA_REG.mode, 2);
  saved.forEach((v, i) => sha.write32(SHA_REG.h + 4 * i, v));
  for (let at = 128; at < a.length; at += 64) pushBlock(sha, a.subarray(at, at + 64), false);
  const message = a.subarray(0, 200);
  assert.equal(Buffer.from(readH(sha, 8)).toString('hex'), createHash('sha256').update(message).digest('hex'));
});

test('SHA_BUSY reads 1 for busyPolls reads after a block starts; the write-only and missing registers read 0', () => {
  const { sha, system } = setup();
  enable(system);
  sha.busyPolls = 3;
  sha.write32(SHA_REG.mode, 2);
  sha.write32(SHA_REG.start, 1);
  assert.deepEqual([0, 1, 2, 3].map(() => sha.read32(SHA_REG.busy)), [1, 1, 1, 0]);
  assert.equal(sha.read32(SHA_REG.start), 0);
  sha.write32(SHA_REG.h + 32, 0xffffffff);
  assert.equal(sha.read32(SHA_REG.h + 32), 0, 'H has 8 words on this chip');
  sha.write32(SHA_REG.mode, 3);
  const blocks = sha.blocks;
  sha.write32(SHA_REG.start, 1);
  assert.equal(sha.blocks, blocks, 'mode 3 (no such algorithm) computes nothing');
});

test('the chip maps the block at 0x6003B000 behind SYSTEM; a chip reset puts it back in reset', async () => {
  const sim = createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
  const bus: Bus = sim.chip.bus;
  assert.equal(bus.read32(0x6003b02c), 0, 'held in reset after power-on');
  bus.write32(0x600c0014, 1 << 2);
  bus.write32(0x600c001c, 0);
  assert.equal(bus.read32(0x6003b02c), 0x20190402);
  bus.write32(0x6003b000, 2);
  sim.chip.resetPeripherals();
  assert.equal(bus.read32(0x600c001c), 0x1fe);
  assert.equal(sim.chip.sha.peek(SHA_REG.mode), 0);
  await sim.close();
});
