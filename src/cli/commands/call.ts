/** `espalgo call`: run a function on a target and show its result, its time, and that nothing was disturbed. */
import type { Command } from 'commander';
import { CHIPS, inRange } from '../../chips/index.js';
import { hex32, type ChipDescriptor } from '../../chips/types.js';
import {
  AlgorithmError,
  AlgorithmExceptionError,
  AlgorithmInterruptedError,
  AlgorithmNotRestoredError,
  AlgorithmRunner,
  AlgorithmTimeoutError,
  AlgorithmUnexpectedStopError,
  RestoreMismatchError,
  DEBUG_STUBS_ENTRY_FIRST,
  locateDebugStubs,
  stubImageFromElf,
  stubImageFromJson,
  type RunOptions,
  type RunResult,
  type StubImage,
} from '../../algorithm/index.js';
import { findSymbol, isElfFile, parseElf } from '../../image/elf.js';
import type { ElfFile } from '../../image/types.js';
import { exitTwoOnUsageErrors, millisecondsOption, offsetOption, readInputFile, runGuardedAsync } from '../output/command-support.js';
import { CliInputError, EXIT_INTERRUPTED, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { isLinkLost, linkLostError } from '../output/link-lost.js';
import { withInterrupt } from '../output/interrupt.js';
import { parseNumber } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { functionNameAt } from '../function-names.js';
import { connectTarget, DEMO_ELF } from '../target-connect.js';

export interface CallOptions {
  readonly target: string;
  readonly chip?: string;
  readonly flash?: string;
  readonly scenario?: string;
  readonly image?: string;
  readonly entry?: string;
  readonly onboard?: string;
  readonly elf?: string;
  readonly table?: number;
  readonly timeout: number;
  readonly json?: boolean;
}

interface Outcome {
  readonly result: RunResult;
  readonly routine: string;
  readonly entry: number;
  readonly registers: number;
  readonly ramBytes: number;
}

export async function runCall(args: readonly string[], o: CallOptions, io: CliIo): Promise<number> {
  if ((o.image === undefined) === (o.onboard === undefined)) {
    throw new CliInputError('BAD_OPTIONS', 'give either --image STUB (a stub ELF or JSON descriptor) or --onboard NAME');
  }
  const values = args.map(parseArgument);
  const image = o.image !== undefined ? loadImage(o.image, o.entry) : undefined;
  if (image && o.chip === undefined && o.target !== 'sim') requireChipForEspRam(image, o.image!);
  // In process, Ctrl-C simply ends the run (nothing outlives it); behind a GDB server the call is
  // halted and the target given back first.
  const interruptible = <T>(body: (signal?: AbortSignal) => Promise<T>): Promise<T> =>
    o.target === 'sim' ? body() : withInterrupt(io, body, CALL_INTERRUPT_WORDS);
  return interruptible(async (signal) => {
    const connected = await connectTarget({ target: o.target, chip: o.chip, flash: o.flash, scenario: o.scenario });
    try {
      const { target } = connected;
      const wasRunning = target.state() === 'running';
      if (wasRunning) await target.halt();
      const runner = new AlgorithmRunner(target, connected.chip ? { chip: connected.chip } : {});
      const run = { timeoutMs: o.timeout, verifyRestore: true, ...(signal ? { signal } : {}) };
      let outcome: Outcome;
      try {
        outcome = image
          ? await callImage(runner, image, values, run)
          : await callOnboard(runner, o, connected.demo, connected.chip, values, run);
      } catch (caught) {
        // The link dropped while loading, running or restoring: what was not given back, exit 1.
        const lost = isLinkLost(caught);
        const error = lost ? linkLostError(caught, undefined, 'run the call again') : ranAndFailed(caught) ? caught : undefined;
        // Anything else means the call never started: bad input (one line, exit 2).
        if (!error) throw caught;
        const restored = !lost && !(error instanceof AlgorithmNotRestoredError);
        io.err(`espalgo: ${error.message} [${error.code}]\n`);
        if (o.json) io.out(JSON.stringify({ ok: false, code: error.code, error: error.message, context: { restored } }) + '\n');
        return error instanceof AlgorithmInterruptedError ? EXIT_INTERRUPTED : EXIT_PROBLEM;
      } finally {
        if (wasRunning && target.state() === 'halted') await target.resume();
      }
      print(outcome, o, io, target.description);
      return EXIT_OK;
    } finally {
      await connected.close();
    }
  });
}

const CALL_INTERRUPT_WORDS = {
  stopping: 'halting the call, then giving the target back (restoring its registers and RAM and resuming it)',
  quit: 'the target may be left running the routine, with its registers and part of its RAM borrowed; reset it',
};

/**
 * A register argument: 0 to 0xFFFFFFFF, or a negative number down to -0x80000000 passed as its
 * two's complement (as the result is shown signed too).
 */
function parseArgument(text: string): number {
  const negative = text.trimStart().startsWith('-');
  const n = parseNumber(negative ? text.trimStart().slice(1) : text);
  if (n === undefined || n > (negative ? 0x80000000 : 0xffffffff)) {
    throw new CliInputError('BAD_ARGUMENT', `argument "${text}" is not a 32-bit number (e.g. 42, 0x2a, -1)`);
  }
  return (negative ? -n : n) >>> 0;
}

/**
 * A failure of a call that ran (exit 1): it trapped, timed out, stopped elsewhere, the restore did
 * not read back, or the target could not be put back at all (the link dropped mid-call); or it
 * was interrupted (exit 130).
 */
function ranAndFailed(error: unknown): error is AlgorithmError {
  return (
    error instanceof AlgorithmNotRestoredError ||
    error instanceof AlgorithmTimeoutError ||
    error instanceof AlgorithmInterruptedError ||
    error instanceof AlgorithmExceptionError ||
    error instanceof AlgorithmUnexpectedStopError ||
    error instanceof RestoreMismatchError
  );
}

function loadImage(path: string, entry: string | undefined): StubImage {
  const bytes = readInputFile(path);
  if (path.endsWith('.json')) {
    if (entry !== undefined) throw new CliInputError('BAD_OPTIONS', '--entry needs an ELF image (a JSON descriptor has one entry)');
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new CliInputError('BAD_IMAGE', `${path} is not valid JSON (${(error as Error).message}); --image takes an ELF or an espalgo-stub-image descriptor`);
    }
    return stubImageFromJson(json);
  }
  if (!isElfFile(bytes)) {
    throw new CliInputError('BAD_IMAGE', `${path} is not an ELF file (it does not start with 7f 45 4c 46) nor a JSON descriptor (a .json file): --image takes a stub ELF or an espalgo-stub-image descriptor`);
  }
  return stubImageFromElf(parseElf(bytes), entry !== undefined ? { entrySymbol: entry } : {});
}

/**
 * Without --chip the target is generic (QEMU's virt machine): code runs at the address it is written
 * to, and the trampoline goes wherever the image's RAM has room. A stub whose code is linked into
 * the RAM of a chip whose code and data buses see that RAM at different addresses (ESP32-C3: DRAM
 * 0x3FC80000 is IRAM 0x40380000) would then be run where the chip cannot execute it; refuse that
 * before connecting, naming the chip to give.
 */
function requireChipForEspRam(image: StubImage, path: string): void {
  const fits = (chip: ChipDescriptor, address: number): boolean =>
    chip.architecture === image.architecture && chip.sramAlias.kind !== 'unified' && (inRange(chip.sramAlias.dram, address) || inRange(chip.sramAlias.iram, address));
  // Code decides: data may sit at the same addresses on a generic machine (QEMU's lx60 has RAM at 0x3FFE0000).
  for (const segment of image.segments.filter((s) => s.executable)) {
    const chips = CHIPS.filter((chip) => fits(chip, segment.address));
    if (chips.length === 0) continue;
    // Of the chips whose RAM holds the code, those whose RAM holds every segment, where there are such.
    const whole = chips.filter((chip) => image.segments.every((s) => fits(chip, s.address)));
    const named = whole.length > 0 ? whole : chips;
    throw new CliInputError(
      'CHIP_NEEDED',
      `${path} is linked at ${hex32(segment.address)}, in the RAM of the ${named.map((c) => c.displayName).join(' or ')}: ` +
        `pass --chip ${named.map((c) => c.name).join(' or --chip ')}. Without --chip the target is taken as a generic one, ` +
        'where code runs at the address it is written to, and such a chip runs code in its RAM only at another address',
    );
  }
}

/** How each call runs: its timeout, the restore read back, and Ctrl-C behind a GDB server. */
type CallRun = Pick<RunOptions, 'timeoutMs' | 'verifyRestore' | 'signal'>;

async function callImage(runner: AlgorithmRunner, image: StubImage, args: number[], run: CallRun): Promise<Outcome> {
  const loaded = await runner.load(image);
  const ramBytes = loaded.allocator.backedUpBytes;
  const result = await runner.runOnce(loaded, { ...run, args });
  return { result, routine: image.name, entry: image.entry, registers: runner.convention.contextRegisters(runner.target.registers).length, ramBytes };
}

async function callOnboard(runner: AlgorithmRunner, o: CallOptions, demo: boolean, chip: ChipDescriptor | undefined, args: number[], run: CallRun): Promise<Outcome> {
  const elfPath = o.elf ?? (demo ? DEMO_ELF : undefined);
  const elf: ElfFile | undefined = elfPath !== undefined ? parseElf(readInputFile(elfPath)) : undefined;
  if (o.table === undefined && !elf) {
    throw new CliInputError('BAD_OPTIONS', '--onboard needs the application ELF (--elf APP.elf) or the table address (--table ADDR)');
  }
  const { table } = await locateDebugStubs(runner.target, o.table !== undefined ? { address: o.table } : { elf: elf! });
  const entry = onboardEntry(o.onboard!, table.entries, elf);
  const routine = onboardRoutineName(o.onboard!, entry, elf, chip);
  const result = await runner.callOnboard(table, entry, args, { ...run, name: routine });
  return {
    result,
    routine,
    entry,
    registers: runner.convention.contextRegisters(runner.target.registers).length,
    ramBytes: table.codeBufferSize + table.minStackSize,
  };
}

/** NAME: an entry index of the table (3 = the first function), or a symbol of the ELF that the table lists. */
function onboardEntry(name: string, entries: readonly number[], elf: ElfFile | undefined): number {
  const index = parseNumber(name);
  if (index !== undefined) {
    if (index < DEBUG_STUBS_ENTRY_FIRST || index >= entries.length || entries[index] === 0) {
      // Only the entries that hold a function can be called; name them (an empty one reads 0).
      const offered = entries.flatMap((address, i) => {
        if (i < DEBUG_STUBS_ENTRY_FIRST || address === 0) return [];
        const fn = elf ? functionNameAt(address, { elf }) : undefined;
        return [`${i} (${fn ?? hex32(address)})`];
      });
      const has = offered.length === 0 ? 'offers no function' : `offers ${offered.length === 1 ? 'entry' : 'entries'} ${offered.join(', ')}`;
      throw new CliInputError('BAD_ONBOARD', `debug-stubs entry ${index} holds no function: the table ${has}`);
    }
    return entries[index]!;
  }
  const sym = elf ? findSymbol(elf, name) : undefined;
  if (!sym) throw new CliInputError('BAD_ONBOARD', `no function "${name}" in the application ELF; give an entry index or a symbol name`);
  const address = sym.value & ~1;
  if (!entries.slice(DEBUG_STUBS_ENTRY_FIRST).includes(address)) {
    throw new CliInputError('BAD_ONBOARD', `${name} (${hex32(address)}) is not offered in the debug-stubs table; only its entries may be called on board`);
  }
  return address;
}

/**
 * What to call the on-board function in the output and in errors: its symbol as given, or for an
 * entry index the name of the function at the entry's address (the ELF's symbol, a ROM function)
 * with the index, else the index alone.
 */
function onboardRoutineName(given: string, entry: number, elf: ElfFile | undefined, chip: ChipDescriptor | undefined): string {
  const index = parseNumber(given);
  if (index === undefined) return given;
  const name = functionNameAt(entry, { elf, chip });
  return name !== undefined ? `${name} (debug-stubs entry ${index})` : `debug-stubs entry ${index}`;
}

function print(outcome: Outcome, o: CallOptions, io: CliIo, where: string): void {
  const { result } = outcome;
  if (o.json) {
    io.out(JSON.stringify({
      ok: true,
      target: where,
      routine: outcome.routine,
      entry: hex32(outcome.entry),
      result: result.value,
      resultHex: hex32(result.value),
      signed: result.signedValue,
      timeMs: Number(result.durationMs.toFixed(3)),
      context: { restored: true, verified: result.restoreVerified, registers: outcome.registers, ramBytes: outcome.ramBytes },
      log: result.log,
    }) + '\n');
    return;
  }
  const lines = [
    `target   ${where}`,
    `routine  ${outcome.routine} at ${hex32(outcome.entry)}`,
    `result   ${hex32(result.value)} (${result.value}${result.signedValue < 0 ? `, signed ${result.signedValue}` : ''})`,
    `time     ${result.durationMs.toFixed(2)} ms`,
    `context  restored and read back: ${outcome.registers} registers bit-exact, ${outcome.ramBytes} bytes of borrowed RAM given back`,
  ];
  if (result.log) lines.push('log', ...result.log.trimEnd().split('\n').map((l) => `  ${l}`));
  io.out(lines.join('\n') + '\n');
}

export function registerCall(program: Command): void {
  const cmd = program
    .command('call')
    .description('run a function on a target without disturbing the program there: a stub image, or an on-board function')
    .argument('[args...]', 'up to 7 arguments on RISC-V (a0-a6), 5 on Xtensa (a2-a6), e.g. 42 0x3fc84000 -1 (negative: two\'s complement; -- before a negative hex one: -- -0x10)')
    .option('-t, --target <where>', 'sim (the simulated ESP32-C3 running the demo firmware) or HOST:PORT of a GDB server', 'sim')
    .option('--chip <name>', 'chip behind a GDB server (gives the I/D alias and work area); omit only for a generic RISC-V target such as QEMU\'s virt machine (a stub linked in an ESP chip\'s RAM needs it)')
    .option('--flash <file>', 'with --target sim: flash image to boot instead of the demo firmware')
    .option('--scenario <name>', 'with --target sim: simulator scenario (see espalgo sim --help)')
    .option('--image <stub>', 'stub to load: an ELF, or a JSON descriptor (espalgo-stub-image)')
    .option('--entry <symbol>', 'with an ELF image: the function to call (default stub_main, else the ELF entry)')
    .option('--onboard <name>', 'call a function of the application through its ESP-IDF debug-stubs table: an entry index (3 = first) or its symbol')
    .option('--elf <app.elf>', 'with --onboard: the application ELF (finds s_dbg_stubs and the function); default for the demo firmware')
    .option('--table <addr>', 'with --onboard: address of the debug-stubs table', offsetOption('--table'))
    .option('--timeout <ms>', 'give up after this long; the CPU is halted and restored', millisecondsOption('--timeout'), 3000)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  espalgo call --onboard demo_onboard_sum 1 2 3
      an on-board function of the demo firmware (simulator)
  espalgo call --image stub/build/esp32c3-flasher.elf 0
      the flasher stub's PING (from the package directory): 0x45410002
  espalgo call --target 127.0.0.1:3333 --chip esp32c3 --image stub.elf 1 2
  espalgo call --target 127.0.0.1:1234 --image prog.elf --entry sum7 1 2 3
      QEMU: no chip, the link addresses place the code

Exit codes: 0 the call returned; 1 it trapped, timed out or stopped elsewhere (the target was
restored), or the link dropped mid-call (the message says what was not restored: reset the chip);
2 bad input or no target; 130 Ctrl-C (behind a GDB server the call is halted and the target
restored first).`);
  exitTwoOnUsageErrors(cmd).action(async (args: string[], options: CallOptions) => {
    process.exitCode = await runGuardedAsync(processIo(), () => runCall(args, options, processIo()), options.json === true);
  });
}
