/**
 * How the simulated ROM talks to the flash: through the SPI1 registers, like the real ROM, so the
 * controller state a program left behind (CTRL read mode, TIMING_CALI extra dummy) takes effect.
 * Each transaction sets USER/USER1/USER2 itself, as the ROM does, and leaves USER without a dummy
 * phase afterwards (⚠ modelling choice: the real ROM's exact leftovers are not documented).
 */
import { FLASH_OP } from '../../flash/commands.js';
import { SR_WEL, SR_WIP } from '../../flash/spi-nor.js';
import type { SpiMemController } from '../spi-mem.js';
import { SPI_CMD, SPI_REG, SPI_USER } from '../spi-mem-regs.js';
import { ROM_OK, ROM_TIMEOUT, type RomEnvironment } from './environment.js';
import { readDummyLenPlus } from './rom-data.js';

/** Upper bound of status polls before a ROM wait gives up with TIMEOUT. */
export const ROM_MAX_POLLS = 100000;

function waitCmdDone(spi: SpiMemController): boolean {
  for (let i = 0; i < 1000; i++) if (spi.read32(SPI_REG.CMD) === 0) return true;
  return false;
}

export interface UserCommand {
  readonly opcode: number;
  readonly address?: number;
  readonly dummy?: number;
  readonly mosi?: Uint8Array;
  readonly misoBytes?: number;
  /** Program/erase: set FLASH_PE with USR. */
  readonly pe?: boolean;
}

/** One user-path transaction on SPI1; returns the MISO bytes. */
export function userCommand(env: RomEnvironment, cmd: UserCommand): Uint8Array {
  const spi = env.spi1;
  waitCmdDone(spi);
  let user = SPI_USER.USR_COMMAND;
  if (cmd.address !== undefined) user |= SPI_USER.USR_ADDR;
  if (cmd.dummy) user |= SPI_USER.USR_DUMMY;
  if (cmd.mosi && cmd.mosi.length) user |= SPI_USER.USR_MOSI;
  if (cmd.misoBytes) user |= SPI_USER.USR_MISO;
  spi.write32(SPI_REG.USER, user >>> 0);
  spi.write32(SPI_REG.USER1, ((23 << 26) | Math.max(0, (cmd.dummy ?? 0) - 1)) >>> 0);
  spi.write32(SPI_REG.USER2, ((7 << 28) | cmd.opcode) >>> 0);
  if (cmd.address !== undefined) spi.write32(SPI_REG.ADDR, cmd.address & 0xffffff);
  if (cmd.mosi && cmd.mosi.length) {
    const m = cmd.mosi;
    for (let w = 0; w < Math.ceil(m.length / 4); w++) {
      const i = w * 4;
      spi.write32(SPI_REG.W0 + i, ((m[i] ?? 0) | ((m[i + 1] ?? 0) << 8) | ((m[i + 2] ?? 0) << 16) | ((m[i + 3] ?? 0) << 24)) >>> 0);
    }
    spi.write32(SPI_REG.MOSI_DLEN, m.length * 8 - 1);
  }
  if (cmd.misoBytes) spi.write32(SPI_REG.MISO_DLEN, cmd.misoBytes * 8 - 1);
  spi.write32(SPI_REG.CMD, (SPI_CMD.USR | (cmd.pe ? SPI_CMD.FLASH_PE : 0)) >>> 0);
  waitCmdDone(spi);
  const out = new Uint8Array(cmd.misoBytes ?? 0);
  for (let i = 0; i < out.length; i++) out[i] = (spi.read32(SPI_REG.W0 + (i & ~3)) >>> ((i & 3) * 8)) & 0xff;
  // Leave USER/USER1 plain (command phase only, no dummy) so that hard-wired commands issued
  // later are not shifted by this transaction's dummy phase.
  spi.write32(SPI_REG.USER, SPI_USER.USR_COMMAND >>> 0);
  spi.write32(SPI_REG.USER1, ((23 << 26) | 7) >>> 0);
  return out;
}

/** Hard-wired command bits on SPI1 (WREN, SE, BE, CE, WRSR …) with ADDR set first. */
export function hardwired(env: RomEnvironment, bits: number, address = 0): void {
  const spi = env.spi1;
  waitCmdDone(spi);
  spi.write32(SPI_REG.ADDR, address >>> 0);
  spi.write32(SPI_REG.CMD, bits >>> 0);
  waitCmdDone(spi);
}

/** RDSR through the user path, adding dummy_len_plus[1] when it is set (as the ROM does). */
export function readStatusOnce(env: RomEnvironment, opcode: number = FLASH_OP.RDSR): number {
  const extra = readDummyLenPlus(env.bus, 1);
  return userCommand(env, { opcode, misoBytes: 1, dummy: extra })[0]!;
}

/** Poll until WIP clears: ROM_OK or ROM_TIMEOUT. */
export function waitFlashIdle(env: RomEnvironment): number {
  for (let i = 0; i < ROM_MAX_POLLS; i++) if (!(readStatusOnce(env) & SR_WIP)) return ROM_OK;
  return ROM_TIMEOUT;
}

/** WREN, then wait for WEL (bounded). */
export function writeEnable(env: RomEnvironment): number {
  if (waitFlashIdle(env) !== ROM_OK) return ROM_TIMEOUT;
  hardwired(env, SPI_CMD.WREN);
  for (let i = 0; i < 1000; i++) if (readStatusOnce(env) & SR_WEL) return ROM_OK;
  return ROM_TIMEOUT;
}
