/**
 * Flash operations by partition name: the partition table is found on the chip (at the given
 * offset, at 0x8000, or by searching every 4 KiB up to 1 MiB, as the probe does), read through the
 * stub and decoded by the image toolkit; the named entry gives the range.
 */
import { hex32 } from '../chips/types.js';
import { ImageFormatError } from '../image/errors.js';
import { parsePartitionTable, PARTITION_TABLE_MAX_LENGTH } from '../image/partition-table.js';
import type { PartitionEntry } from '../image/types.js';
import { FlashError } from './errors.js';
import { findTable, SparseFlash } from './probe-mappings.js';
import type { FlashSession } from './session.js';

export interface NamedPartition {
  readonly entry: PartitionEntry;
  readonly tableOffset: number;
  /** How the table was found, e.g. "found at the default 0x00008000". */
  readonly tableNote: string;
}

export interface FindPartitionOptions {
  /** Where the table is; default: 0x8000, else searched. */
  readonly tableOffset?: number;
}

export interface ChipPartitionTable {
  readonly entries: readonly PartitionEntry[];
  readonly tableOffset: number;
  /** How the table was found, e.g. "found at the default 0x00008000". */
  readonly tableNote: string;
}

/**
 * The chip's partition table, read through the stub; FlashError FLASH_NO_PARTITION_TABLE when
 * there is none, saying it was needed `forWhat` (e.g. 'to find "nvs" in') and, in its action, what
 * else the caller can do (`orElse`, e.g. 'give the offset itself instead of a partition name').
 */
export async function readChipPartitionTable(session: FlashSession, forWhat: string, options: FindPartitionOptions = {}, orElse?: string): Promise<ChipPartitionTable> {
  const limit = Math.min(session.flashSize, session.addressLimit);
  const flash = new SparseFlash((at, n) => session.stub.read(at, n), limit, (at, p, s, n) => session.stub.readStrided(at, p, s, n));
  const found = await findTable(flash, options.tableOffset);
  const action = (options.tableOffset === undefined ? 'Give the table offset with --table-offset' : 'Check --table-offset') + (orElse ? `, or ${orElse}` : '');
  if (found.offset === null) throw new FlashError('FLASH_NO_PARTITION_TABLE', `no partition table ${forWhat}: ${found.note}`, { action });
  try {
    const length = Math.min(PARTITION_TABLE_MAX_LENGTH, limit - found.offset);
    const entries = parsePartitionTable(await flash.read(found.offset, length), { tableOffset: found.offset }).entries;
    return { entries, tableOffset: found.offset, tableNote: found.note };
  } catch (error) {
    if (!(error instanceof ImageFormatError)) throw error;
    throw new FlashError('FLASH_NO_PARTITION_TABLE', `the partition table at ${hex32(found.offset)} cannot be read: ${error.message}`, { action, cause: error });
  }
}

/** The partition labelled `label` in the chip's partition table; FlashError when there is no table or no such label. */
export async function findPartition(session: FlashSession, label: string, options: FindPartitionOptions = {}): Promise<NamedPartition> {
  const table = await readChipPartitionTable(session, `to find "${label}" in`, options, 'give the offset itself instead of a partition name');
  const entry = table.entries.find((e) => e.label === label);
  if (!entry) {
    const labels = table.entries.map((e) => e.label).filter((l) => l !== '');
    throw new FlashError('FLASH_NO_SUCH_PARTITION', `the partition table at ${hex32(table.tableOffset)} has no partition "${label}"`, {
      action: labels.length ? `Its partitions: ${labels.join(', ')}` : 'Its entries have no labels; give the offset instead',
    });
  }
  return { entry, tableOffset: table.tableOffset, tableNote: table.tableNote };
}

/** Refuses data longer than the partition (nothing is touched). */
export function checkFitsPartition(p: NamedPartition, length: number, what: string): void {
  if (length <= p.entry.size) return;
  throw new FlashError('FLASH_TOO_LARGE', `${what}: ${length} bytes do not fit partition "${p.entry.label}" (${p.entry.size} bytes at ${hex32(p.entry.offset)})`, {
    address: p.entry.offset,
    action: 'Check the file and the partition; a larger partition needs a new partition table',
  });
}
