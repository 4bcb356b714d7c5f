/**
 * Find partition tables: probe every 4 KiB boundary of the file for a first entry (AA 50) and keep
 * the boundaries that decode to a plausible table. Only two bytes are read per boundary, so a
 * 32 MiB file costs 8192 probes.
 */
import type { PartitionTable } from '../types.js';
import { decodePartitionTable } from './codec.js';
import { hasPartitionMagic } from '../partition-table.js';
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
  if (!hasPartitionMagic(bytes, fileOffset)) return null;
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

export interface TableScan {
  readonly found: FoundTable[];
  /** How many 4 KiB boundaries were probed, out of how many the file has. */
  readonly probed: number;
  readonly boundaries: number;
  readonly description: string;
}

/**
 * Plausible tables at 4 KiB flash boundaries of the file. The default table offset is probed
 * first. Once a table is known, the areas its own partitions cover are skipped: the bootloader's
 * table cannot sit inside a partition (no partition may cover the table sector), so a table-like
 * sector there (a stale copy in a filesystem, say) is not a candidate — and the probe of a
 * 32 MiB file then touches a handful of sectors instead of 8192. `scanAll` probes every boundary.
 */
export function scanTables(bytes: Uint8Array, baseOffset: number, scanAll = false): TableScan {
  const misalign = baseOffset % SECTOR;
  const first = misalign === 0 ? 0 : SECTOR - misalign;
  const boundaries = bytes.length > first + 31 ? Math.floor((bytes.length - 32 - first) / SECTOR) + 1 : 0;
  const found = new Map<number, FoundTable>();
  let probed = 0;
  let skips: { start: number; end: number }[] = [];
  const learn = (t: FoundTable): void => {
    if (scanAll || skips.length > 0) return;
    const tableStart = t.candidate.flashOffset;
    skips = t.table.entries
      .filter((e) => e.size > 0 && !(e.offset < tableStart + SECTOR && tableStart < e.offset + e.size))
      .map((e) => ({ start: e.offset, end: e.offset + e.size }))
      .sort((a, b) => a.start - b.start);
  };
  const probe = (fileOffset: number): void => {
    probed++;
    if (!hasPartitionMagic(bytes, fileOffset)) return;
    const flash = baseOffset + fileOffset;
    const t = tableAt(bytes, fileOffset, flash, flash === DEFAULT_TABLE_OFFSET);
    if (t) {
      found.set(flash, t);
      learn(t);
    }
  };
  const dflt = DEFAULT_TABLE_OFFSET - baseOffset;
  if (dflt >= first && dflt + 32 <= bytes.length && (dflt - first) % SECTOR === 0) probe(dflt);
  let k = 0;
  for (let fileOffset = first; fileOffset + 32 <= bytes.length; fileOffset += SECTOR) {
    if (fileOffset === dflt) continue;
    const flash = baseOffset + fileOffset;
    while (k < skips.length && skips[k]!.end <= flash) k++;
    const skip = skips[k];
    if (skip && skip.start <= flash) {
      // Jump to the first boundary at or after the end of this partition.
      fileOffset = Math.max(fileOffset, Math.ceil((skip.end - baseOffset - first) / SECTOR) * SECTOR + first - SECTOR);
      continue;
    }
    probe(fileOffset);
  }
  const list = [...found.values()].sort((a, b) => a.candidate.flashOffset - b.candidate.flashOffset);
  const description = scanAll || skips.length === 0
    ? boundaries === 0 ? 'the file is too short for a table at any 4 KiB boundary' : `probed ${boundaries === 1 ? 'the one 4 KiB boundary' : `all ${boundaries} 4 KiB boundaries`} of the file`
    : `probed ${probed} of ${boundaries} 4 KiB boundaries (the areas of the table's own partitions are skipped)`;
  return { found: list, probed, boundaries, description };
}
