/**
 * ESP-IDF partition CSV (gen_esp32part's format): `Name, Type, SubType, Offset, Size, Flags`,
 * `#` comment lines, sizes like 1M / 4K / 0x1000 / 4096, types and subtypes by name or number,
 * flags `encrypted` and `readonly` separated by `:`.
 *
 * Empty offsets are filled the way gen_esp32part does: the first free offset is the table offset
 * + 0x1000; each empty offset is the end of the previous partition rounded up to 0x10000 for app
 * partitions and 0x1000 for everything else. An explicit offset below the previous end is an error.
 */
import { ImageFormatError, h32 } from './errors.js';
import { partitionEntryFromInput } from './partition-table.js';
import { partitionSubtypeFromName, partitionTypeFromName, partitionTypeName, partitionSubtypeName } from './partition-names.js';
import { validatePartitions, APP_ALIGN, DATA_ALIGN } from './partition-validate.js';
import type { Finding, PartitionEntry } from './types.js';

export interface ParsePartitionCsvOptions {
  /** Flash offset of the partition table; default 0x8000. */
  readonly tableOffset?: number;
  readonly flashSize?: number;
}

export interface PartitionCsv {
  readonly entries: readonly PartitionEntry[];
  readonly findings: readonly Finding[];
}

function syntax(line: number, message: string, found?: string): ImageFormatError {
  return new ImageFormatError('CSV_SYNTAX', `CSV line ${line}: ${message}`, { line, ...(found !== undefined ? { found } : {}) });
}

/** Parse a size or offset: decimal, 0x hex, 0o, 0b, with an optional K or M suffix (powers of 1024). */
export function parseCsvInt(text: string, line = 0, what = 'number'): number {
  const t = text.trim().toLowerCase().replace(/_/g, '');
  let mult = 1;
  let body = t;
  if (t.endsWith('k')) {
    mult = 1024;
    body = t.slice(0, -1);
  } else if (t.endsWith('m')) {
    mult = 1024 * 1024;
    body = t.slice(0, -1);
  }
  let v: number;
  if (/^0x[0-9a-f]+$/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0o[0-7]+$/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0b[01]+$/.test(body)) v = parseInt(body.slice(2), 2);
  else if (/^[0-9]+$/.test(body)) v = parseInt(body, 10);
  else throw syntax(line, `${what} "${text.trim()}" is not a number (use decimal, 0x hex, or a K/M suffix)`, text.trim());
  v *= mult;
  if (!Number.isSafeInteger(v) || v > 0xffffffff) throw syntax(line, `${what} "${text.trim()}" does not fit in 32 bits`, text.trim());
  return v;
}

export function parsePartitionCsv(text: string, options: ParsePartitionCsvOptions = {}): PartitionCsv {
  const tableOffset = options.tableOffset ?? 0x8000;
  const entries: PartitionEntry[] = [];
  let lastEnd = tableOffset + 0x1000;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = (line + ',,,,').split(',').map((f) => f.trim());
    const [name, typeText, subtypeText, offsetText, sizeText, flagsText] = fields as [string, string, string, string, string, string];
    if (fields.length > 10 || fields.slice(6).some((f) => f !== '')) throw syntax(lineNo, `too many fields (expected Name, Type, SubType, Offset, Size, Flags)`);
    if (name === '') throw syntax(lineNo, 'the partition name is empty');
    if (new TextEncoder().encode(name).length > 16) throw syntax(lineNo, `partition name "${name}" is longer than 16 bytes`, name);
    const type = partitionTypeFromName(typeText);
    if (type === undefined) throw syntax(lineNo, `unknown partition type "${typeText}" (use app, data, bootloader, partition_table or a number 0..254)`, typeText);
    let subtype: number | undefined;
    if (subtypeText === '') {
      if (type === 0x00) throw syntax(lineNo, `app partition "${name}" needs a subtype (factory, ota_N or test)`);
      subtype = 0x06; // gen_esp32part: empty data subtype = 'undefined'
    } else subtype = partitionSubtypeFromName(type, subtypeText);
    if (subtype === undefined) throw syntax(lineNo, `unknown subtype "${subtypeText}" for type ${partitionTypeName(type)}`, subtypeText);
    if (sizeText === '') throw syntax(lineNo, `partition "${name}" has no size`);
    const size = parseCsvInt(sizeText, lineNo, 'size');
    let offset: number;
    if (offsetText === '') {
      const align = type === 0x00 ? APP_ALIGN : DATA_ALIGN;
      offset = Math.ceil(lastEnd / align) * align;
    } else {
      offset = parseCsvInt(offsetText, lineNo, 'offset');
      if (offset < lastEnd) {
        throw new ImageFormatError(
          'PARTITION_OVERLAP',
          entries.length === 0
            ? `CSV line ${lineNo}: partition "${name}" sets offset ${h32(offset)} but the partition table occupies ${h32(tableOffset)}..${h32(tableOffset + 0x1000)}; use ${h32(lastEnd)} or higher`
            : `CSV line ${lineNo}: partition "${name}" sets offset ${h32(offset)} but the previous partition ends at ${h32(lastEnd)}`,
          { line: lineNo, expected: lastEnd, found: offset },
        );
      }
    }
    const flags = { encrypted: false, readonly: false };
    for (const f of flagsText.split(':').map((s) => s.trim()).filter((s) => s !== '')) {
      if (f === 'encrypted') flags.encrypted = true;
      else if (f === 'readonly') flags.readonly = true;
      else throw syntax(lineNo, `unknown flag "${f}" (use encrypted, readonly)`, f);
    }
    if (offset + size > 0x100000000) throw syntax(lineNo, `partition "${name}" at ${h32(offset)} with size ${h32(size)} runs past 4 GiB`);
    entries.push({ ...partitionEntryFromInput({ type, subtype, offset, size, label: name, flags }), index: entries.length });
    lastEnd = offset + size;
  }
  const findings = validatePartitions(entries, {
    tableOffset,
    build: true,
    ...(options.flashSize !== undefined ? { flashSize: options.flashSize } : {}),
  });
  return { entries, findings };
}

/** "1M", "24K" or hex. */
export function formatCsvSize(size: number): string {
  if (size !== 0 && size % 0x100000 === 0) return `${size / 0x100000}M`;
  if (size !== 0 && size % 0x400 === 0) return `${size / 0x400}K`;
  return '0x' + size.toString(16);
}

/** Write entries as ESP-IDF CSV (every offset explicit). */
export function partitionTableToCsv(entries: readonly PartitionEntry[]): string {
  const rows = ['# ESP-IDF Partition Table', '# Name, Type, SubType, Offset, Size, Flags'];
  for (const e of entries) {
    const typeName = partitionTypeName(e.type);
    const type = typeName === 'custom' || typeName === 'unknown' ? '0x' + e.type.toString(16).padStart(2, '0') : typeName;
    const subtype = partitionSubtypeName(e.type, e.subtype);
    const flags = [e.flags.encrypted ? 'encrypted' : '', e.flags.readonly ? 'readonly' : ''].filter((s) => s).join(':');
    if (/[,\n#]/.test(e.label) || e.label !== e.label.trim()) {
      throw new ImageFormatError('CSV_SYNTAX', `partition label "${e.label}" cannot be written to CSV (it has a comma, newline, # or outer spaces)`, { found: e.label });
    }
    rows.push(`${e.label}, ${type}, ${subtype}, 0x${e.offset.toString(16)}, ${formatCsvSize(e.size)}, ${flags}`.replace(/, $/, ','));
  }
  return rows.join('\n') + '\n';
}
