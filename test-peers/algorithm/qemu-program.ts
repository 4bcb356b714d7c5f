/**
 * The QEMU side of the runner's peer tests: a program that keeps a register invariant while it runs
 * (s1 == 3 × s0, checked every iteration; a broken invariant or a trap is counted), and a stub ELF of
 * our own linked into RAM the program never uses. Both are compiled here with the cross compiler.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINK_LD, compileRv32, elfSymbols } from '../gdb/qemu.js';

const PROGRAM_S = `
  .option arch, +zicsr
  .section .text.entry, "ax"
  .globl _start
_start:
  la sp, _stack_top
  la t0, trap
  csrw mtvec, t0
  li s0, 0
  li s1, 0
  li s2, 0x5a5a0000
  li s3, 0
loop:
  addi s0, s0, 1
  slli t0, s0, 1
  add t0, t0, s0
  addi s1, s1, 3
  bne s1, t0, broken
  xor s2, s2, s0
  la t1, counter
  sw s0, 0(t1)
  j loop
broken:
  la t1, failures
  lw t2, 0(t1)
  addi t2, t2, 1
  sw t2, 0(t1)
  mv s1, t0
  j loop
  .balign 4
trap:
  la t1, traps
  lw t2, 0(t1)
  addi t2, t2, 1
  sw t2, 0(t1)
  csrr t2, mcause
  sw t2, 4(t1)
1: j 1b
  .section .bss
  .globl counter, failures, traps
counter: .word 0
failures: .word 0
traps: .word 0, 0
`;


const STUB_S = `
  .section .text
  .globl sum7
sum7:
  add a0, a0, a1
  add a0, a0, a2
  add a0, a0, a3
  add a0, a0, a4
  add a0, a0, a5
  add a0, a0, a6
  li t0, 0x11111111
  mv s0, t0
  mv s1, t0
  mv gp, t0
  mv tp, t0
  ret
  .globl illegal
illegal:
  .word 0
  ret
  .globl spin
spin:
  addi a1, a1, 1
  j spin
  .globl checksum
checksum:
  li t0, 0
1:
  beqz a1, 2f
  lbu t1, 0(a0)
  add t0, t0, t1
  addi a0, a0, 1
  addi a1, a1, -1
  j 1b
2:
  mv a0, t0
  ret
  .section .data
  .globl stub_data
stub_data: .word 0xcafef00d
  .section .bss
  .globl stub_bss
stub_bss: .space 64
`;

const STUB_LD = `
SECTIONS {
  . = 0x80100000;
  .text : { *(.text*) }
  . = ALIGN(16);
  .data : { *(.data*) }
  .bss : { *(.bss*) }
}
`;

export interface Built {
  readonly programElf: string;
  readonly stubElf: Uint8Array;
  readonly symbols: ReadonlyMap<string, number>;
  cleanup(): void;
}

export function buildAll(): Built {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-algo-'));
  const programElf = compileRv32(dir, 'program.elf', { 'program.S': PROGRAM_S }, LINK_LD);
  const stubElf = compileRv32(dir, 'stub.elf', { 'stub.S': STUB_S }, STUB_LD, ['-Wl,--no-warn-rwx-segments', '-e', 'sum7']);
  return {
    programElf,
    stubElf: new Uint8Array(readFileSync(stubElf)),
    symbols: elfSymbols(programElf),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
