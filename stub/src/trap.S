/*
 * Trap vector of the flasher stub. The host points mtvec here for the duration of a run.
 *
 * It fills stub_trap_record (the runner's 128-byte layout: magic 'TRAP', version 1, flags
 * 1 = RISC-V, mcause, mepc, mtval, mstatus, sp, ra, mhartid; the stub adds t0, t1 and a0 at
 * words 10-12) and executes ebreak, which halts the hart when a debugger has ebreakm set.
 * Without a debugger the ebreak traps again: the record already carries its magic, so the
 * second entry leaves it alone and spins; the host's timeout then finds the record intact.
 */
.option arch, +zicsr
.option norelax

#define TRAP_MAGIC 0x54524150

    .section .text.stub_trap_entry, "ax"
    .balign 4
    .globl stub_trap_entry
    .type stub_trap_entry, @function
stub_trap_entry:
    csrw  mscratch, t0
    la    t0, stub_trap_record
    sw    t1, 48(t0)
    lw    t1, 0(t0)
    bnez  t1, 2f                 /* already recorded: do not overwrite the first trap */
    sw    a0, 52(t0)
    csrr  t1, mscratch
    sw    t1, 44(t0)             /* t0 at the trap */
    li    t1, 1
    sw    t1, 4(t0)              /* version */
    sw    t1, 8(t0)              /* flags: RISC-V */
    csrr  t1, mcause
    sw    t1, 12(t0)
    csrr  t1, mepc
    sw    t1, 16(t0)
    csrr  t1, mtval
    sw    t1, 20(t0)
    csrr  t1, mstatus
    sw    t1, 24(t0)
    sw    sp, 28(t0)
    sw    ra, 32(t0)
    csrr  t1, mhartid
    sw    t1, 36(t0)
    li    t1, TRAP_MAGIC
    sw    t1, 0(t0)              /* magic last: the record is complete once it shows */
    ebreak
2:  j     2b
    .size stub_trap_entry, . - stub_trap_entry

    /* Not zeroed on entry: the host clears the magic before a run when it may be set. */
    .section .host_records.stub_trap_record, "aw", @nobits
    .balign 16
    .globl stub_trap_record
    .type stub_trap_record, @object
stub_trap_record:
    .space 128
    .size stub_trap_record, 128
