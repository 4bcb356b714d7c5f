/** The flash geometry of an open session, for the range checks of every operation. */
import type { FlashGeometry } from './planner.js';
import type { FlashSession } from './session.js';

export function sessionGeometry(session: FlashSession): FlashGeometry {
  return { flashSize: session.flashSize, sectorSize: session.sectorSize, addressLimit: session.addressLimit };
}

/** Split [address, address + length) into pieces of at most `piece` bytes. */
export function* pieces(address: number, length: number, piece: number): Generator<{ address: number; length: number }> {
  for (let at = 0; at < length; at += piece) yield { address: address + at, length: Math.min(piece, length - at) };
}
