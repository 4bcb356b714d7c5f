/**
 * Where a buffered transfer (deflate or chunked calls) keeps its two target buffers.
 *
 * In the stub's own scratch buffer when the image has one: RAM held for the rest of the session
 * once claimed (stub-scratch.ts), so nothing of the running program is backed up and restored per
 * write. WRITE_DEFLATED inflates into the first bytes of it (its window), so deflate splits the
 * rest in two; plain WRITE calls use no scratch, so they split the whole of it. Buffers are no
 * larger than the data to write (when known): a short write borrows little of the scratch.
 *
 * Otherwise (an image without scratch, or a buffer size asked for): two buffers borrowed from the
 * work area — backed up and restored by the allocator — halved until two fit.
 */
import { WorkAreaError } from '../algorithm/errors.js';
import type { WorkArea } from '../algorithm/work-area.js';
import { FlashError } from './errors.js';
import type { FlashSession } from './session.js';
import { claimBuffer } from './stub-scratch.js';

export interface TransferBuffers {
  readonly addresses: readonly [number, number];
  /** Bytes per buffer (a multiple of 4). */
  readonly size: number;
  /** In the stub's scratch buffer (true) or borrowed from the work area. */
  readonly inScratch: boolean;
  /** Give borrowed RAM back (restoring what it held); nothing to do for scratch. */
  release(): Promise<void>;
}

/** Smallest buffer worth using. */
const MIN_BUFFER = 0x1000;
/** Work-area buffers start at this size and halve until two fit. */
const DEFAULT_WORK_AREA_BUFFER = 0xa000;

/** Buffers for plain WRITE calls, or WRITE_DEFLATED ones inflating through `deflateWindow` bytes. */
export async function transferBuffers(session: FlashSession, deflateWindow: number | undefined, size?: number, dataBytes = Infinity): Promise<TransferBuffers> {
  const scratch = size === undefined ? session.loaded.image.symbols.scratch : undefined;
  if (scratch) {
    const reserved = deflateWindow ?? 0;
    const each = Math.min(Math.floor((scratch.size - reserved) / 2), Math.max(MIN_BUFFER, dataBytes + 3)) & ~3;
    if (each >= MIN_BUFFER) {
      const first = scratch.address + reserved;
      await claimBuffer(session.loaded, first, 2 * each);
      return { addresses: [first, first + each], size: each, inScratch: true, release: async () => undefined };
    }
  }
  const areas = await borrow(session, size ?? DEFAULT_WORK_AREA_BUFFER);
  return {
    addresses: [areas[0]!.address, areas[1]!.address],
    size: areas[0]!.size,
    inScratch: false,
    release: async () => {
      for (const a of [...areas].reverse()) await session.loaded.allocator.release(a);
    },
  };
}

async function borrow(session: FlashSession, wanted: number): Promise<WorkArea[]> {
  const allocator = session.loaded.allocator;
  for (let size = wanted; size >= MIN_BUFFER; size = size / 2) {
    const got: WorkArea[] = [];
    try {
      got.push(await allocator.allocate(size, 'flash write buffer A', { align: 4 }));
      got.push(await allocator.allocate(size, 'flash write buffer B', { align: 4 }));
      return got;
    } catch (error) {
      for (const a of got.reverse()) await allocator.release(a);
      // Only "no room" means try smaller buffers; a lost link or a failed RAM backup is the answer.
      if (!(error instanceof WorkAreaError)) throw error;
    }
  }
  throw new FlashError('FLASH_TRANSFER', 'no room for two 4 KiB write buffers in the work area', {
    action: 'Use a smaller stack size or a larger work area',
  });
}
