/**
 * The ROM-call probe on the command line: `espalgo rom-probe` (and `espalgo probe --mode rom|both`,
 * `--dry-run`): flash id, size and mappings without a compiled stub, or the plan of ROM calls and
 * register accesses it would make, printed without touching a target.
 */
import type { Command } from 'commander';
import { counted, esp32c3 } from '../../chips/index.js';
import type { ChipDescriptor } from '../../chips/types.js';
import { probeFlash } from '../../flash/probe.js';
import { hasCompiledFlasherStub } from '../../flash/stub-client.js';
import { planToJson, renderPlanText, romProbe, romProbePlan, type RomProbeReport } from '../../flash/rom-probe/index.js';
import type { ProbeReport } from '../../flash/probe-report.js';
import { chipOption, exitTwoOnUsageErrors, numberOption, offsetOption, runGuardedAsync, tableOffsetValue } from '../output/command-support.js';
import { CliInputError, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { withDeferredInterrupt } from '../output/interrupt.js';
import { listWords } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';
import { attachHaltedBy } from '../target-connect.js';
import type { ServerKind } from '../../gdb/remote-discovery.js';
import { checkProbeOverrides, connectForProbe, probeOptionsFrom, renderProbeText, runProbe, type ProbeCommandOptions } from './probe.js';

export type ProbeMode = 'stub' | 'rom' | 'both';
export const PROBE_MODES: readonly ProbeMode[] = ['stub', 'rom', 'both'];

export interface RomProbeCommandOptions extends ProbeCommandOptions {
  readonly mode?: string;
  readonly dryRun?: boolean;
}

/** The stub where one exists, the ROM calls elsewhere. */
export function defaultProbeMode(chip: ChipDescriptor): ProbeMode {
  return hasCompiledFlasherStub(chip) ? 'stub' : 'rom';
}

function chipOf(name: string | undefined): ChipDescriptor {
  return chipOption(name) ?? esp32c3;
}

function modeOf(o: RomProbeCommandOptions, chip: ChipDescriptor): ProbeMode {
  if (o.mode === undefined) return defaultProbeMode(chip);
  if (!(PROBE_MODES as readonly string[]).includes(o.mode)) throw new CliInputError('BAD_MODE', `--mode must be one of ${PROBE_MODES.join(', ')}, not "${o.mode}"`);
  return o.mode as ProbeMode;
}

/** `--dry-run`: the ROM-call plan for the chip, as text or JSON; exit 1 when espalgo lacks the chip's ROM facts. */
export function printRomPlan(o: Pick<RomProbeCommandOptions, 'chip' | 'json'>, io: CliIo): number {
  const plan = romProbePlan(chipOf(o.chip));
  io.out(o.json ? JSON.stringify({ ok: true, ...(planToJson(plan) as object) }) + '\n' : renderPlanText(plan));
  return plan.supported ? EXIT_OK : EXIT_PROBLEM;
}

/** Render a ROM-call report with the stub probe's text layout (it only differs in how it was made). */
function renderRomText(r: RomProbeReport, io: CliIo, attachHalted: ServerKind | undefined): string {
  const st = makeStyle(io.color);
  const title = `${st.bold('espalgo probe')} ${r.target} ${st.dim(`(${r.chip}, ROM calls without a compiled stub: ${counted(r.romCalls, 'call')})`)}\n`;
  return renderProbeText(r, st, io.columns, title, attachHalted);
}

const segKey = (r: Pick<ProbeReport, 'mappings'>) => JSON.stringify(r.mappings.segments.map((s) => [s.kind, s.flashOffset, s.vaddr, s.size]));

/** Probe as `--mode` says (default: stub where a compiled stub exists, ROM calls elsewhere). */
export async function runProbeMode(o: RomProbeCommandOptions, io: CliIo = processIo()): Promise<number> {
  return runGuardedAsync(io, async () => {
    const chip = chipOf(o.chip);
    if (o.dryRun) {
      if (o.mode === 'stub') throw new CliInputError('BAD_MODE', '--dry-run prints the ROM-call plan; the compiled stub has no plan to print (use --mode rom or leave --mode out)');
      const idle = ([['--flash', o.flash], ['--scenario', o.scenario], ['--flash-size', o.flashSize], ['--app-offset', o.appOffset], ['--table-offset', o.tableOffset]] as const)
        .filter(([, value]) => value !== undefined).map(([flag]) => flag);
      if (idle.length) throw new CliInputError('BAD_OPTIONS', `--dry-run prints the plan for --chip and touches no target, so ${listWords(idle)} would do nothing: leave ${idle.length > 1 ? 'them' : 'it'} out, or drop --dry-run to probe`);
      return printRomPlan(o, io);
    }
    const mode = modeOf(o, chip);
    if (mode === 'stub') return runProbe(o, io);
    return withDeferredInterrupt(io, async () => {
      checkProbeOverrides(o);
      const connected = await connectForProbe(o);
      try {
        const common = probeOptionsFrom(o, connected);
        const sim = (o.target ?? 'sim') === 'sim';
        const stub = mode === 'both' ? await probeFlash(connected.target, common) : undefined;
        const rom = await romProbe(connected.target, { ...common, chip: connected.chip ?? chip, timeoutMs: sim ? 30000 : 3000 });
        if (o.json) {
          const agree = stub ? { size: stub.size.bytes === rom.size.bytes, mappings: segKey(stub) === segKey(rom) } : undefined;
          io.out(JSON.stringify(stub ? { ok: true, stub, rom, agree } : { ok: true, ...rom }) + '\n');
          return EXIT_OK;
        }
        if (stub) io.out(renderProbeText(stub, makeStyle(io.color), io.columns, undefined, attachHaltedBy(connected.target)) + '\n');
        io.out(renderRomText(rom, io, attachHaltedBy(connected.target)));
        if (stub) {
          const same = stub.size.bytes === rom.size.bytes && segKey(stub) === segKey(rom);
          io.out(same
            ? '\nBoth ways agree: the same flash size and the same IROM/DROM mappings.\n'
            : `\nThe two ways disagree: size ${stub.size.bytes ?? 'unknown'} (stub) vs ${rom.size.bytes ?? 'unknown'} (ROM calls), mappings ${segKey(stub) === segKey(rom) ? 'equal' : 'different'}; please report this.\n`);
        }
        return EXIT_OK;
      } finally {
        await connected.close();
      }
    });
  }, o.json === true);
}

const HELP = `
What it does:
  Probes the flash with the chip's own ROM functions, no compiled stub: SPI1 is saved, the JEDEC
  id is read twice (as the application left SPI1, and with every extra dummy cycle cleared) by
  debugger register writes, esp_rom_spiflash_read is called through a trampoline to read the
  bootloader header, partition table, otadata and app headers, and everything is put back. The
  host decodes the layout like 'espalgo probe' does.

  --dry-run prints the plan — every ROM call with its address and arguments, every SPI1 register
  saved, cleared (to what) and restored — without connecting, so it can be checked against a board
  with Espressif's OpenOCD. Verified on the simulated ESP32-C3 only (see docs/rom-probe.md).

Exit codes: 0 probed (or the plan printed); 1 --dry-run for a chip whose ROM facts espalgo lacks
(the plan says what is missing); 2 bad input or unreachable target; 130 Ctrl-C (the probe
finishes first, then gives the target back).

Examples:
  $ espalgo rom-probe --chip esp32s3 --dry-run
  $ espalgo rom-probe --chip esp32c3 --dry-run --json
  $ espalgo rom-probe --scenario issue-366                 (simulated ESP32-C3)
  $ espalgo rom-probe --mode both                          (stub and ROM calls side by side)
  $ espalgo rom-probe --target 127.0.0.1:3333 --chip esp32s3
`;

export function registerRomProbe(program: Command): void {
  const cmd = program
    .command('rom-probe')
    .description('flash id, size and mappings through the chip\'s ROM functions (no compiled stub); --dry-run prints the plan')
    .option('--chip <chip>', 'chip (default esp32c3)')
    .option('--mode <mode>', 'rom (default here), stub, or both side by side', 'rom')
    .option('--dry-run', 'print the ROM-call plan for --chip and exit; no target is touched')
    .option('--target <target>', 'sim (in-process simulated ESP32-C3) or HOST:PORT of a GDB server', 'sim')
    .option('--flash <file>', 'with --target sim: flash image to boot (default: the demo firmware)')
    .option('--scenario <name>', 'with --target sim: state the app leaves behind (normal, issue-366, issue-366-timing, issue-366-rom-dummy, flash-busy, wdt-running)')
    .option('--flash-size <size>', 'flash size to use, a power of two, e.g. 4M (overrides detection; detected sources are still shown)', numberOption('--flash-size'))
    .option('--app-offset <offset>', 'flash offset of the app to map, on an MMU page of the chip (a multiple of 0x10000 on the ESP32-C3 and S3)', offsetOption('--app-offset'))
    .option('--table-offset <offset>', 'partition table offset, a multiple of 4 KiB (default 0x8000, else searched up to 1 MiB)', tableOffsetValue())
    .option('--json', 'print the report (or the plan) as JSON')
    .addHelpText('after', HELP)
    .action(async (opts: RomProbeCommandOptions) => {
      process.exitCode = await runProbeMode(opts);
    });
  exitTwoOnUsageErrors(cmd);
}
