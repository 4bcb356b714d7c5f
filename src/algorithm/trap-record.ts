/**
 * The stub trap record: 128 bytes a stub's trap handler fills before halting, read by the runner
 * after every run. Layout (little-endian u32 words): 0 magic 'TRAP' (0x54524150), 1 version (1),
 * 2 flags (1 = RISC-V, 2 = Xtensa), 3 cause, 4 epc, 5 tval, 6 status, 7 sp, 8 ra, 9 hart id.
 */
import type { Target } from '../target/types.js';
import type { TrapInfo } from './errors.js';

export const TRAP_RECORD_MAGIC = 0x54524150;
export const TRAP_RECORD_SIZE = 128;

/** Clear the record's magic so a stale record from an earlier run is never reported. */
export async function clearTrapRecord(target: Target, address: number): Promise<void> {
  await target.writeMemory(address, new Uint8Array(4));
}

/** Read the record; undefined if the stub did not fill it. */
export async function readTrapRecord(
  target: Target,
  address: number,
  describeCause: (cause: number) => string,
): Promise<TrapInfo | undefined> {
  const bytes = await target.readMemory(address, 40);
  return decodeTrapRecord(bytes, describeCause);
}

export function decodeTrapRecord(bytes: Uint8Array, describeCause: (cause: number) => string): TrapInfo | undefined {
  if (bytes.length < 40) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(0) !== TRAP_RECORD_MAGIC) return undefined;
  const cause = word(3);
  return {
    source: 'trap-record',
    cause,
    epc: word(4),
    tval: word(5),
    status: word(6),
    sp: word(7),
    ra: word(8),
    description: describeCause(cause),
  };
}
