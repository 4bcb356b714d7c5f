/** Reading flash through the stub (READ, 4-byte aligned; odd lengths are read rounded up and cut). */
import { pieces, sessionGeometry } from './geometry.js';
import { checkRange } from './planner.js';
import { PhaseProgress, type FlashOperationOptions } from './progress.js';
import type { FlashSession } from './session.js';

export interface ReadOptions extends FlashOperationOptions {
}

export async function readFlash(session: FlashSession, offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
  // The length as given first (1.5 is no length), then as read: rounded up to whole words.
  checkRange(sessionGeometry(session), offset, length, 'read', 'word');
  const padded = Math.ceil(length / 4) * 4;
  checkRange(sessionGeometry(session), offset, padded, 'read', 'word');
  const out = new Uint8Array(padded);
  const progress = new PhaseProgress(options, 'read', length, { address: offset });
  for (const p of pieces(offset, padded, 0x10000)) {
    out.set(await session.stub.read(p.address, p.length), p.address - offset);
    progress.advance(p.length);
  }
  progress.finish();
  return out.subarray(0, length);
}
