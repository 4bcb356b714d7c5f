/**
 * RISC-V semihosting as ESP-IDF uses it to publish its debug-stubs table: the sequence
 * `slli x0,x0,0x1f; ebreak; srai x0,x0,7` with a0 = operation and a1 = argument. When the CPU halts on
 * that ebreak, the debugger performs the operation, puts the result in a0 and resumes after it.
 */
import type { StopInfo, Target } from '../target/types.js';

export const SEMIHOSTING_SLLI = 0x01f01013; // slli x0, x0, 0x1f
export const SEMIHOSTING_EBREAK = 0x00100073; // ebreak
export const SEMIHOSTING_SRAI = 0x40705013; // srai x0, x0, 7
/** ESP-IDF: publish the debug-stubs table (a1 = table address). */
export const ESP_SEMIHOSTING_SYS_DBG_STUBS_INIT = 0x102;

export interface SemihostingCall {
  readonly operation: number;
  readonly argument: number;
  readonly pc: number;
}

/** If the target stopped on a semihosting ebreak, return the call (without handling it). */
export async function recogniseSemihosting(target: Target, stop: StopInfo): Promise<SemihostingCall | undefined> {
  if (target.architecture !== 'riscv32') return undefined;
  const pc = stop.pc ?? (await target.readRegister('pc'));
  const bytes = await target.readMemory(pc - 4, 12).catch(() => undefined);
  if (!bytes) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== SEMIHOSTING_SLLI || view.getUint32(4, true) !== SEMIHOSTING_EBREAK || view.getUint32(8, true) !== SEMIHOSTING_SRAI) {
    return undefined;
  }
  const regs = await target.readRegisters(['a0', 'a1']);
  return { operation: regs.get('a0')!, argument: regs.get('a1')!, pc };
}

/** Finish a semihosting call: a0 = result, continue after the ebreak. Leaves the target halted. */
export async function completeSemihosting(target: Target, call: SemihostingCall, result: number): Promise<void> {
  await target.writeRegisters({ a0: result >>> 0, pc: (call.pc + 4) >>> 0 });
}
