import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus, BusMapError } from '../../src/sim/bus.js';
import { BusFault, type MemoryDevice } from '../../src/sim/device.js';
import { Hart } from '../../src/sim/hart/index.js';
import { assemble, addi, EBREAK, lui, jalr } from './hart/encode.js';

function recordingDevice(log: string[]): MemoryDevice {
  return {
    name: 'rec',
    read8: (o) => { log.push(`r8 ${o}`); return 0xa0 + o; },
    read16: (o) => { log.push(`r16 ${o}`); return 0xb000 + o; },
    read32: (o) => { log.push(`r32 ${o}`); return 0xc0000000 + o; },
    write8: (o, v) => { log.push(`w8 ${o} ${v}`); },
    write16: (o, v) => { log.push(`w16 ${o} ${v}`); },
    write32: (o, v) => { log.push(`w32 ${o} ${v.toString(16)}`); },
  };
}

test('RAM and device accesses, little-endian, unmapped → BusFault', () => {
  const bus = new Bus();
  const ram = new Uint8Array(0x2000);
  bus.mapRam(0x3fc80000, ram.length, ram);
  const log: string[] = [];
  bus.mapDevice(0x60002000, 0x100, recordingDevice(log));
  bus.write32(0x3fc80010, 0x11223344);
  assert.deepEqual([...ram.subarray(0x10, 0x14)], [0x44, 0x33, 0x22, 0x11]);
  assert.equal(bus.read16(0x3fc80012), 0x1122);
  assert.equal(bus.read32(0x60002008), 0xc0000008);
  bus.write8(0x60002001, 0x1ff);
  assert.deepEqual(log, ['r32 8', 'w8 1 255']);
  assert.throws(() => bus.read32(0x50000000), (e: unknown) => e instanceof BusFault && e.address === 0x50000000 && e.access === 'load');
  assert.throws(() => bus.write8(0x3fc82000, 1), BusFault);
  assert.throws(() => bus.read32(0x3fc81ffe), BusFault); // runs past the end
  assert.throws(() => bus.mapRam(0x3fc81000, 0x1000, new Uint8Array(0x1000)), BusMapError);
});

test('readBlock/writeBlock span regions; devices see whole words where possible', () => {
  const bus = new Bus();
  const a = new Uint8Array(0x1000);
  const b = new Uint8Array(0x1000);
  bus.mapRam(0x1000, 0x1000, a);
  bus.mapRam(0x2000, 0x1000, b);
  const log: string[] = [];
  bus.mapDevice(0x3000, 0x10, recordingDevice(log));
  bus.writeBlock(0x1ffe, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual([...a.subarray(0xffe)], [1, 2]);
  assert.deepEqual([...b.subarray(0, 2)], [3, 4]);
  assert.deepEqual([...bus.readBlock(0x1ffd, 5)], [0, 1, 2, 3, 4]);
  bus.writeBlock(0x3002, new Uint8Array([9, 8, 1, 2, 3, 4]));
  assert.deepEqual(log, ['w8 2 9', 'w8 3 8', 'w32 4 4030201']);
  assert.throws(() => bus.readBlock(0x2ffc, 0x20), BusFault);
});

test('the same backing at two addresses; code written through the data alias runs from the instruction alias', () => {
  const bus = new Bus();
  const sram = new Uint8Array(0x60000);
  bus.mapRam(0x3fc80000, sram.length, sram, 0, { name: 'dram', executable: false });
  bus.mapRam(0x40380000, sram.length, sram, 0, { name: 'iram' });
  const hart = new Hart(bus, { resetVector: 0x40380000 });
  hart.writeCsr(0x7b0, 1 << 15);
  bus.writeBlock(0x3fc80000, assemble([addi(10, 0, 1), EBREAK]));
  hart.run(10);
  assert.equal(hart.x[10], 1);
  // debugger rewrites the code through the data alias
  bus.writeBlock(0x3fc80000, assemble([addi(10, 0, 2), EBREAK]));
  hart.pc = 0x40380000;
  hart.resume();
  hart.run(10);
  assert.equal(hart.x[10], 2);
  // CPU store through the data alias (sw a1, 0(a2)) with a2 = 0x3fc80000
  const patch = addi(10, 0, 3);
  bus.writeBlock(0x3fc80100, assemble([
    lui(12, 0x3fc80), lui(11, patch >>> 12), addi(11, 11, ((patch & 0xfff) << 20) >> 20),
    0x00b62023, // sw a1, 0(a2)
    lui(5, 0x40380), jalr(0, 5, 0),
  ]));
  // add the carry for addi's sign extension
  if (patch & 0x800) bus.writeBlock(0x3fc80104, assemble([lui(11, ((patch >>> 12) + 1) & 0xfffff)]));
  hart.pc = 0x40380100;
  hart.resume();
  hart.run(20);
  assert.equal(hart.halted, true);
  assert.equal(hart.x[10], 3);
  // a direct write to the backing array needs invalidateCode
  sram.set(assemble([addi(10, 0, 4)]), 0);
  bus.invalidateCode(0x40380000, 4);
  hart.pc = 0x40380000;
  hart.resume();
  hart.run(10);
  assert.equal(hart.x[10], 4);
});

test('executing from a non-executable region is an instruction access fault', () => {
  const bus = new Bus();
  const ram = new Uint8Array(0x1000);
  bus.mapRam(0x3fc80000, ram.length, ram, 0, { executable: false });
  const hart = new Hart(bus, { resetVector: 0x3fc80000 });
  hart.run(1);
  assert.equal(hart.readCsr(0x342), 1);
  assert.equal(hart.readCsr(0x343), 0x3fc80000);
});

test('an executable device window is decoded once and re-read after invalidateCode', () => {
  const bus = new Bus();
  let word = addi(10, 0, 7);
  let reads = 0;
  const flash: MemoryDevice = {
    name: 'flash-window',
    read8: () => 0, read32: () => 0,
    read16: (o) => { reads++; return o === 0 ? word & 0xffff : o === 2 ? word >>> 16 : o === 4 ? 0x0073 : o === 6 ? 0x0010 : 0; },
    write8: () => {}, write16: () => {}, write32: () => {},
  };
  bus.mapDevice(0x42000000, 0x10000, flash, { executable: true });
  const hart = new Hart(bus, { resetVector: 0x42000000 });
  hart.writeCsr(0x7b0, 1 << 15);
  hart.run(10);
  assert.equal(hart.x[10], 7);
  const after = reads;
  hart.pc = 0x42000000;
  hart.resume();
  hart.run(10);
  assert.equal(reads, after, 'decoded instructions are reused');
  word = addi(10, 0, 9);
  bus.invalidateCode(0x42000000, 0x10000);
  hart.pc = 0x42000000;
  hart.resume();
  hart.run(10);
  assert.equal(hart.x[10], 9);
});
