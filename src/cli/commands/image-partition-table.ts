/** `espalgo image partition-table IN`: ESP-IDF partition CSV to the binary table, or a binary table back to CSV. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import {
  buildPartitionTable, hasPartitionMagic, parsePartitionCsv, parsePartitionTable, partitionTableToCsv, type Finding, type PartitionEntry,
} from '../../image/index.js';
import { commandOutput, STDOUT_HELP } from '../output/command-output.js';
import { CHIP_NAMES } from '../../chips/index.js';
import { checkFlashSizeOption, chipOption, exitTwoOnUsageErrors, imageCommand, outputBeside, numberOption, offsetOption, readInputFile, runGuarded } from '../output/command-support.js';
import { tableOffsetProblem } from '../../flash/overrides.js';
import { CliInputError, EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { renderFindings, summaryLine } from '../output/findings-text.js';
import { counted, formatSize, hex32 } from '../output/format.js';
import { renderPartitionTable } from '../output/image-tables.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';

export interface PartitionTableCliOptions {
  /** CSV → binary: default the CSV's name with .bin; binary → CSV: default stdout. */
  readonly out?: string;
  /** Flash offset of the table (fills empty CSV offsets after it; names flash addresses); default 0x8000. */
  readonly offset?: number;
  readonly flashSize?: number;
  /** CSV → binary: the chip, whose bootloader offset places ESP-IDF 5.5+ `bootloader` rows. */
  readonly chip?: string;
  /** CSV → binary: the bootloader offset itself (wins over --chip). */
  readonly primaryBootloaderOffset?: number;
  /** CSV → binary: where a `bootloader, recovery` row goes. */
  readonly recoveryBootloaderOffset?: number;
  /** commander's --no-md5: false leaves the MD5 entry out of the binary. */
  readonly md5?: boolean;
  readonly json?: boolean;
}

const TABLE_SECTOR = 0x1000;

function csvText(bytes: Uint8Array, file: string): string {
  if (bytes.includes(0)) {
    throw new CliInputError('NOT_A_TABLE', `${file} is neither a partition table binary (starting AA 50) nor CSV text (it has NUL bytes); for a flash dump use: espalgo flash-map ${file}`);
  }
  return new TextDecoder('utf-8').decode(bytes);
}

function jsonEntries(entries: readonly PartitionEntry[]): object[] {
  return entries.map((e) => ({ label: e.label, type: e.typeName, subtype: e.subtypeName, offset: hex32(e.offset), size: e.size, encrypted: e.flags.encrypted, readonly: e.flags.readonly }));
}

export function defaultTablePath(csvPath: string): string {
  return outputBeside(csvPath, '.csv', '.bin');
}

export function runPartitionTable(file: string, o: PartitionTableCliOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    checkFlashSizeOption(o.flashSize);
    const bytes = readInputFile(file);
    if (bytes.length === 0) throw new CliInputError('INPUT_EMPTY', `${file} is empty`);
    const misplaced = o.offset !== undefined ? tableOffsetProblem(o.offset, '--offset', hex32(o.offset)) : undefined;
    if (misplaced) throw new CliInputError('BAD_OPTIONS', misplaced);
    const where = { ...(o.offset !== undefined ? { tableOffset: o.offset } : {}), ...(o.flashSize !== undefined ? { flashSize: o.flashSize } : {}) };
    const bootloaderOffset = o.primaryBootloaderOffset ?? chipOption(o.chip)?.bootloaderOffset;
    const errors = (findings: readonly Finding[]) => findings.filter((f) => f.severity === 'error').length;

    if (hasPartitionMagic(bytes)) {
      // Binary → CSV: a reading; what it finds is reported, the CSV written all the same.
      const output = o.out === undefined ? undefined : commandOutput(o.out, io, { binary: false, json: o.json === true });
      output?.checkNotInput([file]);
      const table = parsePartitionTable(bytes.subarray(0, TABLE_SECTOR), where);
      const csv = partitionTableToCsv(table.entries);
      output?.write(csv);
      if (o.json) {
        io.out(JSON.stringify({ ok: true, action: 'partition-table', from: 'binary', out: o.out ?? null, md5: table.md5?.present ? (table.md5.valid ? 'valid' : 'invalid') : 'none', entries: jsonEntries(table.entries), findings: table.findings, ...(o.out === undefined ? { csv } : {}) }) + '\n');
      } else if (output === undefined) {
        io.out(csv);
        if (table.findings.length) io.err(renderFindings(table.findings, makeStyle(io.errColor), io.errColumns));
      } else {
        const text = output.text;
        const st = makeStyle(text.color);
        text.out(`${st.bold('espalgo image partition-table')} ${basename(file)} (binary, MD5 ${table.md5?.present ? (table.md5.valid ? 'valid' : 'INVALID') : 'none'}) → ${output.name} (CSV)\n\n`);
        text.out(renderPartitionTable(table.entries, st));
        if (table.findings.length) text.out(`\n${renderFindings(table.findings, st, text.columns)}\n${summaryLine(table.findings)}\n`);
      }
      return errors(table.findings) ? EXIT_PROBLEM : EXIT_OK; // a wrong MD5 is an error finding (PARTITION_MD5); none at all is info
    }

    // CSV → binary: a build; a table with errors is not written.
    const output = commandOutput(o.out ?? defaultTablePath(file), io, { binary: true, json: o.json === true });
    output.checkNotInput([file]);
    const parsed = parsePartitionCsv(csvText(bytes, file), {
      ...where,
      ...(bootloaderOffset !== undefined ? { bootloaderOffset } : {}),
      ...(o.recoveryBootloaderOffset !== undefined ? { recoveryBootloaderOffset: o.recoveryBootloaderOffset } : {}),
    });
    const bad = errors(parsed.findings);
    const binary = bad ? undefined : buildPartitionTable(parsed.entries, { md5: o.md5 !== false });
    if (binary) output.write(binary);
    const refusal = `${output.toStdout ? 'nothing written to standard output' : `${output.name} not written`}: the table has ${counted(bad, 'error')}`;
    if (o.json) {
      const result = bad ? { ok: false, code: 'TABLE_HAS_ERRORS', error: refusal } : { ok: true, out: output.path, bytes: binary?.length ?? 0 };
      io.out(JSON.stringify({ ...result, action: 'partition-table', from: 'csv', md5: o.md5 !== false, entries: jsonEntries(parsed.entries), findings: parsed.findings }) + '\n');
    } else {
      const text = output.text;
      const st = makeStyle(text.color);
      text.out(`${st.bold('espalgo image partition-table')} ${basename(file)} (CSV) → ${binary ? `${output.name} (${formatSize(binary.length)} binary${o.md5 !== false ? ' with MD5' : ''})` : st.red('nothing written')}\n\n`);
      text.out(renderPartitionTable(parsed.entries, st));
      text.out(`\n${renderFindings(parsed.findings, st, text.columns)}\n${summaryLine(parsed.findings)}\n`);
    }
    if (bad) {
      io.err(`espalgo: ${refusal}${o.json ? '' : ' (listed above)'}\n`);
      return EXIT_BAD_INPUT;
    }
    return EXIT_OK;
  }, o.json === true);
}

const HELP = `
Converts both ways, telling the input by its content:
  CSV (ESP-IDF's partitions.csv) → the binary table the bootloader reads: empty offsets filled as
    ESP-IDF does (apps 64 KiB aligned, data 4 KiB, after the table at --offset), sizes like 1M or
    24K, the MD5 entry appended. A table with errors (overlaps, misaligned apps, more than one
    otadata, past --flash-size, and what ESP-IDF refuses to build: duplicate names, data offsets
    not 4 KiB aligned, app sizes not a multiple of 4 KiB, otadata or tee_ota other than 0x2000,
    a second tee_ota, readonly otadata or coredump, read/write nvs under 0x3000) is listed and
    not written.
    ESP-IDF 5.5+ rows of type bootloader and partition_table (offset and size usually N/A) are
    placed as ESP-IDF's generator places them: "bootloader, primary" at the chip's bootloader
    offset (--chip, or --primary-bootloader-offset), "bootloader, recovery" at
    --recovery-bootloader-offset, "partition_table, primary" at --offset; every bootloader row is
    (--offset − bootloader offset) long, every partition_table row 0x1000. The OTA rows
    (bootloader, ota and partition_table, ota) take an offset or an empty one, as other rows.
  binary (AA 50 …, e.g. build/partition_table/partition-table.bin) → CSV with every offset
    explicit, on stdout unless -o; the MD5 and the entries are checked.
  -o - writes either to standard output, and the listing to stderr.

Exit codes: 0 done, 1 the binary table has a problem (CSV still written), 2 bad input (nothing
written).

Examples:
  $ espalgo image partition-table partitions.csv -o partition-table.bin --flash-size 4MB
  $ espalgo image partition-table partitions.csv --offset 0xc000
  $ espalgo image partition-table partitions.csv --chip esp32s3     # CSV with bootloader rows
  $ espalgo image partition-table build/partition_table/partition-table.bin > partitions.csv
  $ espalgo image partition-table partitions.csv -o - | xxd
  $ espalgo image merge -o flash.bin 0x0 bootloader.bin 0x8000 partition-table.bin 0x10000 app.bin
`;

export function registerPartitionTable(program: Command): void {
  const cmd = imageCommand(program)
    .command('partition-table')
    .description('convert an ESP-IDF partition CSV to the binary table, or a binary table to CSV')
    .argument('<file>', 'partitions.csv or a partition table binary')
    .option('-o, --out <file>', `file to write (CSV → binary default: the CSV name with .bin; binary → CSV default: stdout; ${STDOUT_HELP})`)
    .option('--offset <offset>', 'flash offset of the table (default 0x8000)', offsetOption('--offset'))
    .option('--flash-size <size>', 'check that every partition fits this flash (e.g. 4MB)', numberOption('--flash-size'))
    .option('--chip <chip>', `CSV → binary: the chip whose bootloader offset places bootloader rows (${CHIP_NAMES.join(', ')})`)
    .option('--primary-bootloader-offset <offset>', 'CSV → binary: the bootloader offset itself (instead of --chip)', offsetOption('--primary-bootloader-offset'))
    .option('--recovery-bootloader-offset <offset>', 'CSV → binary: where a "bootloader, recovery" row goes (CONFIG_BOOTLOADER_RECOVERY_OFFSET)', offsetOption('--recovery-bootloader-offset'))
    .option('--no-md5', 'leave the MD5 entry out of the binary')
    .option('--json', 'print the entries and findings as JSON')
    .addHelpText('after', HELP)
    .action((file: string, opts: PartitionTableCliOptions) => {
      process.exitCode = runPartitionTable(file, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
