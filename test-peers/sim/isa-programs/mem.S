# Loads and stores of every width and sign, compressed c.lw/c.sw/c.lwsp/c.swsp, and an
# x0 destination.
.text
.globl main
main:
  la s11, results
  la s0, buf
  li t0, 0x8081f2f3
  sw t0, 0(s0)
  li t0, 0x7f017e02
  sw t0, 4(s0)
  lb t1, 0(s0)
  sw t1, 0(s11)
  lb t1, 1(s0)
  sw t1, 4(s11)
  lb t1, 3(s0)
  sw t1, 8(s11)
  lbu t1, 3(s0)
  sw t1, 12(s11)
  lh t1, 0(s0)
  sw t1, 16(s11)
  lh t1, 2(s0)
  sw t1, 20(s11)
  lhu t1, 2(s0)
  sw t1, 24(s11)
  lh t1, 4(s0)
  sw t1, 28(s11)
  lhu t1, 6(s0)
  sw t1, 32(s11)
  lw t1, 4(s0)
  sw t1, 36(s11)
  # stores of each width into a cleared word
  sw zero, 8(s0)
  li t0, 0xaabbccdd
  sb t0, 9(s0)
  sh t0, 10(s0)
  lw t1, 8(s0)
  sw t1, 40(s11)
  sb t0, 8(s0)
  lw t1, 8(s0)
  sw t1, 44(s11)
  # negative offsets
  addi s1, s0, 16
  sw t0, -4(s1)
  lhu t1, -2(s1)
  sw t1, 48(s11)
  lb t1, -4(s1)
  sw t1, 52(s11)
  # compressed loads/stores
  li a0, 0x13579bdf
  c.sw a0, 20(s0)
  c.lw a1, 20(s0)
  sw a1, 56(s11)
  addi sp, sp, -64
  c.swsp a0, 60(sp)
  c.lwsp a2, 60(sp)
  sw a2, 60(s11)
  addi sp, sp, 64
  # load into x0 has no effect
  lw zero, 0(s0)
  sw zero, 64(s11)
  # byte loop: sum of signed bytes of a table
  la a3, table
  li a4, 16
  li a5, 0
1:
  lb a6, 0(a3)
  add a5, a5, a6
  lbu a6, 0(a3)
  slli a5, a5, 1
  add a5, a5, a6
  addi a3, a3, 1
  addi a4, a4, -1
  bnez a4, 1b
  sw a5, 68(s11)
  # misaligned word and halfword accesses in RAM
  li t0, 0x11223344
  sw t0, 24(s0)
  li t0, 0x55667788
  sw t0, 28(s0)
  lw t1, 25(s0)
  sw t1, 72(s11)
  lh t1, 27(s0)
  sw t1, 76(s11)
  li t0, 0xa1b2c3d4
  sw t0, 30(s0)
  lw t1, 28(s0)
  sw t1, 80(s11)
  lw t1, 32(s0)
  sw t1, 84(s11)
  ret

.section .rodata
table: .byte 0x80, 0x7f, 0xff, 0x01, 0xfe, 0x02, 0x00, 0x90, 0x10, 0xa5, 0x5a, 0xc3, 0x3c, 0x81, 0x7e, 0x00
.section .bss
.align 4
buf: .space 64
