/**
 * A caller of a ROM function for gdb tests: code placed in free SRAM that calls ets_delay_us (ROM
 * 0x40000050) with a frame as a compiler makes it. gdb writes it with `restore FILE binary CALLER`.
 */

/** Free SRAM (instruction bus) past the demo firmware's data, bss and stack. */
export const CALLER = 0x40390000;
/** ets_delay_us in the ROM's jump table. */
export const ROM_FUNCTION = 0x40000050;
/** The call's return address is CALLER + 0x14. */
export const CALLER_CODE = [
  0xff010113, // addi sp, sp, -16
  0x00112623, // sw ra, 12(sp)
  0x00100513, // li a0, 1
  0x400002b7, // lui t0, 0x40000
  0x050280e7, // jalr ra, 0x50(t0)     ets_delay_us(1)
  0x00c12083, // lw ra, 12(sp)
  0x01010113, // addi sp, sp, 16
  0x0000006f, // j .
];
export const RETURN_ADDRESS = CALLER + 0x14;
/** The call instruction. */
export const JALR = CALLER + 0x10;
/** A gdb command that prints the pc as a line "PC=<hex>". */
export const PRINT_PC = 'printf "PC=%x\\n", $pc';

/**
 * gdb commands that step into the ROM call from the jalr and return from it: pc (the ROM function),
 * `bt`, `finish`, pc (the return address).
 */
export const STEPI_INTO_CALL = [`set $pc = ${JALR}`, 'stepi', PRINT_PC, 'bt', 'finish', PRINT_PC];

/** The caller's code as bytes (little-endian), for `restore … binary`. */
export function callerBytes(): Uint8Array {
  const code = new Uint8Array(CALLER_CODE.length * 4);
  CALLER_CODE.forEach((w, i) => new DataView(code.buffer).setUint32(i * 4, w, true));
  return code;
}

/** The "PC=<hex>" lines a gdb run printed, as numbers. */
export function printedPcs(output: string): number[] {
  return [...output.matchAll(/^PC=([0-9a-f]+)$/gm)].map((m) => parseInt(m[1]!, 16));
}
