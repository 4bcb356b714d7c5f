/**
 * A command's output file, or standard output when it is given as "-" (`-o -`, as Unix tools
 * take it): the data then goes to stdout byte for byte and the command's own text to stderr, so
 * that a pipe carries only the data. A file really named "-" is reached as ./-.
 */
import { checkOutputNotInput, checkOutputWritable, writeOutputFile } from './atomic-write.js';
import { CliInputError } from './exit-codes.js';
import type { CliIo } from './io.js';

/** The path that means standard output. */
export const STDOUT_PATH = '-';

export interface CommandOutput {
  readonly path: string;
  readonly toStdout: boolean;
  /** How the command's text names the output: the path, or "standard output". */
  readonly name: string;
  /** Where the command prints its text (summary, tables, hints): stderr when the data takes stdout. */
  readonly text: CliIo;
  /** Refuse an output file that is one of `inputs` (standard output is none of them). */
  checkNotInput(inputs: readonly string[]): void;
  /** Refuse, before long work, an output file whose folder cannot be written. */
  checkWritable(): void;
  write(data: string | Uint8Array): void;
}

export interface CommandOutputOptions {
  /** Binary data (not CSV or SVG text): refused on a terminal. */
  readonly binary: boolean;
  /** The command's --json, which wants stdout for itself. */
  readonly json?: boolean;
  /** The option that names the output, for messages: -o (default) or --svg. */
  readonly option?: string;
  /** The error code of a file that cannot be written. */
  readonly code?: string;
}

/**
 * Settle where a command's output goes, before any work: "-" is standard output, refused with
 * --json (the JSON goes there) and, for binary data, when stdout is a terminal.
 */
export function commandOutput(path: string, io: CliIo, o: CommandOutputOptions): CommandOutput {
  const option = o.option ?? '-o';
  if (path !== STDOUT_PATH) {
    return {
      path,
      toStdout: false,
      name: path,
      text: io,
      checkNotInput: (inputs) => checkOutputNotInput(path, inputs),
      checkWritable: () => checkOutputWritable(path, o.code),
      write: (data) => writeOutputFile(path, data, o.code),
    };
  }
  if (o.json) {
    throw new CliInputError('BAD_OPTIONS', `${option} - writes the data to standard output, where --json writes its JSON: give ${option} FILE with --json, or leave --json out (a file named "-" is ./-)`);
  }
  if (o.binary && io.outIsTTY) {
    throw new CliInputError('OUTPUT_TO_TERMINAL', `not writing binary data to a terminal: redirect standard output to a file (> out.bin) or pipe it (| xxd), or give a file name instead of "-"`);
  }
  return {
    path,
    toStdout: true,
    name: 'standard output',
    // The data owns stdout; the text moves to stderr, coloured and wrapped as stderr allows.
    text: { ...io, out: io.err, color: io.errColor, columns: io.errColumns },
    checkNotInput: () => undefined,
    checkWritable: () => undefined,
    write: (data) => (typeof data === 'string' ? io.out(data) : io.outBytes(data)),
  };
}

/** For --help: what "-" means for an output option. */
export const STDOUT_HELP = '"-" writes to standard output';
