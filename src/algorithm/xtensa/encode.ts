/**
 * Xtensa instruction encoder for the few instructions espalgo writes itself (the windowed-ABI
 * trampoline, and test programs). Little-endian byte order; registers are numbers 0..15.
 * PC-relative forms take the instruction's own address and the target address.
 *
 * Instruction formats (bit ranges of the 24-bit word): op0 [3:0], t [7:4], s [11:8], r [15:12],
 * op1 [19:16], op2 [23:20]; RRI8 puts an 8-bit immediate in [23:16]; CALL puts an 18-bit word
 * offset in [23:6]; BRI12 puts a 12-bit immediate in [23:12].
 */

/** Special register numbers used by espalgo. */
export const XTENSA_SR = {
  lbeg: 0,
  lend: 1,
  lcount: 2,
  sar: 3,
  windowbase: 72,
  windowstart: 73,
  ps: 230,
  vecbase: 231,
  exccause: 232,
  epc1: 177,
  excsave1: 209,
  excvaddr: 238,
} as const;

function reg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 15) throw new RangeError(`Xtensa register a${r} does not exist (a0..a15)`);
  return r;
}

function signedFits(value: number, bits: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** (bits - 1)) && value < 2 ** (bits - 1);
}

function bytes3(word: number): Uint8Array {
  return Uint8Array.of(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff);
}

function rrr(op0: number, t: number, s: number, r: number, op1: number, op2: number): Uint8Array {
  return bytes3(op0 | (t << 4) | (s << 8) | (r << 12) | (op1 << 16) | (op2 << 20));
}

function rri8(op0: number, t: number, s: number, r: number, imm8: number): Uint8Array {
  return bytes3(op0 | (t << 4) | (s << 8) | (r << 12) | ((imm8 & 0xff) << 16));
}

function narrow(op0: number, t: number, s: number, r: number): Uint8Array {
  return Uint8Array.of(op0 | (t << 4), s | (r << 4));
}

// ---- windowed calls ------------------------------------------------------------------------------

/** `entry as, frame`: frame is a multiple of 8, at most 32760. */
export function entry(as: number, frame: number): Uint8Array {
  if (frame % 8 !== 0 || frame < 0 || frame > 0x7ff8) throw new RangeError(`entry frame ${frame} must be a multiple of 8 in 0..32760`);
  return bytes3(0x36 | (reg(as) << 8) | ((frame / 8) << 12));
}

export const retw = (): Uint8Array => rrr(0, 9, 0, 0, 0, 0);
export const retwN = (): Uint8Array => Uint8Array.of(0x1d, 0xf0);

/** `callx4/8/12 as` (size = 4, 8 or 12). */
export function callx(size: 4 | 8 | 12, as: number): Uint8Array {
  return rrr(0, 0xc | (size / 4), reg(as), 0, 0, 0);
}

/** `call4/8/12 target` at `pc`; target must be 4-aligned. */
export function call(size: 4 | 8 | 12, pc: number, target: number): Uint8Array {
  if (target % 4 !== 0) throw new RangeError(`call target 0x${target.toString(16)} is not 4-aligned`);
  const off = (target - (((pc >>> 0) & ~3) + 4)) / 4;
  if (!signedFits(off, 18)) throw new RangeError(`call target out of reach (${off} words)`);
  return bytes3(0x05 | ((size / 4) << 4) | ((off & 0x3ffff) << 6));
}

// ---- moves and arithmetic ----------------------------------------------------------------------

export const or = (ar: number, as: number, at: number): Uint8Array => rrr(0, reg(at), reg(as), reg(ar), 0, 2);
/** `mov ar, as` in its 3-byte form (`or ar, as, as`). */
export const mov = (ar: number, as: number): Uint8Array => or(ar, as, as);
export const movN = (at: number, as: number): Uint8Array => narrow(0xd, reg(at), reg(as), 0);
export const add = (ar: number, as: number, at: number): Uint8Array => rrr(0, reg(at), reg(as), reg(ar), 0, 8);
export const sub = (ar: number, as: number, at: number): Uint8Array => rrr(0, reg(at), reg(as), reg(ar), 0, 0xc);
export const xor = (ar: number, as: number, at: number): Uint8Array => rrr(0, reg(at), reg(as), reg(ar), 0, 3);
export const and = (ar: number, as: number, at: number): Uint8Array => rrr(0, reg(at), reg(as), reg(ar), 0, 1);
/** `addx2 ar, as, at` = (as << 1) + at. */
export const addx2 = (ar: number, as: number, at: number): Uint8Array => rrr(0, reg(at), reg(as), reg(ar), 0, 9);

export function movi(at: number, imm: number): Uint8Array {
  if (!signedFits(imm, 12)) throw new RangeError(`movi immediate ${imm} does not fit 12 signed bits`);
  return bytes3(0x02 | (reg(at) << 4) | (((imm >> 8) & 0xf) << 8) | (0xa << 12) | ((imm & 0xff) << 16));
}

export function addi(at: number, as: number, imm: number): Uint8Array {
  if (!signedFits(imm, 8)) throw new RangeError(`addi immediate ${imm} does not fit 8 signed bits`);
  return rri8(2, reg(at), reg(as), 0xc, imm);
}

function wordOffset(offset: number, what: string): number {
  if (offset % 4 !== 0 || offset < 0 || offset > 1020) throw new RangeError(`${what} offset ${offset} must be a multiple of 4 in 0..1020`);
  return offset / 4;
}

export const l32i = (at: number, as: number, offset: number): Uint8Array => rri8(2, reg(at), reg(as), 2, wordOffset(offset, 'l32i'));
export const s32i = (at: number, as: number, offset: number): Uint8Array => rri8(2, reg(at), reg(as), 6, wordOffset(offset, 's32i'));

/** `l32r at, literal` at `pc`: the literal must be 4-aligned and below the instruction. */
export function l32r(at: number, pc: number, literal: number): Uint8Array {
  if (literal % 4 !== 0) throw new RangeError(`l32r literal 0x${literal.toString(16)} is not 4-aligned`);
  const words = (literal - (((pc >>> 0) + 3) & ~3)) / 4;
  if (words >= 0 || words < -65536) throw new RangeError(`l32r literal must lie 4..262144 bytes before the instruction (${words} words)`);
  return bytes3(0x01 | (reg(at) << 4) | ((words + 65536) << 8));
}

// ---- window save/restore -----------------------------------------------------------------------

/** RRI4 form of l32e (op2 0) and s32e (op2 4): r holds (offset + 64) / 4. */
function rri4(op2: number, at: number, as: number, offset: number): Uint8Array {
  if (offset % 4 !== 0 || offset < -64 || offset > -4) throw new RangeError(`l32e/s32e offset ${offset} must be a multiple of 4 in -64..-4`);
  return rrr(0, reg(at), reg(as), (offset + 64) / 4, 9, op2);
}

export const s32e = (at: number, as: number, offset: number): Uint8Array => rri4(4, at, as, offset);
export const l32e = (at: number, as: number, offset: number): Uint8Array => rri4(0, at, as, offset);
export const rfwo = (): Uint8Array => rrr(0, 0, 4, 3, 0, 0);
export const rfwu = (): Uint8Array => rrr(0, 0, 5, 3, 0, 0);
export const rfe = (): Uint8Array => rrr(0, 0, 0, 3, 0, 0);

// ---- special registers and control -------------------------------------------------------------

function sr(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`special register ${n} does not exist`);
  return n;
}

export const rsr = (at: number, special: number): Uint8Array => rrr(0, reg(at), sr(special) & 0xf, sr(special) >> 4, 3, 0);
export const wsr = (at: number, special: number): Uint8Array => rrr(0, reg(at), sr(special) & 0xf, sr(special) >> 4, 3, 1);
export const xsr = (at: number, special: number): Uint8Array => rrr(0, reg(at), sr(special) & 0xf, sr(special) >> 4, 1, 6);
export const isync = (): Uint8Array => rrr(0, 0, 0, 2, 0, 0);
export const rsync = (): Uint8Array => rrr(0, 1, 0, 2, 0, 0);
export const nop = (): Uint8Array => rrr(0, 0xf, 0, 2, 0, 0);
export const nopN = (): Uint8Array => Uint8Array.of(0x3d, 0xf0);

export function breakInsn(s: number, t: number): Uint8Array {
  return rrr(0, reg(t), reg(s), 4, 0, 0);
}

export const breakN = (imm: number): Uint8Array => narrow(0xd, 2, reg(imm), 0xf);

// ---- branches and loops ------------------------------------------------------------------------

/** `j target` at `pc`. */
export function j(pc: number, target: number): Uint8Array {
  const off = target - pc - 4;
  if (!signedFits(off, 18)) throw new RangeError(`j target out of reach (${off} bytes)`);
  return bytes3(0x06 | ((off & 0x3ffff) << 6));
}

const BRANCH_R = { beq: 0x1, blt: 0x2, bltu: 0x3, bne: 0x9, bge: 0xa, bgeu: 0xb } as const;
export type RegisterBranch = keyof typeof BRANCH_R;

/** `beq/bne/blt/bltu/bge/bgeu as, at, target` at `pc`. */
export function branch(kind: RegisterBranch, as: number, at: number, pc: number, target: number): Uint8Array {
  const off = target - pc - 4;
  if (!signedFits(off, 8)) throw new RangeError(`${kind} target out of reach (${off} bytes)`);
  return rri8(7, reg(at), reg(as), BRANCH_R[kind], off);
}

/** `beqz/bnez as, target` at `pc`. */
export function branchZero(kind: 'beqz' | 'bnez', as: number, pc: number, target: number): Uint8Array {
  const off = target - pc - 4;
  if (!signedFits(off, 12)) throw new RangeError(`${kind} target out of reach (${off} bytes)`);
  const m = kind === 'beqz' ? 0 : 1;
  return bytes3(0x06 | (1 << 4) | (m << 6) | (reg(as) << 8) | ((off & 0xfff) << 12));
}

/** `loop as, end` at `pc`: LBEG = pc + 3, LEND = end (pc + 4 .. pc + 259). */
export function loop(as: number, pc: number, end: number): Uint8Array {
  const imm = end - pc - 4;
  if (imm < 0 || imm > 255) throw new RangeError(`loop end must lie 4..259 bytes after the loop instruction (${imm + 4})`);
  return rri8(6, 7, reg(as), 8, imm);
}
