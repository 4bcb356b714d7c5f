/**
 * Everything the instruction loop does off its fast path: decoding a slot, device and misaligned
 * loads/stores, memory triggers, CSR instructions, host calls and unknown ROM addresses.
 */
import { decode16, decode32 } from './decode.js';
import { Op, pack } from './ops.js';
import type { Hart } from './hart.js';
import { HostCallError, UnknownRomCallError } from './types.js';
import type { TriggerAction } from './triggers.js';

/** A load/store the hart cannot perform misaligned (device registers). */
export class MisalignedAccess extends Error {
  constructor(readonly address: number, readonly store: boolean) {
    super(`misaligned ${store ? 'store' : 'load'} at 0x${address.toString(16)}`);
  }
}

/** A CSR instruction the program may not execute (missing CSR, write to a read-only one). */
export class IllegalCsrAccess extends Error {
  constructor(readonly bits: number) {
    super('illegal CSR access');
  }
}

/** A load/store trigger matched (timing "before": the access did not happen). */
export class TriggerHit extends Error {
  constructor(readonly action: TriggerAction, readonly address: number) {
    super('trigger hit');
  }
}

const scratch = new Int32Array(2);

/** Decodes the instruction at `pc` into page[slot], page[slot+1]. Throws BusFault on a fetch fault. */
export function decodeInto(h: Hart, pc: number, page: Int32Array, slot: number): void {
  if (h.hostCalls.has(pc)) {
    page[slot] = pack(Op.HOST_CALL, false, 0, 0, 0);
    page[slot + 1] = 0;
    return;
  }
  if (pc >= h.romStart && pc < h.romEnd && !romHoldsCode(h, pc)) {
    page[slot] = pack(Op.ROM_UNKNOWN, false, 0, 0, 0);
    page[slot + 1] = 0;
    return;
  }
  const lo = h.bus.fetch16(pc);
  if ((lo & 3) === 3) {
    const next = (pc + 2) >>> 0;
    const hi = h.bus.fetch16(next);
    if (next >>> 12 !== pc >>> 12) h.bus.watchCode(next >>> 12);
    decode32((lo | (hi << 16)) >>> 0, scratch);
  } else {
    decode16(lo, scratch);
  }
  page[slot] = scratch[0]!;
  page[slot + 1] = scratch[1]!;
}

/** ROM bytes that are not zero are instructions the hart runs (the reset vector's); zeros are functions not modelled. */
function romHoldsCode(h: Hart, pc: number): boolean {
  const region = h.bus.regionAt(pc);
  return region !== undefined && region.kind === 'ram' && h.bus.fetch16(pc) !== 0;
}

function isRamSpan(h: Hart, addr: number, size: number): boolean {
  for (let k = 0; k < size; k++) {
    const r = h.bus.regionAt((addr + k) >>> 0);
    if (!r || r.kind !== 'ram') return false;
  }
  return true;
}

export function loadSlow(h: Hart, addr: number, size: number, signed: boolean): number {
  const t = h.csr.triggers;
  if (t.memoryArmed) {
    const action = t.checkMemory(addr, size, false);
    if (action) throw new TriggerHit(action, addr);
  }
  const bus = h.bus;
  let v: number;
  if ((addr & (size - 1)) !== 0) {
    if (!isRamSpan(h, addr, size)) throw new MisalignedAccess(addr, false);
    v = 0;
    for (let k = size - 1; k >= 0; k--) v = (v << 8) | bus.read8((addr + k) >>> 0);
  } else {
    v = size === 1 ? bus.read8(addr) : size === 2 ? bus.read16(addr) : bus.read32(addr);
  }
  if (size === 1) return signed ? (v << 24) >> 24 : v & 0xff;
  if (size === 2) return signed ? (v << 16) >> 16 : v & 0xffff;
  return v | 0;
}

export function storeSlow(h: Hart, addr: number, size: number, value: number): void {
  const t = h.csr.triggers;
  if (t.memoryArmed) {
    const action = t.checkMemory(addr, size, true);
    if (action) throw new TriggerHit(action, addr);
  }
  const bus = h.bus;
  if ((addr & (size - 1)) !== 0) {
    if (!isRamSpan(h, addr, size)) throw new MisalignedAccess(addr, true);
    for (let k = 0; k < size; k++) bus.write8((addr + k) >>> 0, value >>> (8 * k));
    return;
  }
  if (size === 1) bus.write8(addr, value & 0xff);
  else if (size === 2) bus.write16(addr, value & 0xffff);
  else bus.write32(addr, value >>> 0);
}

/**
 * CSRRW/S/C (kind 0–2) and CSRRWI/SI/CI (kind 3–5). `rs1` is the register index or the 5-bit
 * immediate; returns the old value (for rd).
 */
export function execCsr(h: Hart, kind: number, csr: number, rs1: number, rs1Value: number, rd: number): number {
  const op = kind % 3;
  const src = kind >= 3 ? rs1 : rs1Value >>> 0;
  const writes = op === 0 || rs1 !== 0;
  const f3 = (kind >= 3 ? 4 : 0) | (op + 1);
  const bits = ((csr << 20) | (rs1 << 15) | (f3 << 12) | ((rd & 31) << 7) | 0x73) >>> 0;
  if (!h.csr.exists(csr, false) || (writes && csr >>> 10 === 3)) throw new IllegalCsrAccess(bits);
  const old = h.csr.read(csr)!;
  if (writes) {
    const next = op === 0 ? src : op === 1 ? old | src : old & ~src;
    h.csr.write(csr, next, false);
  }
  return old | 0;
}

/** Runs the host call at pc; returns where execution continues. */
export function hostCall(h: Hart, pc: number): number {
  const call = h.hostCalls.get(pc)!;
  try {
    call.fn(h);
  } catch (e) {
    throw new HostCallError(pc, call.name, e);
  }
  h.regs[0] = 0;
  return h.pcValue === pc ? h.regs[1]! & ~1 : h.pcValue;
}

/** A ROM address without a host call: the handler may serve it, otherwise the hart stops. */
export function romUnknown(h: Hart, pc: number): number {
  const handler = h.unknownExecuteHandler;
  if (handler && handler(h, pc)) {
    h.regs[0] = 0;
    return h.pcValue === pc ? h.regs[1]! & ~1 : h.pcValue;
  }
  throw new UnknownRomCallError(pc, h.romSymbolLookup(pc));
}
