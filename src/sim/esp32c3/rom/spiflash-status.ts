/**
 * Status-register and chip-record services: wait_idle, read_status(high), write_status,
 * read_user_cmd, write_enable/disable, unlock, config_param, update_id.
 * read_statushigh returns SR2 in bits [15:8] (⚠ inferred from how IDF's bootloader uses it).
 */
import { FLASH_OP } from '../../flash/commands.js';
import { SR2_QE, SR_WIP } from '../../flash/spi-nor.js';
import { SPI_CMD, SPI_REG } from '../spi-mem-regs.js';
import { ROM_OK, ROM_TIMEOUT, arg, service, type RomEnvironment, type RomService } from './environment.js';
import { legacyDataAddress, readDummyLenPlus, readFlashChip, writeFlashChip, LEGACY } from './rom-data.js';
import { ROM_MAX_POLLS, hardwired, readStatusOnce, userCommand, waitFlashIdle, writeEnable } from './spi1-ops.js';

/** Clear the block-protect bits, keeping QE (WRSR with two bytes). */
export function unlock(env: RomEnvironment): number {
  if (waitFlashIdle(env) !== ROM_OK) return ROM_TIMEOUT;
  const sr2 = readStatusOnce(env, FLASH_OP.RDSR2);
  if (writeEnable(env) !== ROM_OK) return ROM_TIMEOUT;
  userCommand(env, { opcode: FLASH_OP.WRSR, mosi: new Uint8Array([0, sr2 & SR2_QE]) });
  return waitFlashIdle(env);
}

const waitIdle = service('esp_rom_spiflash_wait_idle', (env) => waitFlashIdle(env));

const readStatus = service('esp_rom_spiflash_read_status', (env) => {
  const out = arg(env, 1);
  const mask = readFlashChip(env.bus).statusMask;
  for (let i = 0; i < ROM_MAX_POLLS; i++) {
    const s = readStatusOnce(env) & mask;
    if (!(s & SR_WIP)) {
      env.bus.write32(out, s);
      return ROM_OK;
    }
  }
  return ROM_TIMEOUT;
});

const readStatusHigh = service('esp_rom_spiflash_read_statushigh', (env) => {
  if (waitFlashIdle(env) !== ROM_OK) return ROM_TIMEOUT;
  env.bus.write32(arg(env, 1), (readStatusOnce(env, FLASH_OP.RDSR2) << 8) >>> 0);
  return ROM_OK;
});

const writeStatus = service('esp_rom_spiflash_write_status', (env) => {
  const value = arg(env, 1);
  if (writeEnable(env) !== ROM_OK) return ROM_TIMEOUT;
  env.spi1.write32(SPI_REG.RD_STATUS, value);
  hardwired(env, SPI_CMD.WRSR);
  return waitFlashIdle(env);
});

const readUserCmd = service('esp_rom_spiflash_read_user_cmd', (env) => {
  const out = arg(env, 0);
  const cmd = arg(env, 1) & 0xff;
  const data = userCommand(env, { opcode: cmd, misoBytes: 1, dummy: readDummyLenPlus(env.bus, 1) });
  env.bus.write32(out, data[0]!);
  return ROM_OK;
});

const writeEnableSvc = service('esp_rom_spiflash_write_enable', (env) => writeEnable(env));

const writeDisable = service('esp_rom_spiflash_write_disable', (env) => {
  hardwired(env, SPI_CMD.WRDI);
  return ROM_OK;
});

const unlockSvc = service('esp_rom_spiflash_unlock', (env) => unlock(env));

const configParam = service('esp_rom_spiflash_config_param', (env) => {
  writeFlashChip(env.bus, {
    deviceId: arg(env, 0),
    chipSize: arg(env, 1),
    blockSize: arg(env, 2),
    sectorSize: arg(env, 3),
    pageSize: arg(env, 4),
    statusMask: arg(env, 5),
  });
  return ROM_OK;
});

/**
 * RDID through the hard-wired CMD.RDID bit into g_rom_flashchip.device_id (0xMMTTCC). Nothing is
 * reset first, so a dummy phase left in SPI1 USER/USER1 or TIMING_CALI rotates the id (what
 * esp-stub-lib's "reset SPI1 USER regs before HW-auto RDID" fix is about).
 */
export function updateId(env: RomEnvironment): number {
  env.spi1.write32(SPI_REG.W0, 0);
  hardwired(env, SPI_CMD.RDID);
  const w0 = env.spi1.read32(SPI_REG.W0);
  const id = ((w0 & 0xff) << 16) | (w0 & 0xff00) | ((w0 >>> 16) & 0xff);
  env.bus.write32(legacyDataAddress(env.bus) + LEGACY.deviceId, id);
  return id;
}

const updateIdSvc = service('esp_rom_spi_flash_update_id', (env) => {
  updateId(env);
});

export const SPIFLASH_STATUS_SERVICES: readonly RomService[] = [
  waitIdle, readStatus, readStatusHigh, writeStatus, readUserCmd, writeEnableSvc, writeDisable, unlockSvc, configParam, updateIdSvc,
];
