/**
 * `espalgo flash read|write|erase|verify|blank-check`: the flash driver on a target (the simulator
 * or a GDB server). Requests are checked before anything is touched; progress goes to a bar on a
 * TTY, to one line per phase otherwise, or to JSON lines with --json.
 */
import type { Command } from 'commander';
import { counted, hex32 } from '../../chips/types.js';
import { AlgorithmError } from '../../algorithm/errors.js';
import { blankCheckFlash } from '../../flash/blank-check.js';
import { eraseFlash } from '../../flash/erase.js';
import { sessionGeometry } from '../../flash/geometry.js';
import { FlashError, isFlashInputError } from '../../flash/errors.js';
import { checkRange, type Alignment } from '../../flash/planner.js';
import { readFlash } from '../../flash/read.js';
import { openFlashSession, type FlashSession } from '../../flash/session.js';
import { StubError } from '../../flash/stub-client.js';
import { INFLATE_WINDOWS, STUB_ADDRESS_LIMIT, type StubInflater } from '../../flash/stub-protocol.js';
import type { TransferMode } from '../../flash/transfer.js';
import { verifyFlash } from '../../flash/verify.js';
import { writeFlash, type WriteReport } from '../../flash/write.js';
import { TargetError } from '../../target/errors.js';
import { commandOutput, STDOUT_HELP, type CommandOutput } from '../output/command-output.js';
import { checkFlashSizeOption, exitTwoOnUsageErrors, factorOption, MAX_FLASH_BYTES, numberOption, runGuardedAsync, tableOffsetValue } from '../output/command-support.js';
import { formatSize, listWords, tenths } from '../output/format.js';
import { CliInputError, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { withInterrupt } from '../output/interrupt.js';
import { explainLinkLost } from '../output/link-lost.js';
import { processIo, type CliIo } from '../output/io.js';
import { connectTarget } from '../target-connect.js';
import { flashFileParts, misplacedFlashFileWarning, parseOffset, type FlashFilePart } from './flash-parts.js';
import { appPartitionWarning, encryptedPartitionWarning, checkNoRange, describePartition, missingRange, partitionFile, type FlashFileData } from './flash-partition.js';
import { checkFitsPartition, findPartition, type NamedPartition } from '../../flash/partition-lookup.js';
import { progressPrinter } from '../output/flash-progress.js';

export interface FlashCommonOptions {
  readonly target: string;
  readonly chip?: string;
  readonly flash?: string;
  readonly scenario?: string;
  readonly flashSize?: number;
  readonly json?: boolean;
  readonly backup: boolean;
  readonly timeoutScale?: number;
  /** write and erase with --target sim --flash FILE: keep the changes in FILE. */
  readonly persist?: boolean;
  /** --partition NAME: the range is that partition's, from the chip's partition table. */
  readonly partition?: string;
  /** --table-offset: where that table is (default 0x8000, else searched). */
  readonly tableOffset?: number;
}

export interface FlashWriteOptions extends FlashCommonOptions {
  /** undefined: the driver's default (compress across a link, not on the in-process simulator). */
  readonly compress?: boolean;
  readonly skip: boolean;
  readonly verify: boolean;
  readonly mode?: string;
  readonly inflater?: string;
  /** --window: the stub's inflate window, e.g. 4K. */
  readonly window?: string;
}

export interface FlashReadOptions extends FlashCommonOptions {
  readonly out: string;
}

type Action = 'read' | 'write' | 'erase' | 'verify' | 'blank-check';

/**
 * write's --mode, --inflater and --window, checked, and that they and --compress / --no-compress
 * ask for one transfer: deflated data cannot also go plain. Returns the --window in bytes.
 */
function transferOptions(wo: FlashWriteOptions): number | undefined {
  if (wo.mode !== undefined && !['deflate', 'stream', 'calls'].includes(wo.mode)) {
    throw new CliInputError('BAD_OPTIONS', `--mode must be deflate, stream or calls, not "${wo.mode}"`);
  }
  if (wo.inflater !== undefined && !['rom', 'stub'].includes(wo.inflater)) {
    throw new CliInputError('BAD_OPTIONS', `--inflater must be rom or stub, not "${wo.inflater}"`);
  }
  const window = wo.window !== undefined ? parseWindow(wo.window) : undefined;
  if (wo.mode === 'deflate' && wo.compress === false) {
    throw new CliInputError('BAD_OPTIONS', '--mode deflate sends the data deflated and --no-compress sends it uncompressed: give one of them');
  }
  const plain = wo.mode === 'stream' || wo.mode === 'calls' ? `--mode ${wo.mode}` : wo.compress === false ? '--no-compress' : undefined;
  if (plain === undefined) return window;
  if (wo.compress === true) throw new CliInputError('BAD_OPTIONS', `--compress sends the data deflated and ${plain} sends it uncompressed: give one of them`);
  const deflateOnly = [wo.inflater !== undefined ? '--inflater' : '', wo.window !== undefined ? '--window' : ''].filter((f) => f !== '');
  if (deflateOnly.length > 0) {
    throw new CliInputError('BAD_OPTIONS', `${listWords(deflateOnly)} ${deflateOnly.length > 1 ? 'are' : 'is'} for deflated data, and ${plain} sends it uncompressed: leave out one or the other`);
  }
  return window;
}

/** --window: 4K, 8K, 16K or 32K (or the bytes, e.g. 4096 or 0x1000). */
function parseWindow(text: string): number {
  const m = /^(\d+)\s*[kK](?:i?B)?$/.exec(text.trim());
  const bytes = m ? Number(m[1]) * 1024 : Number(text);
  if (!INFLATE_WINDOWS.includes(bytes)) throw new CliInputError('BAD_OPTIONS', `--window must be 4K, 8K, 16K or 32K, not "${text}"`);
  return bytes;
}

/** Checks that need no target: alignment, emptiness, the stub's 16 MiB reach, and --flash-size when given. */
function precheck(o: FlashCommonOptions, offset: number, length: number, what: string, align: Alignment, alignLength?: boolean): void {
  // Without --flash-size the size is known only once the stub has read the flash id; the library
  // checks again then, before any flash operation.
  const flashSize = o.flashSize ?? MAX_FLASH_BYTES;
  checkRange({ flashSize, sectorSize: 0x1000, addressLimit: STUB_ADDRESS_LIMIT }, offset, length, what, align, alignLength);
}

function scaleFor(o: FlashCommonOptions): number {
  return o.timeoutScale ?? (o.target === 'sim' ? 10 : 1);
}

/**
 * What an operation came to: its exit code, and its result to print once everything is settled (the
 * target given back, a --persist flash file written), so that a result never claims what a later
 * step failed to keep.
 */
export interface Outcome {
  readonly code: number;
  readonly print: () => void;
}

/**
 * Connects, opens a flash session, runs `body` and gives the target back (also for `espalgo ota`),
 * then prints the body's result. When the link drops on the way, the error says what was not given
 * back and how to finish (`rerun`), whether the operation or the giving back met the drop.
 */
export async function withSession(
  o: FlashCommonOptions,
  io: CliIo,
  body: (session: FlashSession) => Promise<Outcome>,
  { rerun = 'run the command again', signal }: { rerun?: string; signal?: AbortSignal } = {},
): Promise<number> {
  const connected = await connectTarget({ target: o.target, chip: o.chip, flash: o.flash, scenario: o.scenario, persist: o.persist === true, tableOffset: o.tableOffset });
  let finished: Outcome | undefined;
  try {
    let session: FlashSession;
    try {
      session = await openFlashSession(connected.target, {
        ...(connected.chip ? { chip: connected.chip } : {}),
        backup: o.backup,
        timeoutScale: scaleFor(o),
        ...(o.flashSize ? { flashSize: o.flashSize } : {}),
      });
    } catch (error) {
      throw explainLinkLost(error, undefined, rerun);
    }
    let outcome: { value: Outcome } | { error: unknown };
    try {
      outcome = { value: await body(session) };
    } catch (error) {
      outcome = { error };
    }
    try {
      const closed = await session.close();
      if (!closed.ramRestored && !o.json) io.err('espalgo: --no-backup: the work-area RAM was not restored, the target is left halted; reset it\n');
    } catch (cleanup) {
      throw explainLinkLost('error' in outcome ? outcome.error : cleanup, cleanup, rerun);
    }
    if ('error' in outcome) throw explainLinkLost(outcome.error, undefined, rerun);
    finished = outcome.value;
  } finally {
    // Ctrl-C cancels a run it stopped: a --persist flash file stays as it was, not half-written.
    await connected.close({ discard: finished === undefined && signal?.aborted === true });
  }
  finished.print();
  return finished.code;
}

/** A flash, stub, algorithm or target error as the command's message, JSON line and exit code; anything else is rethrown. */
export function fail(error: unknown, o: FlashCommonOptions, io: CliIo): number {
  const known = error instanceof FlashError || error instanceof StubError || error instanceof AlgorithmError || error instanceof TargetError;
  if (!known) throw error;
  const e = error as Error & { code: string; address?: number };
  const input = isFlashInputError(error);
  io.err(`espalgo: ${e.message} [${e.code}]\n`);
  if (o.json) io.out(JSON.stringify({ ok: false, code: e.code, ...(e.address !== undefined ? { address: hex32(e.address) } : {}), error: e.message }) + '\n');
  if (e.code === 'FLASH_INTERRUPTED') return EXIT_INTERRUPTED;
  return input ? EXIT_BAD_INPUT : EXIT_PROBLEM;
}

/** The result line(s) of an operation that ended with `code`, printed when withSession has settled everything. */
function result(o: FlashCommonOptions, io: CliIo, json: Record<string, unknown>, text: string, code = EXIT_OK): Outcome {
  return {
    code,
    print: () => {
      if (o.json) io.out(JSON.stringify({ ok: true, ...json }) + '\n');
      else io.out(text + '\n');
    },
  };
}

const roundTimes = (ms: WriteReport['ms']): WriteReport['ms'] => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, tenths(v)])) as WriteReport['ms'];

/** What write or verify found for one file: its JSON fields and its lines of text. */
interface PartReport {
  readonly part: FlashFilePart;
  readonly json: Record<string, unknown>;
  readonly text: string;
}

function writeSummary(r: WriteReport, part: FlashFilePart, where: string, named: NamedPartition | undefined): string {
  return [
    `wrote ${formatSize(part.data.length)} ${named ? `into ${describePartition(named)}` : `at ${hex32(part.offset)}`} on ${where}`,
    `sectors  ${r.sectorsTotal} in range, ${r.sectorsSkipped} unchanged (skipped), ${r.sectorsErased} erased, ${r.sectorsProgrammed} programmed`,
    `wire     ${formatSize(r.wireBytes)} for ${formatSize(r.bytesProgrammed)} programmed${r.transfer ? ` (${r.transfer.mode}${r.transfer.window ? ` through a ${r.transfer.window / 1024} KiB window` : ''}${r.transfer.doubleBuffered ? ', double-buffered' : ''}, ${counted(r.transfer.calls, 'stub run')})` : ''}`,
    `verify   ${r.verified === 'sha256' ? 'SHA-256 of the changed sectors matches' : r.verified === 'plan' ? 'every sector already matched (SHA-256)' : 'skipped (--no-verify)'}`,
    `time     ${(r.ms.total / 1000).toFixed(2)} s (plan ${r.ms.plan.toFixed(0)} ms, erase ${r.ms.erase.toFixed(0)} ms, write ${r.ms.write.toFixed(0)} ms, verify ${r.ms.verify.toFixed(0)} ms), effective ${r.kbps.toFixed(1)} KiB/s`,
  ].join('\n');
}

/**
 * The result of write or verify: for one file as before (its fields at the top level); for several,
 * JSON with a `parts` list (each with its file) and text with a heading per file.
 */
function results(o: FlashCommonOptions, io: CliIo, action: 'write' | 'verify', reports: readonly PartReport[], code: number): Outcome {
  if (reports.length === 1) return result(o, io, { action, ...reports[0]!.json }, reports[0]!.text, code);
  const json = { action, parts: reports.map((r) => ({ file: r.part.file, ...r.json })) };
  const text = reports.map((r) => `${r.part.file}:\n${r.text.replace(/^/gm, '  ')}`).join('\n');
  return result(o, io, json, text, code);
}

export async function runFlash(action: Action, args: readonly string[], o: FlashCommonOptions, io: CliIo): Promise<number> {
  // Everything that can be checked without a target is checked first.
  let parts: FlashFilePart[] = [];
  // What was said of a file before writing it (also in its JSON result).
  const partWarnings = new Map<FlashFilePart, string>();
  // With --partition: the file whose offset the partition table gives, once connected.
  let pending: FlashFileData | undefined;
  let offset = 0;
  let length = 0;
  // flash read: its file, or standard output for -o -.
  let output: CommandOutput | undefined;
  if (o.tableOffset !== undefined && o.partition === undefined && o.target !== 'sim') {
    throw new CliInputError('BAD_OPTIONS', '--table-offset goes with --partition NAME behind a GDB server (it says where to find the partition table)');
  }
  try {
    checkFlashSizeOption(o.flashSize);
    if (action === 'write' || action === 'verify') {
      if (o.partition !== undefined) {
        pending = partitionFile(action, args, o.partition);
        precheck(o, 0, pending.data.length, action, 'word');
      } else {
        parts = flashFileParts(action, args);
        for (const p of parts) precheck(o, p.offset, p.data.length, action, 'word');
        if (action === 'write') {
          for (const p of parts) {
            const w = misplacedFlashFileWarning(p);
            if (w === undefined) continue;
            partWarnings.set(p, w);
            io.err(`espalgo: warning: ${w}\n`);
          }
        }
      }
    } else {
      if (o.partition !== undefined) {
        checkNoRange(action, args, o.partition);
      } else {
        if (args[1] === undefined) throw missingRange(action, args[0] === undefined);
        offset = parseOffset(args[0], 'offset');
        length = parseOffset(args[1], 'size');
        // Named as the library names it, so that a refusal reads the same before and after connecting.
        const what = action === 'blank-check' ? 'blank check' : action;
        precheck(o, offset, action === 'read' ? Math.ceil(length / 4) * 4 : length, what, action === 'erase' ? 'sector' : 'word', action !== 'read');
      }
      if (action === 'read') {
        output = commandOutput((o as FlashReadOptions).out, io, { binary: true, json: o.json === true });
        if (o.flash) output.checkNotInput([o.flash]); // -o naming the simulator's --flash file would replace the flash image
        output.checkWritable();
      }
    }
  } catch (error) {
    if (error instanceof FlashError) return fail(error, o, io);
    throw error;
  }
  const wo = o as FlashWriteOptions;
  const window = action === 'write' ? transferOptions(wo) : undefined;
  const progress = progressPrinter(io, { json: o.json === true, tty: process.stderr.isTTY === true && !o.json });
  // Ctrl-C stops after the current step; behind a GDB server the target is then given back, and in
  // process a --persist flash file is left as it was.
  const interruptible = <T>(body: (signal?: AbortSignal) => Promise<T>): Promise<T> => withInterrupt(io, body, o.target === 'sim' ? SIM_INTERRUPT_WORDS : undefined);
  try {
    return await interruptible((signal) => withSession(o, io, async (session) => {
      const operation = { onProgress: progress.listener, ...(signal ? { signal } : {}) };
      let named: NamedPartition | undefined;
      let warnings: string[] = [];
      if (o.partition !== undefined) {
        named = await findPartition(session, o.partition, o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {});
        if (pending) {
          checkFitsPartition(named, pending.data.length, action);
          parts = [{ ...pending, offset: named.entry.offset }];
        } else {
          offset = named.entry.offset;
          length = named.entry.size;
        }
        warnings = [action === 'write' && pending ? appPartitionWarning(named, pending) : undefined, encryptedPartitionWarning(named, action)].filter((w): w is string => w !== undefined);
        for (const w of warnings) io.err(`espalgo: warning: ${w}\n`);
      }
      // JSON fields naming the partition (and what was said of it), when one was named.
      const partitionJson = named ? { partition: named.entry.label, ...(warnings.length ? { warnings } : {}) } : {};
      const range = (n: number, at: number) => (named ? describePartition(named) : `${formatSize(n)} at ${hex32(at)}`);
      // Several files: each is checked against the flash the session found before the first is written.
      if (parts.length > 1) for (const part of parts) checkRange(sessionGeometry(session), part.offset, part.data.length, `${action} ${part.file}`, 'word');
      switch (action) {
        case 'write': {
          const reports: PartReport[] = [];
          for (const part of parts) {
            const r = await writeFlash(session, part.offset, part.data, {
              ...(wo.compress === undefined ? {} : { compress: wo.compress }),
              skipUnchanged: wo.skip,
              verify: wo.verify,
              ...(wo.mode ? { mode: wo.mode as TransferMode } : {}),
              ...(wo.inflater ? { inflater: wo.inflater as StubInflater } : {}),
              ...(window ? { window } : {}),
              ...operation,
            });
            progress.stop();
            reports.push({
              part,
              json: { ...r, offset: hex32(part.offset), length: part.data.length, ...partitionJson, ...(partWarnings.has(part) ? { warnings: [partWarnings.get(part)!] } : {}), ...(r.transfer ? { transfer: { ...r.transfer, durationMs: tenths(r.transfer.durationMs) } } : {}), ms: roundTimes(r.ms), kbps: tenths(r.kbps) },
              text: writeSummary(r, part, session.target.description, named),
            });
          }
          return results(o, io, action, reports, EXIT_OK);
        }
        case 'verify': {
          const reports: PartReport[] = [];
          let allMatch = true;
          for (const part of parts) {
            const r = await verifyFlash(session, part.offset, part.data, operation);
            progress.stop();
            allMatch &&= r.match;
            reports.push({
              part,
              json: { offset: hex32(part.offset), length: part.data.length, ...partitionJson, match: r.match, ...(r.firstMismatch !== undefined ? { firstMismatch: hex32(r.firstMismatch) } : {}), ms: tenths(r.durationMs) },
              text: r.match
                ? `verified ${formatSize(part.data.length)} ${named ? `in ${describePartition(named)}` : `at ${hex32(part.offset)}`}: SHA-256 matches`
                : `MISMATCH: the flash differs from ${parts.length === 1 ? 'the file' : part.file} from ${hex32(r.firstMismatch ?? part.offset)} on`,
            });
          }
          return results(o, io, action, reports, allMatch ? EXIT_OK : EXIT_PROBLEM);
        }
        case 'read': {
          const bytes = await readFlash(session, offset, length, operation);
          progress.stop();
          const out = output!;
          out.write(bytes);
          return result(o, out.text, { action, offset: hex32(offset), length, ...partitionJson, file: out.path }, `read ${range(length, offset)} into ${out.name}`);
        }
        case 'erase': {
          const r = await eraseFlash(session, offset, length, operation);
          progress.stop();
          return result(o, io, { action, offset: hex32(offset), length, ...partitionJson, calls: r.calls, ms: tenths(r.durationMs) }, `erased ${range(length, offset)} in ${r.durationMs.toFixed(0)} ms`);
        }
        case 'blank-check': {
          const r = await blankCheckFlash(session, offset, length, operation);
          progress.stop();
          return result(o, io, { action, offset: hex32(offset), length, ...partitionJson, blank: r.blank, ...(r.firstNonBlank !== undefined ? { firstNonBlank: hex32(r.firstNonBlank) } : {}) }, r.blank
            ? `blank: ${range(length, offset)} ${named ? 'is' : 'are'} all 0xFF`
            : `NOT BLANK: first byte other than 0xFF at ${hex32(r.firstNonBlank!)}`, r.blank ? EXIT_OK : EXIT_PROBLEM);
        }
      }
    }, { rerun: action === 'write' ? 'run the same write again: it skips the sectors already written and completes the rest' : 'run the command again', ...(signal ? { signal } : {}) }));
  } catch (error) {
    progress.stop();
    return fail(simInterrupted(error, o, action), o, io);
  }
}

/**
 * A write or erase stopped by Ctrl-C on the in-process simulator: its flash ends with the process
 * and a --persist file is left as it was, so "the flash holds part of the change" is not what
 * happened. Anything else is returned as it is.
 */
function simInterrupted(error: unknown, o: FlashCommonOptions, action: Action): unknown {
  if (o.target !== 'sim' || (action !== 'write' && action !== 'erase') || !(error instanceof FlashError) || error.code !== 'FLASH_INTERRUPTED') return error;
  return error.withAction(o.persist && o.flash
    ? `Nothing of it was kept: ${o.flash} is left as it was; run the same command again`
    : 'Nothing of it was kept: the simulated flash lives only as long as the command');
}

/** What Ctrl-C says on the in-process simulator: nothing is left behind but the --persist file. */
const SIM_INTERRUPT_WORDS = {
  stopping: 'stopping after the current step; a --persist flash file is left as it was',
  quit: 'the simulated chip ends with this process; a --persist flash file is left as it was',
};

/** The options every command that opens a flash session takes (also `espalgo ota`). */
export function common(cmd: Command): Command {
  return cmd
    .option('-t, --target <where>', 'sim (the simulated ESP32-C3; its flash lives in memory for this run unless --persist) or HOST:PORT of a GDB server', 'sim')
    .option('--chip <name>', 'chip behind a GDB server (esp32c3)')
    .option('--flash <file>', 'with --target sim: flash image to boot instead of the demo firmware')
    .option('--scenario <name>', 'with --target sim: simulator scenario (see espalgo sim --help)')
    .option('--flash-size <size>', 'flash size to use instead of the detected one, a power of two (e.g. 4M); also checked before connecting', numberOption('--flash-size'))
    .option('--no-backup', 'do not back up the work-area RAM (faster); the target is left halted afterwards')
    .option('--timeout-scale <n>', 'multiply stub timeouts (default 10 on the simulator, else 1)', factorOption('--timeout-scale'))
    .option('--json', 'progress events and the result as JSON lines on stdout');
}

/** --table-offset: where the chip's partition table is, for a lookup in it and for the simulator's bootloader. */
export function tableOffsetOption(cmd: Command, use: string): Command {
  return cmd.option('--table-offset <offset>', `where the partition table is, ${use} (default 0x8000, else searched up to 1 MiB) and, on --target sim, for the bootloader that boots --flash`, tableOffsetValue());
}

/** The options of the five flash commands: common ones, --partition and --table-offset. */
function flashOptions(cmd: Command): Command {
  return tableOffsetOption(
    common(cmd).option('--partition <name>', "the partition of that name (its label, e.g. nvs or ota_0) in the chip's partition table gives the offset (and the size, where one is asked for)"),
    'for --partition',
  );
}

const PERSIST_HELP = 'with --target sim --flash FILE: write the changes back into FILE when the command ends (Ctrl-C leaves it as it was), which becomes the whole flash (padded with 0xFF to its size; default: FILE is only read)';

const EXIT_HELP = `
Exit codes: 0 done; 1 the operation failed or found a difference (verify, blank-check); 2 bad
input, refused request or no target; 130 stopped by Ctrl-C (behind a GDB server the target is
first given back: its RAM restored, the program resumed; a second Ctrl-C quits at once).`;

export function registerFlash(program: Command): void {
  const flash = exitTwoOnUsageErrors(program.command('flash').description('read, write, erase, verify and blank-check the SPI flash through the flasher stub'));
  const run = (action: Action) => async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    const o = cmd.opts() as FlashCommonOptions;
    const args = (params.slice(0, -2) as (string | string[] | undefined)[]).flat().filter((a): a is string => a !== undefined);
    const io = processIo();
    process.exitCode = await runGuardedAsync(io, () => runFlash(action, args, o, io), o.json === true);
  };
  // --compress and --no-compress set one value (the last given wins): both given is a contradiction.
  const compressFlags = new Set<string>();
  const runWrite = run('write');
  exitTwoOnUsageErrors(
    flashOptions(flash.command('write').description('write a file: unchanged sectors are skipped, the rest erased, programmed and verified by SHA-256'))
      .on('option:compress', () => compressFlags.add('--compress'))
      .on('option:no-compress', () => compressFlags.add('--no-compress'))
      .argument('<file>', 'binary to write')
      .argument('[offset]', 'flash offset (4-byte aligned), e.g. 0x10000 or 64K; 0 when left out, except for an app image (it would replace the bootloader): give its offset or --partition')
      .argument('[more...]', 'further FILE OFFSET pairs, written in the same session')
      .option('--compress', 'send the data deflated (the default across a link — OpenOCD, a GDB server — where it pays: deflate borrows 15–43 KiB of RAM for the stub\'s decoder, backed up and given back, so short writes and data that barely compresses go plain)')
      .option('--no-compress', 'send the data uncompressed (streamed where the target allows memory access while running; the default on --target sim, where nothing crosses a link)')
      .option('--no-skip', 'rewrite every sector, even those that already hold the data')
      .option('--no-verify', 'do not check the SHA-256 of the written sectors afterwards')
      .option('--mode <mode>', 'transfer: deflate, stream or calls (default: deflate across a link, stream on --target sim; stream/calls with --no-compress)')
      .option('--inflater <which>', "who inflates deflated data on the chip: rom (the ROM's miniz tinfl_decompress, default) or stub (the stub's own inflater)")
      .option('--window <size>', "the stub's inflate window: 4K, 8K, 16K or 32K (default: chosen — a smaller one borrows less RAM, a larger one packs a little better; on --target sim 32K)")
      .option('--persist', PERSIST_HELP)
      .addHelpText('after', `
Examples:
  espalgo flash write app.bin 0x10000
  espalgo flash write app.bin --partition ota_1
      the offset from the chip's partition table; refused if the file does not fit
      (on the simulator add --flash firmware/build/demo-ota.bin, a layout with OTA slots)
  espalgo flash write bootloader.bin 0x0 partitions.bin 0x8000 app.bin 0x10000
      several files in one session; overlaps refused
  espalgo flash write app.bin 0x10000 --flash board.bin --persist
      on the simulator, the flash kept in board.bin
  espalgo flash write fs.img 0x200000 --target 127.0.0.1:3333 --chip esp32c3 --json
${EXIT_HELP}`),
  ).action(async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    if (compressFlags.size > 1) cmd.error('error: --compress and --no-compress contradict each other: give one of them', { exitCode: EXIT_BAD_INPUT, code: 'espalgo.conflictingOptions' });
    await runWrite(...params);
  });
  exitTwoOnUsageErrors(
    flashOptions(flash.command('read').description('read flash into a file'))
      .argument('[offset]', 'flash offset (4-byte aligned); not with --partition')
      .argument('[size]', 'bytes to read, e.g. 64K; not with --partition')
      .requiredOption('-o, --out <file>', `file to write (${STDOUT_HELP}, e.g. -o - | xxd)`)
      .addHelpText('after', `\nExamples:\n  espalgo flash read 0x8000 4K -o table.bin\n  espalgo flash read --partition nvs -o nvs.bin\n  espalgo flash read 0x8000 4K -o - | xxd   (the data on stdout, the summary on stderr)\n${EXIT_HELP}`),
  ).action(run('read'));
  exitTwoOnUsageErrors(
    flashOptions(flash.command('erase').description('erase a range (offset and size multiples of 4 KiB)'))
      .argument('[offset]', 'flash offset (4 KiB aligned); not with --partition')
      .argument('[size]', 'bytes (multiple of 4 KiB); not with --partition')
      .option('--persist', PERSIST_HELP)
      .addHelpText('after', `\nExamples:\n  espalgo flash erase 0x200000 64K\n  espalgo flash erase --partition otadata\n      the bootloader then starts the factory app, or ota_0 (on the simulator add\n      --flash firmware/build/demo-ota.bin, a layout with OTA slots)\n${EXIT_HELP}`),
  ).action(run('erase'));
  exitTwoOnUsageErrors(
    flashOptions(flash.command('verify').description('compare the flash with a file by SHA-256 (on the target vs the host)'))
      .argument('<file>', 'binary to compare')
      .argument('[offset]', 'flash offset (4-byte aligned); 0 when left out')
      .argument('[more...]', 'further FILE OFFSET pairs')
      .addHelpText('after', `\nExamples:\n  espalgo flash verify app.bin 0x10000\n  espalgo flash verify app.bin --partition factory\n  espalgo flash verify bootloader.bin 0x0 partitions.bin 0x8000 app.bin 0x10000\n${EXIT_HELP}`),
  ).action(run('verify'));
  exitTwoOnUsageErrors(
    flashOptions(flash.command('blank-check').description('check that a range is erased (all 0xFF)'))
      .argument('[offset]', 'flash offset (4-byte aligned); not with --partition')
      .argument('[size]', 'bytes (multiple of 4); not with --partition')
      .addHelpText('after', `\nExamples:\n  espalgo flash blank-check 0x300000 1M\n  espalgo flash blank-check --partition vfs\n${EXIT_HELP}`),
  ).action(run('blank-check'));
}
