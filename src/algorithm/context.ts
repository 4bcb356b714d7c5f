/** Saving and restoring the interrupted program's CPU context around a run. */
import type { Target } from '../target/types.js';
import { RestoreMismatchError } from './errors.js';

export type SavedContext = ReadonlyMap<string, number>;

export async function saveContext(target: Target, names: readonly string[]): Promise<SavedContext> {
  return target.readRegisters(names);
}

/**
 * Put the saved context back. `lazy`: where the target stages register writes, they reach the CPU
 * no later than its next resume or step (sharing that round trip) — the CPU cannot tell, it does not
 * run in between. Error paths restore eagerly.
 */
export async function restoreContext(target: Target, saved: SavedContext, lazy = false): Promise<void> {
  if (lazy) await stageRegisters(target, saved);
  else await target.writeRegisters(saved);
}

/** Stage register writes where the target can (they leave with its next resume), else write them. */
export async function stageRegisters(target: Target, values: ReadonlyMap<string, number>): Promise<void> {
  if (target.stageRegisters) await target.stageRegisters(values);
  else await target.writeRegisters(values);
}

/** Read the context back from the CPU (staged writes sent, caches dropped) and throw RestoreMismatchError if any register differs. */
export async function verifyContext(target: Target, saved: SavedContext): Promise<void> {
  await target.flushRegisters?.({ refetch: true });
  const now = await target.readRegisters([...saved.keys()]);
  const mismatches: { what: string; expected: number; found: number }[] = [];
  for (const [name, value] of saved) {
    const found = now.get(name);
    if (found === undefined || found >>> 0 !== value >>> 0) mismatches.push({ what: name, expected: value, found: found ?? 0 });
  }
  if (mismatches.length > 0) throw new RestoreMismatchError(mismatches);
}

/** A plain-object copy of a register map, for error reports. */
export function snapshot(registers: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(registers);
}
