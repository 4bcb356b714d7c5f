/** Blank check through the stub (ERASE_CHECK): is every byte 0xFF, and if not, where is the first other one. */
import { pieces, sessionGeometry } from './geometry.js';
import { checkRange } from './planner.js';
import { PhaseProgress, type FlashOperationOptions } from './progress.js';
import type { FlashSession } from './session.js';

export interface BlankCheckOptions extends FlashOperationOptions {
}

export interface BlankCheckReport {
  readonly address: number;
  readonly length: number;
  readonly blank: boolean;
  /** Flash offset of the first byte that is not 0xFF. */
  readonly firstNonBlank?: number;
}

export async function blankCheckFlash(session: FlashSession, offset: number, length: number, options: BlankCheckOptions = {}): Promise<BlankCheckReport> {
  checkRange(sessionGeometry(session), offset, length, 'blank check', 'word', true);
  const progress = new PhaseProgress(options, 'blank-check', length, { address: offset });
  try {
    for (const p of pieces(offset, length, 0x100000)) {
      const r = await session.stub.eraseCheck(p.address, p.length);
      progress.advance(p.length);
      if (!r.blank) return { address: offset, length, blank: false, firstNonBlank: r.firstNonBlank! };
    }
    return { address: offset, length, blank: true };
  } finally {
    progress.finish();
  }
}
