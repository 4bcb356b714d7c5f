/**
 * A SPI NOR flash chip (W25Q-like) as seen from its pins, one command frame at a time.
 *
 * The SPI controller decides how many clocks it spends on address and dummy and asks the chip
 * how many it expects (`commandInfo`); the difference is how far the received data are shifted
 * (see the controller). The chip itself only deals in whole bytes.
 *
 * Modelled: JEDEC id, status registers 1/2 (WIP, WEL, BP, QE), WREN/WRDI, program (bits only go
 * from 1 to 0, the page wraps at 256 bytes), 4K/32K/64K/chip erase, reads (1/2/4-line variants),
 * busy time counted in status polls, commands ignored while busy, power cut mid-operation.
 * Simplification: any non-zero block-protect bit protects the whole array.
 */
import type { FlashBacking } from './backing.js';
import { checkFlashSize, defaultJedecId } from './jedec.js';
import { FLASH_OP, commandInfo, type CommandInfo } from './commands.js';

export const SR_WIP = 0x01;
export const SR_WEL = 0x02;
export const SR_BP_MASK = 0x1c;
export const SR2_QE = 0x02;

export const PAGE_SIZE = 0x100;

/** How many status reads WIP stays set for, per operation (0 = done at once). */
export interface FlashTiming {
  program: number;
  sectorErase: number;
  block32Erase: number;
  block64Erase: number;
  chipErase: number;
  writeStatus: number;
}

export const DEFAULT_FLASH_TIMING: FlashTiming = {
  program: 2,
  sectorErase: 6,
  block32Erase: 10,
  block64Erase: 14,
  chipErase: 40,
  writeStatus: 2,
};

export interface SpiNorOptions {
  backing: FlashBacking;
  /** 0xMMTTCC; default Winbond EF 40 with the capacity byte of the size. */
  jedecId?: number;
  timing?: Partial<FlashTiming>;
  /** Called after bytes of the array changed (program/erase finished or cut). */
  onChange?: (offset: number, length: number) => void;
  log?: (message: string) => void;
}

/** One frame as the chip receives it: opcode, decoded address (if the command has one), data in. */
export interface SpiFrame {
  readonly opcode: number;
  readonly address: number;
  readonly mosi: Uint8Array;
}

type PendingOp =
  | { kind: 'program'; address: number; data: Uint8Array; total: number; left: number }
  | { kind: 'erase'; address: number; length: number; total: number; left: number }
  | { kind: 'status'; sr1: number; sr2: number; total: number; left: number };

export interface PowerCutResult {
  /** What was in flight, if anything. */
  readonly interrupted?: 'program' | 'erase' | 'status';
  readonly address?: number;
  /** Bytes of the operation that had taken effect. */
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
}

/** The array reads (readArray). */
const READ_OPCODES: ReadonlySet<number> = new Set([
  FLASH_OP.READ,
  FLASH_OP.FAST_READ,
  FLASH_OP.READ_DUAL_OUT,
  FLASH_OP.READ_QUAD_OUT,
  FLASH_OP.READ_DUAL_IO,
  FLASH_OP.READ_QUAD_IO,
]);

export class SpiNorFlash {
  readonly size: number;
  readonly jedecId: number;
  readonly timing: FlashTiming;
  private sr1 = 0;
  private sr2 = 0;
  private pending: PendingOp | undefined;
  private poweredDown = false;
  private readonly warned = new Set<string>();
  /**
   * Counters for tests and diagnostics. `changeCommands`: program/erase frames received plus page
   * programs done in one step (programPages); `oneStepPrograms`: those page programs alone.
   */
  readonly stats = { frames: 0, ignoredWhileBusy: 0, unknownCommands: 0, protectedRejects: 0, changeCommands: 0, oneStepPrograms: 0 };
  /** An armed power cut (see armPowerCut) and whether it has happened. */
  private cut: ArmedPowerCut | undefined;
  private changesIgnored = false;

  constructor(private readonly options: SpiNorOptions) {
    checkFlashSize(options.backing.size);
    this.size = options.backing.size;
    this.jedecId = (options.jedecId ?? defaultJedecId(this.size)) >>> 0;
    this.timing = { ...DEFAULT_FLASH_TIMING, ...options.timing };
  }

  /** The array contents (live view; read only). */
  get bytes(): Uint8Array {
    return this.options.backing.bytes;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  get status1(): number {
    return (this.sr1 & ~SR_WIP) | (this.pending ? SR_WIP : 0);
  }

  get status2(): number {
    return this.sr2;
  }

  /** What the chip expects after the opcode (address length, dummy, data lines). */
  commandInfo(opcode: number): CommandInfo {
    return commandInfo(opcode);
  }

  /**
   * Run one frame (chip select low … high). Returns the first `readCount` bytes the chip drives
   * after its address and dummy phase (0xFF where it drives nothing). Side effects happen at the end.
   */
  transfer(frame: SpiFrame, readCount: number): Uint8Array {
    this.stats.frames++;
    const out = new Uint8Array(readCount).fill(0xff);
    const op = frame.opcode & 0xff;
    const addr = (frame.address >>> 0) % this.size;
    if (CHANGE_OPCODES.has(op)) {
      if (this.changesIgnored) return out;
      this.stats.changeCommands++;
      const result = this.command(op, addr, frame, readCount, out);
      this.checkPowerCut();
      return result;
    }
    return this.command(op, addr, frame, readCount, out);
  }

  private command(op: number, addr: number, frame: SpiFrame, readCount: number, out: Uint8Array): Uint8Array {
    if (this.pending && op !== FLASH_OP.RDSR && op !== FLASH_OP.RDSR2) {
      this.stats.ignoredWhileBusy++;
      this.warnOnce(`busy-${op}`, `flash: command 0x${hex2(op)} ignored while a program/erase is in progress`);
      return out;
    }
    if (this.poweredDown && op !== FLASH_OP.RES) return out;

    switch (op) {
      case FLASH_OP.RDID:
        for (let i = 0; i < readCount; i++) out[i] = (this.jedecId >>> (16 - 8 * (i % 3))) & 0xff;
        return out;
      case FLASH_OP.RDSR: {
        const s = this.status1;
        out.fill(s);
        this.poll();
        return out;
      }
      case FLASH_OP.RDSR2:
        out.fill(this.sr2);
        this.poll();
        return out;
      case FLASH_OP.READ:
      case FLASH_OP.FAST_READ:
      case FLASH_OP.READ_DUAL_OUT:
      case FLASH_OP.READ_QUAD_OUT:
      case FLASH_OP.READ_DUAL_IO:
      case FLASH_OP.READ_QUAD_IO:
        if (this.quadWithoutQe(op)) this.warnOnce('qe', `flash: quad read 0x${hex2(op)} with QE clear, the chip does not drive IO2/IO3`);
        return this.readInto(addr, out);
      case FLASH_OP.RES:
        this.poweredDown = false;
        for (let i = 0; i < readCount; i++) out[i] = ((this.jedecId & 0xff) - 1) & 0xff;
        return out;
      case FLASH_OP.REMS:
        for (let i = 0; i < readCount; i++) out[i] = i % 2 === 0 ? (this.jedecId >>> 16) & 0xff : ((this.jedecId & 0xff) - 1) & 0xff;
        return out;
      case FLASH_OP.WREN:
        this.sr1 |= SR_WEL;
        return out;
      case FLASH_OP.WRDI:
        this.sr1 &= ~SR_WEL;
        return out;
      case FLASH_OP.WRSR:
      case FLASH_OP.WRSR2:
        this.startWriteStatus(op, frame.mosi);
        return out;
      case FLASH_OP.PP:
      case FLASH_OP.QPP:
        this.startProgram(addr, frame.mosi);
        return out;
      case FLASH_OP.SE:
        this.startErase(addr & ~0xfff, 0x1000, this.timing.sectorErase);
        return out;
      case FLASH_OP.BE32:
        this.startErase(addr & ~0x7fff, 0x8000, this.timing.block32Erase);
        return out;
      case FLASH_OP.BE64:
        this.startErase(addr & ~0xffff, 0x10000, this.timing.block64Erase);
        return out;
      case FLASH_OP.CE:
      case FLASH_OP.CE2:
        this.startErase(0, this.size, this.timing.chipErase);
        return out;
      case FLASH_OP.DP:
        this.poweredDown = true;
        return out;
      case FLASH_OP.RESET_ENABLE:
      case FLASH_OP.SUSPEND:
      case FLASH_OP.RESUME:
      case FLASH_OP.HPM:
        return out;
      case FLASH_OP.RESET:
        this.sr1 &= ~SR_WEL;
        this.poweredDown = false;
        return out;
      default:
        this.stats.unknownCommands++;
        this.warnOnce(`unknown-${op}`, `flash: unknown command 0x${hex2(op)} ignored`);
        return out;
    }
  }

  /**
   * The effect of the command sequence WREN, PP, status reads until WIP clears — for each piece of
   * `data` cut at page boundaries and at `chunk` bytes — in one step, for a caller that would send
   * exactly that sequence with the chip idle (the simulated ROM's write loop). Stops before a piece
   * whose sequence would do anything but program it (chip busy or powered down, block-protect
   * bits set, program/erase commands being ignored after a power cut) or that an armed power cut
   * would hit; the caller sends that piece and the rest as frames. Returns the bytes programmed.
   */
  programPages(address: number, data: Uint8Array, chunk: number): number {
    const base = address >>> 0;
    if (chunk <= 0 || base + data.length > this.size) return 0;
    if (this.pending || this.poweredDown || this.changesIgnored || this.sr1 & SR_BP_MASK) return 0;
    // An armed cut must hit a frame: stop before the program it would fall on.
    const allowed = this.cut ? this.cut.at - this.stats.changeCommands - 1 : Infinity;
    let done = 0;
    let pieces = 0;
    if (allowed === Infinity && PAGE_SIZE % chunk === 0 && base % chunk === 0) {
      // Pieces never straddle a page: every one is `chunk` bytes but maybe the last.
      done = data.length;
      pieces = Math.ceil(done / chunk);
    }
    while (done < data.length && pieces < allowed) {
      done += Math.min(chunk, data.length - done, PAGE_SIZE - ((base + done) % PAGE_SIZE));
      pieces++;
    }
    if (done === 0) return 0;
    this.stats.changeCommands += pieces;
    this.stats.oneStepPrograms += pieces;
    this.sr1 &= ~SR_WEL; // WREN set it, the finished program cleared it
    this.options.backing.program(base, data.subarray(0, done));
    this.options.onChange?.(base, done);
    return done;
  }

  /**
   * The bytes `length` reads with `opcode` (READ … READ_QUAD_IO) from `address` on would return,
   * in one step, for a caller that would send those reads with their clocks as the chip expects
   * them (the simulated ROM's read loop). Undefined where a read frame would return anything but
   * the array (a program or erase in progress, powered down, a quad read with QE clear): the caller
   * sends frames then.
   */
  readArray(opcode: number, address: number, length: number): Uint8Array | undefined {
    if (!READ_OPCODES.has(opcode) || this.pending || this.poweredDown || this.quadWithoutQe(opcode)) return undefined;
    return this.readInto((address >>> 0) % this.size, new Uint8Array(length));
  }

  /** A quad read while QE is clear: the chip does not drive IO2/IO3. */
  private quadWithoutQe(op: number): boolean {
    return (op === FLASH_OP.READ_QUAD_OUT || op === FLASH_OP.READ_QUAD_IO) && !(this.sr2 & SR2_QE);
  }

  /** `out` filled with the array from `start` on (wrapping at the end, as a read does). */
  private readInto(start: number, out: Uint8Array): Uint8Array {
    if (start + out.length <= this.size) out.set(this.bytes.subarray(start, start + out.length));
    else for (let i = 0; i < out.length; i++) out[i] = this.bytes[(start + i) % this.size]!;
    return out;
  }

  /**
   * Fault injection: the `n`-th program/erase command from now (1 = the next) is cut part-way by a
   * power loss — `fraction()` of it takes effect, as with cutPower — and then `onCut` runs; from
   * then on the chip ignores program/erase commands (a dead chip) until restorePower().
   */
  armPowerCut(n: number, fraction?: () => number, onCut?: () => void): void {
    this.cut = { at: this.stats.changeCommands + Math.max(1, Math.floor(n)), ...(fraction ? { fraction } : {}), ...(onCut ? { onCut } : {}) };
  }

  /** Disarm any power cut and accept program/erase commands again. */
  restorePower(): void {
    this.cut = undefined;
    this.changesIgnored = false;
  }

  /** Whether an armed power cut has happened (program/erase commands are being ignored). */
  get powerLost(): boolean {
    return this.changesIgnored;
  }

  private checkPowerCut(): void {
    const cut = this.cut;
    if (!cut || this.stats.changeCommands < cut.at) return;
    this.cut = undefined;
    this.changesIgnored = true;
    this.lastCut = this.cutPower(cut.fraction?.());
    cut.onCut?.();
  }

  /** What the last armed power cut interrupted. */
  lastCut: PowerCutResult | undefined;

  /**
   * Stay busy (WIP set) for `polls` status reads without changing the array, as after a
   * write-status the program started just before it was halted. Ignored while already busy.
   */
  beginBusy(polls: number): void {
    if (this.pending || polls <= 0) return;
    this.pending = { kind: 'status', sr1: this.sr1, sr2: this.sr2, total: polls, left: polls };
  }

  /** Finish whatever is in flight at once (host-side helpers that do not poll). */
  settle(): void {
    if (this.pending) this.complete(this.pending);
  }

  /**
   * Remove power in the middle of an operation: the part of a program/erase that had taken effect
   * stays (`fraction` of its bytes; default the share of its busy time already spent), the rest
   * never happens, volatile state (WEL, power-down) is lost.
   */
  cutPower(fraction?: number): PowerCutResult {
    const op = this.pending;
    this.pending = undefined;
    this.sr1 &= ~(SR_WEL | SR_WIP);
    this.poweredDown = false;
    if (!op) return {};
    const share = Math.min(1, Math.max(0, fraction ?? (op.total === 0 ? 1 : (op.total - op.left) / op.total)));
    if (op.kind === 'status') return { interrupted: 'status', bytesDone: 0, bytesTotal: 1 };
    if (op.kind === 'program') {
      const done = Math.floor(op.data.length * share);
      this.applyProgram(op.address, op.data.subarray(0, done));
      return { interrupted: 'program', address: op.address, bytesDone: done, bytesTotal: op.data.length };
    }
    const done = Math.floor(op.length * share);
    this.applyErase(op.address, done);
    return { interrupted: 'erase', address: op.address, bytesDone: done, bytesTotal: op.length };
  }

  // ----------------------------------------------------------------------------------------

  private poll(): void {
    const op = this.pending;
    if (!op) return;
    if (op.left > 0) op.left--;
    if (op.left === 0) this.complete(op);
  }

  private complete(op: PendingOp): void {
    this.pending = undefined;
    this.sr1 &= ~SR_WEL;
    if (op.kind === 'program') this.applyProgram(op.address, op.data);
    else if (op.kind === 'erase') this.applyErase(op.address, op.length);
    else {
      this.sr1 = (op.sr1 & ~(SR_WIP | SR_WEL)) & 0xff;
      this.sr2 = op.sr2 & 0xff;
    }
  }

  private writeAllowed(what: string, checkProtect: boolean): boolean {
    if (!(this.sr1 & SR_WEL)) {
      this.warnOnce(`wel-${what}`, `flash: ${what} ignored because write enable (WEL) is not set; send WREN first`);
      return false;
    }
    if (checkProtect && this.sr1 & SR_BP_MASK) {
      this.stats.protectedRejects++;
      this.sr1 &= ~SR_WEL;
      this.warnOnce(`bp-${what}`, `flash: ${what} ignored because block-protect bits are set in the status register (unlock first)`);
      return false;
    }
    return true;
  }

  private startWriteStatus(op: number, data: Uint8Array): void {
    if (!this.writeAllowed('write status', false) || data.length === 0) return;
    let sr1 = this.sr1;
    let sr2 = this.sr2;
    if (op === FLASH_OP.WRSR) {
      sr1 = data[0]!;
      if (data.length > 1) sr2 = data[1]!;
    } else sr2 = data[0]!;
    this.begin({ kind: 'status', sr1, sr2, total: this.timing.writeStatus, left: this.timing.writeStatus });
  }

  private startProgram(address: number, data: Uint8Array): void {
    if (!this.writeAllowed('page program', true)) return;
    // More than a page: only the last 256 bytes count (W25Q behaviour); the address wraps in the page.
    const bytes = data.length > PAGE_SIZE ? data.slice(data.length - PAGE_SIZE) : data.slice();
    this.begin({ kind: 'program', address, data: bytes, total: this.timing.program, left: this.timing.program });
  }

  private startErase(address: number, length: number, polls: number): void {
    if (!this.writeAllowed(length === this.size ? 'chip erase' : 'erase', true)) return;
    this.begin({ kind: 'erase', address, length, total: polls, left: polls });
  }

  private begin(op: PendingOp): void {
    if (op.total === 0) this.complete(op);
    else this.pending = op;
  }

  private applyProgram(address: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const pageBase = address & ~(PAGE_SIZE - 1);
    // Past the page's end the address wraps to its start; each run is ANDed in, in order.
    let offsetInPage = address & (PAGE_SIZE - 1);
    for (let i = 0; i < data.length; ) {
      const n = Math.min(data.length - i, PAGE_SIZE - offsetInPage);
      this.options.backing.program(pageBase + offsetInPage, data.subarray(i, i + n));
      i += n;
      offsetInPage = (offsetInPage + n) & (PAGE_SIZE - 1);
    }
    this.options.onChange?.(pageBase, PAGE_SIZE);
  }

  private applyErase(address: number, length: number): void {
    if (length === 0) return;
    this.options.backing.store(address, new Uint8Array(length).fill(0xff));
    this.options.onChange?.(address, length);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.log?.(message);
  }
}

interface ArmedPowerCut {
  readonly at: number;
  readonly fraction?: () => number;
  readonly onCut?: () => void;
}

/** Commands that change the array. */
const CHANGE_OPCODES = new Set<number>([FLASH_OP.PP, FLASH_OP.QPP, FLASH_OP.SE, FLASH_OP.BE32, FLASH_OP.BE64, FLASH_OP.CE, FLASH_OP.CE2]);

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
