/**
 * Find partition tables: probe every 4 KiB boundary of the file for a first entry (AA 50) and keep
 * the boundaries that decode to a plausible table. Only two bytes are read per boundary, so a
 * 32 MiB file costs 8192 probes.
 */
import type { PartitionTable } from '../types.js';
import { decodePartitionTable } from './codec.js';
import type { TableCandidate } from './types.js';

export const DEFAULT_TABLE_OFFSET = 0x8000;
const SECTOR = 0x1000;

export interface FoundTable {
  readonly candidate: TableCandidate;
  readonly table: PartitionTable;
}

/**
 * Decode the table at `fileOffset`, or return null. Unless `trusted` (the default offset or one
 * the user gave), the table must also look real: 4 KiB-aligned, non-empty entries with printable
 * labels, properly ended — a stray AA 50 inside app data is not a table.
 */
export function tableAt(bytes: Uint8Array, fileOffset: number, flashOffset: number, trusted = false): FoundTable | null {
  if (fileOffset < 0 || fileOffset + 32 > bytes.length) return null;
  if (bytes[fileOffset] !== 0xaa || bytes[fileOffset + 1] !== 0x50) return null;
  let table: PartitionTable;
  try {
    table = decodePartitionTable(bytes.subarray(fileOffset, Math.min(bytes.length, fileOffset + SECTOR)), flashOffset);
  } catch {
    return null;
  }
  const md5: TableCandidate['md5'] = !table.md5?.present ? 'absent' : table.md5.valid ? 'valid' : 'invalid';
  if (trusted) return { candidate: { flashOffset, entryCount: table.entries.length, md5 }, table };
  if (table.findings.some((f) => f.code === 'PARTITION_BAD_ENTRY')) return null;
  for (const e of table.entries) {
    if (e.size === 0 || e.offset % SECTOR !== 0 || e.offset + e.size > 0x100000000) return null;
    if (!/^[\x20-\x7e]*$/.test(e.label)) return null;
  }
  return { candidate: { flashOffset, entryCount: table.entries.length, md5 }, table };
}

/** Every plausible table at a 4 KiB flash boundary within the file. */
export function scanTables(bytes: Uint8Array, baseOffset: number): FoundTable[] {
  const found: FoundTable[] = [];
  const misalign = baseOffset % SECTOR;
  let fileOffset = misalign === 0 ? 0 : SECTOR - misalign;
  for (; fileOffset + 32 <= bytes.length; fileOffset += SECTOR) {
    if (bytes[fileOffset] !== 0xaa || bytes[fileOffset + 1] !== 0x50) continue;
    const t = tableAt(bytes, fileOffset, baseOffset + fileOffset, baseOffset + fileOffset === DEFAULT_TABLE_OFFSET);
    if (t) found.push(t);
  }
  return found;
}
