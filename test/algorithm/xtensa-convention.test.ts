/** The Xtensa windowed-ABI convention: trampoline bytes, call registers, context, QEMU de212 layout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callingConventionFor, xtensaCallingConvention, XTENSA_CALL_PS } from '../../src/algorithm/arch/index.js';
import { QEMU_DE212_G_BYTES, qemuDe212Registers } from '../../src/target/xtensa-qemu-de212.js';
import { breakInsn, breakN, mov, movN } from '../../src/algorithm/xtensa/encode.js';

const hex = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join(' ');

test('callingConventionFor("xtensa") is the windowed convention', () => {
  assert.equal(callingConventionFor('xtensa'), xtensaCallingConvention);
  assert.equal(xtensaCallingConvention.maxArgs, 5);
  assert.equal(xtensaCallingConvention.resultRegister, 'a2');
});

test('trampoline: 28 bytes as laid out in the QEMU lab, break at +22, callx8 ending 4-aligned', () => {
  const t = xtensaCallingConvention.trampoline();
  assert.equal(
    hex(t.bytes),
    '92 c1 20 90 d1 49 20 a2 20 bd 03 cd 04 dd 05 ed 06 e0 08 00 2d 0a 00 40 00 06 ff ff',
  );
  assert.equal(t.align, 4);
  assert.equal(t.entryOffset, 0);
  assert.equal(t.returnOffset, 22);
  assert.equal(hex(t.bytes.subarray(22, 25)), '00 40 00');
  assert.equal(t.trapCatcherOffset, undefined);
});

test('de212 register layout: 137 registers in 640 bytes at the offsets the lab measured', () => {
  const regs = qemuDe212Registers();
  assert.equal(regs.length, 137);
  const at = (name: string) => regs.find((r) => r.name === name)!.offset;
  const last = regs[regs.length - 1]!;
  assert.equal(last.offset! + last.bitsize / 8, QEMU_DE212_G_BYTES);
  const expected: Record<string, number> = {
    pc: 0, ar0: 4, ar31: 128, lbeg: 132, lend: 136, lcount: 140, sar: 144, windowbase: 148, windowstart: 152,
    configid0: 156, configid1: 160, ps: 164, scompare1: 168, m3: 192, epc1: 240, epc6: 260, eps2: 272, eps6: 288,
    vecbase: 340, exccause: 344, debugcause: 348, ccount: 352, pwrctl: 392, ocd_dsr: 568, a0: 576, a2: 584, a15: 636,
  };
  for (const [name, offset] of Object.entries(expected)) assert.equal(at(name), offset, name);
  assert.deepEqual(regs.map((r) => r.regnum), regs.map((_, i) => i));
});

test('context: every AR, window and loop state, PS and exception registers; no counters or debug-module registers', () => {
  const names = xtensaCallingConvention.contextRegisters(qemuDe212Registers());
  for (const n of ['pc', 'ar0', 'ar31', 'a0', 'a15', 'windowbase', 'windowstart', 'ps', 'sar', 'lbeg', 'lend', 'lcount', 'epc1', 'excsave1', 'exccause', 'excvaddr', 'depc', 'vecbase', 'intenable']) {
    assert.ok(names.includes(n), n);
  }
  for (const n of ['ccount', 'configid0', 'prid', 'interrupt', 'intset', 'intclear', 'debugcause', 'ddr', 'ibreakenable', 'ibreaka0', 'dbreakc1', 'icount', 'icountlevel', 'pwrctl', 'trax_id', 'ocd_dsr']) {
    assert.ok(!names.includes(n), n);
  }
});

test('call registers: OpenOCD layout, arN and aN agree, stack 16-aligned minus 16', () => {
  const saved = new Map(xtensaCallingConvention.contextRegisters(qemuDe212Registers()).map((n) => [n, 0xdead]));
  const regs = xtensaCallingConvention.callRegisters({
    entry: 0x40010040, trampoline: 0x40010100, stackTop: 0x3fff1009, args: [1, 2, 3, 0xffffffff, -1], saved,
  });
  const want: Record<string, number> = {
    pc: 0x40010100, a0: 0, a1: 0x3fff0ff0, a2: 1, a3: 2, a4: 3, a5: 0xffffffff, a6: 0xffffffff, a8: 0x40010040,
    windowbase: 0, windowstart: 1, ps: XTENSA_CALL_PS, lcount: 0,
  };
  for (const [name, value] of Object.entries(want)) {
    assert.equal(regs.get(name), value, name);
    if (/^a\d+$/.test(name)) assert.equal(regs.get(`ar${name.slice(1)}`), value, `ar${name.slice(1)}`);
  }
  assert.equal(XTENSA_CALL_PS & (1 << 18), 1 << 18, 'WOE');
  assert.equal(XTENSA_CALL_PS & (1 << 4), 0, 'EXCM clear');
  assert.equal(regs.has('vecbase'), false, 'no trap vector, VECBASE untouched');
  const fewer = xtensaCallingConvention.callRegisters({ entry: 4, trampoline: 8, stackTop: 0x100, args: [7], saved });
  assert.equal(fewer.get('a2'), 7);
  assert.equal(fewer.get('a6'), 0);
  assert.throws(() => xtensaCallingConvention.callRegisters({ entry: 4, trampoline: 8, stackTop: 0x100, args: [1, 2, 3, 4, 5, 6], saved }), RangeError);
});

test('call registers without a physical AR file (window view only) set a0..a8 only', () => {
  const saved = new Map([['pc', 0], ['a0', 1], ['ps', 0x1f]]);
  const regs = xtensaCallingConvention.callRegisters({ entry: 4, trampoline: 8, stackTop: 0x100, args: [], saved });
  assert.equal([...regs.keys()].some((n) => n.startsWith('ar')), false);
  assert.equal(regs.has('lcount'), false);
});

test('trap description names EXCCAUSE values', () => {
  const t = xtensaCallingConvention.trapFromRegisters(new Map([['exccause', 29], ['epc1', 0x40001234], ['excvaddr', 4]]));
  assert.equal(t.cause, 29);
  assert.equal(t.epc, 0x40001234);
  assert.equal(t.tval, 4);
  assert.match(t.description, /store prohibited/);
  assert.match(xtensaCallingConvention.describeCause(33), /coprocessor 1 disabled/);
  assert.match(xtensaCallingConvention.describeCause(63), /EXCCAUSE 63/);
});

test('exception vectors: kernel, user and double exception entries from the saved VECBASE', () => {
  assert.deepEqual(xtensaCallingConvention.exceptionVectors!(new Map([['vecbase', 0x40080000]])), [0x40080300, 0x40080340, 0x400803c0]);
  assert.deepEqual(xtensaCallingConvention.exceptionVectors!(new Map()), []);
});

test('break instructions are recognised (BREAK s,t and BREAK.N), other code is not', () => {
  const isBreak = xtensaCallingConvention.isBreakInstruction!;
  const four = (b: Uint8Array) => Uint8Array.from([...b, 0, 0, 0, 0].slice(0, 4));
  for (const [s, t] of [[0, 0], [1, 14], [15, 15]] as const) assert.equal(isBreak(four(breakInsn(s, t))), true, `break ${s}, ${t}`);
  for (const imm of [0, 1, 15]) assert.equal(isBreak(four(breakN(imm))), true, `break.n ${imm}`);
  assert.equal(isBreak(four(mov(3, 4))), false, 'mov');
  assert.equal(isBreak(four(movN(3, 4))), false, 'mov.n');
  assert.equal(isBreak(Uint8Array.of(0, 0, 0, 0)), false, 'ill (all zero)');
});

test('RISC-V: ebreak and c.ebreak are break instructions, ecall and c.nop are not', () => {
  const isBreak = callingConventionFor('riscv32').isBreakInstruction!;
  assert.equal(isBreak(Uint8Array.of(0x73, 0x00, 0x10, 0x00)), true, 'ebreak');
  assert.equal(isBreak(Uint8Array.of(0x02, 0x90, 0x13, 0x00)), true, 'c.ebreak');
  assert.equal(isBreak(Uint8Array.of(0x73, 0x00, 0x00, 0x00)), false, 'ecall');
  assert.equal(isBreak(Uint8Array.of(0x01, 0x00, 0x02, 0x90)), false, 'c.nop (a c.ebreak after it is not at the stop)');
});
