/** Xtensa encoder: every vector of the QEMU lab's encoding table (checked there with QEMU's disassembler). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as x from '../../src/algorithm/xtensa/encode.js';

const hex = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join(' ');

const VECTORS: Array<[string, Uint8Array, string]> = [
  ['entry a1, 32', x.entry(1, 32), '36 41 00'],
  ['entry a1, 48', x.entry(1, 48), '36 61 00'],
  ['retw', x.retw(), '90 00 00'],
  ['retw.n', x.retwN(), '1d f0'],
  ['callx4 a8', x.callx(4, 8), 'd0 08 00'],
  ['callx8 a8', x.callx(8, 8), 'e0 08 00'],
  ['callx12 a8', x.callx(12, 8), 'f0 08 00'],
  ['call8 0x24 at 0x1a', x.call(8, 0x1a, 0x24), 'a5 00 00'],
  ['mov a2, a10', x.mov(2, 10), 'a0 2a 20'],
  ['or a10, a2, a2', x.or(10, 2, 2), '20 a2 20'],
  ['mov.n a2, a10', x.movN(2, 10), '2d 0a'],
  ['mov.n a10, a2', x.movN(10, 2), 'ad 02'],
  ['mov.n a11, a3', x.movN(11, 3), 'bd 03'],
  ['mov.n a12, a4', x.movN(12, 4), 'cd 04'],
  ['mov.n a13, a5', x.movN(13, 5), 'dd 05'],
  ['mov.n a14, a6', x.movN(14, 6), 'ed 06'],
  ['break 0, 0', x.breakInsn(0, 0), '00 40 00'],
  ['break 1, 15', x.breakInsn(1, 15), 'f0 41 00'],
  ['break.n 0', x.breakN(0), '2d f0'],
  ['nop', x.nop(), 'f0 20 00'],
  ['nop.n', x.nopN(), '3d f0'],
  ['movi a3, 100', x.movi(3, 100), '32 a0 64'],
  ['l32i a4, a1, 12', x.l32i(4, 1, 12), '42 21 03'],
  ['s32i a4, a1, 12', x.s32i(4, 1, 12), '42 61 03'],
  ['add a2, a3, a4', x.add(2, 3, 4), '40 23 80'],
  ['addi a9, a1, 32', x.addi(9, 1, 32), '92 c1 20'],
  ['j .', x.j(0x100, 0x100), '06 ff ff'],
  ['s32e a9, a1, -12', x.s32e(9, 1, -12), '90 d1 49'],
  ['l32e a0, a5, -16', x.l32e(0, 5, -16), '00 c5 09'],
  ['rfwo', x.rfwo(), '00 34 00'],
  ['rfwu', x.rfwu(), '00 35 00'],
  ['rfe', x.rfe(), '00 30 00'],
  ['rsync', x.rsync(), '10 20 00'],
  ['isync', x.isync(), '00 20 00'],
  ['wsr a3, ps', x.wsr(3, x.XTENSA_SR.ps), '30 e6 13'],
  ['rsr a3, windowbase', x.rsr(3, x.XTENSA_SR.windowbase), '30 48 03'],
  ['wsr a3, windowstart', x.wsr(3, x.XTENSA_SR.windowstart), '30 49 13'],
  ['xsr a3, sar', x.xsr(3, x.XTENSA_SR.sar), '30 03 61'],
  ['loop a4, +8', x.loop(4, 0x10, 0x18), '76 84 04'],
];

for (const [name, got, want] of VECTORS) {
  test(`encode ${name}`, () => assert.equal(hex(got), want));
}

test('movi takes 12-bit signed immediates, including negative ones', () => {
  assert.equal(hex(x.movi(3, -1)), '32 af ff');
  assert.equal(hex(x.movi(5, 0x7ff)), '52 a7 ff');
  assert.throws(() => x.movi(3, 2048), RangeError);
});

test('branches: offsets relative to pc + 4', () => {
  // beq a2, a3, back to pc: offset -4
  assert.equal(hex(x.branch('beq', 2, 3, 0x40, 0x40)), '37 12 fc');
  assert.equal(hex(x.branch('bne', 4, 9, 0x40, 0x50)), '97 94 0c');
  // beqz a2, +8 from 0x40 → offset 4; bnez uses m = 1
  assert.equal(hex(x.branchZero('beqz', 2, 0x40, 0x48)), '16 42 00');
  assert.equal(hex(x.branchZero('bnez', 2, 0x40, 0x48)), '56 42 00');
  assert.throws(() => x.branch('beq', 2, 3, 0, 0x200), RangeError);
});

test('l32r reaches literals below the instruction only', () => {
  // literal at 0x1000, instruction at 0x1004: ((0x1004+3)&~3) = 0x1004 → -1 word → imm16 0xffff
  assert.equal(hex(x.l32r(3, 0x1004, 0x1000)), '31 ff ff');
  assert.throws(() => x.l32r(3, 0x1000, 0x1004), RangeError);
});

test('call8 and j reject unreachable or misaligned targets', () => {
  assert.throws(() => x.call(8, 0, 0x22), RangeError);
  assert.throws(() => x.j(0, 0x40000), RangeError);
  assert.throws(() => x.entry(1, 12), RangeError);
  assert.throws(() => x.s32e(1, 1, -68), RangeError);
  assert.throws(() => x.movN(16, 1), RangeError);
});
