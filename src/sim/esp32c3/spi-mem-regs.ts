/** SPI_MEM (SPI0/SPI1) register offsets and bits of the ESP32-C3 (facts §3.1). */

export const SPI1_BASE = 0x60002000;
export const SPI0_BASE = 0x60003000;
export const SPI_MEM_SIZE = 0x1000;

export const SPI_REG = {
  CMD: 0x00,
  ADDR: 0x04,
  CTRL: 0x08,
  CTRL1: 0x0c,
  CTRL2: 0x10,
  CLOCK: 0x14,
  USER: 0x18,
  USER1: 0x1c,
  USER2: 0x20,
  MOSI_DLEN: 0x24,
  MISO_DLEN: 0x28,
  RD_STATUS: 0x2c,
  MISC: 0x34,
  TX_CRC: 0x38,
  CACHE_FCTRL: 0x3c,
  FSM: 0x54,
  W0: 0x58,
  FLASH_WAITI_CTRL: 0x98,
  FLASH_SUS_CTRL: 0x9c,
  FLASH_SUS_CMD: 0xa0,
  SUS_STATUS: 0xa4,
  TIMING_CALI: 0xa8,
  CLOCK_GATE: 0xdc,
  CORE_CLK_SEL: 0xe0,
  DATE: 0x3fc,
} as const;

/** CMD register bits (all self-clearing). */
export const SPI_CMD = {
  FLASH_READ: 1 << 31,
  WREN: 1 << 30,
  WRDI: 1 << 29,
  RDID: 1 << 28,
  RDSR: 1 << 27,
  WRSR: 1 << 26,
  PP: 1 << 25,
  SE: 1 << 24,
  BE: 1 << 23,
  CE: 1 << 22,
  DP: 1 << 21,
  RES: 1 << 20,
  HPM: 1 << 19,
  USR: 1 << 18,
  FLASH_PE: 1 << 17,
} as const;

/** Bits 31..17: writing any of them starts a transaction. */
export const SPI_CMD_START_MASK = 0xfffe0000;

export const SPI_CTRL = {
  FREAD_QIO: 1 << 24,
  FREAD_DIO: 1 << 23,
  WRSR_2B: 1 << 22,
  WP: 1 << 21,
  FREAD_QUAD: 1 << 20,
  D_POL: 1 << 19,
  Q_POL: 1 << 18,
  RESANDRES: 1 << 15,
  FREAD_DUAL: 1 << 14,
  FASTRD_MODE: 1 << 13,
  FDUMMY_OUT: 1 << 3,
} as const;

/** All read-mode bits of CTRL. */
export const SPI_CTRL_READ_MODE_MASK =
  SPI_CTRL.FREAD_QIO | SPI_CTRL.FREAD_DIO | SPI_CTRL.FREAD_QUAD | SPI_CTRL.FREAD_DUAL | SPI_CTRL.FASTRD_MODE;

export const SPI_USER = {
  USR_COMMAND: 1 << 31,
  USR_ADDR: 1 << 30,
  USR_DUMMY: 1 << 29,
  USR_MISO: 1 << 28,
  USR_MOSI: 1 << 27,
  USR_DUMMY_IDLE: 1 << 26,
  MOSI_HIGHPART: 1 << 25,
  MISO_HIGHPART: 1 << 24,
} as const;

/** TIMING_CALI: bit1 enables the extra dummy in [4:2]. */
export const TIMING_CALI_ENABLE = 1 << 1;
export const TIMING_CALI_EXTRA_SHIFT = 2;
export const TIMING_CALI_EXTRA_MASK = 0x7;

export const SPI1_RESETS: Readonly<Record<number, number>> = {
  [SPI_REG.CTRL]: SPI_CTRL.WP | SPI_CTRL.D_POL | SPI_CTRL.Q_POL | SPI_CTRL.RESANDRES | SPI_CTRL.FASTRD_MODE,
  [SPI_REG.CTRL1]: 0x3ff << 2,
  [SPI_REG.CTRL2]: (1 << 5) | 1,
  [SPI_REG.CLOCK]: 0x00030103,
  [SPI_REG.USER]: SPI_USER.USR_COMMAND,
  [SPI_REG.USER1]: (23 << 26) | 7,
  [SPI_REG.USER2]: 7 << 28,
  [SPI_REG.MISC]: 0x2,
  [SPI_REG.TX_CRC]: 0xffffffff,
  [SPI_REG.FLASH_WAITI_CTRL]: 0x05 << 2,
  [SPI_REG.FLASH_SUS_CMD]: 0x7a | (0x75 << 8) | (0x05 << 16),
  [SPI_REG.TIMING_CALI]: 0x1,
  [SPI_REG.CLOCK_GATE]: 0x1,
  [SPI_REG.DATE]: 0x2007170,
};
