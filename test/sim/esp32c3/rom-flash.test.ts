import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { writeDummyLenPlus } from '../../../src/sim/esp32c3/rom/rom-data.js';
import { shiftReceived } from '../../../src/sim/esp32c3/spi-shift.js';
import { SPI_REG } from '../../../src/sim/esp32c3/spi-mem-regs.js';
import { buildFlash } from './fixture.js';
import { callRom, readWord, SCRATCH } from './rom-call.js';

const OK = 0;
const ERR = 1;

function newSim(scenario = 'normal') {
  return createSimulatedEsp32c3({ flash: buildFlash().flash, run: false, scenario });
}

test('ROM erase_sector, write and read round trip through SPI1; argument checks', async () => {
  const sim = newSim();
  const data = new Uint8Array(300).map((_, i) => (i * 13) & 0xff);
  await sim.target.writeMemory(SCRATCH, data);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_sector', [0x300000 / 0x1000]), OK);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_write', [0x3000f0, SCRATCH, 300]), OK);
  assert.deepEqual(sim.flash.bytes.slice(0x3000f0, 0x3000f0 + 300), data, 'crosses a page boundary correctly');
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x3000f0, SCRATCH + 0x1000, 300]), OK);
  assert.deepEqual(await sim.target.readMemory(SCRATCH + 0x1000, 300), data);
  assert.ok(sim.chip.spi1.transactions > 300 / 32, 'the ROM went through the SPI1 registers');
  // Checks.
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x3000f1, SCRATCH, 4]), ERR, 'unaligned address');
  assert.equal(await callRom(sim, 'esp_rom_spiflash_write', [0x3000f0, SCRATCH, 3]), ERR, 'unaligned length');
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x3ffffc, SCRATCH, 8]), ERR, 'past chip_size');
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_sector', [0x400]), ERR, 'sector number past the chip');
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_block', [0x40]), ERR, 'block number past the chip');
  await sim.close();
});

test('ROM write without erase only clears bits', async () => {
  const sim = newSim();
  await sim.target.writeMemory(SCRATCH, new Uint8Array([0xf0, 0xf0, 0xff, 0x0f]));
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_sector', [0x200]), OK);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_write', [0x200000, SCRATCH, 4]), OK);
  await sim.target.writeMemory(SCRATCH, new Uint8Array([0x3c, 0xff, 0x00, 0xff]));
  assert.equal(await callRom(sim, 'esp_rom_spiflash_write', [0x200000, SCRATCH, 4]), OK);
  assert.deepEqual([...sim.flash.bytes.slice(0x200000, 0x200004)], [0x30, 0xf0, 0x00, 0x0f]);
  await sim.close();
});

test('erase_area: sector-aligned start required; sectors + block + tail erased, neighbours kept', async () => {
  const sim = newSim();
  const f = sim.flash;
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_area', [0x1f0800, 0x1000]), ERR);
  await sim.target.writeMemory(SCRATCH, new Uint8Array([0, 0, 0, 0]));
  for (const a of [0x1eeffc, 0x1ef000, 0x200000, 0x21fffc, 0x220ffc, 0x221000]) {
    assert.equal(await callRom(sim, 'esp_rom_spiflash_write', [a, SCRATCH, 4]), OK);
  }
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_area', [0x1ef000, 0x32000]), OK);
  assert.equal(f.bytes[0x1eeffc], 0, 'before the area kept');
  for (const a of [0x1ef000, 0x200000, 0x21fffc, 0x220ffc]) assert.equal(f.bytes[a], 0xff, `0x${a.toString(16)} erased`);
  assert.equal(f.bytes[0x221000], 0, 'after the area kept');
  await sim.close();
});

test('dummy_len_plus[1] is added to the ROM read dummy: a zero-delay flash then reads shifted', async () => {
  const sim = newSim();
  const expected = sim.flash.bytes.slice(0x10000, 0x10010);
  const stream = sim.flash.bytes.slice(0x10000, 0x10011);
  writeDummyLenPlus(sim.chip.bus, 1, 1);
  // The boot left DIO mode: one extra clock on two data lines = two bits.
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x10000, SCRATCH, 16]), OK);
  assert.deepEqual(await sim.target.readMemory(SCRATCH, 16), shiftReceived(stream, 2, 16));
  // FAST_READ (one line): one bit.
  assert.equal(await callRom(sim, 'esp_rom_spiflash_config_readmode', [4]), OK);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x10000, SCRATCH, 16]), OK);
  const got = await sim.target.readMemory(SCRATCH, 16);
  assert.deepEqual(got, shiftReceived(stream, 1, 16));
  assert.notDeepEqual(got, expected);
  writeDummyLenPlus(sim.chip.bus, 1, 0);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x10000, SCRATCH, 16]), OK);
  assert.deepEqual(await sim.target.readMemory(SCRATCH, 16), expected);
  await sim.close();
});

test('a ROM read of many chunks: array bytes in one step when unshifted, chunk by chunk when shifted, registers as the loop leaves them', async () => {
  const sim = newSim();
  const at = 0x10000;
  const len = 1000;
  const before = sim.chip.spi1.transactions;
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [at, SCRATCH, len]), OK);
  assert.ok(sim.chip.spi1.transactions - before < 5, 'not 63 register-level reads');
  assert.deepEqual(await sim.target.readMemory(SCRATCH, len), sim.flash.bytes.slice(at, at + len));
  // The last chunk (bytes 992..999) went through the registers: ADDR and W0–W1 hold it.
  const spi = sim.chip.spi1;
  assert.equal(spi.peek(SPI_REG.ADDR), at + 992);
  const tail = sim.flash.bytes.slice(at + 992, at + 1000);
  assert.equal(spi.peek(SPI_REG.W0), new DataView(tail.buffer).getUint32(0, true));
  assert.equal(spi.peek(SPI_REG.W0 + 4), new DataView(tail.buffer).getUint32(4, true));
  // Shifted (an extra dummy clock in the ROM's record): each 16-byte read is shifted on its own,
  // exactly as sixteen-byte reads one by one come back.
  writeDummyLenPlus(sim.chip.bus, 1, 1);
  const shiftedBefore = sim.chip.spi1.transactions;
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [at, SCRATCH, 64]), OK);
  assert.ok(sim.chip.spi1.transactions - shiftedBefore >= 4, 'four register-level reads');
  const whole = await sim.target.readMemory(SCRATCH, 64);
  for (let chunk = 0; chunk < 64; chunk += 16) {
    assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [at + chunk, SCRATCH + 0x100, 16]), OK);
    assert.deepEqual(whole.subarray(chunk, chunk + 16), await sim.target.readMemory(SCRATCH + 0x100, 16), `chunk at ${chunk}`);
  }
  assert.notDeepEqual(whole, sim.flash.bytes.slice(at, at + 64));
  await sim.close();
});

test('update_id reads EF 40 16 normally and the shifted id in the issue-366 scenario', async () => {
  const normal = newSim();
  await callRom(normal, 'esp_rom_spi_flash_update_id');
  assert.equal(await readWord(normal, normal.chip.bus.read32(0x3fcdfff0)), 0xef4016);
  await normal.close();
  const bad = newSim('issue-366');
  await callRom(bad, 'esp_rom_spi_flash_update_id');
  assert.equal(await readWord(bad, bad.chip.bus.read32(0x3fcdfff0)), 0xde802d);
  // The ROM read path rewrites USER, so reads are still right in this scenario.
  assert.equal(await callRom(bad, 'esp_rom_spiflash_read', [0x10000, SCRATCH, 16]), OK);
  assert.deepEqual(await bad.target.readMemory(SCRATCH, 16), bad.flash.bytes.slice(0x10000, 0x10010));
  await bad.close();
});

test('flash-busy scenario: ROM wait_idle/read wait for WIP to clear and then read correctly', async () => {
  const sim = newSim('flash-busy');
  assert.equal(sim.flash.busy, true);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x10000, SCRATCH, 16]), OK);
  assert.equal(sim.flash.busy, false);
  assert.deepEqual(await sim.target.readMemory(SCRATCH, 16), sim.flash.bytes.slice(0x10000, 0x10010));
  await sim.close();
});

test('read_status, unlock, write_status, config_param', async () => {
  const sim = newSim();
  assert.equal(await callRom(sim, 'esp_rom_spiflash_write_status', [0, 0x1c]), OK);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read_status', [0, SCRATCH]), OK);
  assert.equal(await readWord(sim, SCRATCH), 0x1c);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_unlock'), OK);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read_status', [0, SCRATCH]), OK);
  assert.equal(await readWord(sim, SCRATCH), 0);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_config_param', [0xc84015, 0x200000, 0x10000, 0x1000, 0x100, 0xffff]), OK);
  assert.equal(await callRom(sim, 'esp_rom_spiflash_read', [0x1ffffc, SCRATCH, 8]), ERR, 'range now checked against 2 MiB');
  await sim.close();
});
