/** A tiny RV32 encoder for hand-written test programs (the handful of formats the tests need). */
import { Bus } from '../../../src/sim/bus.js';
import { Hart, type HartOptions } from '../../../src/sim/hart/index.js';

const u = (v: number): number => v >>> 0;

export const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  u((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op);
export const i = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  u(((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op);
export const s = (imm: number, rs2: number, rs1: number, f3: number): number =>
  u((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23);
export const b = (imm: number, rs2: number, rs1: number, f3: number): number =>
  u((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63);
export const uType = (imm: number, rd: number, op: number): number => u((imm & 0xfffff000) | (rd << 7) | op);
export const j = (imm: number, rd: number): number =>
  u((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) | (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f);

export const addi = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x13);
export const lui = (rd: number, imm20: number): number => uType(imm20 << 12, rd, 0x37);
export const add = (rd: number, rs1: number, rs2: number): number => r(0, rs2, rs1, 0, rd, 0x33);
export const lw = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 2, rd, 0x03);
export const lb = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x03);
export const lbu = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 4, rd, 0x03);
export const lh = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 1, rd, 0x03);
export const sw = (rs2: number, rs1: number, imm: number): number => s(imm, rs2, rs1, 2);
export const sb = (rs2: number, rs1: number, imm: number): number => s(imm, rs2, rs1, 0);
export const sh = (rs2: number, rs1: number, imm: number): number => s(imm, rs2, rs1, 1);
export const beq = (rs1: number, rs2: number, off: number): number => b(off, rs2, rs1, 0);
export const bne = (rs1: number, rs2: number, off: number): number => b(off, rs2, rs1, 1);
export const jal = (rd: number, off: number): number => j(off, rd);
export const jalr = (rd: number, rs1: number, imm: number): number => i(imm, rs1, 0, rd, 0x67);
export const mOp = (f3: number, rd: number, rs1: number, rs2: number): number => r(1, rs2, rs1, f3, rd, 0x33);
export const csrrw = (rd: number, csr: number, rs1: number): number => i(csr, rs1, 1, rd, 0x73);
export const csrrs = (rd: number, csr: number, rs1: number): number => i(csr, rs1, 2, rd, 0x73);
export const csrrc = (rd: number, csr: number, rs1: number): number => i(csr, rs1, 3, rd, 0x73);
export const csrrwi = (rd: number, csr: number, imm: number): number => i(csr, imm, 5, rd, 0x73);
export const ECALL = 0x00000073;
export const EBREAK = 0x00100073;
export const MRET = 0x30200073;
export const WFI = 0x10500073;
export const FENCE_I = 0x0000100f;
/** pause (Zihintpause): fence w,0. */
export const PAUSE = 0x0100000f;
/** fence rw,rw: a plain fence. */
export const FENCE = 0x0330000f;
export const NOP = addi(0, 0, 0);
export const C_EBREAK = 0x9002;
export const C_NOP = 0x0001;

export const RAM = 0x80000000;

/** Program text: numbers ≥ 0x10000 or marked with w() are 32-bit words; c() marks halfwords. */
export type Piece = { half: number } | number;
export const c = (half: number): Piece => ({ half });

export function assemble(pieces: Piece[]): Uint8Array {
  const out: number[] = [];
  for (const p of pieces) {
    if (typeof p === 'number') out.push(p & 0xff, (p >>> 8) & 0xff, (p >>> 16) & 0xff, (p >>> 24) & 0xff);
    else out.push(p.half & 0xff, (p.half >>> 8) & 0xff);
  }
  return new Uint8Array(out);
}

export interface Machine {
  bus: Bus;
  ram: Uint8Array;
  hart: Hart;
}

/** 64 KiB of RAM at 0x80000000 holding `program`; the hart starts there with ebreakm set. */
export function machine(program: Piece[], options: Partial<HartOptions> = {}, ebreakHalts = true): Machine {
  const bus = new Bus();
  const ram = new Uint8Array(0x10000);
  bus.mapRam(RAM, ram.length, ram);
  ram.set(assemble(program));
  const hart = new Hart(bus, { resetVector: RAM, romRange: null, ...options });
  if (ebreakHalts) hart.writeCsr(0x7b0, 1 << 15);
  return { bus, ram, hart };
}

/** Runs until halted (bounded); fails when the hart does not halt. */
export function runToHalt(h: Hart, max = 100_000): void {
  const res = h.run(max);
  if (res.reason !== 'halted') throw new Error(`expected a halt, got ${res.reason} at 0x${h.pc.toString(16)}${res.error ? `: ${res.error.message}` : ''}`);
}
