# CSR instructions on mscratch/mtvec/mepc, and traps: ecall, ebreak, c.ebreak, illegal
# instructions (all-zero, reserved opcode, missing CSR), load/store access faults.
.option arch, +zicsr
.text
.globl main
main:
  la s11, results
  li t0, 0x12345678
  csrrw t1, mscratch, t0
  csrrs t2, mscratch, zero
  sw t2, 0(s11)
  li t0, 0x0000ff0f
  csrrs t2, mscratch, t0
  sw t2, 4(s11)
  csrr t2, mscratch
  sw t2, 8(s11)
  li t0, 0x00f0000f
  csrrc t2, mscratch, t0
  csrr t3, mscratch
  sw t2, 12(s11)
  sw t3, 16(s11)
  csrrwi t2, mscratch, 0x15
  csrrsi t3, mscratch, 0x0a
  csrrci t4, mscratch, 0x03
  csrr t5, mscratch
  sw t2, 20(s11)
  sw t3, 24(s11)
  sw t4, 28(s11)
  sw t5, 32(s11)
  li t0, 0x00f0000e
  csrw mepc, t0
  csrr t2, mepc
  sw t2, 36(s11)
  # csrrs with rs1 = x0 reads only
  csrrs t2, mscratch, x0
  sw t2, 40(s11)
  # mstatus MIE / MPIE bits
  csrsi mstatus, 8
  csrr t2, mstatus
  andi t2, t2, 0x88
  sw t2, 44(s11)
  csrci mstatus, 8
  csrr t2, mstatus
  andi t2, t2, 0x88
  sw t2, 48(s11)
  # traps (logged by the handler in start.S)
  ecall
  ebreak
  c.ebreak
  .word 0x00000000
  .word 0xffffffff
  .option push
  .option norvc
  .word 0x0000007f
  .option pop
  csrr t2, 0x7c5
  li t0, 0xc0000000
  lw t1, 0(t0)
  sw t1, 0(t0)
  sw t1, 52(s11)
  # the handler restored t0-t3; count recorded traps
  la t4, traplog
  lw t4, 0(t4)
  sw t4, 56(s11)
  ret
