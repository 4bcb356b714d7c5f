/** `espalgo example-image --layout NAME OUT`: write one of the built-in example flash files. */
import type { Command } from 'commander';
import { EXAMPLE_LAYOUTS, findExampleLayout } from '../../image/examples/index.js';
import { ImageFormatError } from '../../image/errors.js';
import { commandOutput, STDOUT_HELP } from '../output/command-output.js';
import { exitTwoOnUsageErrors, MAX_FLASH_BYTES, numberOption, runGuarded } from '../output/command-support.js';
import { CliInputError, EXIT_OK } from '../output/exit-codes.js';
import { formatSize, hex32 } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { HELP_WIDTH, wrapText } from '../output/table.js';

export interface ExampleImageOptions {
  readonly layout: string;
  /** Pad the file with 0xFF to this size. */
  readonly padTo?: number;
}

export function runExampleImage(out: string, o: ExampleImageOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    const layout = findExampleLayout(o.layout);
    if (!layout) throw new CliInputError('BAD_LAYOUT', `unknown layout "${o.layout}"; known: ${EXAMPLE_LAYOUTS.map((l) => l.name).join(', ')}`);
    const output = commandOutput(out, io, { binary: true });
    if (o.padTo !== undefined && o.padTo > MAX_FLASH_BYTES) {
      throw new CliInputError('BAD_OPTIONS', `--pad-to ${formatSize(o.padTo)} is more than a flash file holds (at most ${formatSize(MAX_FLASH_BYTES)}, the largest flash an ESP chip addresses)`);
    }
    let f;
    try {
      f = layout.build(o.padTo !== undefined ? { padTo: o.padTo } : {});
    } catch (error) {
      // A pad smaller than the layout: name the option, not only the part that does not fit.
      if (o.padTo !== undefined && error instanceof ImageFormatError && error.code === 'MERGE_RANGE') {
        throw new CliInputError('BAD_OPTIONS', `--pad-to ${formatSize(o.padTo)} is smaller than the "${layout.name}" layout: ${error.message}`);
      }
      throw error;
    }
    output.write(f.bytes);
    const text = output.text;
    text.out(`${output.name}: ${layout.name} (${f.chip.displayName}), ${formatSize(f.bytes.length)}, file byte 0 = flash ${hex32(f.baseOffset)}\n`);
    for (const p of f.parts) text.out(`  ${hex32(p.offset)}  ${p.name.padEnd(16)} ${formatSize(p.length)}\n`);
    return EXIT_OK;
  });
}

function layoutHelp(): string {
  return '\nLayouts:\n' + EXAMPLE_LAYOUTS.map((l) => `  ${l.name.padEnd(15)} ${wrapText(l.summary, HELP_WIDTH, 18)}`).join('\n') +
    `\n\nThe files are synthetic but well-formed (valid checksums, SHA-256, MD5, descriptors) and the same
on every run.

Examples:
  $ espalgo example-image --layout micropython mp.bin && espalgo flash-map mp.bin
  $ espalgo example-image --layout ota --pad-to 4M ota-4M.bin
  $ espalgo example-image --layout ota - | sha256sum     # the file on stdout, the listing on stderr
`;
}

export function registerExampleImage(program: Command): void {
  const cmd = program
    .command('example-image')
    .description('write a built-in example flash file (synthetic ESP-IDF-style images) for trying the image commands')
    .argument('<out>', `file to write (${STDOUT_HELP})`)
    .requiredOption('--layout <name>', `which layout (required): ${EXAMPLE_LAYOUTS.map((l) => l.name).join(', ')}`)
    .option('--pad-to <size>', 'pad the file with 0xFF to this size (e.g. 4M, 32M)', numberOption('--pad-to'))
    .addHelpText('after', layoutHelp())
    .action((out: string, opts: ExampleImageOptions) => {
      process.exitCode = runExampleImage(out, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
