# Branches (taken / not taken over a pair table), jal/jalr link values, compressed jumps.
.text
.globl main
main:
  la s11, results
  la s0, pairs
  li s1, 10
  mv s2, s11
1:
  lw a0, 0(s0)
  lw a1, 4(s0)
  li t0, 0
  beq a0, a1, 2f
  ori t0, t0, 1
2:
  bne a0, a1, 2f
  ori t0, t0, 2
2:
  blt a0, a1, 2f
  ori t0, t0, 4
2:
  bge a0, a1, 2f
  ori t0, t0, 8
2:
  bltu a0, a1, 2f
  ori t0, t0, 16
2:
  bgeu a0, a1, 2f
  ori t0, t0, 32
2:
  sw t0, 0(s2)
  addi s0, s0, 8
  addi s2, s2, 4
  addi s1, s1, -1
  bnez s1, 1b
  # jal / jalr link values relative to main
  la s3, main
  jal t1, 3f
3:
  sub t1, t1, s3
  sw t1, 40(s11)
  la t2, 4f
  jalr t3, 0(t2)
4:
  sub t3, t3, s3
  sw t3, 44(s11)
  la t2, 5f
  addi t2, t2, 1        # jalr clears bit 0
  jalr t4, -1(t2)
5:
  sub t4, t4, s3
  sw t4, 48(s11)
  # compressed jumps
  li s4, 0
  c.j 6f
  li s4, 99
6:
  la a0, sub1
  mv s5, ra
  c.jalr a0
  sub a1, ra, s3
  sw a1, 52(s11)
  c.jal sub1
  sub a1, ra, s3
  sw a1, 56(s11)
  mv ra, s5
  li a2, 0
  c.beqz a2, 7f
  li s4, 77
7:
  c.bnez a2, 8f
  addi s4, s4, 5
8:
  sw s4, 60(s11)
  sw a0, 64(s11)
  # long forward and backward branches
  li a3, 0
  j 10f
9:
  addi a3, a3, 1
  j 11f
10:
  .rept 600
  nop
  .endr
  beqz zero, 9b
11:
  sw a3, 68(s11)
  ret

sub1:
  addi a0, a0, 1
  c.jr ra

.section .rodata
.align 2
pairs:
  .word 0, 0
  .word 1, 2
  .word 2, 1
  .word -1, 1
  .word 1, -1
  .word 0x80000000, 0x7fffffff
  .word 0x7fffffff, 0x80000000
  .word -5, -5
  .word -5, -6
  .word 0xffffffff, 0
