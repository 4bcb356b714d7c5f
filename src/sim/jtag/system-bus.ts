/**
 * System Bus Access (debug spec 0.13.2 §3.10): the debugger reads and writes memory through the
 * Debug Module without involving the hart, so it works while the hart runs.
 *
 * sbversion 1, sbasize 32, 8/16/32-bit accesses. Accesses complete at once (sbbusy never reads 1,
 * so sbbusyerror cannot arise from timing; it is still write-1-to-clear). A failing access sets
 * sberror (2 bad address, 3 misaligned, 4 unsupported size); while sberror or sbbusyerror is set,
 * no access starts.
 */
import { BusFault } from '../device.js';
import { DM, SBCS, SBERROR } from './dm-registers.js';

/** The memory the Debug Module reaches: the simulator's Bus satisfies this. */
export interface SystemBusPort {
  read8(address: number): number;
  read16(address: number): number;
  read32(address: number): number;
  write8(address: number, value: number): void;
  write16(address: number, value: number): void;
  write32(address: number, value: number): void;
}

const CONTROL_MASK = SBCS.sbreadonaddr | (SBCS.sbaccessMask << SBCS.sbaccessShift) | SBCS.sbautoincrement | SBCS.sbreadondata;
const CAPABILITIES = (1 << SBCS.sbversionShift) | (32 << SBCS.sbasizeShift) | SBCS.sbaccess32 | SBCS.sbaccess16 | SBCS.sbaccess8;

export class SystemBusAccess {
  /** sbreadonaddr, sbaccess, sbautoincrement, sbreadondata as last written. */
  private control = 2 << SBCS.sbaccessShift;
  private sberror = 0;
  private sbbusyerror = false;
  private address = 0;
  private data = 0;
  /** Counts of bus accesses made (diagnostics). */
  accesses = 0;

  constructor(private readonly bus: SystemBusPort) {}

  reset(): void {
    this.control = 2 << SBCS.sbaccessShift;
    this.sberror = 0;
    this.sbbusyerror = false;
    this.address = 0;
    this.data = 0;
  }

  /** Handles a DMI read of an SBA register; undefined for other addresses. */
  read(address: number): number | undefined {
    switch (address) {
      case DM.sbcs:
        return (CAPABILITIES | this.control | (this.sberror << SBCS.sberrorShift) | (this.sbbusyerror ? SBCS.sbbusyerror : 0)) >>> 0;
      case DM.sbaddress0:
        return this.address >>> 0;
      case DM.sbdata0: {
        const value = this.data >>> 0;
        if (this.control & SBCS.sbreadondata && this.canStart()) this.access(false);
        return value;
      }
      case DM.sbaddress1:
      case DM.sbaddress2:
      case DM.sbaddress3:
      case DM.sbdata1:
      case DM.sbdata2:
      case DM.sbdata3:
        return 0;
      default:
        return undefined;
    }
  }

  /** Handles a DMI write of an SBA register; false for other addresses. */
  write(address: number, value: number): boolean {
    switch (address) {
      case DM.sbcs:
        this.control = value & CONTROL_MASK;
        if (value & SBCS.sbbusyerror) this.sbbusyerror = false;
        // sberror is write-1-to-clear per bit.
        this.sberror &= ~((value >>> SBCS.sberrorShift) & 7);
        return true;
      case DM.sbaddress0:
        this.address = value >>> 0;
        if (this.control & SBCS.sbreadonaddr && this.canStart()) this.access(false);
        return true;
      case DM.sbdata0:
        this.data = value >>> 0;
        if (this.canStart()) this.access(true);
        return true;
      case DM.sbaddress1:
      case DM.sbaddress2:
      case DM.sbaddress3:
      case DM.sbdata1:
      case DM.sbdata2:
      case DM.sbdata3:
        return true;
      default:
        return false;
    }
  }

  private canStart(): boolean {
    return this.sberror === 0 && !this.sbbusyerror;
  }

  private access(write: boolean): void {
    const sizeCode = (this.control >>> SBCS.sbaccessShift) & SBCS.sbaccessMask;
    if (sizeCode > 2) {
      this.sberror = SBERROR.unsupportedSize;
      return;
    }
    const size = 1 << sizeCode;
    const addr = this.address >>> 0;
    if (addr & (size - 1)) {
      this.sberror = SBERROR.alignment;
      return;
    }
    this.accesses++;
    try {
      if (write) {
        if (size === 4) this.bus.write32(addr, this.data);
        else if (size === 2) this.bus.write16(addr, this.data & 0xffff);
        else this.bus.write8(addr, this.data & 0xff);
      } else {
        this.data = (size === 4 ? this.bus.read32(addr) : size === 2 ? this.bus.read16(addr) : this.bus.read8(addr)) >>> 0;
      }
    } catch (error) {
      // Nothing answers at that address: bad address. Anything else a device throws: "other".
      this.sberror = error instanceof BusFault ? SBERROR.badAddress : SBERROR.other;
      return;
    }
    if (this.control & SBCS.sbautoincrement) this.address = (addr + size) >>> 0;
  }
}
