/** RISC-V register naming: ABI names, GDB numbering and the calling convention's roles. */
import type { RegisterInfo } from './types.js';

export const RISCV_GPR_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

/** CSR numbers of the machine-mode and debug CSRs espalgo saves and restores. */
export const RISCV_CSR = {
  mstatus: 0x300,
  misa: 0x301,
  mie: 0x304,
  mtvec: 0x305,
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  tselect: 0x7a0,
  tdata1: 0x7a1,
  tdata2: 0x7a2,
  dcsr: 0x7b0,
  dpc: 0x7b1,
  dscratch0: 0x7b2,
  mhartid: 0xf14,
} as const;

/** GDB's RISC-V numbering: x0..x31 = 0..31, pc = 32, (fprs 33..64), CSR n = 65 + n. */
export const RISCV_GDB_PC_REGNUM = 32;
export const RISCV_GDB_CSR_BASE = 65;

/** Alternative names a target description may use for the same register. */
const ALIASES: Record<string, string> = { s0: 'fp', x0: 'zero', x1: 'ra', x2: 'sp', x8: 'fp' };

export function canonicalRiscvName(name: string): string {
  const lower = name.toLowerCase();
  if (ALIASES[lower]) return ALIASES[lower];
  const m = /^x(\d+)$/.exec(lower);
  if (m) {
    const n = Number(m[1]);
    if (n < 32) return RISCV_GPR_NAMES[n]!;
  }
  return lower;
}

/** The default RV32 register file (GPRs, pc and the CSRs above) for targets that do not describe theirs. */
export function defaultRiscv32Registers(): RegisterInfo[] {
  const regs: RegisterInfo[] = RISCV_GPR_NAMES.map((name, i) => ({
    name, regnum: i, bitsize: 32, offset: i * 4, group: 'general', feature: 'org.gnu.gdb.riscv.cpu',
  }));
  regs.push({ name: 'pc', regnum: RISCV_GDB_PC_REGNUM, bitsize: 32, offset: 32 * 4, group: 'general', type: 'code_ptr', feature: 'org.gnu.gdb.riscv.cpu' });
  for (const [name, csr] of Object.entries(RISCV_CSR)) {
    regs.push({ name, regnum: RISCV_GDB_CSR_BASE + csr, bitsize: 32, group: 'csr', feature: 'org.gnu.gdb.riscv.csr' });
  }
  return regs;
}

/** The roles the calling convention gives registers (used by the algorithm runner). */
export const RISCV_CALLING_CONVENTION = {
  pc: 'pc',
  sp: 'sp',
  ra: 'ra',
  args: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'] as readonly string[],
  returnValue: 'a0',
} as const;
