import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DM, DMCONTROL, DMSTATUS, CMDERR } from '../../../src/sim/jtag/dm-registers.js';
import { dmRig, ACTIVE } from './dm-helpers.js';
import { COUNTER_ADDRESS, LOOP_ADDRESS, PROGRAM_ADDRESS, STORE_ADDRESS } from './counter-fixture.js';

const GPR = (n: number): number => 0x1000 + n;
const DCSR = 0x7b0;
const DPC = 0x7b1;
const cause = (dcsr: number): number => (dcsr >>> 6) & 7;

test('dmstatus: version 2, authenticated, running hart; hartsel has 20 bits and only hart 0 exists', () => {
  const r = dmRig();
  r.hart.run(50);
  const s = r.status();
  assert.equal(s & 0xf, 2);
  assert.ok(s & DMSTATUS.authenticated);
  assert.ok(s & DMSTATUS.allrunning && s & DMSTATUS.anyrunning);
  assert.equal(s & (DMSTATUS.anyhalted | DMSTATUS.anynonexistent), 0);
  // A debugger writes all ones to hartsel to learn how many bits it has.
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | (0x3ff << 16) | (0x3ff << 6));
  const ctl = r.dm.dmiRead(DM.dmcontrol);
  assert.equal((ctl >>> 16) & 0x3ff, 0x3ff);
  assert.equal((ctl >>> 6) & 0x3ff, 0x3ff);
  assert.ok(r.status() & DMSTATUS.allnonexistent);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | (1 << 16));
  assert.ok(r.status() & DMSTATUS.anynonexistent, 'hart 1 does not exist');
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.haltreq | (1 << 16));
  assert.equal(r.hart.halted, false, 'a halt request to a nonexistent hart does nothing');
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE);
  assert.equal(r.status() & DMSTATUS.anynonexistent, 0);
  assert.equal(r.dm.dmiRead(DM.hartinfo), 1 << 20);
});

test('haltreq halts with cause 3; haltsum0 shows hart 0; havereset until acknowledged', () => {
  const r = dmRig();
  r.hart.run(100);
  assert.ok(r.status() & DMSTATUS.allhavereset);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.ackhavereset);
  assert.equal(r.status() & DMSTATUS.anyhavereset, 0);
  assert.equal(r.dm.dmiRead(DM.haltsum0), 0);
  r.halt();
  assert.equal(r.hart.halted, true);
  assert.ok(r.status() & DMSTATUS.allhalted);
  assert.equal(r.dm.dmiRead(DM.haltsum0), 1);
  assert.equal(cause(r.readReg(DCSR)), 3);
  assert.equal(r.readReg(DPC), r.hart.pc);
});

test('abstract Access Register: GPRs and CSRs with aarsize 2; aarsize 3 fails with cmderr 2 (XLEN 32)', () => {
  const r = dmRig();
  r.hart.run(100);
  r.halt();
  assert.equal(r.readReg(GPR(10)), COUNTER_ADDRESS);
  assert.equal(r.readReg(GPR(0)), 0);
  assert.equal(r.readReg(0x301), 0x40101104, 'misa');
  r.dm.dmiWrite(DM.command, (3 << 20) | (1 << 17) | GPR(8));
  assert.equal(r.cmderr(), CMDERR.notSupported);
  // While cmderr is set, commands are ignored.
  r.dm.dmiWrite(DM.data0, 0x1234);
  r.dm.dmiWrite(DM.command, r.reg(GPR(9), true));
  assert.notEqual(r.hart.x[9], 0x1234);
  r.clearCmderr();
  assert.equal(r.cmderr(), 0);
  r.writeReg(GPR(9), 0x1234);
  assert.equal(r.hart.x[9], 0x1234);
  r.writeReg(GPR(0), 5);
  assert.equal(r.readReg(GPR(0)), 0, 'x0 stays 0');
  r.writeReg(0x340, 0xcafef00d);
  assert.equal(r.readReg(0x340), 0xcafef00d, 'mscratch');
  r.writeReg(DPC, LOOP_ADDRESS);
  assert.equal(r.hart.pc, LOOP_ADDRESS);
  // A CSR that does not exist, and an FPR (no F extension): exception.
  r.dm.dmiWrite(DM.command, r.reg(0x7ff));
  assert.equal(r.cmderr(), CMDERR.exception);
  r.clearCmderr();
  r.dm.dmiWrite(DM.command, r.reg(0x1020));
  assert.equal(r.cmderr(), CMDERR.exception);
  r.clearCmderr();
  // Other command types are not supported.
  r.dm.dmiWrite(DM.command, (2 << 24) | (2 << 20));
  assert.equal(r.cmderr(), CMDERR.notSupported);
  r.clearCmderr();
  // aarpostincrement walks regno.
  r.hart.x[5] = 55;
  r.hart.x[6] = 66;
  r.dm.dmiWrite(DM.abstractauto, 1); // re-run on each data0 access
  r.dm.dmiWrite(DM.command, r.reg(GPR(5), false, 1 << 19));
  assert.equal(r.dm.dmiRead(DM.data0), 55); // this read re-runs the command for x6
  assert.equal(r.dm.dmiRead(DM.data0), 66);
  r.dm.dmiWrite(DM.abstractauto, 0);
});

test('abstract commands need a halted hart: cmderr 4 while running', () => {
  const r = dmRig();
  r.hart.run(10);
  r.dm.dmiWrite(DM.command, r.reg(GPR(10)));
  assert.equal(r.cmderr(), CMDERR.haltResume);
});

test('single step through dcsr.step: one instruction, cause 4, resumeack', () => {
  const r = dmRig();
  r.hart.run(1000);
  r.halt();
  r.writeReg(DPC, LOOP_ADDRESS);
  const counterBefore = r.counter();
  r.writeReg(DCSR, r.readReg(DCSR) | 4);
  for (const [expectPc] of [[LOOP_ADDRESS + 4], [STORE_ADDRESS], [STORE_ADDRESS + 4]]) {
    r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.resumereq);
    const s = r.status();
    assert.ok(s & DMSTATUS.allresumeack, 'resume acknowledged');
    assert.ok(s & DMSTATUS.allhalted, 'halted again after one instruction');
    assert.equal(r.readReg(DPC), expectPc);
    assert.equal(cause(r.readReg(DCSR)), 4);
  }
  assert.equal(r.counter(), counterBefore + 1, 'the stepped sw stored the incremented value');
});

test('resume runs the hart; resumereq is ignored while haltreq is set', () => {
  const r = dmRig();
  r.hart.run(10);
  r.halt();
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.haltreq | DMCONTROL.resumereq);
  assert.equal(r.hart.halted, true);
  let resumed = 0;
  r.dm.onResume(() => resumed++);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.resumereq);
  assert.equal(r.hart.halted, false);
  assert.equal(resumed, 1, 'the runner is told');
  const s = r.status();
  assert.ok(s & DMSTATUS.allresumeack && s & DMSTATUS.allrunning);
  const before = r.counter();
  r.hart.run(500);
  assert.ok(r.counter() > before);
});

test('ebreak with dcsr.ebreakm enters debug mode with cause 1 at the ebreak', () => {
  const r = dmRig({ halted: true });
  r.bus.write32(STORE_ADDRESS, 0x00100073); // replace the sw with ebreak
  r.writeReg(DCSR, r.readReg(DCSR) | (1 << 15));
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.resumereq);
  r.hart.run(100);
  assert.equal(r.hart.halted, true);
  assert.equal(cause(r.readReg(DCSR)), 1);
  assert.equal(r.readReg(DPC), STORE_ADDRESS);
});

test('hardware breakpoint through tselect/tdata1/tdata2: trigger hit halts with cause 2 before the instruction', () => {
  const r = dmRig();
  r.hart.run(100);
  r.halt();
  r.writeReg(0x7a0, 7);
  assert.equal(r.readReg(0x7a0), 7, 'trigger 7 exists');
  r.writeReg(0x7a0, 8);
  assert.notEqual(r.readReg(0x7a0), 8, 'trigger 8 does not');
  r.writeReg(0x7a0, 3);
  const mcontrol = ((2 << 28) | (1 << 27) | (1 << 12) | (1 << 6) | (1 << 2)) >>> 0; // dmode, action=debug, M, execute
  r.writeReg(0x7a1, mcontrol);
  r.writeReg(0x7a2, STORE_ADDRESS);
  assert.equal(r.readReg(0x7a2), STORE_ADDRESS);
  r.writeReg(DPC, LOOP_ADDRESS);
  const before = r.counter();
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.resumereq);
  r.hart.run(100);
  assert.equal(r.hart.halted, true);
  assert.equal(cause(r.readReg(DCSR)), 2);
  assert.equal(r.readReg(DPC), STORE_ADDRESS);
  assert.equal(r.counter(), before, 'the store did not execute');
  // Resumed at the instruction with the trigger still armed, the trigger fires again at once (as on the
  // chip; OpenOCD steps off with its triggers disabled, then resumes with them armed).
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.resumereq);
  r.hart.run(100);
  assert.equal(r.hart.halted, true, 'halted again before the instruction resumed at');
  assert.equal(cause(r.readReg(DCSR)), 2);
  assert.equal(r.readReg(DPC), STORE_ADDRESS);
  assert.equal(r.counter(), before, 'the store still did not execute');
});

test('ndmreset holds the hart unavailable; release with haltreq halts at the reset vector; ackhavereset', () => {
  const r = dmRig();
  r.hart.run(1000);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.ackhavereset);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.haltreq | DMCONTROL.ndmreset);
  assert.equal(r.dm.hartMayRun, false);
  let s = r.status();
  assert.ok(s & DMSTATUS.allunavail);
  assert.equal(s & (DMSTATUS.anyhalted | DMSTATUS.anyrunning), 0);
  assert.ok(r.dm.dmiRead(DM.dmcontrol) & DMCONTROL.ndmreset);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.haltreq);
  s = r.status();
  assert.ok(s & DMSTATUS.allhalted && s & DMSTATUS.allhavereset);
  assert.equal(r.hart.pc, PROGRAM_ADDRESS);
  assert.equal(r.readReg(GPR(10)), 0, 'registers were reset');
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.ackhavereset);
  assert.equal(r.status() & DMSTATUS.anyhavereset, 0);
});

test('resethaltreq: a reset halts before the first instruction; without it the hart runs', () => {
  const r = dmRig();
  assert.ok(r.status() & DMSTATUS.hasresethaltreq);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.setresethaltreq);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.ndmreset);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE);
  assert.equal(r.hart.halted, true);
  assert.equal(cause(r.readReg(DCSR)), 5);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.clrresethaltreq);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.ndmreset);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE);
  assert.equal(r.hart.halted, false);
});

test('dmactive=0 resets the module: registers read 0 and writes are ignored until it is active again', () => {
  const r = dmRig({ halted: true });
  r.dm.dmiWrite(DM.data0, 42);
  r.dm.dmiWrite(DM.dmcontrol, 0);
  assert.equal(r.dm.dmiRead(DM.dmcontrol), 0);
  r.dm.dmiWrite(DM.data0, 7);
  assert.equal(r.dm.dmiRead(DM.data0), 0);
  r.dm.dmiWrite(DM.dmcontrol, ACTIVE);
  assert.equal(r.dm.dmiRead(DM.dmcontrol), ACTIVE);
  assert.equal(r.dm.dmiRead(DM.data0), 0, 'data0 was reset');
  assert.equal(r.hart.halted, true, 'the hart keeps its state');
});
