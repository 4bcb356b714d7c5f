import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, runToHalt, addi, lui, lw, sw, csrrs, csrrw, csrrwi, ECALL, EBREAK, MRET, WFI, RAM, NOP } from './encode.js';
import type { MemoryDevice } from '../../../src/sim/device.js';

const MTVEC = 0x305, MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343, MSTATUS = 0x300, MIE = 0x304, MIP = 0x344;
const HANDLER = RAM + 0x400;

function withHandler(program: number[], handler: number[] = [EBREAK]) {
  const m = machine(program);
  m.hart.writeCsr(MTVEC, HANDLER);
  const words = new Uint8Array(new Uint32Array(handler).buffer);
  m.ram.set(words, 0x400);
  return m;
}

test('ecall traps with cause 11, mepc at the ecall, MIE → MPIE', () => {
  const { hart } = withHandler([csrrwi(0, MSTATUS, 8), ECALL]);
  runToHalt(hart);
  assert.equal(hart.pc, HANDLER);
  assert.equal(hart.readCsr(MCAUSE), 11);
  assert.equal(hart.readCsr(MEPC), RAM + 4);
  assert.equal(hart.readCsr(MSTATUS) & 0x88, 0x80);
  assert.equal(hart.readCsr(MSTATUS) & 0x1800, 0x1800);
});

test('ebreak without dcsr.ebreakm raises a breakpoint exception', () => {
  const m = machine([EBREAK], {}, false);
  m.hart.writeCsr(MTVEC, HANDLER);
  m.ram.set(new Uint8Array(new Uint32Array([ECALL]).buffer), 0x400);
  m.hart.run(2);
  assert.equal(m.hart.readCsr(MEPC), HANDLER);
  assert.equal(m.hart.readCsr(MCAUSE), 11); // the handler's own ecall trapped last
  const m2 = machine([EBREAK], {}, false);
  m2.hart.writeCsr(MTVEC, HANDLER);
  m2.hart.run(1);
  assert.equal(m2.hart.readCsr(MCAUSE), 3);
  assert.equal(m2.hart.readCsr(MEPC), RAM);
  assert.equal(m2.hart.pc, HANDLER);
  assert.equal(m2.hart.halted, false);
});

test('illegal instruction: cause 2, mtval = instruction bits; missing CSR is illegal', () => {
  const { hart } = withHandler([0xffffffff]);
  runToHalt(hart);
  assert.equal(hart.readCsr(MCAUSE), 2);
  assert.equal(hart.readCsr(MTVAL), 0xffffffff);
  const m = withHandler([csrrs(10, 0x7c5, 0)]);
  runToHalt(m.hart);
  assert.equal(m.hart.readCsr(MCAUSE), 2);
  assert.equal(m.hart.readCsr(MTVAL), csrrs(10, 0x7c5, 0));
  const ro = withHandler([csrrw(10, 0xf14, 5)]); // write to read-only mhartid
  runToHalt(ro.hart);
  assert.equal(ro.hart.readCsr(MCAUSE), 2);
  const dbg = withHandler([csrrs(10, 0x7b0, 0)]); // dcsr outside debug mode
  runToHalt(dbg.hart);
  assert.equal(dbg.hart.readCsr(MCAUSE), 2);
});

test('access faults: load 5, store 7, fetch 1, with mtval = address', () => {
  const load = withHandler([lui(10, 0x10000), lw(11, 10, 4)]);
  runToHalt(load.hart);
  assert.equal(load.hart.readCsr(MCAUSE), 5);
  assert.equal(load.hart.readCsr(MTVAL), 0x10000004);
  assert.equal(load.hart.readCsr(MEPC), RAM + 4);
  const store = withHandler([lui(10, 0x10000), sw(11, 10, 8)]);
  runToHalt(store.hart);
  assert.equal(store.hart.readCsr(MCAUSE), 7);
  assert.equal(store.hart.readCsr(MTVAL), 0x10000008);
  const fetch = withHandler([lui(10, 0x10000), 0x00050067 /* jalr x0, 0(a0) */]);
  runToHalt(fetch.hart);
  assert.equal(fetch.hart.readCsr(MCAUSE), 1);
  assert.equal(fetch.hart.readCsr(MTVAL), 0x10000000);
  assert.equal(fetch.hart.readCsr(MEPC), 0x10000000);
});

test('misaligned access to a device raises a misaligned exception; read-only RAM store faults', () => {
  const regs = new Uint32Array(4);
  const dev: MemoryDevice = {
    name: 'regs',
    read8: (o) => (regs[o >> 2]! >>> ((o & 3) * 8)) & 0xff,
    read16: (o) => (regs[o >> 2]! >>> ((o & 3) * 8)) & 0xffff,
    read32: (o) => regs[o >> 2]!,
    write8: () => {}, write16: () => {},
    write32: (o, v) => { regs[o >> 2] = v; },
  };
  const m = withHandler([lui(10, 0x60000), lw(11, 10, 2)]);
  m.bus.mapDevice(0x60000000, 16, dev);
  runToHalt(m.hart);
  assert.equal(m.hart.readCsr(MCAUSE), 4);
  assert.equal(m.hart.readCsr(MTVAL), 0x60000002);
  const rom = new Uint8Array(4096);
  const m2 = withHandler([lui(10, 0x40000), sw(0, 10, 0)]);
  m2.bus.mapRam(0x40000000, rom.length, rom, 0, { writable: false });
  runToHalt(m2.hart);
  assert.equal(m2.hart.readCsr(MCAUSE), 7);
});

test('interrupts: direct and vectored mtvec, mret restores MIE', () => {
  for (const vectored of [false, true]) {
    const m = machine([csrrwi(0, MSTATUS, 8), NOP, NOP, NOP, EBREAK]);
    m.hart.writeCsr(MTVEC, HANDLER | (vectored ? 1 : 0));
    m.ram.set(new Uint8Array(new Uint32Array([EBREAK]).buffer), 0x400);
    m.ram.set(new Uint8Array(new Uint32Array([EBREAK]).buffer), 0x400 + 4 * 17);
    m.hart.writeCsr(MIE, 1 << 17);
    m.hart.run(2);
    m.hart.raiseInterrupt(17);
    assert.equal(m.hart.readCsr(MIP) & (1 << 17), 1 << 17);
    runToHalt(m.hart);
    assert.equal(m.hart.pc, vectored ? HANDLER + 4 * 17 : HANDLER);
    assert.equal(m.hart.readCsr(MCAUSE), (0x80000000 | 17) >>> 0);
    assert.equal(m.hart.readCsr(MEPC), RAM + 8);
  }
  const m = machine([csrrwi(0, MSTATUS, 8), NOP, NOP, EBREAK]);
  m.hart.writeCsr(MTVEC, HANDLER);
  m.ram.set(new Uint8Array(new Uint32Array([MRET]).buffer), 0x400);
  m.hart.writeCsr(MIE, 1 << 11);
  m.hart.run(1);
  m.hart.raiseInterrupt(11);
  const r = m.hart.run(1); // takes the interrupt (MIE → 0) and executes the handler's mret (MIE → 1)
  assert.equal(r.executed, 1);
  assert.equal(m.hart.readCsr(MCAUSE), 0x8000000b);
  assert.equal(m.hart.readCsr(MSTATUS) & 0x88, 0x88);
  assert.equal(m.hart.pc, RAM + 4);
  m.hart.clearInterrupt(11);
  runToHalt(m.hart);
  assert.equal(m.hart.pc, RAM + 12);
});

test('wfi returns from run() until an interrupt is pending', () => {
  const m = machine([WFI, addi(10, 0, 5), EBREAK]);
  m.hart.writeCsr(MIE, 1 << 7);
  const r1 = m.hart.run(1000);
  assert.equal(r1.reason, 'wfi');
  assert.equal(r1.executed, 1);
  assert.equal(m.hart.run(1000).reason, 'wfi');
  m.hart.raiseInterrupt(7); // MIE is 0: wakes up without trapping
  runToHalt(m.hart);
  assert.equal(m.hart.x[10], 5);
  const m2 = machine([WFI, EBREAK]);
  m2.hart.run(10);
  m2.hart.requestHalt();
  assert.equal(m2.hart.halted, true);
  assert.equal(m2.hart.haltCause, 'haltreq');
  assert.equal(m2.hart.pc, RAM + 4);
});
