/** Calls a ROM function on the simulated chip the way OpenOCD does: trampoline `jalr a7; ebreak`. */
import type { SimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { romAddress } from '../../../src/sim/esp32c3/rom/symbols.js';

export const TRAMPOLINE = 0x40380000;
export const STACK_TOP = 0x3fcb0000;
export const SCRATCH = 0x3fca0000;

export async function callRom(sim: SimulatedEsp32c3, name: string, args: readonly number[] = []): Promise<number> {
  const t = sim.target;
  if (t.state() === 'running') await t.halt();
  const fn = romAddress(name);
  if (fn === undefined) throw new Error(`no ROM symbol ${name}`);
  await t.writeMemory(TRAMPOLINE, new Uint8Array([0xe7, 0x80, 0x08, 0x00, 0x73, 0x00, 0x10, 0x00]));
  const regs: Record<string, number> = { pc: TRAMPOLINE, a7: fn, sp: STACK_TOP - 16, ra: 0 };
  args.forEach((v, i) => (regs[`a${i}`] = v >>> 0));
  await t.writeRegisters(regs);
  await t.resume();
  const stop = await t.waitForHalt(5000);
  if (stop.reason !== 'breakpoint') throw new Error(`ROM call ${name} stopped with ${stop.reason} at 0x${stop.pc?.toString(16)}`);
  return t.readRegister('a0');
}

export async function readWord(sim: SimulatedEsp32c3, addr: number): Promise<number> {
  const b = await sim.target.readMemory(addr, 4);
  return new DataView(b.buffer, b.byteOffset).getUint32(0, true);
}
