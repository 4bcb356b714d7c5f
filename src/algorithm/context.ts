/** Saving and restoring the interrupted program's CPU context around a run. */
import type { Target } from '../target/types.js';
import { RestoreMismatchError } from './errors.js';

export type SavedContext = ReadonlyMap<string, number>;

export async function saveContext(target: Target, names: readonly string[]): Promise<SavedContext> {
  return target.readRegisters(names);
}

export async function restoreContext(target: Target, saved: SavedContext): Promise<void> {
  await target.writeRegisters(saved);
}

/** Read the context back and throw RestoreMismatchError if any register differs from the saved value. */
export async function verifyContext(target: Target, saved: SavedContext): Promise<void> {
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
