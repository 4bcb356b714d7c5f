/**
 * The instruction loop. Instructions are decoded once into per-page Int32Arrays (two words per
 * halfword slot, see ops.ts) and executed by one switch over literal op numbers. RAM loads and
 * stores go straight to the bus's per-page DataViews; everything else takes the slow path in
 * slow-path.ts. Locals that the slow path may change (pending interrupts, halt requests, armed
 * triggers, the current page) are re-read after every slow-path operation.
 */
import { BusFault } from '../device.js';
import type { Hart } from './hart.js';
import { TrapCause } from './hart.js';
import { decodeInto, loadSlow, storeSlow, execCsr, hostCall, romUnknown, MisalignedAccess, IllegalCsrAccess, TriggerHit } from './slow-path.js';
import type { RunResult } from './types.js';

const PAGE_MASK = -4096;

export function execute(h: Hart, budget: number): RunResult {
  if (h.haltedFlag) return { reason: 'halted', executed: 0 };
  if (h.waiting) {
    // interruptStateChanged() clears `waiting` when an enabled interrupt becomes pending.
    if (!h.stepping) return { reason: 'wfi', executed: 0 };
    h.waiting = false;
  }
  const stepping = h.stepping;
  if (stepping) budget = Math.min(budget, 1);
  const regs = h.regs;
  const bus = h.bus;
  const pageView = bus.pageView;
  const pageOffset = bus.pageOffset;
  const pageWritable = bus.pageWritable;
  const codeWatch = bus.codeWatch;
  const triggers = h.csr.triggers;
  regs[0] = 0;

  let pc = h.pcValue | 0;
  let n = 0;
  /** instructionsRetired = retiredBase + n; a ROM service that takes simulated time moves the base. */
  let retiredBase = h.instructionsRetired;
  let stop: RunResult['reason'] = 'budget';
  let error: Error | undefined;
  let page: Int32Array = new Int32Array(0);
  let pageBase = 1; // never equal to (pc & PAGE_MASK)
  // Attention locals, re-read after slow-path operations.
  let irq = h.irqPending && !stepping;
  let execBp = h.breakpoints.size > 0 || triggers.executeArmed;
  let memTrig = triggers.memoryArmed;
  let skipBp = h.resumeSkip === -1 ? 1 : h.resumeSkip | 0; // 1 never matches an instruction address (odd)
  let skipTriggers = h.resumeSkipTriggers === -1 ? 1 : h.resumeSkipTriggers | 0;
  h.resumeSkip = -1;
  h.resumeSkipTriggers = -1;
  h.running = true;

  outer: for (;;) {
    try {
      while (n < budget) {
        if (irq || execBp) {
        if (irq) {
          const cause = h.pendingInterrupt();
          pc = h.trap(cause, 0, pc >>> 0, true) | 0;
          irq = h.irqPending;
        }
        if (execBp) {
          const upc = pc >>> 0;
          if (pc !== skipBp && h.breakpoints.has(upc)) {
            h.enterDebug('ebreak');
            stop = 'halted';
            break outer;
          }
          if (pc !== skipTriggers && triggers.executeArmed) {
            const action = triggers.checkExecute(upc);
            if (action === 'debug') {
              h.enterDebug('trigger');
              stop = 'halted';
              break outer;
            }
            if (action === 'exception') {
              pc = h.trap(TrapCause.breakpoint, upc, upc) | 0;
              n++;
              continue;
            }
          }
          skipBp = 1;
          skipTriggers = 1;
        }
        }
        if ((pc & PAGE_MASK) !== pageBase) {
          pageBase = pc & PAGE_MASK;
          const pn = pc >>> 12;
          let p = h.pages.get(pn);
          if (p === undefined) {
            p = new Int32Array(4096);
            h.pages.set(pn, p);
            bus.watchCode(pn);
          }
          page = p;
        }
        const slot = pc & 0xffe;
        let w = page[slot]!;
        if (w === 0) {
          decodeInto(h, pc >>> 0, page, slot);
          w = page[slot]!;
        }
        const imm = page[slot + 1]!;
        const rd = (w >>> 8) & 63;
        const rs1 = (w >>> 14) & 31;
        const rs2 = (w >>> 19) & 31;
        const len = ((w >> 6) & 2) + 2;
        switch (w & 0x7f) {
          case 1: // ILLEGAL
            pc = h.trap(TrapCause.illegalInstruction, imm, pc >>> 0) | 0;
            break;
          case 2: regs[rd] = imm; pc = (pc + len) | 0; break; // LUI
          case 3: regs[rd] = (pc + imm) | 0; pc = (pc + len) | 0; break; // AUIPC
          case 4: regs[rd] = (pc + len) | 0; pc = (pc + imm) | 0; break; // JAL
          case 5: { // JALR
            const t = (regs[rs1]! + imm) & ~1;
            regs[rd] = (pc + len) | 0;
            pc = t;
            break;
          }
          case 6: pc = regs[rs1] === regs[rs2] ? (pc + imm) | 0 : (pc + len) | 0; break; // BEQ
          case 7: pc = regs[rs1] !== regs[rs2] ? (pc + imm) | 0 : (pc + len) | 0; break; // BNE
          case 8: pc = regs[rs1]! < regs[rs2]! ? (pc + imm) | 0 : (pc + len) | 0; break; // BLT
          case 9: pc = regs[rs1]! >= regs[rs2]! ? (pc + imm) | 0 : (pc + len) | 0; break; // BGE
          case 10: pc = regs[rs1]! >>> 0 < regs[rs2]! >>> 0 ? (pc + imm) | 0 : (pc + len) | 0; break; // BLTU
          case 11: pc = regs[rs1]! >>> 0 >= regs[rs2]! >>> 0 ? (pc + imm) | 0 : (pc + len) | 0; break; // BGEU
          case 12: { // LB
            const a = (regs[rs1]! + imm) | 0;
            const v = pageView[a >>> 12];
            if (v !== null && !memTrig) regs[rd] = v!.getInt8(pageOffset[a >>> 12]! + (a & 0xfff));
            else { regs[rd] = loadSlow(h, a >>> 0, 1, true); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 13: { // LH
            const a = (regs[rs1]! + imm) | 0;
            const v = pageView[a >>> 12];
            if (v !== null && !memTrig && (a & 0xfff) <= 0xffe) regs[rd] = v!.getInt16(pageOffset[a >>> 12]! + (a & 0xfff), true);
            else { regs[rd] = loadSlow(h, a >>> 0, 2, true); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 14: { // LW
            const a = (regs[rs1]! + imm) | 0;
            const v = pageView[a >>> 12];
            if (v !== null && !memTrig && (a & 0xfff) <= 0xffc) regs[rd] = v!.getInt32(pageOffset[a >>> 12]! + (a & 0xfff), true);
            else { regs[rd] = loadSlow(h, a >>> 0, 4, true); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 15: { // LBU
            const a = (regs[rs1]! + imm) | 0;
            const v = pageView[a >>> 12];
            if (v !== null && !memTrig) regs[rd] = v!.getUint8(pageOffset[a >>> 12]! + (a & 0xfff));
            else { regs[rd] = loadSlow(h, a >>> 0, 1, false); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 16: { // LHU
            const a = (regs[rs1]! + imm) | 0;
            const v = pageView[a >>> 12];
            if (v !== null && !memTrig && (a & 0xfff) <= 0xffe) regs[rd] = v!.getUint16(pageOffset[a >>> 12]! + (a & 0xfff), true);
            else { regs[rd] = loadSlow(h, a >>> 0, 2, false); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 17: { // SB
            const a = (regs[rs1]! + imm) | 0;
            const p = a >>> 12;
            if (pageWritable[p] === 1 && !memTrig) {
              pageView[p]!.setInt8(pageOffset[p]! + (a & 0xfff), regs[rs2]!);
              if (codeWatch[p] === 1) { bus.codeWritten(p); pageBase = 1; }
            } else { storeSlow(h, a >>> 0, 1, regs[rs2]!); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 18: { // SH
            const a = (regs[rs1]! + imm) | 0;
            const p = a >>> 12;
            if (pageWritable[p] === 1 && !memTrig && (a & 0xfff) <= 0xffe) {
              pageView[p]!.setInt16(pageOffset[p]! + (a & 0xfff), regs[rs2]!, true);
              if (codeWatch[p] === 1) { bus.codeWritten(p); pageBase = 1; }
            } else { storeSlow(h, a >>> 0, 2, regs[rs2]!); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 19: { // SW
            const a = (regs[rs1]! + imm) | 0;
            const p = a >>> 12;
            if (pageWritable[p] === 1 && !memTrig && (a & 0xfff) <= 0xffc) {
              pageView[p]!.setInt32(pageOffset[p]! + (a & 0xfff), regs[rs2]!, true);
              if (codeWatch[p] === 1) { bus.codeWritten(p); pageBase = 1; }
            } else { storeSlow(h, a >>> 0, 4, regs[rs2]!); irq = h.irqPending && !stepping; pageBase = 1; if (h.haltRequested || h.haltedFlag) { pc = (pc + len) | 0; n++; stop = 'halted'; break outer; } }
            pc = (pc + len) | 0;
            break;
          }
          case 20: regs[rd] = (regs[rs1]! + imm) | 0; pc = (pc + len) | 0; break; // ADDI
          case 21: regs[rd] = regs[rs1]! < imm ? 1 : 0; pc = (pc + len) | 0; break; // SLTI
          case 22: regs[rd] = regs[rs1]! >>> 0 < imm >>> 0 ? 1 : 0; pc = (pc + len) | 0; break; // SLTIU
          case 23: regs[rd] = regs[rs1]! ^ imm; pc = (pc + len) | 0; break; // XORI
          case 24: regs[rd] = regs[rs1]! | imm; pc = (pc + len) | 0; break; // ORI
          case 25: regs[rd] = regs[rs1]! & imm; pc = (pc + len) | 0; break; // ANDI
          case 26: regs[rd] = regs[rs1]! << imm; pc = (pc + len) | 0; break; // SLLI
          case 27: regs[rd] = regs[rs1]! >>> imm; pc = (pc + len) | 0; break; // SRLI
          case 28: regs[rd] = regs[rs1]! >> imm; pc = (pc + len) | 0; break; // SRAI
          case 29: regs[rd] = (regs[rs1]! + regs[rs2]!) | 0; pc = (pc + len) | 0; break; // ADD
          case 30: regs[rd] = (regs[rs1]! - regs[rs2]!) | 0; pc = (pc + len) | 0; break; // SUB
          case 31: regs[rd] = regs[rs1]! << regs[rs2]!; pc = (pc + len) | 0; break; // SLL
          case 32: regs[rd] = regs[rs1]! < regs[rs2]! ? 1 : 0; pc = (pc + len) | 0; break; // SLT
          case 33: regs[rd] = regs[rs1]! >>> 0 < regs[rs2]! >>> 0 ? 1 : 0; pc = (pc + len) | 0; break; // SLTU
          case 34: regs[rd] = regs[rs1]! ^ regs[rs2]!; pc = (pc + len) | 0; break; // XOR
          case 35: regs[rd] = regs[rs1]! >>> regs[rs2]!; pc = (pc + len) | 0; break; // SRL
          case 36: regs[rd] = regs[rs1]! >> regs[rs2]!; pc = (pc + len) | 0; break; // SRA
          case 37: regs[rd] = regs[rs1]! | regs[rs2]!; pc = (pc + len) | 0; break; // OR
          case 38: regs[rd] = regs[rs1]! & regs[rs2]!; pc = (pc + len) | 0; break; // AND
          case 39: regs[rd] = Math.imul(regs[rs1]!, regs[rs2]!); pc = (pc + len) | 0; break; // MUL
          case 40: regs[rd] = mulhs(regs[rs1]!, regs[rs2]!); pc = (pc + len) | 0; break; // MULH
          case 41: regs[rd] = mulhsu(regs[rs1]!, regs[rs2]!); pc = (pc + len) | 0; break; // MULHSU
          case 42: regs[rd] = mulhu(regs[rs1]!, regs[rs2]!); pc = (pc + len) | 0; break; // MULHU
          case 43: { // DIV
            const a = regs[rs1]!;
            const b = regs[rs2]!;
            regs[rd] = b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : (a / b) | 0;
            pc = (pc + len) | 0;
            break;
          }
          case 44: { // DIVU
            const b = regs[rs2]! >>> 0;
            regs[rd] = b === 0 ? -1 : ((regs[rs1]! >>> 0) / b) | 0;
            pc = (pc + len) | 0;
            break;
          }
          case 45: { // REM
            const a = regs[rs1]!;
            const b = regs[rs2]!;
            regs[rd] = b === 0 ? a : b === -1 ? 0 : a % b;
            pc = (pc + len) | 0;
            break;
          }
          case 46: { // REMU
            const b = regs[rs2]! >>> 0;
            regs[rd] = b === 0 ? regs[rs1]! : (regs[rs1]! >>> 0) % b;
            pc = (pc + len) | 0;
            break;
          }
          case 47: pc = (pc + len) | 0; break; // FENCE
          case 62: // PAUSE: the program spins waiting for something outside the hart; let the host run
            pc = (pc + len) | 0;
            n++;
            stop = 'pause';
            break outer;
          case 48: // FENCE_I
            h.pages.clear();
            pageBase = 1;
            pc = (pc + len) | 0;
            break;
          case 49: // ECALL
            pc = h.trap(TrapCause.ecallM, 0, pc >>> 0) | 0;
            break;
          case 50: // EBREAK
            if (h.ebreakHalts) {
              h.enterDebug('ebreak');
              stop = 'halted';
              break outer;
            }
            pc = h.trap(TrapCause.breakpoint, 0, pc >>> 0) | 0; // mtval 0, as QEMU does
            break;
          case 51: // MRET
            pc = h.mret() | 0;
            irq = h.irqPending && !stepping;
            break;
          case 52: // WFI
            pc = (pc + len) | 0;
            if (!stepping && (h.csr.mip & h.csr.mie) === 0) {
              n++;
              h.waiting = true;
              stop = 'wfi';
              break outer;
            }
            break;
          case 53: case 54: case 55: case 56: case 57: case 58: { // CSRRW..CSRRCI
            h.instructionsRetired = retiredBase + n;
            const old = execCsr(h, (w & 0x7f) - 53, imm, rs1, regs[rs1]!, rd);
            regs[rd] = old;
            pc = (pc + len) | 0;
            irq = h.irqPending && !stepping;
            execBp = h.breakpoints.size > 0 || triggers.executeArmed;
            memTrig = triggers.memoryArmed;
            break;
          }
          case 59: // FETCH_FAULT (not cached; decodeInto throws instead)
            pc = h.trap(TrapCause.instructionAccessFault, pc >>> 0, pc >>> 0) | 0;
            break;
          case 60: // HOST_CALL
            h.pcValue = pc >>> 0;
            h.instructionsRetired = retiredBase + n;
            pc = hostCall(h, pc >>> 0) | 0;
            // Cycles the call added (ets_delay_us, tinfl's per-byte cost) count as time passed.
            retiredBase = h.instructionsRetired - n;
            pageBase = 1;
            irq = h.irqPending && !stepping;
            execBp = h.breakpoints.size > 0 || triggers.executeArmed;
            memTrig = triggers.memoryArmed;
            if (h.haltRequested || h.haltedFlag) { n++; stop = 'halted'; break outer; }
            break;
          case 61: { // ROM_UNKNOWN
            h.pcValue = pc >>> 0;
            h.instructionsRetired = retiredBase + n;
            const next = romUnknown(h, pc >>> 0);
            retiredBase = h.instructionsRetired - n;
            pc = next | 0;
            pageBase = 1;
            irq = h.irqPending && !stepping;
            break;
          }
          default:
            throw new Error(`decoded op ${w & 0x7f} at 0x${(pc >>> 0).toString(16)} has no handler`);
        }
        n++;
      }
      break;
    } catch (e) {
      const upc = pc >>> 0;
      if (e instanceof BusFault) {
        const cause = e.access === 'fetch' ? TrapCause.instructionAccessFault : e.access === 'store' ? TrapCause.storeAccessFault : TrapCause.loadAccessFault;
        pc = h.trap(cause, e.access === 'fetch' ? upc : e.address, upc) | 0;
      } else if (e instanceof MisalignedAccess) {
        pc = h.trap(e.store ? TrapCause.storeMisaligned : TrapCause.loadMisaligned, e.address, upc) | 0;
      } else if (e instanceof IllegalCsrAccess) {
        pc = h.trap(TrapCause.illegalInstruction, e.bits, upc) | 0;
      } else if (e instanceof TriggerHit) {
        if (e.action === 'debug') {
          h.enterDebug('trigger');
          stop = 'halted';
          break;
        }
        pc = h.trap(TrapCause.breakpoint, e.address, upc) | 0;
      } else {
        error = e instanceof Error ? e : new Error(String(e));
        h.enterDebug('haltreq');
        stop = 'error';
        break;
      }
      n++;
      pageBase = 1;
      irq = h.irqPending && !stepping;
      continue outer;
    }
  }
  h.running = false;
  h.pcValue = pc >>> 0;
  h.instructionsRetired = retiredBase + n;
  if (stop === 'budget' || stop === 'wfi' || stop === 'pause') {
    if (h.haltRequested) {
      h.enterDebug('haltreq');
      stop = 'halted';
    } else if (stepping && n > 0) {
      h.enterDebug('step');
      stop = 'halted';
    }
  } else if (stop === 'halted' && !h.haltedFlag) {
    h.enterDebug(stepping && n > 0 ? 'step' : 'haltreq');
  }
  if (error) h.lastError = error;
  return error ? { reason: stop, executed: n, error } : { reason: stop, executed: n };
}

function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl;
  const m1 = ah * bl + (ll >>> 16);
  const m2 = al * bh + (m1 & 0xffff);
  return (ah * bh + Math.floor(m1 / 0x10000) + Math.floor(m2 / 0x10000)) | 0;
}

function mulhs(a: number, b: number): number {
  // signed × signed high word: unsigned high minus corrections
  let hi = mulhu(a, b);
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  return hi;
}

function mulhsu(a: number, b: number): number {
  let hi = mulhu(a, b);
  if (a < 0) hi = (hi - b) | 0;
  return hi;
}
