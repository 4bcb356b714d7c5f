import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DM, SBCS, SBERROR } from '../../../src/sim/jtag/dm-registers.js';
import { dmRig } from './dm-helpers.js';
import { COUNTER_ADDRESS, SRAM_DRAM } from './counter-fixture.js';

const access = (size: 0 | 1 | 2 | 3): number => size << SBCS.sbaccessShift;
const sberror = (sbcs: number): number => (sbcs >>> SBCS.sberrorShift) & 7;

test('sbcs advertises sbversion 1, sbasize 32, 8/16/32-bit access', () => {
  const r = dmRig();
  const sbcs = r.dm.dmiRead(DM.sbcs);
  assert.equal(sbcs >>> 29, 1);
  assert.equal((sbcs >>> 5) & 0x7f, 32);
  assert.equal(sbcs & 0x1f, 0b00111);
  assert.equal(sbcs & SBCS.sbbusy, 0);
});

test('32-bit block write and read with sbautoincrement and sbreadondata', () => {
  const r = dmRig({ halted: true });
  const base = SRAM_DRAM + 0x100;
  r.dm.dmiWrite(DM.sbcs, access(2) | SBCS.sbautoincrement);
  r.dm.dmiWrite(DM.sbaddress0, base);
  for (let i = 0; i < 8; i++) r.dm.dmiWrite(DM.sbdata0, 0x11111111 * (i + 1));
  assert.equal(r.dm.dmiRead(DM.sbaddress0), base + 32, 'address advanced by 4 per write');
  assert.equal(r.bus.read32(base + 28), 0x88888888);
  r.dm.dmiWrite(DM.sbcs, access(2) | SBCS.sbautoincrement | SBCS.sbreadonaddr | SBCS.sbreadondata);
  r.dm.dmiWrite(DM.sbaddress0, base);
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(r.dm.dmiRead(DM.sbdata0));
  assert.deepEqual(words, [1, 2, 3, 4, 5, 6, 7, 8].map((i) => (0x11111111 * i) >>> 0));
  assert.equal(sberror(r.dm.dmiRead(DM.sbcs)), 0);
});

test('8- and 16-bit accesses touch only their bytes; without autoincrement the address stays', () => {
  const r = dmRig({ halted: true });
  const a = SRAM_DRAM + 0x200;
  r.bus.write32(a, 0xaabbccdd);
  r.dm.dmiWrite(DM.sbcs, access(0) | SBCS.sbreadonaddr);
  r.dm.dmiWrite(DM.sbaddress0, a + 2);
  assert.equal(r.dm.dmiRead(DM.sbdata0), 0xbb);
  r.dm.dmiWrite(DM.sbdata0, 0x12);
  assert.equal(r.bus.read32(a), 0xaa12ccdd);
  assert.equal(r.dm.dmiRead(DM.sbaddress0), a + 2);
  r.dm.dmiWrite(DM.sbcs, access(1) | SBCS.sbreadonaddr);
  r.dm.dmiWrite(DM.sbaddress0, a);
  assert.equal(r.dm.dmiRead(DM.sbdata0), 0xccdd);
  r.dm.dmiWrite(DM.sbdata0, 0x3456);
  assert.equal(r.bus.read32(a), 0xaa123456);
});

test('sberror: bad address (2), misaligned (3), unsupported size (4); sticky, blocks accesses, write-1-to-clear', () => {
  const r = dmRig({ halted: true });
  r.dm.dmiWrite(DM.sbcs, access(2) | SBCS.sbreadonaddr);
  r.dm.dmiWrite(DM.sbaddress0, 0x00000010);
  assert.equal(sberror(r.dm.dmiRead(DM.sbcs)), SBERROR.badAddress);
  r.dm.dmiWrite(DM.sbaddress0, SRAM_DRAM);
  r.dm.dmiWrite(DM.sbdata0, 0x5a5a5a5a);
  assert.notEqual(r.bus.read32(SRAM_DRAM), 0x5a5a5a5a, 'no access while sberror is set');
  r.dm.dmiWrite(DM.sbcs, access(2) | (7 << SBCS.sberrorShift));
  assert.equal(sberror(r.dm.dmiRead(DM.sbcs)), 0);
  r.dm.dmiWrite(DM.sbaddress0, SRAM_DRAM + 2);
  r.dm.dmiWrite(DM.sbdata0, 1);
  assert.equal(sberror(r.dm.dmiRead(DM.sbcs)), SBERROR.alignment);
  r.dm.dmiWrite(DM.sbcs, access(3) | (7 << SBCS.sberrorShift));
  r.dm.dmiWrite(DM.sbaddress0, SRAM_DRAM);
  r.dm.dmiWrite(DM.sbdata0, 1);
  assert.equal(sberror(r.dm.dmiRead(DM.sbcs)), SBERROR.unsupportedSize);
  r.dm.dmiWrite(DM.sbcs, access(2) | (7 << SBCS.sberrorShift) | SBCS.sbbusyerror);
  assert.equal(r.dm.dmiRead(DM.sbcs) & (SBCS.sberrorMask | SBCS.sbbusyerror), 0);
});

test('system bus access works while the hart runs and sees its stores', () => {
  const r = dmRig();
  // 3 set-up instructions + 60 loops of 5: the hart stops at the lw, so the counter is not in flight in a1.
  r.hart.run(303);
  assert.equal(r.hart.halted, false);
  r.dm.dmiWrite(DM.sbcs, access(2) | SBCS.sbreadonaddr);
  r.dm.dmiWrite(DM.sbaddress0, COUNTER_ADDRESS);
  assert.equal(r.dm.dmiRead(DM.sbdata0), 60);
  r.dm.dmiWrite(DM.sbdata0, 1_000_000);
  r.hart.run(300);
  r.dm.dmiWrite(DM.sbaddress0, COUNTER_ADDRESS);
  assert.equal(r.dm.dmiRead(DM.sbdata0), 1_000_060, 'the counter continued from the written value');
  assert.equal(r.hart.halted, false);
});
