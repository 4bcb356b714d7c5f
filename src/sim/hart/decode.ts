/**
 * RV32IMC + Zicsr + Zifencei decoder: one instruction (32-bit or compressed) → two packed words
 * (see ops.ts). Unknown or reserved encodings decode to ILLEGAL with the raw bits as immediate.
 */
import { Op, pack } from './ops.js';

/** pause (Zihintpause): fence with pred = w, succ = 0 and x0 operands. */
const PAUSE_BITS = 0x0100000f;

/** Output of decode: out[0] = packed op word, out[1] = immediate. */
export type Decoded = Int32Array;

function set(out: Decoded, word: number, imm: number): void {
  out[0] = word;
  out[1] = imm;
}

function illegal(out: Decoded, bits: number, len4: boolean): void {
  set(out, pack(Op.ILLEGAL, len4, 0, 0, 0), bits | 0);
}

/** True when the halfword starts a 32-bit instruction. */
export function isLong(half: number): boolean {
  return (half & 3) === 3;
}

export function decode32(inst: number, out: Decoded): void {
  const opcode = inst & 0x7f;
  const rd = (inst >>> 7) & 31;
  const f3 = (inst >>> 12) & 7;
  const rs1 = (inst >>> 15) & 31;
  const rs2 = (inst >>> 20) & 31;
  const f7 = inst >>> 25;
  const immI = inst >> 20;
  switch (opcode) {
    case 0x37: return set(out, pack(Op.LUI, true, rd, 0, 0), inst & 0xfffff000);
    case 0x17: return set(out, pack(Op.AUIPC, true, rd, 0, 0), inst & 0xfffff000);
    case 0x6f: {
      const imm = ((inst >> 11) & 0xfff00000) | (inst & 0xff000) | ((inst >>> 9) & 0x800) | ((inst >>> 20) & 0x7fe);
      return set(out, pack(Op.JAL, true, rd, 0, 0), imm);
    }
    case 0x67:
      if (f3 !== 0) break;
      return set(out, pack(Op.JALR, true, rd, rs1, 0), immI);
    case 0x63: {
      const ops = [Op.BEQ, Op.BNE, -1, -1, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU];
      const op = ops[f3]!;
      if (op < 0) break;
      const imm = ((inst >> 19) & 0xfffff000) | ((inst << 4) & 0x800) | ((inst >>> 20) & 0x7e0) | ((inst >>> 7) & 0x1e);
      return set(out, pack(op, true, 0, rs1, rs2), imm);
    }
    case 0x03: {
      const ops = [Op.LB, Op.LH, Op.LW, -1, Op.LBU, Op.LHU, -1, -1];
      const op = ops[f3]!;
      if (op < 0) break;
      return set(out, pack(op, true, rd, rs1, 0), immI);
    }
    case 0x23: {
      if (f3 > 2) break;
      const imm = ((inst >> 20) & ~31) | ((inst >>> 7) & 31);
      return set(out, pack(Op.SB + f3, true, 0, rs1, rs2), imm);
    }
    case 0x13: {
      switch (f3) {
        case 0: return set(out, pack(Op.ADDI, true, rd, rs1, 0), immI);
        case 2: return set(out, pack(Op.SLTI, true, rd, rs1, 0), immI);
        case 3: return set(out, pack(Op.SLTIU, true, rd, rs1, 0), immI);
        case 4: return set(out, pack(Op.XORI, true, rd, rs1, 0), immI);
        case 6: return set(out, pack(Op.ORI, true, rd, rs1, 0), immI);
        case 7: return set(out, pack(Op.ANDI, true, rd, rs1, 0), immI);
        case 1:
          if (f7 !== 0) break;
          return set(out, pack(Op.SLLI, true, rd, rs1, 0), rs2);
        case 5:
          if (f7 === 0) return set(out, pack(Op.SRLI, true, rd, rs1, 0), rs2);
          if (f7 === 0x20) return set(out, pack(Op.SRAI, true, rd, rs1, 0), rs2);
          break;
      }
      break;
    }
    case 0x33: {
      let op = -1;
      if (f7 === 0) op = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND][f3]!;
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUB : f3 === 5 ? Op.SRA : -1;
      else if (f7 === 1) op = Op.MUL + f3;
      if (op < 0) break;
      return set(out, pack(op, true, rd, rs1, rs2), 0);
    }
    case 0x0f:
      if (inst === PAUSE_BITS) return set(out, pack(Op.PAUSE, true, 0, 0, 0), 0);
      if (f3 === 0) return set(out, pack(Op.FENCE, true, 0, 0, 0), 0);
      if (f3 === 1) return set(out, pack(Op.FENCE_I, true, 0, 0, 0), 0);
      break;
    case 0x73: {
      const csr = inst >>> 20;
      if (f3 === 0) {
        if (rd !== 0 || rs1 !== 0) break;
        if (inst === 0x00000073) return set(out, pack(Op.ECALL, true, 0, 0, 0), 0);
        if (inst === 0x00100073) return set(out, pack(Op.EBREAK, true, 0, 0, 0), 0);
        if (inst === 0x30200073) return set(out, pack(Op.MRET, true, 0, 0, 0), 0);
        if (inst === 0x10500073) return set(out, pack(Op.WFI, true, 0, 0, 0), 0);
        break;
      }
      if (f3 === 4) break;
      // rs1 holds the register or, for the *I forms, the 5-bit zero-extended immediate.
      return set(out, pack(Op.CSRRW + (f3 & 3) - 1 + (f3 & 4 ? 3 : 0), true, rd, rs1, 0), csr);
    }
  }
  illegal(out, inst >>> 0, true);
}

/** Compressed register field (3 bits) → x8..x15. */
function creg(bits: number): number {
  return 8 + (bits & 7);
}

export function decode16(h: number, out: Decoded): void {
  const quadrant = h & 3;
  const f3 = (h >>> 13) & 7;
  const rd = (h >>> 7) & 31;
  const rs2 = (h >>> 2) & 31;
  // CI-format 6-bit signed immediate: imm[5] = bit 12, imm[4:0] = bits 6:2.
  const ci = (((h >>> 7) & 0x20) | ((h >>> 2) & 0x1f)) << 26 >> 26;
  if (quadrant === 0) {
    const rdp = creg(h >>> 2);
    const rs1p = creg(h >>> 7);
    // CL/CS word offset: uimm[5:3] = bits 12:10, uimm[2] = bit 6, uimm[6] = bit 5.
    const off = ((h >>> 7) & 0x38) | ((h >>> 4) & 4) | ((h << 1) & 0x40);
    switch (f3) {
      case 0: {
        // c.addi4spn: nzuimm[5:4] = 12:11, [9:6] = 10:7, [2] = 6, [3] = 5.
        const imm = ((h >>> 7) & 0x30) | ((h >>> 1) & 0x3c0) | ((h >>> 4) & 4) | ((h >>> 2) & 8);
        if (imm === 0) break; // includes the all-zero illegal instruction
        return set(out, pack(Op.ADDI, false, rdp, 2, 0), imm);
      }
      case 2: return set(out, pack(Op.LW, false, rdp, rs1p, 0), off);
      case 6: return set(out, pack(Op.SW, false, 0, rs1p, rdp), off);
    }
  } else if (quadrant === 1) {
    switch (f3) {
      case 0: return set(out, pack(Op.ADDI, false, rd, rd, 0), ci); // c.nop / c.addi
      case 1: case 5: {
        // c.jal / c.j: imm[11|4|9:8|10|6|7|3:1|5] = bits 12..2
        const imm = ((((h >>> 1) & 0x800) | ((h >>> 7) & 0x10) | ((h >>> 1) & 0x300) | ((h << 2) & 0x400) |
          ((h >>> 1) & 0x40) | ((h << 1) & 0x80) | ((h >>> 2) & 0xe) | ((h << 3) & 0x20)) << 20) >> 20;
        return set(out, pack(Op.JAL, false, f3 === 1 ? 1 : 0, 0, 0), imm);
      }
      case 2: return set(out, pack(Op.ADDI, false, rd, 0, 0), ci); // c.li
      case 3: {
        if (rd === 2) {
          // c.addi16sp: nzimm[9] = 12, [4] = 6, [6] = 5, [8:7] = 4:3, [5] = 2
          const imm = ((((h >>> 3) & 0x200) | ((h >>> 2) & 0x10) | ((h << 1) & 0x40) | ((h << 4) & 0x180) | ((h << 3) & 0x20)) << 22) >> 22;
          if (imm === 0) break;
          return set(out, pack(Op.ADDI, false, 2, 2, 0), imm);
        }
        if (ci === 0) break;
        return set(out, pack(Op.LUI, false, rd, 0, 0), ci << 12);
      }
      case 4: {
        const rdp = creg(h >>> 7);
        const f2 = (h >>> 10) & 3;
        const shamt = (h >>> 2) & 0x1f;
        if (f2 === 0 || f2 === 1) {
          if (h & 0x1000) break; // shamt[5] must be 0 on RV32
          return set(out, pack(f2 === 0 ? Op.SRLI : Op.SRAI, false, rdp, rdp, 0), shamt);
        }
        if (f2 === 2) return set(out, pack(Op.ANDI, false, rdp, rdp, 0), ci);
        if (h & 0x1000) break; // RV64 subw/addw
        const op = [Op.SUB, Op.XOR, Op.OR, Op.AND][(h >>> 5) & 3]!;
        return set(out, pack(op, false, rdp, rdp, creg(h >>> 2)), 0);
      }
      case 6: case 7: {
        // c.beqz / c.bnez: imm[8|4:3] = 12:10, imm[7:6|2:1|5] = 6:2
        const imm = ((((h >>> 4) & 0x100) | ((h >>> 7) & 0x18) | ((h << 1) & 0xc0) | ((h >>> 2) & 6) | ((h << 3) & 0x20)) << 23) >> 23;
        return set(out, pack(f3 === 6 ? Op.BEQ : Op.BNE, false, 0, creg(h >>> 7), 0), imm);
      }
    }
  } else if (quadrant === 2) {
    switch (f3) {
      case 0:
        if (h & 0x1000) break;
        return set(out, pack(Op.SLLI, false, rd, rd, 0), rs2);
      case 2: {
        if (rd === 0) break;
        // c.lwsp: uimm[5] = 12, [4:2] = 6:4, [7:6] = 3:2
        const imm = ((h >>> 7) & 0x20) | ((h >>> 2) & 0x1c) | ((h << 4) & 0xc0);
        return set(out, pack(Op.LW, false, rd, 2, 0), imm);
      }
      case 4:
        if ((h & 0x1000) === 0) {
          if (rs2 === 0) {
            if (rd === 0) break;
            return set(out, pack(Op.JALR, false, 0, rd, 0), 0); // c.jr
          }
          return set(out, pack(Op.ADD, false, rd, 0, rs2), 0); // c.mv
        }
        if (rs2 === 0) {
          if (rd === 0) return set(out, pack(Op.EBREAK, false, 0, 0, 0), 0); // c.ebreak
          return set(out, pack(Op.JALR, false, 1, rd, 0), 0); // c.jalr
        }
        return set(out, pack(Op.ADD, false, rd, rd, rs2), 0); // c.add
      case 6: {
        // c.swsp: uimm[5:2] = 12:9, [7:6] = 8:7
        const imm = ((h >>> 7) & 0x3c) | ((h >>> 1) & 0xc0);
        return set(out, pack(Op.SW, false, 0, 2, rs2), imm);
      }
    }
  }
  illegal(out, h & 0xffff, false);
}
