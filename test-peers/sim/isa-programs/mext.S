# M extension over a table of operand pairs, including division by zero and INT_MIN / -1.
.text
.globl main
main:
  la s11, results
  la s0, pairs
  li s1, 20
  mv s2, s11
1:
  lw a0, 0(s0)
  lw a1, 4(s0)
  mul t0, a0, a1
  sw t0, 0(s2)
  mulh t0, a0, a1
  sw t0, 4(s2)
  mulhsu t0, a0, a1
  sw t0, 8(s2)
  mulhu t0, a0, a1
  sw t0, 12(s2)
  div t0, a0, a1
  sw t0, 16(s2)
  divu t0, a0, a1
  sw t0, 20(s2)
  rem t0, a0, a1
  sw t0, 24(s2)
  remu t0, a0, a1
  sw t0, 28(s2)
  addi s0, s0, 8
  addi s2, s2, 32
  addi s1, s1, -1
  bnez s1, 1b
  # rd == rs1 == rs2 forms
  li a0, -3
  mul a0, a0, a0
  sw a0, 0(s2)
  li a0, 0x80000000
  div a0, a0, a0
  sw a0, 4(s2)
  ret

.section .rodata
.align 2
pairs:
  .word 0, 0
  .word 1, 0
  .word -1, 0
  .word 0x80000000, 0
  .word 0x80000000, -1
  .word 0x80000000, 1
  .word 0x7fffffff, -1
  .word 7, 2
  .word -7, 2
  .word 7, -2
  .word -7, -2
  .word 0xffffffff, 0xffffffff
  .word 0x80000000, 0x80000000
  .word 0x7fffffff, 0x7fffffff
  .word 0x12345678, 0x9abcdef0
  .word 0xdeadbeef, 0x00010001
  .word 0x0000ffff, 0xffff0000
  .word -123456789, 987654321
  .word 3, 0x80000000
  .word 0x80000001, 0x7ffffffe
