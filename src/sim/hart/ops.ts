/**
 * Pre-decoded operation numbers and the packed layout of a decoded instruction.
 *
 * A decoded instruction is two int32 words in a per-page Int32Array:
 *   word 0: op (bits 0–6) | 4-byte instruction (bit 7) | rd (bits 8–13, 32 = discard) |
 *           rs1 (bits 14–18) | rs2 (bits 19–23)
 *   word 1: immediate (sign-extended), CSR number, shift amount or the raw bits of an illegal instruction.
 * Compressed instructions decode to the same ops as their 32-bit expansions (bit 7 clear).
 *
 * The executor's switch uses these numbers as literals (so V8 builds a jump table); keep them stable.
 * FETCH_FAULT: the instruction cannot be fetched. HOST_CALL / ROM_UNKNOWN: ROM region with / without
 * a registered host call.
 */
export const Op = {
  UNDECODED: 0,
  ILLEGAL: 1,
  LUI: 2,
  AUIPC: 3,
  JAL: 4,
  JALR: 5,
  BEQ: 6,
  BNE: 7,
  BLT: 8,
  BGE: 9,
  BLTU: 10,
  BGEU: 11,
  LB: 12,
  LH: 13,
  LW: 14,
  LBU: 15,
  LHU: 16,
  SB: 17,
  SH: 18,
  SW: 19,
  ADDI: 20,
  SLTI: 21,
  SLTIU: 22,
  XORI: 23,
  ORI: 24,
  ANDI: 25,
  SLLI: 26,
  SRLI: 27,
  SRAI: 28,
  ADD: 29,
  SUB: 30,
  SLL: 31,
  SLT: 32,
  SLTU: 33,
  XOR: 34,
  SRL: 35,
  SRA: 36,
  OR: 37,
  AND: 38,
  MUL: 39,
  MULH: 40,
  MULHSU: 41,
  MULHU: 42,
  DIV: 43,
  DIVU: 44,
  REM: 45,
  REMU: 46,
  FENCE: 47,
  FENCE_I: 48,
  ECALL: 49,
  EBREAK: 50,
  MRET: 51,
  WFI: 52,
  CSRRW: 53,
  CSRRS: 54,
  CSRRC: 55,
  CSRRWI: 56,
  CSRRSI: 57,
  CSRRCI: 58,
  FETCH_FAULT: 59,
  HOST_CALL: 60,
  ROM_UNKNOWN: 61,
  /** fence w,0 with x0 operands: the Zihintpause hint (a plain fence on the ESP32-C3). */
  PAUSE: 62,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** rd index used for x0: writes land in a discard slot. */
export const RD_DISCARD = 32;

export const LEN4 = 1 << 7;

export function pack(op: number, len4: boolean, rd: number, rs1: number, rs2: number): number {
  return op | (len4 ? LEN4 : 0) | ((rd === 0 ? RD_DISCARD : rd) << 8) | (rs1 << 14) | (rs2 << 19);
}
