/** `espalgo flash-map FILE`: where everything sits in an ESP flash file, and what a debugger would map. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CHIP_NAMES, findChip } from '../../chips/index.js';
import { analyzeFlashMap, type AnalyzeFlashMapOptions, type FlashMapReport } from '../../image/flash-map/index.js';
import { esp32c3 } from '../../chips/esp32c3.js';
import { hostLayout, SparseFlash, walkApp } from '../../flash/probe-mappings.js';
import { openFlashSession } from '../../flash/session.js';
import { STUB_ADDRESS_LIMIT } from '../../flash/stub-protocol.js';
import { commandOutput, STDOUT_HELP, type CommandOutput } from '../output/command-output.js';
import { refuseElfAsFlashData } from '../output/elf-input.js';
import { checkFlashSizeOption, chipOption, exitTwoOnUsageErrors, numberOption, offsetOption, readInputFile, runGuarded, runGuardedAsync, tableOffsetValue } from '../output/command-support.js';
import { formatSize, hex32 } from '../output/format.js';
import { CliInputError, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { renderFlashMapSvg } from '../output/flash-map-svg.js';
import { renderFlashMapText } from '../output/flash-map-text.js';
import { withDeferredInterrupt } from '../output/interrupt.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';
import { connectForProbe } from './probe.js';

export interface FlashMapCommandOptions {
  readonly chip?: string;
  readonly tableOffset?: number;
  readonly appOffset?: number;
  readonly baseOffset?: number;
  readonly flashSize?: number;
  /** Where flashSize came from (default: the --flash-size option; a live map passes the chip's JEDEC id). */
  readonly flashSizeSource?: 'option' | 'jedec';
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
    ...(o.flashSize !== undefined ? { flashSize: o.flashSize, ...(o.flashSizeSource ? { flashSizeSource: o.flashSizeSource } : {}) } : {}),
    ...(o.verify ? { verify: true } : {}),
    ...(o.scanAllTables ? { scanAllTables: true } : {}),
  };
}

export function flashMapExitCode(r: FlashMapReport, failOn: 'error' | 'warning' = 'error'): number {
  const bad = r.findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
  return bad ? EXIT_PROBLEM : EXIT_OK;
}

/** Where --svg draws: its file, or standard output for --svg - (the report's text then on stderr). */
function svgOutput(o: FlashMapCommandOptions, io: CliIo): CommandOutput | undefined {
  return o.svg === undefined ? undefined : commandOutput(o.svg, io, { binary: false, json: o.json === true, option: '--svg', code: 'SVG_UNWRITABLE' });
}

/** Print (and optionally draw) the report for bytes already in memory; `extra` goes into the JSON. */
export function reportFlashMap(bytes: Uint8Array, name: string, o: FlashMapCommandOptions, io: CliIo, extra: Record<string, unknown> = {}, svg = svgOutput(o, io)): number {
  chipOption(o.chip); // an unknown name is refused before the analysis
  const report = analyzeFlashMap(bytes, analysisOptions(o));
  svg?.write(renderFlashMapSvg(report, name));
  const text = svg?.text ?? io;
  if (o.json) io.out(JSON.stringify({ ok: true, file: name, ...extra, ...report }) + '\n');
  else text.out(renderFlashMapText(report, makeStyle(text.color), text.columns, name) + (svg ? `\nSVG written to ${svg.name}\n` : ''));
  return flashMapExitCode(report, o.failOn);
}

export function runFlashMap(file: string, o: FlashMapCommandOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    checkFlashSizeOption(o.flashSize);
    const svg = svgOutput(o, io);
    svg?.checkNotInput([file]); // --svg naming the file being mapped would replace it with the picture
    svg?.checkWritable();
    const bytes = readInputFile(file);
    refuseElfAsFlashData(file, bytes, 'map that .bin, or a flash file merged from it (espalgo image merge)');
    return reportFlashMap(bytes, basename(file), o, io, {}, svg);
  }, o.json === true);
}

export interface LiveFlashMapOptions extends FlashMapCommandOptions {
  /** sim or HOST:PORT. */
  readonly target: string;
  /** With --target sim: the flash image the simulator boots (default: the demo firmware). */
  readonly flash?: string;
  readonly scenario?: string;
}

/** Read at least this much from flash 0x0 (bootloader, table, otadata and the first apps)… */
export const LIVE_MIN_READ = 0x100000;
/** …and at most this much, even when an app image ends further up. */
export const LIVE_MAX_READ = 0x800000;

/**
 * `flash-map --target`: the same report, computed from the flash read through the flasher stub.
 * Reads flash 0x0 up to the end of the last app image (at least 1 MiB, at most 8 MiB, never past
 * the flash), with the detected flash size standing in for --flash-size.
 */
export async function runFlashMapLive(o: LiveFlashMapOptions, io: CliIo = processIo()): Promise<number> {
  return runGuardedAsync(io, async () => {
    checkFlashSizeOption(o.flashSize);
    if (o.chip !== undefined && findChip(o.chip) !== esp32c3) {
      throw new CliInputError('BAD_CHIP', `a live flash map needs espalgo's flasher stub, which exists for the ESP32-C3 only (not "${o.chip}")`);
    }
    const svg = svgOutput(o, io);
    if (o.flash) svg?.checkNotInput([o.flash]);
    svg?.checkWritable(); // a mistyped folder is named before the flash is read, not after
    const text = svg?.text ?? io;
    return withDeferredInterrupt(io, async () => {
      const connected = await connectForProbe({ target: o.target, ...(o.flash ? { flash: o.flash } : {}), ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {}) });
      try {
        const session = await openFlashSession(connected.target, {
          chip: esp32c3,
          flashSize: o.flashSize ?? STUB_ADDRESS_LIMIT,
          timeoutScale: o.target === 'sim' ? 10 : 1,
        }).catch((error: unknown) => {
          throw new CliInputError('TARGET_FLASH', `cannot run the flasher stub on ${connected.target.description}: ${(error as Error).message}`);
        });
        let bytes: Uint8Array;
        let detected: number | undefined;
        try {
          detected = session.info?.size || undefined;
          const size = Math.min(o.flashSize ?? detected ?? STUB_ADDRESS_LIMIT, STUB_ADDRESS_LIMIT);
          const flash = new SparseFlash((at, n) => session.stub.read(at, n), size, (at, p, s, n) => session.stub.readStrided(at, p, s, n));
          const layout = await hostLayout(flash, { chip: esp32c3, ...(o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {}), ...(o.appOffset !== undefined ? { appOffset: o.appOffset } : {}) });
          let end = Math.min(size, LIVE_MIN_READ);
          for (const e of layout.entries.filter((x) => x.type === 0x00 && x.offset < Math.min(size, LIVE_MAX_READ))) {
            const app = await walkApp(flash, e.offset, esp32c3, Math.min(size, e.offset + e.size));
            end = Math.max(end, app.imageEnd ?? e.offset + 0x1000);
          }
          if (layout.imageEnd !== null) end = Math.max(end, layout.imageEnd);
          end = Math.min(size, LIVE_MAX_READ, (end + 0xfff) & ~0xfff);
          bytes = await session.stub.read(0, end);
        } finally {
          await session.close();
        }
        const name = `${connected.target.description} (flash 0x00000000..${hex32(bytes.length)}, read live)`;
        if (!o.json) {
          const st = makeStyle(text.color);
          text.out(`${st.bold('Live')}        read ${formatSize(bytes.length)} through the flasher stub on ${connected.target.description}${detected ? `; the chip's JEDEC id says ${formatSize(detected)}, used as the flash size below` : ''}.\n\n`);
        }
        const size = o.flashSize !== undefined ? { flashSize: o.flashSize } : detected !== undefined ? { flashSize: detected, flashSizeSource: 'jedec' as const } : {};
        return reportFlashMap(bytes, name, { ...o, chip: 'esp32c3', baseOffset: 0, ...size }, io, {
          live: { target: connected.target.description, bytesRead: bytes.length, detectedFlashSize: detected ?? null },
        }, svg);
      } finally {
        await connected.close();
      }
    });
  }, o.json === true);
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
  would compute, and findings: what would trip OpenOCD's stub (table not at 0x8000, first app entry
  is not the booting one, non-IDF or RAM-only app, flash size issues, the 32 MiB JEDEC trap of
  openocd-esp32 #366) and what would stop the chip booting (bootloader misplaced or running into
  the table, with a signed bootloader's Secure Boot signature counted; overlapping partitions; an
  app larger than its partition or built for another chip; with --verify, wrong checksums and
  SHA-256, and MCUboot apps whose hash TLV does not match). Every finding code is listed in
  docs/cli-image.md.

Live (--target): the flash is read through espalgo's flasher stub (ESP32-C3) from 0x0 to the end of
  the last app image (at least 1 MiB, at most 8 MiB), the firmware keeps running, and the chip's own
  JEDEC size replaces the header's. The report is the same as for a file.

Exit codes: 0 no error found, 1 an error-severity finding (or a warning with --fail-on warning),
            2 bad input (unreadable file, bad option, unreachable target), 130 Ctrl-C during a
            live map (the read finishes first, then the target is given back).

Examples:
  $ espalgo flash-map firmware.bin
  $ espalgo flash-map firmware.bin --json > map.json
  $ espalgo flash-map dump.bin --svg layout.svg
  $ espalgo flash-map dump.bin --svg - > layout.svg   # the SVG on stdout, the report on stderr
  $ espalgo flash-map app.bin --app-offset 0x110000 --chip esp32c3
  $ espalgo flash-map merged.bin --table-offset 0xC000 --flash-size 16M
  $ espalgo example-image --layout ota ota.bin && espalgo flash-map ota.bin
  $ espalgo flash-map --target sim --scenario issue-366
  $ espalgo flash-map --target 127.0.0.1:3333
`;

export function registerFlashMap(program: Command): void {
  const cmd = program
    .command('flash-map')
    .description('analyse an ESP flash file: placement, partition table, booting app, IROM/DROM mappings, debugger pitfalls')
    .argument('[file]', 'merged flash image, flash dump, or app image (with --target sim: the image the simulator boots)')
    .option('--target <target>', 'read the flash live instead: sim (simulated ESP32-C3) or HOST:PORT of a GDB server')
    .option('--scenario <name>', 'with --target sim: the state the app leaves behind (e.g. issue-366)')
    .option('--chip <chip>', `chip (${CHIP_NAMES.join(', ')}); default: from the image headers`)
    .option('--table-offset <offset>', 'flash offset of the partition table (default: 0x8000, else the one found)', tableOffsetValue())
    .option('--app-offset <offset>', 'flash offset of the app to analyse, like OpenOCD\'s esp appimage_offset', offsetOption('--app-offset'))
    .option('--base-offset <offset>', 'flash offset of file byte 0 (default: inferred)', offsetOption('--base-offset'))
    .option('--flash-size <size>', 'flash size, e.g. 4M, 32MiB, 0x2000000 (default: bootloader header)', numberOption('--flash-size'))
    .option('--verify', 'also check image checksums and SHA-256, and MCUboot hash TLVs (reads every image byte)')
    .option('--scan-all-tables', 'probe every 4 KiB boundary for tables, also inside partitions (default: skip them)')
    .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error (default) or warning')
    .option('--json', 'print the report as JSON')
    .option('--svg <out.svg>', `also draw the layout as SVG into this file (${STDOUT_HELP}, the report then to stderr)`)
    .addHelpText('after', HELP)
    .action(async (file: string | undefined, opts: FlashMapCommandOptions & { failOn?: string; target?: string; scenario?: string }) => {
      if (opts.failOn !== undefined && opts.failOn !== 'error' && opts.failOn !== 'warning') {
        cmd.error(`error: option '--fail-on <severity>' must be error or warning, not ${opts.failOn}`, { exitCode: 2 });
      }
      if (opts.target !== undefined) {
        if (file !== undefined && opts.target !== 'sim') cmd.error('error: give a file or --target HOST:PORT, not both (a file goes with --target sim, which boots it)', { exitCode: 2 });
        process.exitCode = await runFlashMapLive({ ...(opts as FlashMapCommandOptions), target: opts.target, ...(file !== undefined ? { flash: file } : {}), ...(opts.scenario ? { scenario: opts.scenario } : {}) });
        return;
      }
      if (file === undefined) cmd.error("error: missing required argument 'file' (or read a target's flash live with --target sim|HOST:PORT)", { exitCode: 2 });
      process.exitCode = runFlashMap(file!, opts as FlashMapCommandOptions);
    });
  exitTwoOnUsageErrors(cmd);
}
