/**
 * Checks over a list of partitions: overlaps, alignment, bounds, duplicates. Findings, not exceptions.
 * A `partition_table, primary` entry (ESP-IDF 5.5+) names the table's own sector: it is checked
 * against the table offset instead of being taken for a partition over the table. A `bootloader,
 * primary` entry that runs past the table offset gets its own finding (and not a second one for
 * overlapping the table's own entry).
 */
import { h32 } from './errors.js';
import { isPrimaryBootloader, isPrimaryPartitionTable } from './partition-names.js';
import type { Finding, PartitionEntry } from './types.js';

export const APP_ALIGN = 0x10000;
export const DATA_ALIGN = 0x1000;
/** The smallest read/write NVS partition ESP-IDF 5.5+ builds (smaller ones must be readonly). */
export const NVS_RW_MIN_SIZE = 0x3000;

export interface ValidateOptions {
  /** Flash offset of the partition table (its 4 KiB sector must not be covered by a partition). */
  readonly tableOffset?: number;
  readonly flashSize?: number;
  /**
   * Building a table from CSV: the rules ESP-IDF's table generator enforces become errors (unique
   * names, non-app offsets 4 KiB aligned, app sizes a multiple of 4 KiB, otadata exactly 0x2000,
   * at most one tee_ota and exactly 0x2000, otadata and coredump not read-only, read/write nvs at
   * least 0x3000). Reading a binary table they stay warnings, as the
   * bootloader does not check them.
   */
  readonly build?: boolean;
}

function range(e: PartitionEntry): string {
  return `"${e.label}" ${h32(e.offset)}..${h32(e.offset + e.size)}`;
}

export function validatePartitions(entries: readonly PartitionEntry[], options: ValidateOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const at = (e: PartitionEntry): { offset?: number } => (e.entryOffset !== undefined ? { offset: e.entryOffset } : {});
  const labels = new Map<string, PartitionEntry>();
  const idfRule = options.build ? 'error' : 'warning';
  /** `bootloader, primary` entries already reported for running past the table offset. */
  const bootloaderPastTable = new Set<PartitionEntry>();
  const refused = options.build ? '; ESP-IDF refuses to build such a table' : '';
  for (const e of entries) {
    if (e.type === 0x00 && e.offset % APP_ALIGN !== 0) {
      findings.push({
        severity: 'error',
        code: 'PARTITION_APP_ALIGN',
        message: `app partition "${e.label}" starts at ${h32(e.offset)}, which is not 64 KiB (0x10000) aligned; the bootloader cannot map it`,
        ...at(e),
      });
    } else if (e.offset % DATA_ALIGN !== 0) {
      findings.push({
        severity: idfRule,
        code: 'PARTITION_ALIGN',
        message: `partition "${e.label}" starts at ${h32(e.offset)}, which is not 4 KiB (0x1000) aligned${refused}`,
        ...at(e),
      });
    }
    if (options.build && e.type === 0x00 && e.size % DATA_ALIGN !== 0) {
      findings.push({
        severity: 'error',
        code: 'PARTITION_ALIGN',
        message: `app partition "${e.label}" has size ${h32(e.size)}, not a multiple of 4 KiB (0x1000)${refused}`,
        ...at(e),
      });
    }
    if (options.build && e.flags.readonly && e.type === 0x01 && (e.subtype === 0x00 || e.subtype === 0x03)) {
      findings.push({
        severity: 'error',
        code: 'PARTITION_FLAGS',
        message: `partition "${e.label}" (${e.subtypeName}) is always written by the firmware and cannot be readonly${refused}`,
        ...at(e),
      });
    }
    if (e.type === 0x01 && e.subtype === 0x02 && !e.flags.readonly && e.size < NVS_RW_MIN_SIZE) {
      findings.push({
        severity: idfRule,
        code: 'PARTITION_NVS_SIZE',
        message: `nvs partition "${e.label}" has size ${h32(e.size)}; ESP-IDF 5.5+ needs at least 0x3000 for read/write NVS (flag it readonly otherwise)${refused}`,
        ...at(e),
      });
    }
    if (e.size === 0) {
      findings.push({ severity: 'warning', code: 'PARTITION_EMPTY', message: `partition "${e.label}" has size 0`, ...at(e) });
    }
    if (e.offset + e.size > 0x100000000) {
      findings.push({
        severity: 'error',
        code: 'PARTITION_RANGE',
        message: `partition "${e.label}" at ${h32(e.offset)} with size ${h32(e.size)} runs past the 4 GiB address space`,
        ...at(e),
      });
    } else if (options.flashSize !== undefined && e.offset + e.size > options.flashSize) {
      findings.push({
        severity: 'error',
        code: 'PARTITION_BEYOND_FLASH',
        message: `partition ${range(e)} ends past the ${h32(options.flashSize)}-byte flash`,
        ...at(e),
      });
    }
    if (options.tableOffset !== undefined && isPrimaryPartitionTable(e)) {
      // ESP-IDF 5.5+ may list the table's own sector; it must be where the table is.
      if (e.offset !== options.tableOffset) {
        findings.push({
          severity: 'warning',
          code: 'PARTITION_TABLE_ENTRY',
          message: `the table's own entry "${e.label}" places it at ${h32(e.offset)}, but the table is at ${h32(options.tableOffset)}`,
          ...at(e),
        });
      }
    } else if (options.tableOffset !== undefined && isPrimaryBootloader(e) && e.offset < options.tableOffset && e.offset + e.size > options.tableOffset) {
      // ESP-IDF sizes it from the bootloader offset up to the table.
      bootloaderPastTable.add(e);
      findings.push({
        severity: 'error',
        code: 'PARTITION_BOOTLOADER_PAST_TABLE',
        message: `the bootloader's entry ${range(e)} runs past the partition table at ${h32(options.tableOffset)}: a bootloader written through it can overwrite the table. ESP-IDF sizes this entry up to the table, ${h32(options.tableOffset - e.offset)} here`,
        ...at(e),
      });
    } else if (options.tableOffset !== undefined && e.size > 0) {
      const t0 = options.tableOffset;
      if (e.offset < t0 + 0x1000 && t0 < e.offset + e.size) {
        findings.push({
          severity: 'error',
          code: 'PARTITION_OVERLAP',
          message: `partition ${range(e)} covers the partition table sector at ${h32(t0)}`,
          ...at(e),
        });
      }
    }
    const prev = labels.get(e.label);
    if (prev) {
      findings.push({
        severity: idfRule,
        code: 'PARTITION_DUPLICATE_LABEL',
        message: `label "${e.label}" is used by entries ${prev.index ?? '?'} and ${e.index ?? '?'}; lookups by label find only the first${refused}`,
        ...at(e),
      });
    } else labels.set(e.label, e);
  }
  const sorted = [...entries].filter((e) => e.size > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    // compare with every later entry that starts before a ends (bounded by the list length)
    for (let j = i + 1; j < sorted.length && sorted[j]!.offset < a.offset + a.size; j++) {
      const b = sorted[j]!;
      if (bootloaderPastTable.has(a) && isPrimaryPartitionTable(b) && b.offset === options.tableOffset) continue;
      findings.push({
        severity: 'error',
        code: 'PARTITION_OVERLAP',
        message: `partitions ${range(a)} and ${range(b)} overlap`,
        ...at(b),
      });
    }
  }
  const otadata = entries.filter((e) => e.type === 0x01 && e.subtype === 0x00);
  const otaApps = entries.filter((e) => e.type === 0x00 && e.subtype >= 0x10 && e.subtype <= 0x1f);
  if (otadata.length > 1) {
    findings.push({ severity: 'error', code: 'PARTITION_OTADATA', message: `the table has ${otadata.length} otadata partitions; the bootloader expects at most one` });
  }
  if (otaApps.length > 0 && otadata.length === 0) {
    findings.push({ severity: 'warning', code: 'PARTITION_OTADATA', message: 'the table has OTA app partitions but no otadata partition; the bootloader will boot factory (or ota_0)' });
  }
  const teeOtadata = entries.filter((e) => e.type === 0x01 && e.subtype === 0x90);
  if (teeOtadata.length > 1) {
    findings.push({ severity: idfRule, code: 'PARTITION_OTADATA', message: `the table has ${teeOtadata.length} tee_ota partitions; ESP-IDF allows one${refused}` });
  }
  for (const o of teeOtadata) {
    if (o.size !== 0x2000) {
      findings.push({ severity: idfRule, code: 'PARTITION_OTADATA', message: `tee_ota partition "${o.label}" has size ${h32(o.size)}; ESP-IDF expects 0x2000${refused}`, ...at(o) });
    }
  }
  for (const o of otadata) {
    if (o.size < 0x2000) {
      findings.push({ severity: 'error', code: 'PARTITION_OTADATA', message: `otadata partition "${o.label}" has size ${h32(o.size)}, less than the 0x2000 that holds its two copies: the bootloader stops without booting`, ...at(o) });
    } else if (o.size !== 0x2000) {
      findings.push({ severity: idfRule, code: 'PARTITION_OTADATA', message: `otadata partition "${o.label}" has size ${h32(o.size)}; ESP-IDF expects 0x2000${refused}`, ...at(o) });
    }
  }
  if (!entries.some((e) => e.type === 0x00)) {
    findings.push({ severity: 'warning', code: 'PARTITION_NO_APP', message: 'the table has no app partition; there is nothing to boot' });
  }
  return findings;
}
