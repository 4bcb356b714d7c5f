/**
 * esp_rom_spiflash_read / write / erase_* (facts §2.2, §2.6), operating the flash through SPI1.
 * Checks: read and write need 4-aligned address and length and must end inside chip_size;
 * erase_sector/erase_block reject numbers past chip_size; erase_area needs a sector-aligned start.
 */
import { SPI_CMD } from '../spi-mem-regs.js';
import { FLASH_OP, commandInfo } from '../../flash/commands.js';
import { PAGE_SIZE } from '../../flash/spi-nor.js';
import { ROM_ERR, ROM_OK, ROM_TIMEOUT, arg, service, type RomEnvironment, type RomService } from './environment.js';
import { readDummyLenPlus, readFlashChip } from './rom-data.js';
import { hardwired, userCommand, waitFlashIdle, writeEnable } from './spi1-ops.js';
import { unlock } from './spiflash-status.js';

/** Bytes per read transaction (W0–W3) and per program transaction (write_sub_len). */
export const ROM_READ_CHUNK = 16;
export const ROM_WRITE_CHUNK = 32;

/** Read `len` bytes from flash `src` into a new array, in ROM_READ_CHUNK transactions (as the ROM does). */
export function romRead(env: RomEnvironment, src: number, len: number): Uint8Array | number {
  if (waitFlashIdle(env) !== ROM_OK) return ROM_TIMEOUT;
  const opcode = env.spi1.readOpcode();
  const extra = readDummyLenPlus(env.bus, 1);
  // The ROM's own dummy count for the read command CTRL selects (FAST_READ 8, DIO 4, QIO 6 …).
  const info = commandInfo(opcode).dummyCycles;
  const out = new Uint8Array(len);
  let done = 0;
  // Speed-up with the same outcome, as in the write loop below: while each read would reach the
  // chip unshifted, all chunks but the last are read in one step; the last goes through the
  // registers, which then hold what the whole loop would have left in them.
  const last = (Math.ceil(len / ROM_READ_CHUNK) - 1) * ROM_READ_CHUNK;
  if (last > 0 && (src & 0xffffff) + last <= 0x1000000) {
    const bulk = env.spi1.readAtChip(opcode, src, last, info + extra);
    if (bulk) {
      out.set(bulk);
      done = last;
    }
  }
  while (done < len) {
    const n = Math.min(ROM_READ_CHUNK, len - done);
    const data = userCommand(env, { opcode, address: src + done, dummy: info + extra, misoBytes: n });
    out.set(data, done);
    done += n;
  }
  return out;
}

const read = service('esp_rom_spiflash_read', (env) => {
  const src = arg(env, 0);
  const dest = arg(env, 1);
  const len = arg(env, 2) | 0;
  const chip = readFlashChip(env.bus);
  if ((src & 3) || (len & 3) || len < 0 || src + len > chip.chipSize) return ROM_ERR;
  const data = romRead(env, src, len);
  if (typeof data === 'number') return data;
  env.bus.writeBlock(dest, data);
  return ROM_OK;
});

/**
 * Program `data` at `dest`: page-bounded chunks of at most ROM_WRITE_CHUNK, WREN + PP + wait each.
 * Speed-up with the same outcome: while the controller would send those frames unshifted and the
 * ROM's status reads carry no extra dummy, the chip takes all chunks but the last in one step
 * (SpiMemController.programPagesAtChip); the tail from the last full-size chunk on goes through
 * the registers, which then hold what the whole loop would have left in them.
 */
export function romWrite(env: RomEnvironment, dest: number, data: Uint8Array): number {
  const chip = readFlashChip(env.bus);
  const page = chip.pageSize || 256;
  let done = 0;
  if (page === PAGE_SIZE && readDummyLenPlus(env.bus, 1) === 0) {
    const tail = lastFullChunk(dest, data.length, page);
    if (tail > 0) done = env.spi1.programPagesAtChip(dest, data.subarray(0, tail), ROM_WRITE_CHUNK);
  }
  while (done < data.length) {
    const addr = dest + done;
    const n = writeChunk(addr, data.length - done, page);
    if (writeEnable(env) !== ROM_OK) return ROM_TIMEOUT;
    userCommand(env, { opcode: FLASH_OP.PP, address: addr, mosi: data.subarray(done, done + n), pe: true });
    if (waitFlashIdle(env) !== ROM_OK) return ROM_TIMEOUT;
    done += n;
  }
  return ROM_OK;
}

/** The ROM loop's chunk at `addr` with `left` bytes to go: at most ROM_WRITE_CHUNK, not past the page. */
function writeChunk(addr: number, left: number, page: number): number {
  return Math.min(ROM_WRITE_CHUNK, left, page - (addr % page));
}

/** Where the last chunk of ROM_WRITE_CHUNK bytes starts (it fills W0–W7); 0 if there is none. */
function lastFullChunk(dest: number, length: number, page: number): number {
  // Chunks that start aligned never meet a page boundary inside: all are full but maybe the last.
  if (dest % ROM_WRITE_CHUNK === 0 && page % ROM_WRITE_CHUNK === 0) return Math.max(0, Math.floor(length / ROM_WRITE_CHUNK) - 1) * ROM_WRITE_CHUNK;
  let last = 0;
  for (let done = 0; done < length; ) {
    const n = writeChunk(dest + done, length - done, page);
    if (n === ROM_WRITE_CHUNK) last = done;
    done += n;
  }
  return last;
}

const write = service('esp_rom_spiflash_write', (env) => {
  const dest = arg(env, 0);
  const src = arg(env, 1);
  const len = arg(env, 2) | 0;
  const chip = readFlashChip(env.bus);
  if ((dest & 3) || (len & 3) || len < 0 || dest + len > chip.chipSize) return ROM_ERR;
  // The source is only read while the write runs: a view of RAM where it lies in one region.
  return romWrite(env, dest, env.bus.viewBlock(src, len));
});

function eraseUnit(env: RomEnvironment, bits: number, address: number): number {
  if (writeEnable(env) !== ROM_OK) return ROM_TIMEOUT;
  hardwired(env, bits | SPI_CMD.FLASH_PE, address);
  return waitFlashIdle(env);
}

export function romEraseSector(env: RomEnvironment, sector: number): number {
  const chip = readFlashChip(env.bus);
  if (!chip.sectorSize || sector >= chip.chipSize / chip.sectorSize) return ROM_ERR;
  return eraseUnit(env, SPI_CMD.SE, sector * chip.sectorSize);
}

export function romEraseBlock(env: RomEnvironment, block: number): number {
  const chip = readFlashChip(env.bus);
  if (!chip.blockSize || block >= chip.chipSize / chip.blockSize) return ROM_ERR;
  return eraseUnit(env, SPI_CMD.BE, block * chip.blockSize);
}

const eraseSector = service('esp_rom_spiflash_erase_sector', (env) => romEraseSector(env, arg(env, 0)));
const eraseBlock = service('esp_rom_spiflash_erase_block', (env) => romEraseBlock(env, arg(env, 0)));
const eraseChip = service('esp_rom_spiflash_erase_chip', (env) => eraseUnit(env, SPI_CMD.CE, 0));

/** Sectors up to the next block boundary, whole blocks, then the trailing sectors. */
export function romEraseArea(env: RomEnvironment, start: number, length: number): number {
  const chip = readFlashChip(env.bus);
  const sector = chip.sectorSize || 0x1000;
  const block = chip.blockSize || 0x10000;
  if (start % sector !== 0 || start + length > chip.chipSize) return ROM_ERR;
  const u = unlock(env);
  if (u !== ROM_OK) return u;
  let addr = start;
  const end = start + Math.ceil(length / sector) * sector;
  while (addr < end) {
    let r: number;
    if (addr % block === 0 && end - addr >= block) {
      r = romEraseBlock(env, addr / block);
      addr += block;
    } else {
      r = romEraseSector(env, addr / sector);
      addr += sector;
    }
    if (r !== ROM_OK) return r;
  }
  return ROM_OK;
}

const eraseArea = service('esp_rom_spiflash_erase_area', (env) => romEraseArea(env, arg(env, 0), arg(env, 1)));

export const SPIFLASH_RW_SERVICES: readonly RomService[] = [read, write, eraseSector, eraseBlock, eraseChip, eraseArea];
