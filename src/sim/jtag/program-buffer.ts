/**
 * Executes the Debug Module's program buffer on a halted hart.
 *
 * Debuggers put a handful of instructions there: fence / fence.i before resuming, csrr/csrw to
 * reach registers abstract commands cannot, lw/sw + addi to move memory, auipc to find where the
 * buffer lives. This executor runs that subset of RV32I + Zicsr directly against the hart's
 * registers, CSRs and the system bus, one pass from progbuf0 until ebreak. There are no jumps or
 * branches, so a program runs at most `size` instructions. Anything outside the subset, a bus
 * fault, a misaligned access or a missing CSR is an exception: the Debug Module reports cmderr 3
 * and the hart stays halted.
 *
 * The buffer is mapped at `address` for the program itself: loads and stores there reach the
 * buffer words, never the bus (so probing whether the buffer is writable has no side effect).
 */
import type { SystemBusPort } from './system-bus.js';

export interface ProgramHost {
  readGpr(index: number): number;
  writeGpr(index: number, value: number): void;
  /** Throws when the CSR does not exist. */
  readCsr(csr: number): number;
  writeCsr(csr: number, value: number): void;
  readonly bus: SystemBusPort;
}

export type ProgramResult = { readonly ok: true; readonly executed: number } | { readonly ok: false; readonly executed: number; readonly reason: string };

class ProgramException extends Error {}

export class ProgramBuffer {
  readonly words: Uint32Array;
  /** Instructions executed over the buffer's lifetime (diagnostics). */
  executedTotal = 0;

  constructor(
    readonly size: number,
    /** Where the buffer appears to the program (auipc, loads, stores). */
    readonly address: number,
    /** True when an implicit ebreak follows the last word (dmstatus.impebreak). */
    readonly impebreak: boolean,
  ) {
    this.words = new Uint32Array(size);
  }

  reset(): void {
    this.words.fill(0);
  }

  execute(host: ProgramHost): ProgramResult {
    const end = this.size * 4;
    let offset = 0;
    let executed = 0;
    try {
      while (offset < end) {
        const low = this.halfword(offset);
        if ((low & 3) !== 3) {
          // 16-bit: only c.ebreak and c.nop are accepted.
          if (low === 0x9002) return this.done(executed);
          if (low !== 0x0001) throw new ProgramException(`compressed instruction 0x${low.toString(16)} is not supported in the program buffer`);
          offset += 2;
          executed++;
          continue;
        }
        if (offset + 4 > end) break;
        const insn = (low | (this.halfword(offset + 2) << 16)) >>> 0;
        if (insn === 0x00100073) return this.done(executed);
        this.step(insn, (this.address + offset) >>> 0, host);
        offset += 4;
        executed++;
      }
    } catch (error) {
      this.executedTotal += executed;
      if (error instanceof ProgramException) return { ok: false, executed, reason: error.message };
      return { ok: false, executed, reason: error instanceof Error ? error.message : String(error) };
    }
    if (this.impebreak) return this.done(executed);
    this.executedTotal += executed;
    return { ok: false, executed, reason: 'the program ran past the end of the program buffer without ebreak' };
  }

  private done(executed: number): ProgramResult {
    this.executedTotal += executed;
    return { ok: true, executed };
  }

  private halfword(offset: number): number {
    return (this.words[offset >>> 2]! >>> ((offset & 2) * 8)) & 0xffff;
  }

  private step(insn: number, pc: number, host: ProgramHost): void {
    const opcode = insn & 0x7f;
    const rd = (insn >>> 7) & 31;
    const f3 = (insn >>> 12) & 7;
    const rs1 = (insn >>> 15) & 31;
    const rs2 = (insn >>> 20) & 31;
    const immI = insn >> 20;
    const x = (r: number): number => (r === 0 ? 0 : host.readGpr(r) >>> 0);
    const set = (r: number, v: number): void => {
      if (r !== 0) host.writeGpr(r, v >>> 0);
    };
    switch (opcode) {
      case 0x37: // lui
        set(rd, insn & 0xfffff000);
        return;
      case 0x17: // auipc
        set(rd, pc + (insn & 0xfffff000));
        return;
      case 0x13: {
        const a = x(rs1);
        const sh = rs2;
        switch (f3) {
          case 0: set(rd, a + immI); return;
          case 2: set(rd, (a | 0) < immI ? 1 : 0); return;
          case 3: set(rd, a < (immI >>> 0) ? 1 : 0); return;
          case 4: set(rd, a ^ immI); return;
          case 6: set(rd, a | immI); return;
          case 7: set(rd, a & immI); return;
          case 1: if ((insn >>> 25) === 0) { set(rd, a << sh); return; } break;
          case 5:
            if ((insn >>> 25) === 0) { set(rd, a >>> sh); return; }
            if ((insn >>> 25) === 0x20) { set(rd, (a | 0) >> sh); return; }
            break;
        }
        break;
      }
      case 0x33: {
        const a = x(rs1);
        const b = x(rs2);
        const f7 = insn >>> 25;
        if (f7 === 0) {
          switch (f3) {
            case 0: set(rd, a + b); return;
            case 1: set(rd, a << (b & 31)); return;
            case 2: set(rd, (a | 0) < (b | 0) ? 1 : 0); return;
            case 3: set(rd, a < b ? 1 : 0); return;
            case 4: set(rd, a ^ b); return;
            case 5: set(rd, a >>> (b & 31)); return;
            case 6: set(rd, a | b); return;
            case 7: set(rd, a & b); return;
          }
        } else if (f7 === 0x20) {
          if (f3 === 0) { set(rd, a - b); return; }
          if (f3 === 5) { set(rd, (a | 0) >> (b & 31)); return; }
        }
        break;
      }
      case 0x03: {
        const addr = (x(rs1) + immI) >>> 0;
        switch (f3) {
          case 0: set(rd, (this.load(addr, 1, host) << 24) >> 24); return;
          case 1: set(rd, (this.load(addr, 2, host) << 16) >> 16); return;
          case 2: set(rd, this.load(addr, 4, host)); return;
          case 4: set(rd, this.load(addr, 1, host)); return;
          case 5: set(rd, this.load(addr, 2, host)); return;
        }
        break;
      }
      case 0x23: {
        const immS = ((insn >> 25) << 5) | ((insn >>> 7) & 31);
        const addr = (x(rs1) + immS) >>> 0;
        if (f3 <= 2) {
          this.store(addr, 1 << f3, x(rs2), host);
          return;
        }
        break;
      }
      case 0x0f: // fence, fence.i: memory is coherent here; nothing to do.
        if (f3 === 0 || f3 === 1) return;
        break;
      case 0x73: {
        if (f3 === 0 || f3 === 4) break;
        const csr = insn >>> 20;
        const operand = f3 >= 5 ? rs1 : x(rs1);
        const kind = f3 & 3; // 1 rw, 2 rs, 3 rc
        if (kind === 1) {
          const old = rd !== 0 ? host.readCsr(csr) : 0;
          host.writeCsr(csr, operand);
          set(rd, old);
        } else {
          const old = host.readCsr(csr);
          if (rs1 !== 0) host.writeCsr(csr, kind === 2 ? old | operand : old & ~operand);
          set(rd, old);
        }
        return;
      }
    }
    throw new ProgramException(`instruction 0x${insn.toString(16).padStart(8, '0')} is not supported in the program buffer`);
  }

  private inBuffer(addr: number, size: number): boolean {
    const off = (addr - this.address) >>> 0;
    return off < this.size * 4 && off + size <= this.size * 4;
  }

  private load(addr: number, size: number, host: ProgramHost): number {
    if (addr & (size - 1)) throw new ProgramException(`misaligned ${size}-byte load at 0x${addr.toString(16)}`);
    if (this.inBuffer(addr, size)) {
      const off = addr - this.address;
      const word = this.words[off >>> 2]!;
      return size === 4 ? word >>> 0 : (word >>> ((off & 3) * 8)) & (size === 2 ? 0xffff : 0xff);
    }
    return (size === 4 ? host.bus.read32(addr) : size === 2 ? host.bus.read16(addr) : host.bus.read8(addr)) >>> 0;
  }

  private store(addr: number, size: number, value: number, host: ProgramHost): void {
    if (addr & (size - 1)) throw new ProgramException(`misaligned ${size}-byte store at 0x${addr.toString(16)}`);
    if (this.inBuffer(addr, size)) {
      const off = addr - this.address;
      const i = off >>> 2;
      if (size === 4) this.words[i] = value >>> 0;
      else {
        const shift = (off & 3) * 8;
        const mask = (size === 2 ? 0xffff : 0xff) << shift;
        this.words[i] = ((this.words[i]! & ~mask) | ((value << shift) & mask)) >>> 0;
      }
      return;
    }
    if (size === 4) host.bus.write32(addr, value);
    else if (size === 2) host.bus.write16(addr, value & 0xffff);
    else host.bus.write8(addr, value & 0xff);
  }
}
