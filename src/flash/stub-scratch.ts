/**
 * Borrowing the stub's on-demand RAM as the calls need it. The loader leaves the image's on-demand
 * range (the scratch buffer and the deflate commands' decoder state) alone: the part a call is about
 * to write — by the stub (STUB_SCRATCH_USE) or by the host (a read buffer, a stream's ring) — is
 * backed up just before, and held until the stub is unloaded, which writes it all back. A probe so
 * borrows ~3 KiB of it instead of 85 KiB; a write session, which streams through all of it, the lot.
 */
import type { LoadedStub } from '../algorithm/loader.js';
import { STUB_SCRATCH_USE, type StubCommandName } from './stub-protocol.js';

const LABEL = 'stub scratch (on demand)';

/** Back up what `command` itself writes of the on-demand range (nothing for images without one). */
export async function claimForCommand(loaded: LoadedStub, command: StubCommandName): Promise<void> {
  const { onDemand, scratch } = loaded.image.symbols;
  const use = STUB_SCRATCH_USE[command];
  if (!onDemand || use === 0) return;
  if (use === 'all' || !scratch) await loaded.allocator.cover(onDemand.address, onDemand.size, LABEL);
  else await loaded.allocator.cover(scratch.address, Math.min(use, scratch.size), LABEL);
}

/** Back up the part of [address, address + size) inside the on-demand range, before writing there. */
export async function claimBuffer(loaded: LoadedStub, address: number, size: number): Promise<void> {
  const onDemand = loaded.image.symbols.onDemand;
  if (!onDemand) return;
  const from = Math.max(address, onDemand.address);
  const to = Math.min(address + size, onDemand.address + onDemand.size);
  if (from < to) await loaded.allocator.cover(from, to - from, LABEL);
}

/** Bytes of the on-demand range not backed up yet (what a deflate command would still claim). */
export function unheldOnDemand(loaded: LoadedStub): number {
  const onDemand = loaded.image.symbols.onDemand;
  return onDemand ? loaded.allocator.unheldBytes(onDemand.address, onDemand.size) : 0;
}
