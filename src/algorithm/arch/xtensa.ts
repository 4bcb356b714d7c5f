/**
 * Xtensa windowed-ABI calling convention for the runner (the convention OpenOCD uses on ESP32,
 * ESP32-S2 and ESP32-S3): a0 = 0 (frame terminator), a1 = stack, a2..a6 = arguments, a8 = entry,
 * WINDOWBASE = 0, WINDOWSTART = 1, PS = 0x60025 (WOE, UM, INTLEVEL 5, EXCM clear). A 28-byte
 * trampoline builds a call8 frame, copies a2..a6 to a10..a14, does `callx8 a8`, moves the result
 * to a2 and ends on `break 0, 0`.
 *
 * Rules the setup obeys (each one breaks the call when violated):
 * - PS.WOE = 1 and PS.EXCM = 0, or `entry` raises an exception;
 * - WINDOWSTART = 1 << WINDOWBASE exactly (stale bits make the callee spill frames that do not exist);
 * - ar0..ar15 and the window view a0..a15 agree (a `G` packet writes the window view last).
 * The restore writes back every AR, WINDOWBASE, WINDOWSTART, PS, SAR, the loop registers and the
 * exception registers the callee's window overflows touch (EPC1, EXCSAVE1, ...).
 */
import type { RegisterInfo } from '../../target/types.js';
import type { TrapInfo } from '../errors.js';
import { concatBytes } from '../../image/bytes.js';
import { breakInsn, callx, j, mov, movN, s32e, addi } from '../xtensa/encode.js';
import type { CallingConvention, CallSetup, TrampolineLayout } from './types.js';

/** PS during a call: WOE (bit 18), CALLINC 2, UM, INTLEVEL 5 — level-6 debug interrupts still work. */
export const XTENSA_CALL_PS = 0x60025;
/** Offset of the `break 0, 0` a clean return halts on. */
export const XTENSA_TRAMPOLINE_RETURN = 22;
const MAX_ARGS = 5;
/**
 * Offsets from VECBASE (XEA2) of the kernel, user and double exception vectors. During a call PS has
 * INTLEVEL 5, so no level-1 interrupt can reach the user vector: a stop there is the routine's own
 * exception. The window vectors (VECBASE + 0x000..0x17F) are left alone: calls need them.
 */
export const XTENSA_EXCEPTION_VECTORS = [0x300, 0x340, 0x3c0] as const;

/**
 * Registers left out of the context: read-only ids, free-running counters, write-side-effect
 * registers (writing INTSET/INTCLEAR raises or clears interrupts), and the registers the debugger
 * owns — DEBUGCAUSE and DDR, the instruction/data break registers and ICOUNT/ICOUNTLEVEL (OpenOCD
 * sets breakpoints and single-steps with them) — plus the debug-module registers.
 */
const NOT_CONTEXT = new Set(['configid0', 'configid1', 'prid', 'mmid', 'ccount', 'interrupt', 'intset', 'intclear', 'debugcause', 'ddr']);
const DEBUG_MODULE = /^(pwr|eri|cs_|trax_|ocd|ibreak|dbreak|icount)/;
/** Pseudo registers some servers list (fields of PS, ACC as one); never written separately. */
const PSEUDO = /^(ps(intlevel|um|woe|excm|callinc|owb)|acc)$/;

const EXCEPTION_NAMES: Record<number, string> = {
  0: 'illegal instruction',
  1: 'syscall',
  2: 'instruction fetch error',
  3: 'load/store error',
  4: 'level-1 interrupt',
  5: 'alloca (movsp)',
  6: 'integer divide by zero',
  8: 'privileged instruction',
  9: 'load/store alignment',
  12: 'instruction PIF data error',
  13: 'load/store PIF data error',
  14: 'instruction PIF address error',
  15: 'load/store PIF address error',
  16: 'instruction TLB miss',
  17: 'instruction TLB multi-hit',
  18: 'instruction fetch privilege',
  20: 'instruction fetch prohibited',
  24: 'load/store TLB miss',
  25: 'load/store TLB multi-hit',
  26: 'load/store privilege',
  28: 'load prohibited',
  29: 'store prohibited',
};

/** The trampoline's bytes (28, 4-aligned so that the return address after `callx8` is 4-aligned). */
export function xtensaTrampolineBytes(): Uint8Array {
  const bytes = concatBytes([
    addi(9, 1, 32), //      +0  a9 = sp + 32: the "caller's sp" of this frame
    s32e(9, 1, -12), //     +3  ...where a window overflow spilling this frame looks for it
    mov(10, 2), //          +6  3-byte form keeps callx8 ending on a 4-byte boundary
    movN(11, 3), //         +9
    movN(12, 4), //         +11
    movN(13, 5), //         +13
    movN(14, 6), //         +15
    callx(8, 8), //         +17 call the routine; it sees a10..a14 as a2..a6
    movN(2, 10), //         +20 result
    breakInsn(0, 0), //     +22 clean return halts here
  ]);
  return concatBytes([bytes, j(bytes.length, bytes.length)]); // +25 j . (never reached)
}

export const xtensaCallingConvention: CallingConvention = {
  architecture: 'xtensa',
  maxArgs: MAX_ARGS,
  resultRegister: 'a2',
  pcRegister: 'pc',
  trapRegisters: ['exccause', 'epc1', 'excvaddr', 'ps', 'a1', 'a0'],

  trampoline(): TrampolineLayout {
    return { bytes: xtensaTrampolineBytes(), align: 4, entryOffset: 0, returnOffset: XTENSA_TRAMPOLINE_RETURN };
  },

  contextRegisters(available: readonly RegisterInfo[]): string[] {
    return available
      .map((r) => r.name)
      .filter((name) => !NOT_CONTEXT.has(name.toLowerCase()) && !DEBUG_MODULE.test(name.toLowerCase()) && !PSEUDO.test(name.toLowerCase()));
  },

  callRegisters(setup: CallSetup): Map<string, number> {
    if (setup.args.length > MAX_ARGS) throw new RangeError(`Xtensa calls take at most ${MAX_ARGS} arguments, got ${setup.args.length}`);
    const regs = new Map<string, number>();
    // With WINDOWBASE = 0 the window view aN is arN; write both so that neither overrides the other.
    const setA = (n: number, value: number) => {
      regs.set(`a${n}`, value >>> 0);
      if (setup.saved.has(`ar${n}`)) regs.set(`ar${n}`, value >>> 0);
    };
    setA(0, 0);
    setA(1, ((setup.stackTop & ~0xf) - 16) >>> 0);
    for (let i = 0; i < MAX_ARGS; i++) setA(2 + i, setup.args[i] ?? 0);
    setA(8, setup.entry);
    regs.set('windowbase', 0);
    regs.set('windowstart', 1);
    regs.set('ps', XTENSA_CALL_PS);
    // A zero LCOUNT keeps the interrupted program's zero-overhead loop from capturing the routine.
    if (setup.saved.has('lcount')) regs.set('lcount', 0);
    if (setup.trapVector !== undefined && setup.saved.has('vecbase')) regs.set('vecbase', setup.trapVector >>> 0);
    regs.set('pc', setup.trampoline >>> 0);
    return regs;
  },

  exceptionVectors(saved: ReadonlyMap<string, number>): number[] {
    const vecbase = saved.get('vecbase');
    if (vecbase === undefined) return [];
    return XTENSA_EXCEPTION_VECTORS.map((offset) => (vecbase + offset) >>> 0);
  },

  trapFromRegisters(registers: ReadonlyMap<string, number>): TrapInfo {
    const cause = registers.get('exccause') ?? 0;
    return {
      source: 'csr',
      cause,
      epc: registers.get('epc1') ?? 0,
      tval: registers.get('excvaddr') ?? 0,
      status: registers.get('ps'),
      sp: registers.get('a1'),
      ra: registers.get('a0'),
      description: describeXtensaCause(cause),
    };
  },

  describeCause: describeXtensaCause,
  // BREAK s, t (op0 0, r 4, op1 0, op2 0) and BREAK.N s (op0 0xD, t 2, r 0xF).
  isBreakInstruction: (code) => ((code[0]! & 0x0f) === 0 && code[1]! >> 4 === 4 && code[2] === 0) || (code[0] === 0x2d && code[1]! >> 4 === 0xf),
};

export function describeXtensaCause(cause: number): string {
  if (cause >= 32 && cause <= 39) return `coprocessor ${cause - 32} disabled (EXCCAUSE ${cause})`;
  const name = EXCEPTION_NAMES[cause];
  return name ? `${name} (EXCCAUSE ${cause})` : `exception EXCCAUSE ${cause}`;
}
