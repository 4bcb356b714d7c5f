/** The flash geometry of an open session, for the range checks of every operation. */
import { FlashError } from './errors.js';
import type { FlashGeometry } from './planner.js';
import type { FlashSession } from './session.js';

/** Every operation starts here: a closed session (its stub unloaded) fails with FLASH_SESSION. */
export function sessionGeometry(session: FlashSession): FlashGeometry {
  assertSessionOpen(session);
  return { flashSize: session.flashSize, sectorSize: session.sectorSize, addressLimit: session.addressLimit };
}

export function assertSessionOpen(session: FlashSession): void {
  if (session.closed) {
    throw new FlashError('FLASH_SESSION', 'the flash session is closed: its stub was unloaded and the target given back', {
      action: 'Open a new session (openFlashSession) for more flash operations',
    });
  }
}

/** Split [address, address + length) into pieces of at most `piece` bytes. */
export function* pieces(address: number, length: number, piece: number): Generator<{ address: number; length: number }> {
  for (let at = 0; at < length; at += piece) yield { address: address + at, length: Math.min(piece, length - at) };
}
