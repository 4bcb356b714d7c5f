/** `espalgo explain LOGFILE`: explain the flash errors in an OpenOCD log, with the stub protocol era of that OpenOCD. */
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { explainOpenOcdLog, type Explanation, type ExplainReport, type ExplainRun } from '../../flash/explain.js';
import type { Diagnosis } from '../../flash/openocd-diagnosis.js';
import { ERA_INFO, OPENOCD_ERAS, describeEraRange, parseEraName, type OpenOcdEra } from '../../flash/openocd-eras.js';
import { exitTwoOnUsageErrors, inputUnreadable, runGuarded } from '../output/command-support.js';
import { counted } from '../output/format.js';
import { CliInputError, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle, type Style } from '../output/style.js';
import { HELP_WIDTH, wrapText } from '../output/table.js';

export interface ExplainCliOptions {
  readonly era?: OpenOcdEra;
  readonly json?: boolean;
}

/** Logs larger than this are surely not a single OpenOCD session (a -d3 log of a long session is a few MB). */
const MAX_LOG_BYTES = 256 * 1024 * 1024;

/**
 * The text of a log. Windows PowerShell 5 writes redirected output ("openocd … *> log.txt") as
 * UTF-16 with a byte order mark, so UTF-16 is decoded by its mark; NUL bytes without one mean a
 * binary file.
 */
function decodeLog(buf: Buffer, name: string): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf);
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf);
  if (buf.includes(0)) throw new CliInputError('NOT_A_LOG', `${name} contains NUL bytes: it is a binary file, not an OpenOCD log`);
  return new TextDecoder('utf-8').decode(buf);
}

function readLog(file: string, stdin: () => Buffer | string): string {
  if (file === '-') {
    const input = stdin();
    return typeof input === 'string' ? input : decodeLog(input, 'standard input');
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw inputUnreadable(err, file);
  }
  try {
    return decodeLog(readUpTo(fd, file), file);
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of `fd` (a file, a pipe such as `<(…)`, standard input), refused once they pass
 * MAX_LOG_BYTES, before the rest is read: a device like /dev/zero never ends.
 */
export function readUpTo(fd: number, name: string, limit = MAX_LOG_BYTES): Buffer {
  const chunks: Buffer[] = [];
  const chunk = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      // A pipe another process left non-blocking: wait for its writer.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      throw inputUnreadable(err, name);
    }
    if (n === 0) return Buffer.concat(chunks, total);
    total += n;
    if (total > limit) throw new CliInputError('INPUT_TOO_LARGE', `${name} holds more than ${limit / 0x100000} MiB; that is not one OpenOCD log`);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
}

/** Line numbers for the text, the first few of a long list: "5, 7, 9 and 47 more". */
function lineList(lines: readonly number[]): string {
  const SHOWN = 10;
  return lines.length <= SHOWN + 2 ? lines.join(', ') : `${lines.slice(0, SHOWN).join(', ')} and ${lines.length - SHOWN} more`;
}

function renderExplanation(x: Explanation, st: Style, columns: number, repeats: readonly number[]): string {
  const head = x.severity === 'error' ? st.red : x.severity === 'warning' ? st.yellow : st.cyan;
  const out: string[] = [];
  out.push(`${st.bold(`line ${x.line}`)}  ${st.dim(x.raw.trim())}\n`);
  out.push(`  ${head(x.title)}${x.code ? `: ${st.bold(x.code)}` : ''}${x.relatedTo !== undefined ? st.dim(` (detail of line ${x.relatedTo})`) : ''}${x.explained ? '' : st.red(' [not explained]')}\n`);
  out.push(`  ${wrapText(x.explanation, columns, 2)}\n`);
  for (const a of x.actions) out.push(`  ${st.green('→')} ${wrapText(a, columns, 4)}\n`);
  if (repeats.length) out.push(`  ${st.dim(wrapText(`The same on line${repeats.length > 1 ? 's' : ''} ${lineList(repeats)}.`, columns, 2))}\n`);
  return out.join('');
}

/** Explanations that say the same (an IDE retrying GDB repeats a whole block) are printed once, with the lines that repeat it. */
function groupRepeats(xs: readonly Explanation[]): { first: Explanation; repeats: number[] }[] {
  const groups = new Map<string, { first: Explanation; repeats: number[] }>();
  for (const x of xs) {
    const key = JSON.stringify([x.kind, x.title, x.code, x.explanation, x.actions, x.explained]);
    const g = groups.get(key);
    if (g) g.repeats.push(x.line);
    else groups.set(key, { first: x, repeats: [] });
  }
  return [...groups.values()];
}

function renderDiagnosis(d: Diagnosis, i: number, st: Style, columns: number): string {
  const out: string[] = [];
  out.push(`${st.bold(`${i + 1}. ${d.title}`)} ${st.dim(`(confidence ${d.confidence}; line${d.lines.length > 1 ? 's' : ''} ${lineList(d.lines)})`)}\n`);
  out.push(`   ${wrapText(d.summary, columns, 3)}\n`);
  if (d.actions.length) out.push(`   ${st.bold('What to do:')}\n`);
  for (const a of d.actions) out.push(`   - ${wrapText(a, columns, 5)}\n`);
  return out.join('');
}

export function renderReport(r: ExplainReport & { runs?: readonly ExplainRun[] }, name: string, st: Style, columns: number): string {
  const head = `${st.bold('espalgo explain')} ${name}\n\n`;
  if (!r.runs) return head + renderRun(r, st, columns) + summaryOf(r, st);
  // Several OpenOCD runs in one log: each is read with its own version and era.
  const runs = r.runs.map((run, k) => `${st.bold(`── OpenOCD run ${k + 1} of ${r.runs!.length}, lines ${run.firstLine}–${run.lastLine} ──`)}\n\n${renderRun(run, st, columns, 'run')}`);
  return head + `${wrapText(`This log holds ${r.runs.length} OpenOCD runs (a version banner starts each); each line is read in the era of the run it belongs to.`, columns, 0)}\n\n` + runs.join('\n') + summaryOf(r, st);
}

function summaryOf(r: ExplainReport, st: Style): string {
  const explained = r.explanations.filter((x) => x.explained).length;
  return r.explanations.length === 0 ? '' : `${counted(explained, 'line')} explained${r.unexplainedCount ? `, ${st.red(`${r.unexplainedCount} not explained`)}` : ''}.\n`;
}

/** One run's part of the report: its OpenOCD, era, chip and flash, the lines explained, the diagnosis. */
function renderRun(r: ExplainReport, st: Style, columns: number, what: 'log' | 'run' = 'log'): string {
  const out: string[] = [];
  const v = r.era.version;
  out.push(`${st.bold('OpenOCD'.padEnd(9))}${v ? `${v.raw}${r.era.versionLine !== undefined ? st.dim(` (line ${r.era.versionLine})`) : ''}` : st.dim('no version line found')}\n`);
  const eraText = r.era.era ? `era ${r.era.era}: ${ERA_INFO[r.era.era].summary}` : `not decided (${r.era.candidates.map((e) => `era ${e}`).join(' or ')})`;
  out.push(`${st.bold('Era'.padEnd(9))}${wrapText(eraText, columns, 9)}\n`);
  out.push(`${' '.repeat(9)}${st.dim(wrapText(r.era.advice ? `${r.era.reason} ${r.era.advice}` : r.era.reason, columns, 9))}\n`);
  if (r.era.conflict) out.push(`${' '.repeat(9)}${st.yellow(wrapText(`Note: ${r.era.conflict}.`, columns, 9))}\n`);
  if (r.chip) out.push(`${st.bold('Chip'.padEnd(9))}${r.chip}${r.chipLine !== undefined ? st.dim(` (line ${r.chipLine})`) : ''}\n`);
  for (const b of r.facts.banks) out.push(`${st.bold('Flash'.padEnd(9))}${b.sizeKb} KB detected (${b.bank}) ${st.dim(`(line ${b.line})`)}\n`);
  const shown = r.explanations;
  if (shown.length === 0) {
    out.push(`\n${st.green(`No flash errors found in this ${what}.`)}\n`);
    return out.join('');
  }
  out.push(`\n${st.bold('Lines')}\n`);
  for (const g of groupRepeats(shown)) out.push(renderExplanation(g.first, st, columns, g.repeats) + '\n');
  if (r.diagnoses.length) {
    out.push(`${st.bold('Diagnosis')}\n`);
    r.diagnoses.forEach((d, i) => out.push(renderDiagnosis(d, i, st, columns) + '\n'));
  }
  return out.join('');
}

export function runExplain(file: string, o: ExplainCliOptions, io: CliIo = processIo(), stdin: () => Buffer | string = () => readUpTo(0, 'standard input')): number {
  return runGuarded(io, () => {
    if (file === '-' && process.stdin.isTTY) io.err('espalgo: reading the OpenOCD log from standard input (paste it, then Ctrl-D; or give the log file)\n');
    const text = readLog(file, stdin);
    if (text.trim() === '') throw new CliInputError('NOT_A_LOG', `${file === '-' ? 'standard input' : file} is empty: give the log OpenOCD wrote (openocd … -l openocd.log, or its output redirected)`);
    const report = explainOpenOcdLog(text, o.era ? { era: o.era } : {});
    const looksLikeLog = report.levelLines > 0 || report.era.version !== undefined || report.explanations.length > 0;
    if (!looksLikeLog) {
      throw new CliInputError('NOT_A_LOG', `${file === '-' ? 'standard input' : file} does not look like an OpenOCD log (no "Info :", "Warn :" or "Error:" lines and no version banner)`);
    }
    const name = file === '-' ? '(stdin)' : basename(file);
    if (o.json) {
      const { lineCount, levelLines, ...rest } = report;
      io.out(JSON.stringify({ ok: true, file: name, lineCount, levelLines, ...rest }) + '\n');
    } else {
      io.out(renderReport(report, name, makeStyle(io.color), io.columns));
    }
    return report.unexplainedCount > 0 ? EXIT_PROBLEM : EXIT_OK;
  }, o.json === true);
}

const HELP = `
Reads an OpenOCD log (Espressif's openocd-esp32), tells which stub protocol era that OpenOCD
belongs to, and explains each flash error line in plain words with what to do, then gives an
overall diagnosis. Stub error numbers mean different things in different eras, so every number
is printed with its era, e.g. "-9 (era B: FLASH_SIZE)".

Eras:
${OPENOCD_ERAS.map((e) => `  ${e}  ${wrapText(`${describeEraRange(e)}: ${ERA_INFO[e].summary}`, HELP_WIDTH, 5)}`).join('\n')}

The era is taken from the "Open On-Chip Debugger v0.12.0-esp32-YYYYMMDD" line; without one, from
the shape of the messages; --era overrides both.

Exit codes: 0 explained (or nothing wrong found), 1 errors found that could not be explained,
2 bad input.

Examples:
  $ espalgo explain openocd.log
  $ openocd -f board/esp32s3-builtin.cfg -d3 -l openocd.log   # then: espalgo explain openocd.log
  $ espalgo explain - < openocd.log
  $ espalgo explain issue-log.txt --era B --json
`;

export function registerExplain(program: Command): void {
  const cmd = program
    .command('explain')
    .description("explain the flash errors in an OpenOCD log (with the stub protocol era of that OpenOCD)")
    .argument('<logfile>', 'OpenOCD log file, or - for standard input')
    .option('--era <era>', 'decode stub numbers in this era: A, B or C', (value: string) => {
      const era = parseEraName(value);
      if (!era) throw new InvalidArgumentError('must be A, B or C');
      return era;
    })
    .option('--json', 'print the explanations as JSON')
    .addHelpText('after', HELP)
    .action((file: string, opts: ExplainCliOptions) => {
      process.exitCode = runExplain(file, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
