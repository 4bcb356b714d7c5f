/*
 * espalgo demo firmware: start-up, trap handler, semihosting call, debug-stub trampoline buffer.
 *
 * The bootloader (or the simulator's boot code) has already copied the RAM segments and mapped
 * flash; we only set gp/sp/mtvec, clear .bss and call main.
 */
    .option arch, +zicsr

/* ---------------------------------------------------------------------------------------- */
/* Entry point, in flash (IROM).                                                             */
    .section .text.entry, "ax"
    .globl call_start_cpu0
    .type call_start_cpu0, @function
    .balign 4
call_start_cpu0:
    csrci   mstatus, 8              /* MIE off: this firmware uses no interrupts */
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, _stack_top
    la      t0, demo_trap_entry
    csrw    mtvec, t0               /* direct mode (handler is 4-byte aligned) */
    la      t0, _bss_start
    la      t1, _bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  call    main
3:  j       3b                      /* main never returns */
    .size call_start_cpu0, . - call_start_cpu0

/* ---------------------------------------------------------------------------------------- */
/* uint32_t demo_semihost_call(uint32_t op, uint32_t arg): RISC-V semihosting.              */
/* The three instructions must be uncompressed and adjacent.                                 */
    .section .text.demo_semihost_call, "ax"
    .globl demo_semihost_call
    .type demo_semihost_call, @function
    .balign 16
demo_semihost_call:
    .option push
    .option norvc
    slli    x0, x0, 0x1f
    ebreak
    srai    x0, x0, 7
    .option pop
    ret
    .size demo_semihost_call, . - demo_semihost_call

/* ---------------------------------------------------------------------------------------- */
/* Trap handler, in IRAM. Records the trap and spins so a fault stays visible.               */
/* t0/t1 are overwritten; everything else is left as the faulting code had it.              */
    .section .iram1.trap, "ax"
    .globl demo_trap_entry
    .type demo_trap_entry, @function
    .balign 4
demo_trap_entry:
    la      t0, demo_trap
    lw      t1, 0(t0)
    addi    t1, t1, 1
    sw      t1, 0(t0)               /* count */
    csrr    t1, mcause
    sw      t1, 4(t0)
    csrr    t1, mepc
    sw      t1, 8(t0)
    csrr    t1, mtval
    sw      t1, 12(t0)
demo_trap_spin:
    j       demo_trap_spin
    .size demo_trap_entry, . - demo_trap_entry

/* ---------------------------------------------------------------------------------------- */
/* 32-byte code buffer in IRAM for a debugger's on-board-function trampoline.               */
    .section .iram1.tramp, "ax"
    .globl demo_dbg_tramp
    .type demo_dbg_tramp, @object
    .balign 16
demo_dbg_tramp:
    .fill 32, 1, 0
    .size demo_dbg_tramp, 32
