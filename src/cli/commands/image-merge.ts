/** `espalgo image merge -o OUT OFFSET FILE [OFFSET FILE…]`: one flash file from a bootloader, a table and apps. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { IMAGE_MAGIC, hasPartitionMagic, isMcubootImage, mergeFlash, mergedLayoutFindings, type FlashPart } from '../../image/index.js';
import { commandOutput, STDOUT_HELP } from '../output/command-output.js';
import { exitTwoOnUsageErrors, imageCommand, MAX_FLASH_BYTES, numberOption, offsetOption, readInputFile, runGuarded } from '../output/command-support.js';
import { refuseElfAsFlashData } from '../output/elf-input.js';
import { CliInputError, EXIT_PROBLEM, EXIT_OK } from '../output/exit-codes.js';
import { renderFindings, summaryLine } from '../output/findings-text.js';
import { counted, formatSize, hex32, hexSize, parseNumber } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';
import { renderTable } from '../output/table.js';

export interface MergeCliOptions {
  readonly out: string;
  /** Flash offset of the output's byte 0 (default 0). */
  readonly baseOffset?: number;
  /** Pad the output with 0xFF to this many bytes (a whole flash). */
  readonly padTo?: number;
  readonly json?: boolean;
}


/** What a part looks like from its first bytes, for the listing. */
function kindOf(data: Uint8Array): string {
  if (data[0] === IMAGE_MAGIC) return 'ESP image';
  if (hasPartitionMagic(data)) return 'partition table';
  if (isMcubootImage(data)) return 'MCUboot image';
  return 'data';
}

/** OFFSET FILE pairs from the command line. */
function partsOf(args: readonly string[]): { part: FlashPart; file: string }[] {
  if (args.length === 0 || args.length % 2 !== 0) {
    throw new CliInputError('BAD_ARGUMENTS', `give OFFSET FILE pairs, e.g. 0x0 bootloader.bin 0x8000 partition-table.bin 0x10000 app.bin (got ${counted(args.length, 'argument')})`);
  }
  const parts: { part: FlashPart; file: string }[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const offset = parseNumber(args[i]!);
    if (offset === undefined) {
      const hint = parseNumber(args[i + 1]!) !== undefined ? `: the offset comes first, then the file (${args[i + 1]} ${args[i]})` : ' like 0x10000';
      throw new CliInputError('BAD_ARGUMENTS', `"${args[i]}" is not an offset${hint}`);
    }
    if (offset % 4 !== 0) throw new CliInputError('BAD_ARGUMENTS', `offset ${hex32(offset)} of ${args[i + 1]} is not a multiple of 4 bytes; flash is written in words`);
    const file = args[i + 1]!;
    const data = readInputFile(file);
    if (data.length === 0) throw new CliInputError('INPUT_EMPTY', `${file} is empty`);
    refuseElfAsFlashData(file, data, 'merge that');
    parts.push({ part: { offset, data, name: basename(file) }, file });
  }
  return parts;
}

export function runMerge(args: readonly string[], o: MergeCliOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    const output = commandOutput(o.out, io, { binary: true, json: o.json === true });
    const base = o.baseOffset ?? 0;
    const parts = partsOf(args);
    output.checkNotInput(parts.map((p) => p.file));
    const end = Math.max(o.padTo ?? 0, ...parts.map(({ part }) => part.offset + part.data.length - base));
    if (end > MAX_FLASH_BYTES) throw new CliInputError('BAD_ARGUMENTS', `the output would end at 0x${end.toString(16)} (${formatSize(end)}), past ${hexSize(MAX_FLASH_BYTES)}, the most a flash file holds (is an offset or --pad-to mistyped?)`);
    const merged = mergeFlash(parts.map((p) => p.part), { baseOffset: base, ...(o.padTo !== undefined ? { size: o.padTo } : {}) });
    output.write(merged);
    const sorted = [...parts].sort((a, b) => a.part.offset - b.part.offset);
    const findings = mergedLayoutFindings(merged, parts.map((p) => p.part), base);
    const code = findings?.some((f) => f.severity === 'error') ? EXIT_PROBLEM : EXIT_OK;
    if (o.json) {
      io.out(JSON.stringify({
        ok: true, action: 'merge', out: o.out, baseOffset: hex32(base), bytes: merged.length,
        parts: sorted.map(({ part, file }) => ({ file, offset: hex32(part.offset), size: part.data.length, kind: kindOf(part.data) })),
        layoutChecked: findings !== null,
        findings: (findings ?? []).map((f) => ({ ...f, ...(f.flashOffset !== undefined ? { flashOffset: hex32(f.flashOffset) } : {}) })),
      }) + '\n');
      return code;
    }
    const text = output.text;
    const st = makeStyle(text.color);
    text.out(`${st.bold('espalgo image merge')} → ${output.name} (${formatSize(merged.length)}, file byte 0 = flash ${hex32(base)}, gaps 0xFF)\n\n`);
    text.out(renderTable(
      [{ header: 'flash offset' }, { header: 'end' }, { header: 'size', align: 'right' }, { header: 'file' }, { header: 'looks like' }],
      sorted.map(({ part, file }) => [hex32(part.offset), hex32(part.offset + part.data.length), formatSize(part.data.length), file, kindOf(part.data)]),
      2, st.dim,
    ));
    if (findings?.length) text.out(`\n${st.bold('Layout check')} (the merged file read as a flash): ${summaryLine(findings, { info: false })}\n${renderFindings(findings, st, text.columns)}`);
    else if (findings) text.out(`\n${st.bold('Layout check')} (the merged file read as a flash): ${st.green('every part where the chip and the table expect it')}\n`);
    if (!output.toStdout) text.out(`\n${st.dim(`Next: espalgo flash-map ${o.out}${base ? ` --base-offset ${hex32(base)}` : ''} (which app boots, its mappings, what would trip a debugger)`)}\n`);
    return code;
  }, o.json === true);
}

const HELP = `
Lays files into one flash file, each at its flash offset, gaps filled with 0xFF (an erased flash
reads 0xFF). Overlapping parts, offsets before the base, parts past --pad-to and an output that
is one of the parts are refused, and nothing is written then. The output is written complete or
not at all. With -o - the file goes to standard output and the listing to stderr.

The file starts at flash 0 unless --base-offset says otherwise (e.g. 0x1000 for an esp32 or
esp32s2 file that starts at its bootloader).

When one of the parts is a partition table, the merged file is then read as a whole flash (the
analysis of espalgo flash-map): a bootloader where the chip's ROM does not look for it, an app
partition left empty, an ESP image where no app partition starts, an app larger than its
partition, a part past the flash size the bootloader header states. Such a file is still
written; errors make the exit code 1.

Exit codes: 0 written; 1 written, but the layout check found an error (the flash would not boot
as laid out); 2 bad input (nothing written).

Examples:
  $ espalgo image merge -o flash.bin 0x0 bootloader.bin 0x8000 partition-table.bin 0x10000 app.bin
  $ espalgo image merge -o flash-4M.bin --pad-to 4MB \\
      0x0 bootloader.bin 0x8000 pt.bin 0x10000 app.bin
  $ espalgo flash-map flash.bin
`;

export function registerMerge(program: Command): void {
  const cmd = imageCommand(program)
    .command('merge')
    .description('merge a bootloader, a partition table and apps into one flash file at their offsets')
    .argument('<offset-file-pairs...>', 'OFFSET FILE, repeated')
    .requiredOption('-o, --out <file>', `the flash file to write (${STDOUT_HELP})`)
    .option('--base-offset <offset>', 'flash offset of the file\'s byte 0 (default 0)', offsetOption('--base-offset'))
    .option('--pad-to <size>', 'pad the file with 0xFF to this size (e.g. 4MB, the whole flash)', numberOption('--pad-to'))
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', HELP)
    .action((pairs: string[], opts: MergeCliOptions) => {
      process.exitCode = runMerge(pairs, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
