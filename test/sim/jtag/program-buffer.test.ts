import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DM, CMDERR, DMSTATUS } from '../../../src/sim/jtag/dm-registers.js';
import { dmRig } from './dm-helpers.js';
import { SRAM_DRAM } from './counter-fixture.js';

// Encodings (RV32I/Zicsr), checked against riscv64-unknown-elf-as.
const EBREAK = 0x00100073;
const FENCE = 0x0ff0000f;
const FENCE_I = 0x0000100f;
const AUIPC_S0 = 0x00000417; // auipc s0, 0
const SW_S0_0_S0 = 0x00842023; // sw s0, 0(s0)
const LW_S1_0_S0 = 0x00042483; // lw s1, 0(s0)
const SW_S1_0_S0 = 0x00942023; // sw s1, 0(s0)
const ADDI_S0_S0_4 = 0x00440413; // addi s0, s0, 4
const CSRR_S0_MSCRATCH = 0x34002473; // csrrs s0, mscratch, x0
const CSRW_MSCRATCH_S0 = 0x34041073; // csrrw x0, mscratch, s0
const LB_S1_1_S0 = 0x00140483; // lb s1, 1(s0)
const MUL = 0x02a585b3; // mul a1, a1, a0 (not in the subset)

const POSTEXEC = 1 << 18;
const S0 = 0x1008;
const S1 = 0x1009;

function load(r: ReturnType<typeof dmRig>, words: number[]): void {
  words.forEach((w, i) => r.dm.dmiWrite(DM.progbuf0 + i, w));
}

test('progbufsize 16, datacount 2, no impebreak (as the ESP32-C3)', () => {
  const r = dmRig({ halted: true });
  const abstractcs = r.dm.dmiRead(DM.abstractcs);
  assert.equal((abstractcs >>> 24) & 0x1f, 16);
  assert.equal(abstractcs & 0xf, 2);
  assert.equal(r.status() & DMSTATUS.impebreak, 0);
  const none = dmRig({ halted: true, progbufSize: 0 });
  assert.equal((none.dm.dmiRead(DM.abstractcs) >>> 24) & 0x1f, 0);
});

test('fence; fence.i; ebreak executes (what debuggers run before resuming)', () => {
  const r = dmRig({ halted: true });
  load(r, [FENCE_I, FENCE, EBREAK]);
  r.dm.dmiWrite(DM.command, POSTEXEC);
  assert.equal(r.cmderr(), 0);
  assert.equal(r.hart.halted, true);
});

test('csrr/csrw through s0 with a transfer + postexec', () => {
  const r = dmRig({ halted: true });
  r.hart.writeCsr(0x340, 0x13572468);
  load(r, [CSRR_S0_MSCRATCH, EBREAK]);
  r.dm.dmiWrite(DM.command, r.reg(S0, false) | POSTEXEC);
  assert.equal(r.cmderr(), 0);
  assert.equal(r.readReg(S0), 0x13572468);
  load(r, [CSRW_MSCRATCH_S0, EBREAK]);
  r.dm.dmiWrite(DM.data0, 0xabcdef01);
  r.dm.dmiWrite(DM.command, r.reg(S0, true) | POSTEXEC);
  assert.equal(r.cmderr(), 0);
  assert.equal(r.hart.readCsr(0x340), 0xabcdef01);
});

test('memory through the program buffer: lw/sw/lb with addi, repeated by abstractauto', () => {
  const r = dmRig({ halted: true });
  const a = SRAM_DRAM + 0x400;
  r.bus.write32(a, 0x11223344);
  r.bus.write32(a + 4, 0x55667788);
  load(r, [LW_S1_0_S0, ADDI_S0_S0_4, EBREAK]);
  r.writeReg(S0, a);
  r.dm.dmiWrite(DM.command, r.reg(S1) | POSTEXEC); // reads the old s1, then runs the program
  r.dm.dmiWrite(DM.command, r.reg(S1));
  assert.equal(r.dm.dmiRead(DM.data0), 0x11223344);
  load(r, [LB_S1_1_S0, EBREAK]);
  r.dm.dmiWrite(DM.command, r.reg(S1) | POSTEXEC);
  assert.equal(r.readReg(S1), 0x77, 'lb s1, 1(s0) at a+4 reads byte 0x77');
  // Writes: data0 → s1, then sw s1,0(s0); addi s0,s0,4 — re-run on every data0 write.
  load(r, [SW_S1_0_S0, ADDI_S0_S0_4, EBREAK]);
  r.writeReg(S0, a + 0x10);
  r.dm.dmiWrite(DM.data0, 0xa0);
  r.dm.dmiWrite(DM.command, r.reg(S1, true) | POSTEXEC);
  r.dm.dmiWrite(DM.abstractauto, 1);
  r.dm.dmiWrite(DM.data0, 0xa1);
  r.dm.dmiWrite(DM.data0, 0xa2);
  r.dm.dmiWrite(DM.abstractauto, 0);
  assert.equal(r.cmderr(), 0);
  assert.deepEqual([0, 4, 8].map((o) => r.bus.read32(a + 0x10 + o)), [0xa0, 0xa1, 0xa2]);
});

test('auipc finds the buffer and sw to it writes progbuf0 (no bus access)', () => {
  const r = dmRig({ halted: true });
  load(r, [AUIPC_S0, EBREAK]);
  r.dm.dmiWrite(DM.command, POSTEXEC);
  const where = r.readReg(S0);
  load(r, [SW_S0_0_S0, EBREAK]);
  r.dm.dmiWrite(DM.command, POSTEXEC);
  assert.equal(r.cmderr(), 0);
  assert.equal(r.dm.dmiRead(DM.progbuf0), where);
});

test('exceptions in the program buffer: cmderr 3, hart stays halted', () => {
  const r = dmRig({ halted: true });
  for (const program of [[MUL, EBREAK], [LW_S1_0_S0, EBREAK], [FENCE]]) {
    r.writeReg(S0, 0x00000010); // unmapped for the lw case
    load(r, [...program, ...new Array<number>(16 - program.length).fill(0x00000013)]);
    r.dm.dmiWrite(DM.command, POSTEXEC);
    assert.equal(r.cmderr(), CMDERR.exception, `program ${program.map((w) => w.toString(16)).join(' ')}`);
    assert.equal(r.hart.halted, true);
    r.clearCmderr();
  }
});
