/**
 * Controller set-up services: config_clk, config_readmode, attach, spi_dummy_len_fix,
 * select_qio_pins. config_readmode sets the read-mode bits of CTRL on SPI0 and SPI1 and, for the
 * quad modes, sets QE in the flash. attach: 1-line slow read at divisor 4 on both controllers
 * (the header's description); it does not touch USER/USER1/USER2 or TIMING_CALI (⚠ not documented).
 * spi_dummy_len_fix: dummy_len_plus[spi] = 1 at divisor 1 (80 MHz), else 0 (⚠ inferred).
 */
import { FLASH_OP } from '../../flash/commands.js';
import { SR2_QE } from '../../flash/spi-nor.js';
import { SPI_CTRL, SPI_CTRL_READ_MODE_MASK, SPI_REG } from '../spi-mem-regs.js';
import type { SpiMemController } from '../spi-mem.js';
import { ROM_ERR, ROM_OK, arg, service, type RomEnvironment, type RomService } from './environment.js';
import { writeDummyLenPlus } from './rom-data.js';
import { readStatusOnce, userCommand, waitFlashIdle, writeEnable } from './spi1-ops.js';

/** Read modes of esp_rom_spiflash_config_readmode. */
export const ROM_READ_MODE = { QIO: 0, QOUT: 1, DIO: 2, DOUT: 3, FASTRD: 4, SLOWRD: 5 } as const;

const MODE_BITS: readonly number[] = [
  SPI_CTRL.FASTRD_MODE | SPI_CTRL.FREAD_QIO,
  SPI_CTRL.FASTRD_MODE | SPI_CTRL.FREAD_QUAD,
  SPI_CTRL.FASTRD_MODE | SPI_CTRL.FREAD_DIO,
  SPI_CTRL.FASTRD_MODE | SPI_CTRL.FREAD_DUAL,
  SPI_CTRL.FASTRD_MODE,
  0,
];

export function setReadMode(spi: SpiMemController, mode: number): void {
  spi.write32(SPI_REG.CTRL, ((spi.read32(SPI_REG.CTRL) & ~SPI_CTRL_READ_MODE_MASK) | MODE_BITS[mode]!) >>> 0);
}

/** CLOCK register value for a divisor of the 80 MHz source (facts §3.6). */
export function clockRegister(div: number): number {
  if (div <= 1) return 0x80000000;
  const n = div - 1;
  return ((n << 16) | ((n >> 1) << 8) | n) >>> 0;
}

function setQuadEnable(env: RomEnvironment): void {
  waitFlashIdle(env);
  const sr2 = readStatusOnce(env, FLASH_OP.RDSR2);
  if (sr2 & SR2_QE) return;
  const sr1 = readStatusOnce(env);
  writeEnable(env);
  userCommand(env, { opcode: FLASH_OP.WRSR, mosi: new Uint8Array([sr1 & 0xfc, sr2 | SR2_QE]) });
  waitFlashIdle(env);
}

const configReadmode = service('esp_rom_spiflash_config_readmode', (env) => {
  const mode = arg(env, 0);
  if (mode > ROM_READ_MODE.SLOWRD) return ROM_ERR;
  if (mode === ROM_READ_MODE.QIO || mode === ROM_READ_MODE.QOUT) setQuadEnable(env);
  setReadMode(env.spi0, mode);
  setReadMode(env.spi1, mode);
  return ROM_OK;
});

const configClk = service('esp_rom_spiflash_config_clk', (env) => {
  const div = arg(env, 0) & 0xff;
  const which = arg(env, 1) & 0xff;
  if (div === 0 || which > 1) return ROM_ERR;
  (which === 0 ? env.spi0 : env.spi1).write32(SPI_REG.CLOCK, clockRegister(div));
  return ROM_OK;
});

const attach = service('esp_rom_spiflash_attach', (env) => {
  for (const spi of [env.spi0, env.spi1]) {
    setReadMode(spi, ROM_READ_MODE.SLOWRD);
    spi.write32(SPI_REG.CLOCK, clockRegister(4));
  }
  waitFlashIdle(env);
});

const dummyLenFix = service('esp_rom_spiflash_fix_dummylen', (env) => {
  const spi = arg(env, 0) & 0xff;
  const div = arg(env, 1) & 0xff;
  if (spi <= 2) writeDummyLenPlus(env.bus, spi as 0 | 1 | 2, div === 1 ? 1 : 0);
});

const selectQioPins = service('esp_rom_spiflash_select_qio_pins', () => undefined);

export const SPIFLASH_CONFIG_SERVICES: readonly RomService[] = [configReadmode, configClk, attach, dummyLenFix, selectQioPins];
