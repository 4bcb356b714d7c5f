import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, runToHalt, addi, jal, ECALL, EBREAK, RAM, NOP, c } from './encode.js';

const DCSR = 0x7b0, DPC = 0x7b1, TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, MTVEC = 0x305, MCAUSE = 0x342;
const causeOf = (dcsr: number): number => (dcsr >>> 6) & 7;

test('halt request, dcsr fields and resume', () => {
  const { hart } = machine([addi(10, 10, 1), jal(0, -4)]);
  assert.equal(hart.run(101).reason, 'budget');
  hart.requestHalt();
  assert.equal(hart.halted, true);
  assert.equal(hart.haltCause, 'haltreq');
  const dcsr = hart.readCsr(DCSR);
  assert.equal(dcsr >>> 28, 4); // xdebugver
  assert.equal(dcsr & 3, 3); // prv = M
  assert.equal(causeOf(dcsr), 3);
  assert.equal(dcsr & (1 << 15), 1 << 15); // ebreakm as written
  assert.equal(hart.readCsr(DPC), hart.pc);
  assert.equal(hart.run(100).reason, 'halted');
  assert.equal(hart.run(100).executed, 0);
  hart.writeCsr(DPC, RAM);
  hart.resume();
  assert.equal(hart.halted, false);
  hart.run(1);
  assert.equal(hart.pc, RAM + 4);
});

test('single step: dcsr.step and step() halt after one instruction with cause 4', () => {
  const { hart } = machine([addi(10, 0, 1), addi(10, 10, 1), addi(10, 10, 1), EBREAK]);
  hart.requestHalt();
  hart.writeCsr(DCSR, hart.readCsr(DCSR) | 4);
  hart.resume();
  const r = hart.run(1000);
  assert.equal(r.reason, 'halted');
  assert.equal(r.executed, 1);
  assert.equal(hart.haltCause, 'step');
  assert.equal(causeOf(hart.readCsr(DCSR)), 4);
  assert.equal(hart.pc, RAM + 4);
  hart.writeCsr(DCSR, hart.readCsr(DCSR) & ~4);
  const s = hart.step();
  assert.equal(s.executed, 1);
  assert.equal(hart.pc, RAM + 8);
  assert.equal(hart.x[10], 2);
  assert.equal(hart.haltCause, 'step');
});

test('a trap during a step halts at the handler\'s first instruction', () => {
  const { hart } = machine([ECALL]);
  hart.writeCsr(MTVEC, RAM + 0x200);
  hart.requestHalt();
  hart.step();
  assert.equal(hart.haltCause, 'step');
  assert.equal(hart.pc, RAM + 0x200);
  assert.equal(hart.readCsr(MCAUSE), 11);
});

test('interrupts are masked while stepping (stepie = 0)', () => {
  const { hart, ram } = machine([NOP, NOP]);
  ram.set(new Uint8Array(new Uint32Array([EBREAK]).buffer), 0x200);
  hart.writeCsr(MTVEC, RAM + 0x200);
  hart.writeCsr(0x300, 8);
  hart.writeCsr(0x304, 1 << 16);
  hart.requestHalt();
  hart.raiseInterrupt(16);
  hart.step();
  assert.equal(hart.pc, RAM + 4);
  hart.resume();
  runToHalt(hart);
  assert.equal(hart.pc, RAM + 0x200);
  assert.equal(hart.readCsr(MCAUSE), (0x80000000 | 16) >>> 0);
  assert.equal(hart.readCsr(0x341), RAM + 4);
});

test('ebreak and c.ebreak halt with cause 1 and dpc at the instruction', () => {
  const { hart } = machine([NOP, c(0x9002), c(0x0001), EBREAK]);
  runToHalt(hart);
  assert.equal(hart.haltCause, 'ebreak');
  assert.equal(causeOf(hart.readCsr(DCSR)), 1);
  assert.equal(hart.readCsr(DPC), RAM + 4);
  hart.pc = hart.pc + 2;
  hart.resume();
  runToHalt(hart);
  assert.equal(hart.pc, RAM + 8);
});

test('execute trigger halts before the instruction with cause 2', () => {
  const { hart } = machine([addi(10, 0, 1), addi(10, 0, 2), addi(10, 0, 3), EBREAK], { triggerCount: 8 });
  hart.requestHalt();
  // enumerate: tselect accepts 0..7 only
  hart.writeCsr(TSELECT, 8);
  assert.notEqual(hart.readCsr(TSELECT), 8);
  hart.writeCsr(TSELECT, 7);
  assert.equal(hart.readCsr(TSELECT), 7);
  assert.equal(hart.readCsr(TDATA1) >>> 28, 2);
  hart.writeCsr(TSELECT, 3);
  hart.writeCsr(TDATA2, RAM + 8);
  hart.writeCsr(TDATA1, (2 << 28) | (1 << 27) | (1 << 12) | (1 << 6) | (1 << 2)); // dmode, action=debug, m, execute
  hart.resume();
  runToHalt(hart);
  assert.equal(hart.haltCause, 'trigger');
  assert.equal(causeOf(hart.readCsr(DCSR)), 2);
  assert.equal(hart.pc, RAM + 8);
  assert.equal(hart.x[10], 2);
  assert.equal(hart.readCsr(TDATA1) & (1 << 20), 1 << 20); // hit
  // resumed at the instruction with the trigger armed, it fires again before the instruction runs
  hart.resume();
  assert.equal(hart.run(100).executed, 0);
  assert.equal(hart.haltCause, 'trigger');
  assert.equal(hart.pc, RAM + 8);
  // a host debugger's resume steps off its own trigger: the instruction runs, the trigger stays armed
  hart.resume({ stepOffTriggers: true });
  runToHalt(hart);
  assert.equal(hart.haltCause, 'ebreak');
  assert.equal(hart.x[10], 3);
  hart.pc = RAM + 8;
  hart.resume();
  assert.equal(hart.run(100).executed, 0, 'the trigger is still armed');
  assert.equal(hart.haltCause, 'trigger');
  // clearing the trigger lets execution continue
  hart.writeCsr(TDATA1, 0);
  hart.resume();
  runToHalt(hart);
  assert.equal(hart.haltCause, 'ebreak');
  assert.equal(hart.x[10], 3);
});

test('store trigger (watchpoint) halts before the store', () => {
  const { hart, ram } = machine([addi(10, 0, 0x55), 0x00a02023 /* sw a0, 0(x0)? */, EBREAK]);
  // replace with a store to RAM+0x100: sw a0, 0x100(t0) with t0 = RAM
  ram.set(new Uint8Array(new Uint32Array([0x800002b7 /* lui t0,0x80000 */, 0x05500513, 0x10a2a023 /* sw a0,256(t0) */, EBREAK]).buffer));
  hart.requestHalt();
  hart.writeCsr(TDATA2, RAM + 0x100);
  hart.writeCsr(TDATA1, (2 << 28) | (1 << 12) | (1 << 6) | (1 << 1));
  hart.resume();
  runToHalt(hart);
  assert.equal(hart.haltCause, 'trigger');
  assert.equal(hart.pc, RAM + 8);
  assert.equal(ram[0x100], 0);
});

test('host breakpoints halt (cause 1) and are skipped once on resume', () => {
  const { hart } = machine([addi(10, 10, 1), jal(0, -4)]);
  hart.addBreakpoint(RAM);
  hart.run(100);
  assert.equal(hart.halted, true);
  assert.equal(hart.pc, RAM);
  assert.equal(hart.x[10], 0);
  hart.resume();
  hart.run(100);
  assert.equal(hart.pc, RAM);
  assert.equal(hart.x[10], 1);
  hart.removeBreakpoint(RAM);
  hart.resume();
  assert.equal(hart.run(100).reason, 'budget');
});

test('reset halt: cause 5 at the reset vector', () => {
  const { hart } = machine([addi(10, 0, 1)]);
  hart.run(1);
  hart.reset(true);
  assert.equal(hart.halted, true);
  assert.equal(hart.haltCause, 'resethaltreq');
  assert.equal(causeOf(hart.readCsr(DCSR)), 5);
  assert.equal(hart.pc, RAM);
  assert.equal(hart.x[10], 0);
});

test('misa, mhartid and dscratch through debugger CSR access', () => {
  const { hart } = machine([NOP], { hartId: 0, misa: 0x40101104 });
  assert.equal(hart.readCsr(0x301), 0x40101104);
  assert.equal(machine([NOP]).hart.readCsr(0x301), 0x40001104);
  hart.writeCsr(0x7b2, 0xdeadbeef);
  assert.equal(hart.readCsr(0x7b2), 0xdeadbeef);
  assert.throws(() => hart.readCsr(0x7c5), { code: 'SIM_UNKNOWN_CSR' });
});
