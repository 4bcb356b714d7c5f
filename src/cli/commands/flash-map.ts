/** `espalgo flash-map FILE`: where everything sits in an ESP flash file, and what a debugger would map. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CHIP_NAMES, findChip } from '../../chips/index.js';
import { analyzeFlashMap, type AnalyzeFlashMapOptions, type FlashMapReport } from '../../image/flash-map/index.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import { exitTwoOnUsageErrors, numberOption, readInputFile, runGuarded } from '../output/command-support.js';
import { CliInputError, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { renderFlashMapSvg } from '../output/flash-map-svg.js';
import { renderFlashMapText } from '../output/flash-map-text.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';

export interface FlashMapCommandOptions {
  readonly chip?: string;
  readonly tableOffset?: number;
  readonly appOffset?: number;
  readonly baseOffset?: number;
  readonly flashSize?: number;
  readonly verify?: boolean;
  readonly scanAllTables?: boolean;
  readonly json?: boolean;
  readonly svg?: string;
  /** Exit 1 on findings of this severity or worse (default 'error'). */
  readonly failOn?: 'error' | 'warning';
}

export function analysisOptions(o: FlashMapCommandOptions): AnalyzeFlashMapOptions {
  return {
    ...(o.chip !== undefined ? { chip: o.chip } : {}),
    ...(o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {}),
    ...(o.appOffset !== undefined ? { appOffset: o.appOffset } : {}),
    ...(o.baseOffset !== undefined ? { baseOffset: o.baseOffset } : {}),
    ...(o.flashSize !== undefined ? { flashSize: o.flashSize } : {}),
    ...(o.verify ? { verify: true } : {}),
    ...(o.scanAllTables ? { scanAllTables: true } : {}),
  };
}

export function flashMapExitCode(r: FlashMapReport, failOn: 'error' | 'warning' = 'error'): number {
  const bad = r.findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
  return bad ? EXIT_PROBLEM : EXIT_OK;
}

/** Print (and optionally draw) the report for bytes already in memory. */
export function reportFlashMap(bytes: Uint8Array, name: string, o: FlashMapCommandOptions, io: CliIo): number {
  if (o.chip !== undefined && !findChip(o.chip)) {
    throw new CliInputError('BAD_CHIP', `unknown chip "${o.chip}"; known: ${CHIP_NAMES.join(', ')}`);
  }
  const report = analyzeFlashMap(bytes, analysisOptions(o));
  if (o.svg !== undefined) {
    try {
      writeFileAtomic(o.svg, renderFlashMapSvg(report, name));
    } catch (err) {
      throw new CliInputError('SVG_UNWRITABLE', `cannot write ${o.svg}: ${(err as Error).message}`);
    }
  }
  if (o.json) io.out(JSON.stringify({ file: name, ...report }, null, 2) + '\n');
  else io.out(renderFlashMapText(report, makeStyle(io.color), io.columns, name) + (o.svg !== undefined ? `\nSVG written to ${o.svg}\n` : ''));
  return flashMapExitCode(report, o.failOn);
}

export function runFlashMap(file: string, o: FlashMapCommandOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => reportFlashMap(readInputFile(file), basename(file), o, io));
}

const HELP = `
How the file is placed in flash:
  byte 0 = the chip's bootloader (merged image: esptool merge_bin, MicroPython firmware.bin;
  ESP32/ESP32-S2 bootloaders sit at 0x1000, ESP32-C5/P4 at 0x2000, the others at 0x0), or a dump
  read back from flash 0x0, or a single app image (placed at 0x10000). --base-offset overrides.

What you get:
  chip and flash size (from the bootloader header), every partition table found at a 4 KiB
  boundary (the one at 0x8000 is preferred), the app that boots (otadata-aware), every IROM/DROM
  mapping of it and of every other app slot, a picture of the layout, what OpenOCD's flash stub
  would compute, and findings about what would trip it (table not at 0x8000, first app entry is
  not the booting one, non-IDF or RAM-only app, flash size issues, the 32 MiB JEDEC trap of
  openocd-esp32 #366).

Exit codes: 0 no error found, 1 an error-severity finding (or a warning with --fail-on warning),
            2 bad input (unreadable file, bad option).

Examples:
  $ espalgo flash-map firmware.bin
  $ espalgo flash-map firmware.bin --json > map.json
  $ espalgo flash-map dump.bin --svg layout.svg
  $ espalgo flash-map app.bin --app-offset 0x110000 --chip esp32c3
  $ espalgo flash-map merged.bin --table-offset 0xC000 --flash-size 16M
  $ espalgo example-image --layout ota ota.bin && espalgo flash-map ota.bin
`;

export function registerFlashMap(program: Command): void {
  const cmd = program
    .command('flash-map')
    .description('analyse an ESP flash file: placement, partition table, booting app, IROM/DROM mappings, debugger pitfalls')
    .argument('<file>', 'merged flash image, flash dump, or app image')
    .option('--chip <chip>', `chip (${CHIP_NAMES.join(', ')}); default: from the image headers`)
    .option('--table-offset <offset>', 'flash offset of the partition table (default: 0x8000, else the one found)', numberOption('--table-offset'))
    .option('--app-offset <offset>', 'flash offset of the app to analyse, like OpenOCD\'s esp appimage_offset', numberOption('--app-offset'))
    .option('--base-offset <offset>', 'flash offset of file byte 0 (default: inferred)', numberOption('--base-offset'))
    .option('--flash-size <size>', 'flash size, e.g. 4M, 32MiB, 0x2000000 (default: bootloader header)', numberOption('--flash-size'))
    .option('--verify', 'also check image checksums and SHA-256 (reads every image byte)')
    .option('--scan-all-tables', 'probe every 4 KiB boundary for tables, also inside partitions (default: skip them)')
    .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error (default) or warning')
    .option('--json', 'print the report as JSON')
    .option('--svg <out.svg>', 'also draw the layout as SVG into this file')
    .addHelpText('after', HELP)
    .action((file: string, opts: FlashMapCommandOptions & { failOn?: string }) => {
      if (opts.failOn !== undefined && opts.failOn !== 'error' && opts.failOn !== 'warning') {
        cmd.error(`error: option '--fail-on <severity>' must be error or warning, not ${opts.failOn}`, { exitCode: 2 });
      }
      process.exitCode = runFlashMap(file, opts as FlashMapCommandOptions);
    });
  exitTwoOnUsageErrors(cmd);
}
