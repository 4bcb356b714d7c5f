/**
 * RISC-V calling convention for the runner (ilp32): arguments in a0–a6, entry in a7, a 4-byte
 * `c.jalr a7; c.ebreak` trampoline, result in a0, sp 16-byte aligned. A second `c.ebreak` right
 * after it, on a 4-byte boundary, catches exceptions: mtvec points there during the run.
 */
import type { RegisterInfo } from '../../target/types.js';
import { canonicalRiscvName, RISCV_GPR_NAMES } from '../../target/riscv-registers.js';
import type { TrapInfo } from '../errors.js';
import type { CallingConvention, CallSetup, TrampolineLayout } from './types.js';

const C_JALR_A7 = 0x9882; // c.jalr a7
const C_EBREAK = 0x9002; // c.ebreak
const EBREAK = 0x00100073; // ebreak
const C_J_SELF = 0xa001; // c.j . (never reached; keeps the catcher from falling through)
const MSTATUS_MIE = 1 << 3;

/**
 * CSRs a run touches: mstatus and mtvec are written for the call; mepc, mcause and mtval are written
 * by the CPU when it takes a trap. Saved and restored when the target exposes them. (A routine that
 * writes other CSRs itself must put them back itself, as with any callee.)
 */
const CONTEXT_CSRS = ['mstatus', 'mtvec', 'mepc', 'mcause', 'mtval'] as const;


const EXCEPTION_NAMES: Record<number, string> = {
  0: 'instruction address misaligned',
  1: 'instruction access fault',
  2: 'illegal instruction',
  3: 'breakpoint',
  4: 'load address misaligned',
  5: 'load access fault',
  6: 'store/AMO address misaligned',
  7: 'store/AMO access fault',
  8: 'environment call from U-mode',
  11: 'environment call from M-mode',
  12: 'instruction page fault',
  13: 'load page fault',
  15: 'store/AMO page fault',
};

export const riscvCallingConvention: CallingConvention = {
  architecture: 'riscv32',
  maxArgs: 7,
  resultRegister: 'a0',
  pcRegister: 'pc',
  trapRegisters: ['mcause', 'mepc', 'mtval', 'mstatus', 'sp', 'ra'],

  trampoline(): TrampolineLayout {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, C_JALR_A7, true);
    view.setUint16(2, C_EBREAK, true);
    view.setUint16(4, C_EBREAK, true);
    view.setUint16(6, C_J_SELF, true);
    return { bytes, align: 4, entryOffset: 0, returnOffset: 2, trapCatcherOffset: 4 };
  },

  contextRegisters(available: readonly RegisterInfo[]): string[] {
    const have = new Set(available.map((r) => canonicalRiscvName(r.name)));
    const names = RISCV_GPR_NAMES.slice(1).filter((n) => have.has(n));
    names.push('pc');
    for (const csr of CONTEXT_CSRS) if (have.has(csr)) names.push(csr);
    return names;
  },

  callRegisters(setup: CallSetup): Map<string, number> {
    if (setup.args.length > 7) throw new RangeError(`RISC-V calls take at most 7 arguments, got ${setup.args.length}`);
    const regs = new Map<string, number>();
    for (let i = 0; i < 7; i++) regs.set(`a${i}`, (setup.args[i] ?? 0) >>> 0);
    regs.set('a7', setup.entry >>> 0);
    regs.set('sp', ((setup.stackTop & ~0xf) - 16) >>> 0);
    regs.set('ra', setup.trampoline >>> 0);
    regs.set('pc', setup.trampoline >>> 0);
    const mstatus = setup.saved.get('mstatus');
    if (mstatus !== undefined) regs.set('mstatus', (mstatus & ~MSTATUS_MIE) >>> 0);
    if (setup.trapVector !== undefined && setup.saved.has('mtvec')) regs.set('mtvec', (setup.trapVector & ~3) >>> 0);
    return regs;
  },

  trapFromRegisters(registers: ReadonlyMap<string, number>): TrapInfo {
    const cause = registers.get('mcause') ?? 0;
    return {
      source: 'csr',
      cause,
      epc: registers.get('mepc') ?? 0,
      tval: registers.get('mtval') ?? 0,
      status: registers.get('mstatus'),
      sp: registers.get('sp'),
      ra: registers.get('ra'),
      description: describeRiscvCause(cause),
    };
  },

  describeCause: describeRiscvCause,
  isBreakInstruction: (code) => {
    const half = code[0]! | (code[1]! << 8);
    return half === C_EBREAK || (((half | (code[2]! << 16) | (code[3]! << 24)) >>> 0) === EBREAK);
  },
};

export function describeRiscvCause(cause: number): string {
  const interrupt = (cause & 0x80000000) !== 0;
  const code = cause & 0x7fffffff;
  if (interrupt) return `interrupt ${code}`;
  return EXCEPTION_NAMES[code] ? `${EXCEPTION_NAMES[code]} (mcause ${code})` : `exception mcause ${code}`;
}
