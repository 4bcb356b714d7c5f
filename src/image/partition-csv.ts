/**
 * ESP-IDF partition CSV (gen_esp32part's format): `Name, Type, SubType, Offset, Size, Flags`,
 * `#` comment lines, sizes like 1M / 4K / 0x1000 / 4096, types and subtypes by name or number,
 * flags `encrypted` and `readonly` separated by `:`.
 *
 * Empty offsets are filled the way gen_esp32part does: the first free offset is the table offset
 * + 0x1000; each empty offset is the end of the previous partition rounded up to 0x10000 for app
 * partitions and 0x1000 for everything else. An explicit offset below the previous end is an error.
 *
 * ESP-IDF 5.5+ rows of type `bootloader` and `partition_table` get their place from the build, as
 * its generator does: whatever the CSV says (usually `N/A`), `bootloader, primary` sits at the
 * chip's bootloader offset, `bootloader, recovery` at the recovery bootloader offset and
 * `partition_table, primary` at the table offset; every bootloader row is (table offset −
 * bootloader offset) long and every partition_table row 0x1000. The two primary rows describe
 * what lies before and at the table, so they take no part in filling offsets; the OTA rows are
 * placed like any partition.
 */
import { ImageFormatError, h32, hWide } from './errors.js';
import { partitionEntryFromInput } from './partition-table.js';
import {
  BOOTLOADER_SUBTYPES, PARTITION_TYPES, isPrimaryBootloader, isPrimaryPartitionTable,
  partitionSubtypeFromName, partitionTypeFromName, partitionTypeName, partitionSubtypeName,
} from './partition-names.js';
import { validatePartitions, APP_ALIGN, DATA_ALIGN } from './partition-validate.js';
import type { Finding, PartitionEntry } from './types.js';

export interface ParsePartitionCsvOptions {
  /** Flash offset of the partition table; default 0x8000. */
  readonly tableOffset?: number;
  readonly flashSize?: number;
  /**
   * Flash offset of the 2nd-stage bootloader (the chip's `bootloaderOffset`: 0x0, 0x1000 on the
   * ESP32 and ESP32-S2, 0x2000 on the ESP32-C5 and ESP32-P4). Needed by `bootloader` rows only.
   */
  readonly bootloaderOffset?: number;
  /** Flash offset of the recovery bootloader (CONFIG_BOOTLOADER_RECOVERY_OFFSET); needed by a `bootloader, recovery` row only. */
  readonly recoveryBootloaderOffset?: number;
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

interface Placed {
  readonly offset?: number;
  readonly size?: number;
}

/** Where ESP-IDF's generator puts a bootloader or partition_table row, whatever the CSV says; {} for other rows. */
function builtPlace(type: number, subtype: number, name: string, line: number, options: ParsePartitionCsvOptions, tableOffset: number): Placed {
  const needs = (what: string, option: string): ImageFormatError => new ImageFormatError(
    'CSV_NEEDS_OFFSET',
    `CSV line ${line}: partition "${name}" (${partitionTypeName(type)}, ${partitionSubtypeName(type, subtype)}) takes its place from the ${what}, which is not given (${option})`,
    { line },
  );
  if (type === PARTITION_TYPES.partition_table) return { size: 0x1000, ...(isPrimaryPartitionTable({ type, subtype }) ? { offset: tableOffset } : {}) };
  if (type !== PARTITION_TYPES.bootloader) return {};
  const bootloader = options.bootloaderOffset;
  if (bootloader === undefined) throw needs('chip\'s bootloader offset', 'give --chip or --primary-bootloader-offset');
  if (bootloader >= tableOffset) {
    throw new ImageFormatError('CSV_NEEDS_OFFSET', `CSV line ${line}: the bootloader offset ${h32(bootloader)} is not below the partition table at ${h32(tableOffset)}`, { line, found: bootloader });
  }
  const size = tableOffset - bootloader;
  if (isPrimaryBootloader({ type, subtype })) return { offset: bootloader, size };
  if (subtype === BOOTLOADER_SUBTYPES.recovery) {
    if (options.recoveryBootloaderOffset === undefined) throw needs('recovery bootloader offset', 'give --recovery-bootloader-offset, CONFIG_BOOTLOADER_RECOVERY_OFFSET');
    return { offset: options.recoveryBootloaderOffset, size };
  }
  return { size };
}

/** A field the build sets: empty, N/A or a number (a different number is reported, as it is not used). */
function builtField(text: string, value: number, what: string, name: string, line: number, findings: Finding[]): void {
  if (text === '' || text.toUpperCase() === 'N/A') return;
  const given = parseCsvInt(text, line, what);
  if (given !== value) {
    findings.push({
      severity: 'warning',
      code: 'PARTITION_FIELD_IGNORED',
      message: `CSV line ${line}: partition "${name}" has ${what} ${text}, but ESP-IDF sets it to ${h32(value)}, which is used (write N/A)`,
    });
  }
}

export function parsePartitionCsv(text: string, options: ParsePartitionCsvOptions = {}): PartitionCsv {
  const tableOffset = options.tableOffset ?? 0x8000;
  const entries: PartitionEntry[] = [];
  const ignored: Finding[] = [];
  let lastEnd = tableOffset + 0x1000;
  const lines = text.split(/\r\n|\r|\n/); // as Python's splitlines() in gen_esp32part: bare CR (old Mac editors) too
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = (line + ',,,,').split(',').map((f) => f.trim());
    const [name, typeText, subtypeText, offsetText, sizeText, flagsText] = fields as [string, string, string, string, string, string];
    const extra = fields.slice(6).filter((f) => f !== '');
    if (extra.length > 0) {
      // gen_esp32part reads the first six fields and builds the table whatever follows them.
      ignored.push({ severity: 'warning', code: 'PARTITION_FIELD_IGNORED', message: `CSV line ${lineNo}: ${extra.map((f) => `"${f}"`).join(', ')} after the Flags field ${extra.length === 1 ? 'is' : 'are'} ignored (ESP-IDF reads only Name, Type, SubType, Offset, Size, Flags)` });
    }
    if (name === '') throw syntax(lineNo, 'the partition name is empty');
    if (new TextEncoder().encode(name).length > 16) throw syntax(lineNo, `partition name "${name}" is longer than 16 bytes`, name);
    const type = partitionTypeFromName(typeText);
    if (type === undefined) throw syntax(lineNo, `unknown partition type "${typeText}" (use app, data, bootloader, partition_table or a number 0..254)`, typeText);
    let subtype: number | undefined;
    if (subtypeText === '') {
      if (type === 0x00) throw syntax(lineNo, `app partition "${name}" needs a subtype (factory, ota_N, test or tee_N)`);
      subtype = 0x06; // gen_esp32part: empty data subtype = 'undefined'
    } else subtype = partitionSubtypeFromName(type, subtypeText);
    if (subtype === undefined) throw syntax(lineNo, `unknown subtype "${subtypeText}" for type ${partitionTypeName(type)}`, subtypeText);
    const built = builtPlace(type, subtype, name, lineNo, options, tableOffset);
    let size: number;
    if (built.size !== undefined) {
      size = built.size;
      builtField(sizeText, size, 'size', name, lineNo, ignored);
    } else {
      if (sizeText === '') throw syntax(lineNo, `partition "${name}" has no size`);
      size = parseCsvInt(sizeText, lineNo, 'size');
    }
    // The primary bootloader and table rows describe what is before and at the table: no filling, no order.
    const fixedInPlace = isPrimaryBootloader({ type, subtype }) || isPrimaryPartitionTable({ type, subtype });
    let offset: number;
    if (built.offset !== undefined) {
      offset = built.offset;
      builtField(offsetText, offset, 'offset', name, lineNo, ignored);
    } else if (offsetText.toUpperCase() === 'N/A') {
      throw syntax(lineNo, `partition "${name}" needs an offset, or an empty field to place it after the previous partition (N/A is for what ESP-IDF places itself: the primary bootloader, the recovery bootloader and the primary partition table)`, offsetText);
    } else if (offsetText === '') {
      const align = type === 0x00 ? APP_ALIGN : DATA_ALIGN;
      offset = Math.ceil(lastEnd / align) * align;
    } else {
      offset = parseCsvInt(offsetText, lineNo, 'offset');
    }
    if (!fixedInPlace && offset < lastEnd) {
      throw new ImageFormatError(
        'PARTITION_OVERLAP',
        lastEnd === tableOffset + 0x1000
          ? `CSV line ${lineNo}: partition "${name}" sets offset ${h32(offset)} but the partition table occupies ${h32(tableOffset)}..${h32(tableOffset + 0x1000)}; use ${h32(lastEnd)} or higher`
          : `CSV line ${lineNo}: partition "${name}" sets offset ${h32(offset)} but the previous partition ends at ${h32(lastEnd)}`,
        { line: lineNo, expected: lastEnd, found: offset },
      );
    }
    const flags = { encrypted: false, readonly: false };
    for (const f of flagsText.split(':').map((s) => s.trim()).filter((s) => s !== '')) {
      if (f === 'encrypted') flags.encrypted = true;
      else if (f === 'readonly') flags.readonly = true;
      else throw syntax(lineNo, `unknown flag "${f}" (use encrypted, readonly)`, f);
    }
    if (offset + size > 0x100000000) throw syntax(lineNo, `partition "${name}" at ${hWide(offset)} with size ${h32(size)} runs past 4 GiB`);
    entries.push({ ...partitionEntryFromInput({ type, subtype, offset, size, label: name, flags }), index: entries.length });
    if (!fixedInPlace) lastEnd = offset + size;
  }
  const findings = [...ignored, ...validatePartitions(entries, {
    tableOffset,
    build: true,
    ...(options.flashSize !== undefined ? { flashSize: options.flashSize } : {}),
  })];
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
