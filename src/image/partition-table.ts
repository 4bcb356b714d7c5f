/**
 * Binary partition table: 32-byte `esp_partition_info_t` entries (magic 0x50AA), an optional MD5
 * entry (EB EB, 14×FF, MD5 of the preceding bytes), ended by an entry without a known magic
 * (normally all 0xFF) or by the end of the 0xC00-byte entry area.
 */
import { readCString, readU16, readU32, writeCString, writeU16, writeU32, bytesEqual, toHex } from './bytes.js';
import { counted } from '../chips/types.js';
import { ImageFormatError, h16, h32 } from './errors.js';
import { md5 } from './hash.js';
import { partitionSubtypeName, partitionTypeName } from './partition-names.js';
import type { Finding, PartitionEntry, PartitionEntryInput, PartitionTable } from './types.js';
import { validatePartitions } from './partition-validate.js';

export const PARTITION_MAGIC = 0x50aa;
export const PARTITION_MD5_MAGIC = 0xebeb;
export const PARTITION_ENTRY_SIZE = 32;
/** Bytes available for entries (the rest of the 4 KiB sector may hold an SBv1 signature). */
export const PARTITION_TABLE_MAX_LENGTH = 0xc00;
export const PARTITION_MAX_ENTRIES = PARTITION_TABLE_MAX_LENGTH / PARTITION_ENTRY_SIZE;
export const FLAG_ENCRYPTED = 1 << 0;
export const FLAG_READONLY = 1 << 1;

export interface ParsePartitionTableOptions {
  /** Flash offset of byte 0 (messages and findings name flash addresses with it); default 0x8000. */
  readonly tableOffset?: number;
  /** Flash size in bytes: entries past it become findings. */
  readonly flashSize?: number;
}

/** True if a partition entry's magic (AA 50) starts at `at`. */
export function hasPartitionMagic(bytes: Uint8Array, at = 0): boolean {
  return at >= 0 && at + 2 <= bytes.length && readU16(bytes, at) === PARTITION_MAGIC;
}

/**
 * The flash offset of the first app entry among the entries at the start of `table` (read while
 * they carry the magic; no MD5 or other checks), or undefined: how a reader that takes the first
 * app, as OpenOCD's legacy stub does, finds it.
 */
export function firstAppEntryOffset(table: Uint8Array): number | undefined {
  for (let at = 0; at + PARTITION_ENTRY_SIZE <= table.length && hasPartitionMagic(table, at); at += PARTITION_ENTRY_SIZE) {
    if (table[at + 2] === 0x00) return readU32(table, at + 4);
  }
  return undefined;
}

/** Decode the 32-byte entry at `at` (the magic is not checked here). */
export function decodePartitionEntry(bytes: Uint8Array, at: number, index?: number): PartitionEntry {
  const type = bytes[at + 2]!;
  const subtype = bytes[at + 3]!;
  const raw = readU32(bytes, at + 28);
  return {
    type,
    subtype,
    offset: readU32(bytes, at + 4),
    size: readU32(bytes, at + 8),
    label: readCString(bytes, at + 12, 16),
    flags: { encrypted: (raw & FLAG_ENCRYPTED) !== 0, readonly: (raw & FLAG_READONLY) !== 0, raw },
    typeName: partitionTypeName(type),
    subtypeName: partitionSubtypeName(type, subtype),
    ...(index !== undefined ? { index, entryOffset: at } : {}),
  };
}

/** A PartitionEntry (with names) from an input record. */
export function partitionEntryFromInput(e: PartitionEntryInput): PartitionEntry {
  const raw = ((e.flags?.raw ?? 0) | (e.flags?.encrypted ? FLAG_ENCRYPTED : 0) | (e.flags?.readonly ? FLAG_READONLY : 0)) >>> 0;
  return {
    type: e.type,
    subtype: e.subtype,
    offset: e.offset >>> 0,
    size: e.size >>> 0,
    label: e.label,
    flags: { encrypted: (raw & FLAG_ENCRYPTED) !== 0, readonly: (raw & FLAG_READONLY) !== 0, raw },
    typeName: partitionTypeName(e.type),
    subtypeName: partitionSubtypeName(e.type, e.subtype),
  };
}

/** Parse a partition table. Throws only if there is no readable table at all. */
export function parsePartitionTable(bytes: Uint8Array, options: ParsePartitionTableOptions = {}): PartitionTable {
  const base = options.tableOffset ?? 0x8000;
  const where = (o: number): string => `${h32(o)} (flash ${h32(base + o)})`;
  if (bytes.length < PARTITION_ENTRY_SIZE) {
    throw new ImageFormatError(
      'PARTITION_BAD_ENTRY',
      `a partition table needs at least one 32-byte entry but only ${counted(bytes.length, 'byte')} ${bytes.length === 1 ? 'is' : 'are'} given`,
      { offset: 0, expected: PARTITION_ENTRY_SIZE, found: bytes.length },
    );
  }
  const first = readU16(bytes, 0);
  if (first !== PARTITION_MAGIC) {
    throw new ImageFormatError(
      'PARTITION_BAD_ENTRY',
      first === 0xffff
        ? `no partition table at flash ${h32(base)}: the first entry is erased (0xffff)`
        : `no partition table at flash ${h32(base)}: the first entry's magic is ${h16(first)}, not 0x50aa`,
      { offset: 0, expected: PARTITION_MAGIC, found: first },
    );
  }
  const entries: PartitionEntry[] = [];
  const findings: Finding[] = [];
  let md5Info: PartitionTable['md5'];
  const limit = Math.min(bytes.length, PARTITION_TABLE_MAX_LENGTH);
  let at = 0;
  let ended = false;
  for (; at + PARTITION_ENTRY_SIZE <= limit; at += PARTITION_ENTRY_SIZE) {
    const magic = readU16(bytes, at);
    if (magic === PARTITION_MAGIC) {
      entries.push(decodePartitionEntry(bytes, at, entries.length));
    } else if (magic === PARTITION_MD5_MAGIC) {
      const stored = bytes.slice(at + 16, at + 32);
      const computed = md5(bytes.subarray(0, at));
      const valid = bytesEqual(stored, computed);
      if (md5Info) {
        findings.push({ severity: 'error', code: 'PARTITION_MD5', message: `a second MD5 entry at ${where(at)}; the bootloader allows only one`, offset: at });
      } else {
        md5Info = { present: true, valid, offset: at, stored, computed };
      }
      if (!valid) {
        findings.push({
          severity: 'error',
          code: 'PARTITION_MD5',
          message: `the MD5 entry at ${where(at)} stores ${toHex(stored)} but the ${at} bytes before it hash to ${toHex(computed)}; the bootloader will reject this table`,
          offset: at,
        });
      }
    } else {
      ended = true;
      const erased = magic === 0xffff && bytes[at + 2] === 0xff && bytes[at + 3] === 0xff;
      if (!erased) {
        findings.push({
          severity: 'error',
          code: 'PARTITION_BAD_ENTRY',
          message: `entry ${entries.length} at ${where(at)} has magic ${h16(magic)}, neither 0x50aa nor an end marker; the bootloader rejects the table here`,
          offset: at,
        });
      }
      break;
    }
  }
  const byteLength = ended ? at + PARTITION_ENTRY_SIZE : at;
  if (!ended && at < limit) {
    findings.push({
      severity: 'error',
      code: 'PARTITION_CUT',
      message: `the data ends ${limit - at} bytes into entry ${entries.length} at ${where(at)}: the table is cut short (a truncated file or read-back?); on flash the bootloader reads on into whatever follows`,
      offset: at,
    });
  } else if (!ended) {
    findings.push({
      severity: 'info',
      code: 'PARTITION_NO_END',
      message: `the table has no end marker: it runs to ${where(at)}, the end of the ${at === PARTITION_TABLE_MAX_LENGTH ? 'entry area' : 'data'}`,
      offset: at,
    });
  }
  if (!md5Info) {
    md5Info = { present: false, valid: false };
    findings.push({ severity: 'info', code: 'PARTITION_NO_MD5', message: 'the table has no MD5 entry (written with MD5 disabled, or by an old tool)' });
  }
  findings.push(...validatePartitions(entries, { tableOffset: base, ...(options.flashSize !== undefined ? { flashSize: options.flashSize } : {}) }));
  const table: { -readonly [K in keyof PartitionTable]: PartitionTable[K] } = { entries, md5: md5Info, findings, byteLength };
  if (bytes.length >= PARTITION_TABLE_MAX_LENGTH + 68 && readU32(bytes, PARTITION_TABLE_MAX_LENGTH) === 0) {
    const sig = bytes.subarray(PARTITION_TABLE_MAX_LENGTH + 4, PARTITION_TABLE_MAX_LENGTH + 68);
    if (sig.some((b) => b !== 0xff) && sig.some((b) => b !== 0)) {
      table.signature = { offset: PARTITION_TABLE_MAX_LENGTH, signature: sig.slice() };
    }
  }
  return table;
}

export interface BuildPartitionTableOptions {
  /** Append the MD5 entry (default true). */
  readonly md5?: boolean;
  /** Output length: 0xC00 (default) or 0x1000 (a whole sector); the rest is 0xFF. */
  readonly size?: 0xc00 | 0x1000;
}

/** Encode entries (in the given order) into a partition table binary. */
export function buildPartitionTable(entries: readonly PartitionEntryInput[], options: BuildPartitionTableOptions = {}): Uint8Array {
  const withMd5 = options.md5 ?? true;
  const size = options.size ?? PARTITION_TABLE_MAX_LENGTH;
  // As ESP-IDF's gen_esp32part: the entries and the MD5 entry leave room for an end marker in the 0xC00 bytes.
  const max = PARTITION_MAX_ENTRIES - 1 - (withMd5 ? 1 : 0);
  if (entries.length > max) {
    throw new ImageFormatError('PARTITION_TOO_MANY', `a partition table holds at most ${max} entries ${withMd5 ? `beside its MD5 entry (${max + 1} without it)` : 'without an MD5 entry'} and its end marker, not ${entries.length}`, {
      expected: max,
      found: entries.length,
    });
  }
  const out = new Uint8Array(size).fill(0xff);
  let at = 0;
  for (const e of entries) {
    const n = partitionEntryFromInput(e);
    if ([n.type, n.subtype].some((v) => !Number.isInteger(v) || v < 0 || v > 0xff)) {
      throw new ImageFormatError('PARTITION_BAD_ENTRY', `partition "${e.label}": type and subtype must be 0..255 (got ${e.type}, ${e.subtype})`);
    }
    writeU16(out, at, PARTITION_MAGIC);
    out[at + 2] = n.type;
    out[at + 3] = n.subtype;
    writeU32(out, at + 4, n.offset);
    writeU32(out, at + 8, n.size);
    try {
      writeCString(out, at + 12, 16, n.label, 16);
    } catch {
      throw new ImageFormatError('PARTITION_BAD_ENTRY', `partition label "${n.label}" is longer than 16 bytes`, { found: n.label });
    }
    writeU32(out, at + 28, n.flags.raw);
    at += PARTITION_ENTRY_SIZE;
  }
  if (withMd5) {
    const digest = md5(out.subarray(0, at));
    out[at] = 0xeb;
    out[at + 1] = 0xeb;
    out.set(digest, at + 16);
  }
  return out;
}
