/** What the commands share: reading the input file, option parsers (numbers, --chip), default output names, the exit-code wiring with commander. */
import { readFileSync, statSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { CHIP_NAMES, findChip } from '../../chips/index.js';
import type { ChipDescriptor } from '../../chips/types.js';
import { CliInputError, EXIT_BAD_INPUT } from './exit-codes.js';
import { formatSize as sizeWords } from '../../flash/probe-size.js';
import { isFlashSize, MAX_FLASH_SIZE, tableOffsetProblem } from '../../flash/overrides.js';
import { parseNumber } from './format.js';
import type { CliIo } from './io.js';

/**
 * The largest flash an ESP chip addresses, 1 GiB (the flash driver's MAX_FLASH_SIZE): the most a
 * flash file holds (read or written; beyond it an input is surely no flash image, an output's
 * offset surely mistyped) and the largest --flash-size.
 */
export const MAX_FLASH_BYTES = MAX_FLASH_SIZE;

/** An input file that cannot be read, said as every command says it (INPUT_UNREADABLE). */
export function inputUnreadable(err: unknown, name: string): CliInputError {
  const code = (err as NodeJS.ErrnoException).code;
  return new CliInputError('INPUT_UNREADABLE', code === 'ENOENT' ? `no such file: ${name}` : code === 'EISDIR' ? `${name} is a directory` : `cannot read ${name}: ${(err as Error).message}`);
}

export function readInputFile(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CliInputError('INPUT_NOT_FILE', `${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof CliInputError) throw err;
    throw inputUnreadable(err, path);
  }
  if (size > MAX_FLASH_BYTES) throw new CliInputError('INPUT_TOO_LARGE', `${path} is ${size} bytes; a flash image is at most 1 GiB`);
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw new CliInputError('INPUT_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** commander argument parser for offsets and sizes: 0x8000, 32768, 4M, 16MiB; `like` gives the examples its refusal shows. */
export function numberOption(what: string, like = '0x8000, 32768 or 4M'): (value: string) => number {
  return (value: string) => {
    const n = parseNumber(value);
    if (n === undefined || n < 0) throw new InvalidArgumentError(`${what} must be a number like ${like}`);
    if (n > 0xffffffff + 1) throw new InvalidArgumentError(`${what} ${value} is too large: at most 4G (0x100000000), the 32-bit limit`);
    return n;
  };
}

/** commander argument parser for a flash or memory offset: 0x8000, 32768, 1M; at most 0xFFFFFFFF (4G itself is no offset). */
export function offsetOption(what: string): (value: string) => number {
  const number = numberOption(what);
  return (value: string) => {
    const n = number(value);
    if (n > 0xffffffff) throw new InvalidArgumentError(`${what} ${value} is past the last 32-bit offset 0xFFFFFFFF`);
    return n;
  };
}

/** commander argument parser for --table-offset: a 4 KiB flash sector after the bootloader's (so not 0). */
export function tableOffsetValue(what = '--table-offset'): (value: string) => number {
  const offset = offsetOption(what);
  return (value: string) => {
    const n = offset(value);
    const problem = tableOffsetProblem(n, what, value);
    if (problem) throw new InvalidArgumentError(problem);
    return n;
  };
}

/** commander argument parser for a factor: a number above 0, fractions allowed (0.5, 2, 10). */
export function factorOption(what: string): (value: string) => number {
  return (value: string) => {
    const n = /^\s*\d*\.?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!(n > 0)) throw new InvalidArgumentError(`${what} must be a number above 0, e.g. 0.5, 2 or 10`);
    return n;
  };
}

/** commander argument parser for a duration in milliseconds: a whole number above 0. */
export function millisecondsOption(what: string): (value: string) => number {
  return (value: string) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!(n > 0) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be milliseconds, a whole number above 0, e.g. 3000`);
    return n;
  };
}

/** commander argument parser for a TCP port to listen on: 0 (any free port) to 65535. */
export function portOption(what: string): (value: string) => number {
  return (value: string) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!(n <= 65535)) throw new InvalidArgumentError(`${what} must be a port number from 0 (any free port) to 65535`);
    return n;
  };
}

/** The chip a --chip option names, undefined when none is given; an unknown name is bad input listing the known ones. */
export function chipOption(name: string | undefined): ChipDescriptor | undefined {
  if (name === undefined) return undefined;
  const chip = findChip(name);
  if (!chip) throw new CliInputError('BAD_CHIP', `unknown chip "${name}"; known: ${CHIP_NAMES.join(', ')}`);
  return chip;
}

/** `path` with its `ext` ending (any case) replaced by `to`, or `to` appended: where a command's output goes by default. */
export function outputBeside(path: string, ext: string, to: string): string {
  return path.toLowerCase().endsWith(ext) ? path.slice(0, -ext.length) + to : path + to;
}

/** The `espalgo image` command group, made by whichever image command registers first. */
export function imageCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'image') ??
    exitTwoOnUsageErrors(program.command('image').description('firmware image tools: read, build, convert, merge'))
  );
}

/**
 * `espalgo help flash write` as `espalgo flash write --help`: commander's help command reads only
 * the first word after it, so the help of a command two levels down would show its group's. A
 * word that names no command is an unknown command (commander would show the group's help); words
 * after a command that has no subcommands are ignored, never run.
 */
export function helpWordsAsOption(program: Command, args: readonly string[]): string[] {
  if (args[0] !== 'help' || args.length < 2) return [...args];
  const path: string[] = [];
  let cmd = program;
  for (const word of args.slice(1)) {
    if (cmd.commands.length === 0) break; // a command's help: words after it are not commands
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) return [...path, word]; // commander's "unknown command" for the group
    path.push(word);
    cmd = next;
  }
  return [...path, '--help'];
}

/** The words that run `cmd`: `espalgo`, `espalgo flash`, `espalgo image info`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Make commander's own errors (unknown command or option, missing argument, bad value) exit with
 * code 2 and print one line, while --help still exits 0. A command with --json, given --json, also
 * gets the error as a JSON line on stdout, as runGuarded does; so does a command group (espalgo
 * itself, `flash`, `image`) given --json, where the error is a mistyped command's.
 */
export function exitTwoOnUsageErrors(cmd: Command): Command {
  return cmd
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (str, write) => write(`${str.trimEnd()} (see: ${commandPath(cmd)} --help)\n`),
    })
    .exitOverride((err) => {
      const speaksJson = cmd.commands.length > 0 || cmd.options.some((o) => o.long === '--json');
      if (err.exitCode !== 0 && err.code !== 'commander.help' && process.argv.includes('--json') && speaksJson) {
        process.stdout.write(JSON.stringify({ ok: false, code: 'BAD_USAGE', error: err.message.replace(/^error: /, '') }) + '\n');
      }
      process.exit(err.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
    });
}

/**
 * Run a command body: CliInputError and the library's typed input errors become one line on stderr
 * and exit code 2 — with `json` (the command's --json) also a line {"ok":false,"code","error"} on
 * stdout, so a script reading JSON sees the failure as it sees the others.
 */
export function runGuarded(io: CliIo, body: () => number, json = false): number {
  try {
    return body();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const typed = err instanceof CliInputError || (e && typeof e.code === 'string' && typeof e.message === 'string');
    if (!typed) throw err;
    const code = e.code as string;
    const message = e.message as string;
    // Typed errors of the library (bad option values, undecodable input) are input problems.
    io.err(`espalgo: ${message}${err instanceof CliInputError ? '' : ` [${code}]`}\n`);
    if (json) io.out(JSON.stringify({ ok: false, code, error: message }) + '\n');
    return EXIT_BAD_INPUT;
  }
}

/** runGuarded for async command bodies. */
export async function runGuardedAsync(io: CliIo, body: () => Promise<number>, json = false): Promise<number> {
  try {
    return await body();
  } catch (err) {
    return runGuarded(
      io,
      () => {
        throw err;
      },
      json,
    );
  }
}

/** --flash-size as the user gave it, refused unless it is a flash chip's size: a power of two from 64 KiB to 1 GiB. */
export function checkFlashSizeOption(size: number | undefined): void {
  if (size !== undefined && !isFlashSize(size)) {
    throw new CliInputError('BAD_SIZE', `--flash-size ${sizeWords(size)} is not a flash size: give a power of two from 64K to 1G, e.g. 4M, 16M or 32M`);
  }
}
