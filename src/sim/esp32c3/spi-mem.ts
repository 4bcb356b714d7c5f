/**
 * SPI_MEM controller (SPI1: the register path to the flash; SPI0: the cache's side, registers only).
 *
 * Writing CMD starts a transaction at once; the command bits then read back set for
 * `cmdPolls` more reads of CMD before they clear, so that software waits are exercised.
 *
 * User transactions (CMD.USR) follow USER/USER1/USER2/ADDR/MOSI_DLEN/MISO_DLEN/W0–W15. The clocks
 * the controller spends after the opcode (address + dummy, incl. TIMING_CALI extra dummy) are
 * compared with the clocks the flash expects for that opcode; the difference shifts the data as
 * facts §3.5 describes (see spi-shift.ts).
 *
 * Hard-wired commands (READ, WREN, WRDI, RDID, RDSR, WRSR, PP, SE, BE, CE, DP, RES, HPM) send a fixed
 * opcode. Modelling choice (⚠ not documented by the vendor): the read-type ones (READ, RDID, RDSR,
 * RES) use USER.USR_DUMMY/USER1 dummy length and TIMING_CALI extra dummy as their dummy phase, so a
 * left-over dummy set-up shifts them exactly as it shifts a user RDID.
 */
import type { SpiNorFlash } from '../flash/spi-nor.js';
import type { CommandInfo } from '../flash/commands.js';
import { FLASH_OP } from '../flash/commands.js';
import { RegisterBlock } from './register-block.js';
import { BitStream, bytesNeeded, shiftReceived } from './spi-shift.js';
import {
  SPI1_RESETS,
  SPI_CMD,
  SPI_CMD_START_MASK,
  SPI_CTRL,
  SPI_MEM_SIZE,
  SPI_REG,
  SPI_USER,
  TIMING_CALI_ENABLE,
  TIMING_CALI_EXTRA_MASK,
  TIMING_CALI_EXTRA_SHIFT,
} from './spi-mem-regs.js';

/** A shared empty buffer (never written). */
const NOTHING = new Uint8Array(0);

export interface SpiMemOptions {
  /** Reads of CMD during which a started command still shows as busy (default 1). */
  readonly cmdPolls?: number;
  readonly log?: (message: string) => void;
}

/** One transaction as it went over the wire (for tests and tracing). */
export interface SpiTrace {
  readonly opcode: number;
  readonly address?: number;
  /** Controller clocks after the opcode minus the clocks the flash expected. */
  readonly clockDifference: number;
  readonly mosi: Uint8Array;
  readonly miso: Uint8Array;
}

/** Controller clocks after the opcode (address on `addrLines`, then `dummy`) minus the clocks the chip expects. */
function clockDifference(info: CommandInfo, addrBits: number, addrLines: number, dummy: number): number {
  return Math.ceil(addrBits / addrLines) + dummy - (Math.ceil(info.addressBits / info.addressLines) + info.dummyCycles);
}

/** The controller sends the address and dummy bits the chip expects: the chip sees them unshifted. */
function sentAsExpected(info: CommandInfo, addrBits: number, addrLines: number, dummy: number): boolean {
  return addrBits === info.addressBits && dummy * addrLines === info.dummyCycles * info.addressLines;
}

export class SpiMemController extends RegisterBlock {
  private busyReads = 0;
  private busyBits = 0;
  private readonly cmdPolls: number;
  /** The most recent transaction (undefined before the first). */
  lastTransaction: SpiTrace | undefined;
  transactions = 0;

  constructor(name: string, private readonly flash: SpiNorFlash | null, private readonly options: SpiMemOptions = {}) {
    super(name, SPI_MEM_SIZE, SPI1_RESETS);
    this.cmdPolls = options.cmdPolls ?? 1;
  }

  override resetRegisters(): void {
    super.resetRegisters();
    this.busyReads = 0;
    this.busyBits = 0;
  }

  /** True while a started command still reads back in CMD. */
  get commandPending(): boolean {
    return this.busyReads > 0;
  }

  protected override readReg(offset: number): number {
    if (offset === SPI_REG.CMD) {
      const rest = this.peek(SPI_REG.CMD) & ~SPI_CMD_START_MASK;
      if (this.busyReads > 0) {
        this.busyReads--;
        return (rest | this.busyBits) >>> 0;
      }
      return rest >>> 0;
    }
    if (offset === SPI_REG.FSM) return this.peek(offset) & ~0x7f; // CSPI_ST and EM_ST idle
    return super.readReg(offset);
  }

  protected override writeReg(offset: number, value: number): void {
    if (offset === SPI_REG.CMD) {
      const start = value & SPI_CMD_START_MASK;
      this.poke(SPI_REG.CMD, value & ~SPI_CMD_START_MASK);
      if (start) this.execute(start >>> 0);
      return;
    }
    if (offset === SPI_REG.TX_CRC || offset === SPI_REG.DATE) return; // read-only
    super.writeReg(offset, value);
  }

  /** Run the command bits `bits` of a CMD write. */
  execute(bits: number): void {
    this.transactions++;
    if (this.flash) {
      if (bits & SPI_CMD.USR) this.userTransaction();
      else this.hardwired(bits);
    }
    this.busyBits = bits;
    this.busyReads = this.cmdPolls;
  }

  /**
   * For the ROM's write loop: the page programs of `data` at `address` done in one step at the chip
   * (SpiNorFlash.programPages) when the frames the loop would send through these registers reach
   * the chip unshifted — no TIMING_CALI extra dummy, which would shift its status reads. Registers
   * are not touched. Returns the bytes programmed; the caller sends the rest as frames.
   */
  programPagesAtChip(address: number, data: Uint8Array, chunk: number): number {
    if (!this.flash || this.timingExtraDummy() !== 0) return 0;
    return this.flash.programPages(address & 0xffffff, data, chunk);
  }

  /**
   * For the ROM's read loop: `length` bytes at `address` read in one step at the chip
   * (SpiNorFlash.readArray) when each user read the loop would send — `opcode`, a 24-bit address on
   * the lines CTRL selects, `dummy` clocks plus any TIMING_CALI extra — reaches the chip with the
   * clocks it expects, so its data comes back unshifted. Registers are not touched. Undefined
   * otherwise; the caller sends frames.
   */
  readAtChip(opcode: number, address: number, length: number, dummy: number): Uint8Array | undefined {
    if (!this.flash) return undefined;
    const info = this.flash.commandInfo(opcode);
    const lines = this.ctrlLines().addr;
    const clocks = dummy + this.timingExtraDummy();
    if (info.direction !== 'out' || !sentAsExpected(info, 24, lines, clocks) || clockDifference(info, 24, lines, clocks) !== 0) return undefined;
    return this.flash.readArray(opcode, address & 0xffffff, length);
  }

  // ---- data buffer ---------------------------------------------------------------------------

  private readBuffer(byteOffset: number, count: number): Uint8Array {
    const out = new Uint8Array(count);
    let word = 0;
    for (let i = 0; i < count; i++) {
      const b = (byteOffset + i) & 63;
      if (i === 0 || (b & 3) === 0) word = this.peek(SPI_REG.W0 + (b & ~3));
      out[i] = (word >>> ((b & 3) * 8)) & 0xff;
    }
    return out;
  }

  private writeBuffer(byteOffset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const b = (byteOffset + i) & 63;
      const off = SPI_REG.W0 + (b & ~3);
      const shift = (b & 3) * 8;
      this.poke(off, (this.peek(off) & ~(0xff << shift)) | (data[i]! << shift));
    }
  }

  // ---- timing helpers ------------------------------------------------------------------------

  private timingExtraDummy(): number {
    const cali = this.peek(SPI_REG.TIMING_CALI);
    return cali & TIMING_CALI_ENABLE ? (cali >>> TIMING_CALI_EXTRA_SHIFT) & TIMING_CALI_EXTRA_MASK : 0;
  }

  private userDummy(): number {
    const user = this.peek(SPI_REG.USER);
    return user & SPI_USER.USR_DUMMY ? (this.peek(SPI_REG.USER1) & 0x3f) + 1 : 0;
  }

  /** Lines of the address phase and of the read-data phase CTRL selects. */
  private ctrlLines(): { addr: number; data: number } {
    const ctrl = this.peek(SPI_REG.CTRL);
    if (!(ctrl & SPI_CTRL.FASTRD_MODE)) return { addr: 1, data: 1 };
    if (ctrl & SPI_CTRL.FREAD_QIO) return { addr: 4, data: 4 };
    if (ctrl & SPI_CTRL.FREAD_DIO) return { addr: 2, data: 2 };
    if (ctrl & SPI_CTRL.FREAD_QUAD) return { addr: 1, data: 4 };
    if (ctrl & SPI_CTRL.FREAD_DUAL) return { addr: 1, data: 2 };
    return { addr: 1, data: 1 };
  }

  // ---- the wire ------------------------------------------------------------------------------

  /**
   * Send one frame: opcode, then `addrBits` of `address` on `addrLines`, `dummy` idle clocks,
   * `mosi` bytes, and sample `misoBytes` bytes. Returns what the controller received.
   */
  private frame(opcode: number, addrBits: number, address: number, addrLines: number, dummy: number, mosi: Uint8Array, misoBytes: number): Uint8Array {
    const flash = this.flash!;
    const info = flash.commandInfo(opcode);
    const diff = clockDifference(info, addrBits, addrLines, dummy);

    let devAddress: number;
    let devMosi: Uint8Array;
    if (sentAsExpected(info, addrBits, addrLines, dummy) && (diff === 0 || info.direction !== 'out')) {
      // The common case: the controller sends the address and dummy bits the chip expects (and,
      // for a read, on the clocks it expects), so the chip sees them unshifted — the same result
      // as the bit stream below, without building it.
      devAddress = addrBits > 0 ? (addrBits >= 32 ? address >>> 0 : (address >>> 0) % 2 ** addrBits) : 0;
      devMosi = info.direction === 'in' ? mosi.slice() : NOTHING;
    } else {
      // What the chip sees after the opcode: the address bits, idle 1s during dummy, then data.
      const sent = new BitStream();
      sent.push(address >>> 0, addrBits);
      sent.pushOnes(dummy * addrLines);
      sent.pushBytes(mosi);
      devAddress = info.addressBits > 0 ? sent.value(0, info.addressBits) : 0;
      const devDataStart = info.addressBits + info.dummyCycles * info.addressLines;
      devMosi = info.direction === 'in' ? sent.bytesFrom(devDataStart) : NOTHING;
    }

    let miso: Uint8Array = misoBytes > 0 ? new Uint8Array(misoBytes).fill(0xff) : NOTHING;
    if (info.direction === 'out') {
      const shift = diff * info.dataLines;
      const stream = flash.transfer({ opcode, address: devAddress, mosi: devMosi }, bytesNeeded(misoBytes, shift));
      miso = shiftReceived(stream, shift, misoBytes);
    } else {
      flash.transfer({ opcode, address: devAddress, mosi: devMosi }, 0);
    }
    this.lastTransaction = {
      opcode,
      ...(info.addressBits > 0 ? { address: devAddress } : {}),
      clockDifference: diff,
      mosi: devMosi,
      miso,
    };
    return miso;
  }

  private userTransaction(): void {
    const user = this.peek(SPI_REG.USER);
    const user1 = this.peek(SPI_REG.USER1);
    const user2 = this.peek(SPI_REG.USER2);
    if (!(user & SPI_USER.USR_COMMAND)) {
      this.options.log?.(`${this.name}: user transaction without a command phase is not modelled; ignored`);
      return;
    }
    const cmdBits = (user2 >>> 28) + 1;
    const opcode = cmdBits >= 8 ? ((user2 & 0xffff) >>> (cmdBits - 8)) & 0xff : (user2 & 0xff);
    const lines = this.ctrlLines();
    const addrBits = user & SPI_USER.USR_ADDR ? (user1 >>> 26) + 1 : 0;
    const address = addrBits >= 32 ? this.peek(SPI_REG.ADDR) : this.peek(SPI_REG.ADDR) % 2 ** addrBits;
    const dummy = this.userDummy() + this.timingExtraDummy();
    const mosiBits = user & SPI_USER.USR_MOSI ? (this.peek(SPI_REG.MOSI_DLEN) & 0x3ff) + 1 : 0;
    const misoBits = user & SPI_USER.USR_MISO ? (this.peek(SPI_REG.MISO_DLEN) & 0x3ff) + 1 : 0;
    const mosi = this.readBuffer(user & SPI_USER.MOSI_HIGHPART ? 32 : 0, Math.ceil(mosiBits / 8));
    const miso = this.frame(opcode, addrBits, address, addrBits ? lines.addr : 1, dummy, mosi, Math.ceil(misoBits / 8));
    if (misoBits > 0) this.writeBuffer(user & SPI_USER.MISO_HIGHPART ? 32 : 0, miso);
  }

  private hardwired(bits: number): void {
    const addrReg = this.peek(SPI_REG.ADDR);
    const a24 = addrReg & 0xffffff;
    const readDummy = this.userDummy() + this.timingExtraDummy();
    const none = new Uint8Array(0);
    const ctrl = this.peek(SPI_REG.CTRL);
    if (bits & SPI_CMD.WREN) this.frame(FLASH_OP.WREN, 0, 0, 1, 0, none, 0);
    if (bits & SPI_CMD.WRDI) this.frame(FLASH_OP.WRDI, 0, 0, 1, 0, none, 0);
    if (bits & SPI_CMD.RDID) {
      const id = this.frame(FLASH_OP.RDID, 0, 0, 1, readDummy, none, 3);
      this.poke(SPI_REG.W0, id[0]! | (id[1]! << 8) | (id[2]! << 16));
    }
    if (bits & SPI_CMD.RDSR) {
      const two = (ctrl & SPI_CTRL.WRSR_2B) !== 0;
      const s = this.frame(FLASH_OP.RDSR, 0, 0, 1, readDummy, none, two ? 2 : 1);
      const old = this.peek(SPI_REG.RD_STATUS);
      this.poke(SPI_REG.RD_STATUS, two ? (old & ~0xffff) | s[0]! | (s[1]! << 8) : (old & ~0xff) | s[0]!);
    }
    if (bits & SPI_CMD.WRSR) {
      const st = this.peek(SPI_REG.RD_STATUS);
      const data = ctrl & SPI_CTRL.WRSR_2B ? new Uint8Array([st & 0xff, (st >>> 8) & 0xff]) : new Uint8Array([st & 0xff]);
      this.frame(FLASH_OP.WRSR, 0, 0, 1, 0, data, 0);
    }
    if (bits & SPI_CMD.PP) {
      const count = Math.min(64, (addrReg >>> 24) & 0xff);
      this.frame(FLASH_OP.PP, 24, a24, 1, 0, this.readBuffer(0, count), 0);
    }
    if (bits & SPI_CMD.SE) this.frame(FLASH_OP.SE, 24, a24, 1, 0, none, 0);
    if (bits & SPI_CMD.BE) this.frame(FLASH_OP.BE64, 24, a24, 1, 0, none, 0);
    if (bits & SPI_CMD.CE) this.frame(FLASH_OP.CE, 0, 0, 1, 0, none, 0);
    if (bits & SPI_CMD.DP) this.frame(FLASH_OP.DP, 0, 0, 1, 0, none, 0);
    if (bits & SPI_CMD.HPM) this.frame(FLASH_OP.HPM, 0, 0, 1, 0, none, 0);
    if (bits & SPI_CMD.RES) {
      const id = this.frame(FLASH_OP.RES, 24, 0, 1, readDummy, none, 1);
      if (ctrl & SPI_CTRL.RESANDRES) this.poke(SPI_REG.RD_STATUS, (this.peek(SPI_REG.RD_STATUS) & ~0xff) | id[0]!);
    }
    if (bits & SPI_CMD.FLASH_READ) {
      const lines = this.ctrlLines();
      const opcode = this.readOpcode(ctrl);
      const bytes = Math.min(64, Math.ceil(((this.peek(SPI_REG.MISO_DLEN) & 0x3ff) + 1) / 8));
      const data = this.frame(opcode, 24, a24, lines.addr, readDummy, none, bytes);
      this.writeBuffer(0, data);
    }
  }

  /** The read opcode CTRL's mode bits select (facts §2.6). */
  readOpcode(ctrl = this.peek(SPI_REG.CTRL)): number {
    if (!(ctrl & SPI_CTRL.FASTRD_MODE)) return FLASH_OP.READ;
    if (ctrl & SPI_CTRL.FREAD_QIO) return FLASH_OP.READ_QUAD_IO;
    if (ctrl & SPI_CTRL.FREAD_DIO) return FLASH_OP.READ_DUAL_IO;
    if (ctrl & SPI_CTRL.FREAD_QUAD) return FLASH_OP.READ_QUAD_OUT;
    if (ctrl & SPI_CTRL.FREAD_DUAL) return FLASH_OP.READ_DUAL_OUT;
    return FLASH_OP.FAST_READ;
  }
}
