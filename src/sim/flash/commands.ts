/** SPI NOR opcodes the simulated chip understands and what each expects on the wire. */

export const FLASH_OP = {
  WRSR: 0x01,
  PP: 0x02,
  READ: 0x03,
  WRDI: 0x04,
  RDSR: 0x05,
  WREN: 0x06,
  FAST_READ: 0x0b,
  SE: 0x20,
  WRSR2: 0x31,
  QPP: 0x32,
  RDSR2: 0x35,
  READ_DUAL_OUT: 0x3b,
  BE32: 0x52,
  CE: 0x60,
  RESET_ENABLE: 0x66,
  READ_QUAD_OUT: 0x6b,
  SUSPEND: 0x75,
  RESUME: 0x7a,
  REMS: 0x90,
  RESET: 0x99,
  RDID: 0x9f,
  HPM: 0xa3,
  RES: 0xab,
  DP: 0xb9,
  READ_DUAL_IO: 0xbb,
  CE2: 0xc7,
  BE64: 0xd8,
  READ_QUAD_IO: 0xeb,
} as const;

export interface CommandInfo {
  /** Address bits the chip takes after the opcode (0 = none). */
  readonly addressBits: number;
  /** Lines the address travels on (DIO/QIO reads: 2/4). */
  readonly addressLines: 1 | 2 | 4;
  /** Clocks after the address before the chip drives data (mode bits count as dummy here). */
  readonly dummyCycles: number;
  /** Lines of the data phase. */
  readonly dataLines: 1 | 2 | 4;
  /** 'out' = chip drives data, 'in' = chip receives data, 'none' = opcode (+ address) only. */
  readonly direction: 'out' | 'in' | 'none';
}

const NONE: CommandInfo = { addressBits: 0, addressLines: 1, dummyCycles: 0, dataLines: 1, direction: 'none' };
const OUT: CommandInfo = { ...NONE, direction: 'out' };
const IN: CommandInfo = { ...NONE, direction: 'in' };
const ADDR_ONLY: CommandInfo = { ...NONE, addressBits: 24 };

const TABLE = new Map<number, CommandInfo>([
  [FLASH_OP.RDID, OUT],
  [FLASH_OP.RDSR, OUT],
  [FLASH_OP.RDSR2, OUT],
  [FLASH_OP.READ, { ...OUT, addressBits: 24 }],
  [FLASH_OP.FAST_READ, { ...OUT, addressBits: 24, dummyCycles: 8 }],
  [FLASH_OP.READ_DUAL_OUT, { ...OUT, addressBits: 24, dummyCycles: 8, dataLines: 2 }],
  [FLASH_OP.READ_QUAD_OUT, { ...OUT, addressBits: 24, dummyCycles: 8, dataLines: 4 }],
  // DIO: 24 address bits + 8 mode bits on 2 lines (the mode bits take 4 clocks), then data.
  [FLASH_OP.READ_DUAL_IO, { ...OUT, addressBits: 24, addressLines: 2, dummyCycles: 4, dataLines: 2 }],
  // QIO: 24 address bits on 4 lines, 2 clocks of mode bits + 4 dummy clocks, then data.
  [FLASH_OP.READ_QUAD_IO, { ...OUT, addressBits: 24, addressLines: 4, dummyCycles: 6, dataLines: 4 }],
  [FLASH_OP.RES, { ...OUT, addressBits: 24 }],
  [FLASH_OP.REMS, { ...OUT, addressBits: 24 }],
  [FLASH_OP.WRSR, IN],
  [FLASH_OP.WRSR2, IN],
  [FLASH_OP.PP, { ...IN, addressBits: 24 }],
  [FLASH_OP.QPP, { ...IN, addressBits: 24, dataLines: 4 }],
  [FLASH_OP.SE, ADDR_ONLY],
  [FLASH_OP.BE32, ADDR_ONLY],
  [FLASH_OP.BE64, ADDR_ONLY],
]);

export function commandInfo(opcode: number): CommandInfo {
  return TABLE.get(opcode & 0xff) ?? NONE;
}
