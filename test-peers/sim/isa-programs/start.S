# Common start-up for the differential ISA programs: zero all registers, clear .bss, install a
# trap handler that logs (mcause, mepc, mtval) and skips the faulting instruction, call main,
# record x1..x31 as main left them, print registers, results and the trap log as hex over the
# QEMU virt UART (0x10000000), then stop through the virt test finisher (0x100000, 0x5555).
.option arch, +zicsr
.equ UART, 0x10000000
.equ FINISHER, 0x100000

.section .text.entry, "ax"
.globl _start
_start:
  .option push
  .option norvc
  li x1, 0
  li x3, 0
  li x4, 0
  li x5, 0
  li x6, 0
  li x7, 0
  li x8, 0
  li x9, 0
  li x10, 0
  li x11, 0
  li x12, 0
  li x13, 0
  li x14, 0
  li x15, 0
  li x16, 0
  li x17, 0
  li x18, 0
  li x19, 0
  li x20, 0
  li x21, 0
  li x22, 0
  li x23, 0
  li x24, 0
  li x25, 0
  li x26, 0
  li x27, 0
  li x28, 0
  li x29, 0
  li x30, 0
  li x31, 0
  .option pop
  la sp, _stack_top
  la t0, trap_handler
  csrw mtvec, t0
  la t0, _bss_start
  la t1, _bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  li t0, 0
  li t1, 0
  call main
  # record x1..x31 as main returned them
  csrw mscratch, x31
  la x31, regdump
  sw x1, 4(x31)
  sw x2, 8(x31)
  sw x3, 12(x31)
  sw x4, 16(x31)
  sw x5, 20(x31)
  sw x6, 24(x31)
  sw x7, 28(x31)
  sw x8, 32(x31)
  sw x9, 36(x31)
  sw x10, 40(x31)
  sw x11, 44(x31)
  sw x12, 48(x31)
  sw x13, 52(x31)
  sw x14, 56(x31)
  sw x15, 60(x31)
  sw x16, 64(x31)
  sw x17, 68(x31)
  sw x18, 72(x31)
  sw x19, 76(x31)
  sw x20, 80(x31)
  sw x21, 84(x31)
  sw x22, 88(x31)
  sw x23, 92(x31)
  sw x24, 96(x31)
  sw x25, 100(x31)
  sw x26, 104(x31)
  sw x27, 108(x31)
  sw x28, 112(x31)
  sw x29, 116(x31)
  sw x30, 120(x31)
  csrr x1, mscratch
  sw x1, 124(x31)
  la sp, _stack_top
  la a0, msg_regs
  call puts
  la a0, regdump
  li a1, 32
  call dumpwords
  la a0, msg_results
  call puts
  la a0, results
  li a1, 256
  call dumpwords
  la a0, msg_traps
  call puts
  la a0, traplog
  li a1, 49
  call dumpwords
  li t0, FINISHER
  li t1, 0x5555
  sw t1, 0(t0)
3:
  j 3b

# puts(a0 = NUL-terminated string)
puts:
  mv t6, ra
  mv t5, a0
1:
  lbu a0, 0(t5)
  beqz a0, 2f
  call putc
  addi t5, t5, 1
  j 1b
2:
  mv ra, t6
  ret

# putc(a0): wait until the transmitter holding register is empty (LSR bit 5), then write it
putc:
  li t0, UART
1:
  lbu t1, 5(t0)
  andi t1, t1, 0x20
  beqz t1, 1b
  sb a0, 0(t0)
  ret

# dumpwords(a0 = address, a1 = count): one "xxxxxxxx\n" per word
dumpwords:
  mv t6, ra
  mv t5, a0
  la t3, hexdigits
1:
  beqz a1, 4f
  lw a2, 0(t5)
  li t2, 28
2:
  srl t4, a2, t2
  andi t4, t4, 15
  add t4, t4, t3
  lbu a0, 0(t4)
  call putc
  addi t2, t2, -4
  bgez t2, 2b
  li a0, 10
  call putc
  addi t5, t5, 4
  addi a1, a1, -1
  j 1b
4:
  mv ra, t6
  ret

# Trap handler: log (mcause, mepc, mtval) (up to 16 entries), skip the trapping instruction.
.align 2
trap_handler:
  csrw mscratch, t0
  la t0, trapsave
  sw t1, 0(t0)
  sw t2, 4(t0)
  sw t3, 8(t0)
  la t0, traplog
  lw t1, 0(t0)
  li t2, 16
  bgeu t1, t2, 1f
  addi t2, t1, 1
  sw t2, 0(t0)
  li t2, 12
  mul t1, t1, t2
  add t1, t1, t0
  csrr t2, mcause
  sw t2, 4(t1)
  csrr t2, mepc
  sw t2, 8(t1)
  csrr t2, mtval
  sw t2, 12(t1)
1:
  csrr t1, mepc
  lhu t2, 0(t1)
  andi t2, t2, 3
  li t3, 3
  addi t1, t1, 2
  bne t2, t3, 2f
  addi t1, t1, 2
2:
  csrw mepc, t1
  la t0, trapsave
  lw t1, 0(t0)
  lw t2, 4(t0)
  lw t3, 8(t0)
  csrr t0, mscratch
  mret

.section .rodata
hexdigits: .ascii "0123456789abcdef"
msg_regs: .asciz "regs\n"
msg_results: .asciz "results\n"
msg_traps: .asciz "traps\n"

.section .bss
.align 4
.globl results
results: .space 1024
regdump: .space 128
.globl traplog
traplog: .space 196
trapsave: .space 16
