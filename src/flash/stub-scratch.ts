/**
 * Borrowing the stub's on-demand RAM as the calls need it. The loader leaves the image's on-demand
 * range (the scratch buffer and the deflate commands' decoder state) alone: the part a call is about
 * to write — by the stub (STUB_SCRATCH_USE, and a deflate command's inflater state) or by the host
 * (a read buffer, a stream's ring) — is backed up just before, and held until the stub is unloaded,
 * which writes it all back. A probe so borrows ~3 KiB of it instead of 85 KiB; a deflated write its
 * inflate window (4 to 32 KiB), one inflater's state and its ring.
 */
import type { LoadedStub } from '../algorithm/loader.js';
import type { StubRange } from '../algorithm/stub-image.js';
import { INFLATER_STATE_REGION, STUB_SCRATCH_USE, type StubCall } from './stub-protocol.js';

const LABEL = 'stub scratch (on demand)';

/**
 * What `call` itself writes of the on-demand range: its part of the scratch buffer and its
 * inflater's decoder state. All of the range for an image that does not say where those lie.
 */
export function commandClaims(loaded: LoadedStub, call: Pick<StubCall, 'command' | 'inflater' | 'window'>): StubRange[] {
  const { onDemand, scratch, regions } = loaded.image.symbols;
  const use = call.window ?? STUB_SCRATCH_USE[call.command];
  if (!onDemand || use === 0) return [];
  const state = call.inflater && regions?.[INFLATER_STATE_REGION[call.inflater]];
  if (!scratch || (call.inflater && !state)) return [onDemand];
  const claims = [{ address: scratch.address, size: Math.min(use, scratch.size) }];
  return state ? [...claims, state] : claims;
}

/** Back up what `call` itself writes of the on-demand range (nothing for images without one). */
export async function claimForCommand(loaded: LoadedStub, call: Pick<StubCall, 'command' | 'inflater' | 'window'>): Promise<void> {
  for (const r of commandClaims(loaded, call)) await loaded.allocator.cover(r.address, r.size, LABEL);
}

/** Bytes `call` would still have to back up before it runs. */
export function unheldForCommand(loaded: LoadedStub, call: Pick<StubCall, 'command' | 'inflater' | 'window'>): number {
  return commandClaims(loaded, call).reduce((n, r) => n + loaded.allocator.unheldBytes(r.address, r.size), 0);
}

/** Back up the part of [address, address + size) inside the on-demand range, before writing there. */
export async function claimBuffer(loaded: LoadedStub, address: number, size: number): Promise<void> {
  const onDemand = loaded.image.symbols.onDemand;
  if (!onDemand) return;
  const from = Math.max(address, onDemand.address);
  const to = Math.min(address + size, onDemand.address + onDemand.size);
  if (from < to) await loaded.allocator.cover(from, to - from, LABEL);
}
