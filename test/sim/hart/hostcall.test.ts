import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from '../../../src/sim/bus.js';
import { Hart, UnknownRomCallError } from '../../../src/sim/hart/index.js';
import { assemble, addi, lui, jalr, EBREAK, RAM } from './encode.js';

const ROM_FN = 0x40000018;

function setup() {
  const bus = new Bus();
  const ram = new Uint8Array(0x10000);
  bus.mapRam(RAM, ram.length, ram);
  // a0 = 20, a1 = 22, call ROM_FN (lui ra-free: jalr ra, 0x18(t0) with t0 = 0x40000000), then ebreak
  ram.set(assemble([addi(10, 0, 20), addi(11, 0, 22), lui(5, 0x40000), jalr(1, 5, 0x18), addi(12, 10, 0), EBREAK]));
  const hart = new Hart(bus, { resetVector: RAM }); // default ROM range 0x40000000–0x40060000
  hart.writeCsr(0x7b0, 1 << 15);
  return { bus, hart };
}

test('a host call reads a0.., writes a0 and returns to ra', () => {
  const { hart } = setup();
  const seen: number[] = [];
  hart.registerHostCall(ROM_FN, 'add2', (h) => {
    seen.push(h.x[10]!, h.x[11]!, h.pc);
    h.x[10] = h.x[10]! + h.x[11]!;
  });
  const r = hart.run(100);
  assert.equal(r.reason, 'halted');
  assert.deepEqual(seen, [20, 22, ROM_FN]);
  assert.equal(hart.x[12], 42);
  assert.equal(hart.pc, RAM + 20);
});

test('a host call may redirect pc', () => {
  const { hart } = setup();
  hart.registerHostCall(ROM_FN, 'jump', (h) => { h.pc = RAM + 20; });
  hart.run(100);
  assert.equal(hart.pc, RAM + 20);
  assert.equal(hart.x[12], 0);
});

test('executing an unregistered ROM address stops with an error naming it', () => {
  const { hart } = setup();
  hart.setRomSymbolLookup((a) => (a === ROM_FN ? 'esp_rom_spiflash_read' : undefined));
  const r = hart.run(100);
  assert.equal(r.reason, 'error');
  assert.ok(r.error instanceof UnknownRomCallError);
  assert.match(r.error.message, /0x40000018 \(esp_rom_spiflash_read\)/);
  assert.equal(hart.halted, true);
  assert.equal(hart.pc, ROM_FN);
  assert.equal(hart.run(100).reason, 'halted');
});

test('the unknown-execute handler can serve ROM addresses; a throwing host call stops the hart', () => {
  const { hart } = setup();
  hart.setUnknownExecuteHandler((h, addr) => { h.x[10] = addr; return true; });
  hart.run(100);
  assert.equal(hart.x[12], ROM_FN);
  const s = setup();
  s.hart.registerHostCall(ROM_FN, 'broken', () => { throw new Error('flash is busy'); });
  const r = s.hart.run(100);
  assert.equal(r.reason, 'error');
  assert.match(r.error!.message, /broken.*flash is busy/);
});

test('host calls work in single step: one step runs the call and stops at ra', () => {
  const { hart } = setup();
  hart.registerHostCall(ROM_FN, 'add2', (h) => { h.x[10] = 1; });
  hart.run(4);
  assert.equal(hart.pc, ROM_FN);
  hart.step();
  assert.equal(hart.pc, RAM + 16);
  assert.equal(hart.haltCause, 'step');
});
