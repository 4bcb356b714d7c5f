import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBacking } from '../../../src/sim/flash/backing.js';
import { SpiNorFlash } from '../../../src/sim/flash/spi-nor.js';
import { SpiMemController } from '../../../src/sim/esp32c3/spi-mem.js';
import { SPI_REG, SPI_USER, SPI_CTRL, SPI_CMD } from '../../../src/sim/esp32c3/spi-mem-regs.js';
import { shiftReceived } from '../../../src/sim/esp32c3/spi-shift.js';

function setup(cmdPolls = 2) {
  const flash = new SpiNorFlash({ backing: new MemoryBacking(0x400000), timing: { program: 0 } });
  const spi = new SpiMemController('SPI1', flash, { cmdPolls });
  return { flash, spi };
}

/** The register sequence of facts §3.2, with an optional dummy phase and TIMING_CALI extra. */
function userRdid(spi: SpiMemController, opts: { dummy?: number; extra?: number } = {}): number {
  spi.write32(SPI_REG.CTRL, SPI_CTRL.WP);
  let user = SPI_USER.USR_COMMAND | SPI_USER.USR_MISO;
  if (opts.dummy) {
    user |= SPI_USER.USR_DUMMY;
    spi.write32(SPI_REG.USER1, (23 << 26) | (opts.dummy - 1));
  }
  spi.write32(SPI_REG.USER, user >>> 0);
  spi.write32(SPI_REG.USER2, (7 << 28) | 0x9f);
  spi.write32(SPI_REG.MISO_DLEN, 23);
  spi.write32(SPI_REG.W0, 0);
  if (opts.extra !== undefined) spi.write32(SPI_REG.TIMING_CALI, 0x1 | 0x2 | (opts.extra << 2));
  spi.write32(SPI_REG.CMD, SPI_CMD.USR);
  let polls = 0;
  while (spi.read32(SPI_REG.CMD) !== 0) if (++polls > 10) throw new Error('CMD never cleared');
  return spi.read32(SPI_REG.W0);
}

test('RDID through the SPI1 user path with no dummy reads EF 40 16', () => {
  const { spi } = setup();
  assert.equal(userRdid(spi), 0x1640ef);
});

test('CMD bits stay set for the configured polls, then clear', () => {
  const { spi } = setup(3);
  spi.write32(SPI_REG.USER2, (7 << 28) | 0x9f);
  spi.write32(SPI_REG.USER, (SPI_USER.USR_COMMAND | SPI_USER.USR_MISO) >>> 0);
  spi.write32(SPI_REG.MISO_DLEN, 23);
  spi.write32(SPI_REG.CMD, SPI_CMD.USR);
  assert.deepEqual([0, 1, 2, 3].map(() => spi.read32(SPI_REG.CMD)), [SPI_CMD.USR, SPI_CMD.USR, SPI_CMD.USR, 0]);
});

test('one extra dummy clock shifts RDID left by one bit: DE 80 2D (the id repeats)', () => {
  const { spi } = setup();
  // Per §3.5: byte j = (S_j << 1 | S_{j+1} >> 7); S = EF 40 16 EF … → DE, 80, 2C|1.
  assert.equal(userRdid(spi, { dummy: 1 }), 0x2d80de);
  assert.equal(spi.lastTransaction?.clockDifference, 1);
});

test('TIMING_CALI extra dummy shifts the same way as USR_DUMMY and adds to it', () => {
  const { spi } = setup();
  assert.equal(userRdid(spi, { extra: 1 }), 0x2d80de);
  const two = userRdid(spi, { dummy: 1, extra: 1 });
  const expected = shiftReceived(new Uint8Array([0xef, 0x40, 0x16, 0xef]), 2, 3);
  assert.deepEqual(two, expected[0]! | (expected[1]! << 8) | (expected[2]! << 16));
  assert.equal(two, 0x5b00bd);
});

test('eight dummy clocks drop a whole byte of the id', () => {
  const { spi } = setup();
  assert.equal(userRdid(spi, { dummy: 8 }), 0xef1640);
});

test('shiftReceived: negative shift shifts in idle 1s', () => {
  assert.deepEqual([...shiftReceived(new Uint8Array([0xef, 0x40, 0x16]), -1, 3)], [0xf7, 0xa0, 0x0b]);
});

test('hard-wired RDID fills W0 and honours a left-over USR_DUMMY', () => {
  const { spi } = setup();
  spi.write32(SPI_REG.CMD, SPI_CMD.RDID);
  assert.equal(spi.read32(SPI_REG.W0), 0x1640ef);
  spi.write32(SPI_REG.USER, (SPI_USER.USR_COMMAND | SPI_USER.USR_DUMMY) >>> 0);
  spi.write32(SPI_REG.USER1, (23 << 26) | 0);
  spi.write32(SPI_REG.CMD, SPI_CMD.RDID);
  assert.equal(spi.read32(SPI_REG.W0), 0x2d80de);
});

test('user-path page program, fast read with the right dummy, and a 16-byte read', () => {
  const { spi, flash } = setup();
  spi.write32(SPI_REG.USER, SPI_USER.USR_COMMAND >>> 0);
  spi.write32(SPI_REG.USER2, (7 << 28) | 0x06);
  spi.write32(SPI_REG.CMD, SPI_CMD.USR);
  for (let i = 0; i < 4; i++) spi.write32(SPI_REG.W0 + 4 * i, 0x03020100 + 0x04040404 * i);
  spi.write32(SPI_REG.USER, (SPI_USER.USR_COMMAND | SPI_USER.USR_ADDR | SPI_USER.USR_MOSI) >>> 0);
  spi.write32(SPI_REG.USER1, 23 << 26);
  spi.write32(SPI_REG.USER2, (7 << 28) | 0x02);
  spi.write32(SPI_REG.ADDR, 0x1234);
  spi.write32(SPI_REG.MOSI_DLEN, 16 * 8 - 1);
  spi.write32(SPI_REG.CMD, SPI_CMD.USR);
  assert.deepEqual([...flash.bytes.subarray(0x1234, 0x1244)], [...Array(16).keys()]);
  // FAST_READ 0x0B with 8 dummy clocks reads exact bytes.
  spi.write32(SPI_REG.USER, (SPI_USER.USR_COMMAND | SPI_USER.USR_ADDR | SPI_USER.USR_DUMMY | SPI_USER.USR_MISO) >>> 0);
  spi.write32(SPI_REG.USER1, (23 << 26) | 7);
  spi.write32(SPI_REG.USER2, (7 << 28) | 0x0b);
  spi.write32(SPI_REG.MISO_DLEN, 31);
  spi.write32(SPI_REG.CMD, SPI_CMD.USR);
  assert.equal(spi.read32(SPI_REG.W0), 0x03020100);
  // With 7 dummy clocks instead of 8 the controller samples one clock early: a 1 comes in first.
  spi.write32(SPI_REG.USER1, (23 << 26) | 6);
  spi.write32(SPI_REG.CMD, SPI_CMD.USR);
  assert.equal(spi.read32(SPI_REG.W0) & 0xff, 0x80);
});
