import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  machine, runToHalt, addi, lui, add, lw, lb, lbu, lh, sw, sb, sh, beq, bne, jal, jalr, mOp, r, i, uType,
  EBREAK, C_EBREAK, c, RAM, FENCE_I, PAUSE, FENCE,
} from './encode.js';

const A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, SP = 2, RA = 1;

/** Loads 32-bit constants with lui+addi. */
function li(rd: number, v: number): number[] {
  const lo = (v << 20) >> 20;
  const hi = ((v - lo) >>> 12) & 0xfffff;
  return [lui(rd, hi), addi(rd, rd, lo)];
}

test('RV32I ALU register and immediate ops', () => {
  const { hart } = machine([
    ...li(A0, 0x80000001), ...li(A1, 3),
    add(A2, A0, A1), r(0x20, A1, A0, 0, A3, 0x33) /* sub */, r(0, A1, A0, 1, A4, 0x33) /* sll */,
    r(0x20, A1, A0, 5, A5, 0x33) /* sra */, r(0, A1, A0, 3, 16, 0x33) /* sltu */, r(0, A1, A0, 2, 17, 0x33) /* slt */,
    i(-1, A0, 3, 18, 0x13) /* sltiu a0 < -1 */, i(0x41f, A0, 5, 19, 0x13) /* srai 31 */, i(31, A0, 5, 20, 0x13) /* srli 31 */,
    uType(0x12345000, 21, 0x17) /* auipc */, addi(0, A0, 5) /* write to x0 */,
    EBREAK,
  ]);
  runToHalt(hart);
  assert.equal(hart.x[A2], 0x80000004);
  assert.equal(hart.x[A3], 0x7ffffffe);
  assert.equal(hart.x[A4], 0x00000008);
  assert.equal(hart.x[A5], 0xf0000000);
  assert.equal(hart.x[16], 0);
  assert.equal(hart.x[17], 1);
  assert.equal(hart.x[18], 1);
  assert.equal(hart.x[19], 0xffffffff);
  assert.equal(hart.x[20], 1);
  assert.equal(hart.x[21], (RAM + 13 * 4 + 0x12345000) >>> 0);
  assert.equal(hart.x[0], 0);
});

test('M extension: products, division by zero, INT_MIN / -1', () => {
  const cases: Array<[number, number, number[]]> = [
    // a, b, [mul, mulh, mulhsu, mulhu, div, divu, rem, remu]
    [7, 0, [0, 0, 0, 0, 0xffffffff, 0xffffffff, 7, 7]],
    [0x80000000, 0xffffffff, [0x80000000, 0, 0x80000000, 0x7fffffff, 0x80000000, 0, 0, 0x80000000]],
    [0xfffffff9, 2, [0xfffffff2, 0xffffffff, 0xffffffff, 1, 0xfffffffd, 0x7ffffffc, 0xffffffff, 1]],
    [0x12345678, 0x9abcdef0, [0x242d2080, 0xf8cc93d6, 0x0b00ea4e, 0x0b00ea4e, 0, 0, 0x12345678, 0x12345678]],
  ];
  for (const [a, bv, expected] of cases) {
    const prog = [...li(A0, a), ...li(A1, bv)];
    for (let f3 = 0; f3 < 8; f3++) prog.push(mOp(f3, 16 + f3, A0, A1));
    prog.push(EBREAK);
    const { hart } = machine(prog);
    runToHalt(hart);
    const got = Array.from({ length: 8 }, (_, k) => hart.x[16 + k]);
    assert.deepEqual(got, expected.map((v) => v >>> 0), `a=${a.toString(16)} b=${bv.toString(16)}`);
  }
});

test('loads and stores of every width and sign', () => {
  const { hart, ram } = machine([
    ...li(A0, RAM + 0x1000), ...li(A1, 0x8081f2f3),
    sw(A1, A0, 0), lb(A2, A0, 0), lbu(A3, A0, 3), lh(A4, A0, 2), lw(A5, A0, 0),
    sb(A1, A0, 5), sh(A1, A0, 6), lw(16, A0, 4),
    lw(17, A0, 1), // misaligned in RAM: performed
    EBREAK,
  ]);
  runToHalt(hart);
  assert.equal(hart.x[A2], 0xfffffff3);
  assert.equal(hart.x[A3], 0x80);
  assert.equal(hart.x[A4], 0xffff8081);
  assert.equal(hart.x[A5], 0x8081f2f3);
  assert.equal(hart.x[16], 0xf2f3f300);
  assert.equal(hart.x[17], 0x008081f2);
  assert.equal(ram[0x1005], 0xf3);
});

test('branches, jal and jalr (link values, bit 0 cleared)', () => {
  const { hart } = machine([
    addi(A0, 0, 1), // 0
    beq(A0, 0, 8), // 4: not taken
    bne(A0, 0, 8), // 8: taken → 16
    addi(A1, 0, 99), // 12: skipped
    jal(RA, 8), // 16 → 24, ra = 20
    addi(A1, 0, 98), // 20: skipped
    ...li(A2, RAM + 41), // 24, 28
    jalr(A3, A2, 0), // 32 → 40 (bit 0 cleared), a3 = 36
    addi(A1, 0, 97), // 36: skipped
    EBREAK, // 40
  ]);
  runToHalt(hart);
  assert.equal(hart.x[A1], 0);
  assert.equal(hart.x[RA], RAM + 20);
  assert.equal(hart.x[A3], RAM + 36);
  assert.equal(hart.pc, RAM + 40);
});

test('compressed instructions decode to their expansions', () => {
  const { hart } = machine([
    ...li(SP, RAM + 0x8000),
    c(0x556d), // c.li a0,-5
    c(0x65fd), // c.lui a1,0x1f
    c(0x7139), // c.addi16sp sp,-64
    c(0x0030), // c.addi4spn a2,sp,8
    c(0x86aa), // c.mv a3,a0
    c(0x96ae), // c.add a3,a1
    c(0x050e), // c.slli a0,3
    c(0x8591), // c.srai a1,4
    c(0x9979), // c.andi a0,-2
    c(0xc62a), // c.swsp a0,12(sp)
    c(0x4732), // c.lwsp a4,12(sp)
    c(0xc248), // c.sw a0,4(a2)
    c(0x425c), // c.lw a5,4(a2)
    c(0x2029), // c.jal +10 (skips the next 4 halfwords)
    c(0x0001), c(0x0001), c(0x0001), c(0x0001),
    c(0x9002), // c.ebreak
  ]);
  runToHalt(hart);
  assert.equal(hart.x[A0], 0xffffffd8); // -5 << 3 = -40, & -2
  assert.equal(hart.x[A1], 0x00001f00); // c.lui 0x1f then c.srai 4
  assert.equal(hart.x[SP], RAM + 0x8000 - 64);
  assert.equal(hart.x[A2], RAM + 0x8000 - 64 + 8);
  assert.equal(hart.x[A3], (0x1f000 - 5) >>> 0);
  assert.equal(hart.x[A4], 0xffffffd8);
  assert.equal(hart.x[A5], 0xffffffd8);
  assert.equal(hart.x[RA], RAM + 8 + 13 * 2 + 2);
  assert.equal(hart.haltCause, 'ebreak');
  assert.equal(hart.pc, RAM + 8 + 18 * 2);
  assert.equal(hart.readCsr(0x7b1), hart.pc);
});

test('c.ebreak halts with dpc at the c.ebreak; the all-zero halfword is illegal', () => {
  const { hart } = machine([c(C_EBREAK), c(0x0000)]);
  runToHalt(hart);
  assert.equal(hart.pc, RAM);
  hart.pc = RAM + 2;
  hart.writeCsr(0x305, RAM + 0x100); // mtvec
  hart.resume();
  hart.run(1);
  assert.equal(hart.readCsr(0x342), 2);
  assert.equal(hart.readCsr(0x343), 0);
  assert.equal(hart.readCsr(0x341), RAM + 2);
  assert.equal(hart.pc, RAM + 0x100);
});

test('self-modifying code runs after fence.i and after a plain store', () => {
  const { hart } = machine([
    ...li(A0, RAM + 24), ...li(A1, addi(A2, 0, 77)), // 0..15
    sw(A1, A0, 0), // 16: overwrite the instruction at 24
    FENCE_I, // 20
    addi(A2, 0, 1), // 24: replaced by addi a2, x0, 77
    EBREAK,
  ]);
  runToHalt(hart);
  assert.equal(hart.x[A2], 77);
});

test('instruction counters: minstret, mcycle and their high halves', () => {
  const { hart } = machine([addi(A0, 0, 1), addi(A0, 0, 2), addi(A0, 0, 3), EBREAK]);
  runToHalt(hart);
  assert.equal(hart.instructionsRetired, 3);
  assert.equal(hart.readCsr(0xb02), 3);
  assert.equal(hart.readCsr(0xb00), 3);
  hart.writeCsr(0xb82, 1);
  assert.equal(hart.readCsr(0xb82), 1);
  assert.equal(hart.readCsr(0xb02), 3);
});

test('pause returns from run() with the hart still running; a plain fence does not', () => {
  const { hart } = machine([addi(A0, 0, 1), FENCE, addi(A0, A0, 1), PAUSE, addi(A0, A0, 1), EBREAK]);
  const first = hart.run(100);
  assert.deepEqual(first, { reason: 'pause', executed: 4 }, 'the fence ran on; pause ended the run after retiring');
  assert.equal(hart.pc, RAM + 16);
  assert.equal(hart.halted, false);
  assert.equal(hart.x[A0], 2);
  const second = hart.run(100);
  assert.equal(second.reason, 'halted');
  assert.equal(hart.x[A0], 3);
  assert.equal(hart.instructionsRetired, 5);
});

test('single-stepping over pause halts with cause step', () => {
  const { hart } = machine([PAUSE, EBREAK]);
  hart.requestHalt();
  const r = hart.step();
  assert.equal(r.reason, 'halted');
  assert.equal(hart.haltCause, 'step');
  assert.equal(hart.pc, RAM + 4);
});
