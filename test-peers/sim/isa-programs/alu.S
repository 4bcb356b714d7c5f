# RV32I register/immediate ALU ops over a table of operand pairs, plus lui/auipc and
# compressed forms. Results go to `results` (s11), one word each.
.option arch, +zicsr
.text
.globl main
main:
  la s11, results
  la s0, pairs
  li s1, 16            # pair count
  mv s2, s11
1:
  lw a0, 0(s0)
  lw a1, 4(s0)
  add t0, a0, a1
  sw t0, 0(s2)
  sub t0, a0, a1
  sw t0, 4(s2)
  sll t0, a0, a1
  sw t0, 8(s2)
  srl t0, a0, a1
  sw t0, 12(s2)
  sra t0, a0, a1
  sw t0, 16(s2)
  slt t0, a0, a1
  sw t0, 20(s2)
  sltu t0, a0, a1
  sw t0, 24(s2)
  xor t0, a0, a1
  sw t0, 28(s2)
  or t0, a0, a1
  sw t0, 32(s2)
  and t0, a0, a1
  sw t0, 36(s2)
  addi s0, s0, 8
  addi s2, s2, 40
  addi s1, s1, -1
  bnez s1, 1b
  # immediates (s2 = results + 640)
  li a0, 0x80000001
  addi t0, a0, -2048
  sw t0, 0(s2)
  addi t0, a0, 2047
  sw t0, 4(s2)
  slti t0, a0, -1
  sw t0, 8(s2)
  sltiu t0, a0, -1
  sw t0, 12(s2)
  sltiu t0, zero, 1
  sw t0, 16(s2)
  xori t0, a0, -1
  sw t0, 20(s2)
  ori t0, a0, 0x555
  sw t0, 24(s2)
  andi t0, a0, -16
  sw t0, 28(s2)
  slli t0, a0, 31
  sw t0, 32(s2)
  srli t0, a0, 31
  sw t0, 36(s2)
  srai t0, a0, 31
  sw t0, 40(s2)
  srai t0, a0, 0
  sw t0, 44(s2)
  lui t0, 0xfffff
  sw t0, 48(s2)
  auipc t0, 0
  la t1, main
  sub t0, t0, t1
  sw t0, 52(s2)
  # compressed forms (explicit mnemonics)
  li a2, 100
  c.addi a2, -32
  sw a2, 56(s2)
  c.li a3, -17
  sw a3, 60(s2)
  c.lui a4, 0x1f
  sw a4, 64(s2)
  c.lui a4, 0xfffe0
  sw a4, 68(s2)
  mv a5, sp
  c.addi16sp sp, -512
  sub a5, a5, sp
  sw a5, 72(s2)
  c.addi16sp sp, 496
  c.addi16sp sp, 16
  c.addi4spn a5, sp, 1020
  sub a5, a5, sp
  sw a5, 76(s2)
  li a0, 0x12345678
  c.slli a0, 4
  sw a0, 80(s2)
  li s0, 0x87654321
  c.srli s0, 8
  sw s0, 84(s2)
  li s0, 0x87654321
  c.srai s0, 8
  sw s0, 88(s2)
  li s0, 0xff00ff00
  c.andi s0, -3
  sw s0, 92(s2)
  li s0, 1000
  li s1, 2345
  c.sub s0, s1
  sw s0, 96(s2)
  c.xor s0, s1
  sw s0, 100(s2)
  c.or s0, s1
  sw s0, 104(s2)
  c.and s0, s1
  sw s0, 108(s2)
  c.mv a1, s1
  c.add a1, s0
  sw a1, 112(s2)
  c.nop
  ret

.section .rodata
.align 2
pairs:
  .word 0, 0
  .word 1, 1
  .word -1, 1
  .word 0x7fffffff, 1
  .word 0x80000000, -1
  .word 0x80000000, 31
  .word 0x12345678, 4
  .word 0xfedcba98, 36
  .word -7, 5
  .word 5, -7
  .word 0x80000000, 0x7fffffff
  .word 0xdeadbeef, 0xdeadbeef
  .word 3, 33
  .word 0xffff0000, 16
  .word 0x0000ffff, 0xffffffe1
  .word 0x55555555, 0xaaaaaaaa
