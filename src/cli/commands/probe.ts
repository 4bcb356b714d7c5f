/** `espalgo probe`: flash id, size (and where it came from) and the mappings of the app that boots, on a live target. */
import type { Command } from 'commander';
import { esp32c3 } from '../../chips/index.js';
import { probeFlash, type ProbeOptions } from '../../flash/probe.js';
import type { ProbeReport } from '../../flash/probe-report.js';
import { hostReadingOf } from '../../flash/probe-mappings.js';
import { formatSize as sizeWords, type SizeSourceKind } from '../../flash/probe-size.js';
import { checkFlashSizeOption, chipOption, exitTwoOnUsageErrors, numberOption, offsetOption, runGuardedAsync, tableOffsetValue } from '../output/command-support.js';
import { appOffsetProblem, tableOffsetProblem } from '../../flash/overrides.js';
import { CliInputError, EXIT_OK } from '../output/exit-codes.js';
import { explainLinkLost } from '../output/link-lost.js';
import { counted, formatSize, hex32 } from '../output/format.js';
import { withDeferredInterrupt } from '../output/interrupt.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle, type Style } from '../output/style.js';
import { renderTable, wrapText } from '../output/table.js';
import { connectTarget, demoFirmwarePath, attachHaltedBy, type ConnectedTarget } from '../target-connect.js';
import type { ServerKind } from '../../gdb/remote-discovery.js';

export interface ProbeCommandOptions {
  readonly target?: string;
  readonly chip?: string;
  readonly flash?: string;
  readonly scenario?: string;
  readonly flashSize?: number;
  readonly appOffset?: number;
  readonly tableOffset?: number;
  readonly json?: boolean;
}

/**
 * Connect as `--target` says. The simulator's 2nd-stage bootloader reads the table at 0x8000 like
 * ESP-IDF's default build; with --table-offset it is booted as a bootloader built for that offset.
 */
export async function connectForProbe(o: Pick<ProbeCommandOptions, 'target' | 'chip' | 'flash' | 'scenario' | 'tableOffset'>): Promise<ConnectedTarget> {
  const target = o.target ?? 'sim';
  try {
    return await connectTarget({ target, chip: o.chip, flash: o.flash, scenario: o.scenario, tableOffset: o.tableOffset });
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    const e = error as { code?: unknown; message?: unknown };
    // The simulator refusing the flash file or scenario is bad input too.
    throw new CliInputError(typeof e.code === 'string' ? e.code : 'CONNECT_FAILED', String(e.message ?? error));
  }
}

/**
 * The overrides checked before anything connects: a flash size is a power of two, an app starts on
 * an MMU page of the chip (where its segments can be mapped), the table on a sector after the
 * bootloader's (tableOffsetProblem, as --table-offset's parser says it), and both offsets are 32-bit
 * flash addresses. Wrong values would otherwise reach the stub and come back as unrelated stub errors.
 */
export function checkProbeOverrides(o: Pick<ProbeCommandOptions, 'chip' | 'flashSize' | 'appOffset' | 'tableOffset'>): void {
  checkFlashSizeOption(o.flashSize);
  for (const [name, value] of [['--app-offset', o.appOffset], ['--table-offset', o.tableOffset]] as const) {
    if (value !== undefined && value > 0xffffffff) throw new CliInputError('BAD_OFFSET', `${name} 0x${value.toString(16)} is beyond the 32-bit flash address range`);
  }
  const app = o.appOffset === undefined ? undefined : appOffsetProblem(o.appOffset, chipOption(o.chip) ?? esp32c3, '--app-offset');
  if (app) throw new CliInputError('BAD_OFFSET', app);
  const table = o.tableOffset === undefined ? undefined : tableOffsetProblem(o.tableOffset, '--table-offset', hex32(o.tableOffset));
  if (table) throw new CliInputError('BAD_OFFSET', table);
}

export function probeOptionsFrom(o: ProbeCommandOptions, connected: ConnectedTarget): ProbeOptions {
  return {
    chip: connected.chip ?? esp32c3,
    ...(o.flashSize !== undefined ? { flashSize: o.flashSize } : {}),
    ...(o.appOffset !== undefined ? { appOffset: o.appOffset } : {}),
    ...(o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {}),
    timeoutScale: (o.target ?? 'sim') === 'sim' ? 10 : 1,
  };
}

export async function runProbe(o: ProbeCommandOptions, io: CliIo = processIo()): Promise<number> {
  return runGuardedAsync(io, () => withDeferredInterrupt(io, async () => {
    checkProbeOverrides(o);
    const connected = await connectForProbe(o);
    try {
      const report = await probeFlash(connected.target, probeOptionsFrom(o, connected)).catch((error: unknown) => {
        throw explainLinkLost(error, undefined, 'probe again');
      });
      if (o.json) io.out(JSON.stringify({ ok: true, ...report }) + '\n');
      else io.out(renderProbeText(report, makeStyle(io.color), io.columns, undefined, attachHaltedBy(connected.target)));
      return EXIT_OK;
    } finally {
      await connected.close();
    }
  }), o.json === true);
}

/** What the probe says of a chip it leaves halted behind a GDB server, which halted it as espalgo attached. */
const HANDED_OVER: Record<ServerKind, string> = {
  openocd: 'left halted, as OpenOCD handed it over (it halts the chip as a client attaches; its detach handler decides whether it runs on)',
  espalgo: "left halted, as the simulator's GDB server handed it over (it halts the chip as a client attaches, and lets it run on at detach if it was running)",
  qemu: "left halted, as QEMU's gdbstub handed it over (it stops the machine as a client attaches; its detach decides whether it runs on)",
  unknown: 'left halted, as the GDB server handed it over (a server halts the chip as a client attaches; its detach decides whether it runs on)',
};

const METHOD_NAMES: Record<ProbeReport['method'], string> = {
  stub: 'flasher stub',
  'memory-window': 'cache windows only',
  'rom-call': 'ROM calls without a compiled stub',
};

const SOURCE_NAMES: Record<SizeSourceKind, string> = {
  override: '--flash-size',
  jedec: 'JEDEC id (cleaned)',
  'bootloader-header': 'bootloader header',
  'app-header': 'app header at 0x0',
  'partition-table': 'partition table',
};

/**
 * The probe report as readable text; `title` replaces the first line. `attachHalted`: the GDB server
 * that halted the chip as espalgo attached (undefined in process), so "found halted" says less than
 * it seems.
 */
export function renderProbeText(r: ProbeReport, st: Style, columns: number, title?: string, attachHalted?: ServerKind): string {
  const out: string[] = [];
  const kv = (k: string, v: string): void => void out.push(`${st.bold(k.padEnd(12))}${wrapText(v, columns, 12)}\n`);
  const para = (text: string, mark = ''): void => void out.push(`${' '.repeat(12)}${mark}${wrapText(text, columns, 12 + mark.length)}\n`);
  out.push(title ?? `${st.bold('espalgo probe')} ${r.target} ${st.dim(`(${r.chip}, ${METHOD_NAMES[r.method]})`)}\n`);
  out.push('\n');

  if (r.id) {
    const a = r.id.analysis;
    kv('Flash id', a.idsDiffer ? `${a.clean} (read with SPI1 cleaned); ${st.yellow(a.naive)} as the application left SPI1` : `${a.clean} (the same with SPI1 as found and cleaned)`);
    if (a.sentence) para(a.sentence, st.yellow('#366 '));
  } else {
    kv('Flash id', st.yellow('unavailable (the flasher stub could not run)'));
  }

  const s = r.size;
  kv('Flash size', s.bytes === null ? st.red('unknown') : `${st.bold(sizeWords(s.bytes))} ${s.source === 'override' ? 'given with' : 'from the'} ${SOURCE_NAMES[s.source!]}`);
  if (s.sources.length) {
    out.push(renderTable(
      [{ header: 'source' }, { header: 'says', align: 'right' }, { header: 'detail' }],
      s.sources.map((x) => [
        `${x.kind === s.source ? '*' : ' '} ${SOURCE_NAMES[x.kind]}`,
        x.bytes === null ? '–' : `${x.kind === 'partition-table' ? '≥ ' : ''}${sizeWords(x.bytes)}`,
        x.detail,
      ]),
      12,
      st.dim,
    ));
  }
  if (s.source !== 'jedec' && s.source !== 'override') para(s.explanation);
  for (const d of s.disagreements) para(d, st.yellow('! '));

  const m = r.mappings;
  kv('Table', m.tableOffset !== null ? `${hex32(m.tableOffset)} (${m.tableNote})` : m.tableNote);
  kv('Boots', m.appOffset !== null ? `${m.appLabel ? `"${m.appLabel}" ` : ''}at ${hex32(m.appOffset)}${m.format ? `, ${m.format}` : ''}: ${m.choiceReason}` : m.choiceReason);
  const from = { stub: m.format === 'mcuboot' ? "the stub's MAP_GET (the MCUboot image's Espressif load header)" : "the stub's MAP_GET", host: `the host's reading of ${hostReadingOf(m.format)}`, 'memory-window': 'the MMU table and the DROM window', none: 'nowhere' }[m.source];
  kv('Mappings', m.segments.length ? `${counted(m.segments.length, 'IROM/DROM segment')}, from ${from}` : st.yellow(`none${m.formatNote ? `: ${m.formatNote}` : ''}`));
  if (m.segments.length && m.formatNote && (m.source === 'stub' || m.source === 'host')) para(m.formatNote);
  if (m.segments.length) {
    out.push(renderTable(
      [{ header: 'seg', align: 'right' }, { header: 'kind' }, { header: 'flash offset' }, { header: 'vaddr' }, { header: 'size', align: 'right' }],
      m.segments.map((x) => [x.segment !== null ? String(x.segment) : m.format === 'direct-boot' ? '–' : '?', x.kind.toUpperCase(), hex32(x.flashOffset), hex32(x.vaddr), `0x${x.size.toString(16)}`]),
      12,
      st.dim,
    ));
  }
  if (m.crossCheck) {
    kv('Cross-check', m.crossCheck.agree ? st.green(m.crossCheck.sentence) : st.yellow(m.crossCheck.sentence));
    for (const d of m.crossCheck.differences) para(d, '- ');
  }
  if (m.mmuRuns && m.mmuRuns.length) {
    kv('MMU', m.mmuRuns.map((run) => `entries ${run.firstEntry}..${run.firstEntry + run.count - 1} → flash ${hex32(run.flashOffset)}`).join('; '));
  }
  if (r.openocd) kv('OpenOCD', r.openocd.gdbConnects ? r.openocd.sentence : st.red(r.openocd.sentence));

  const shown = new Set([r.id?.analysis.sentence, s.explanation, ...s.disagreements]);
  const rest = r.notes.filter((n) => !shown.has(n));
  if (rest.length) {
    kv('Notes', rest[0]!);
    for (const n of rest.slice(1)) para(n);
  }
  if (r.restored) {
    const regs = r.restored.registersIntact === null ? 'SPI1 and MMU not compared' : r.restored.registersIntact ? 'SPI1 registers and MMU table bit-exact before/after' : st.red('SPI1 or MMU changed (see notes)');
    const left = r.restored.resumed ? 'resumed' : attachHalted ? HANDED_OVER[attachHalted] : 'left as found (halted)';
    kv('Target', `${left}, work-area RAM restored, ${regs}${r.bytesRead ? `; ${formatSize(r.bytesRead)} of flash read` : ''}`);
  }
  out.push(`\n${r.degraded ? st.yellow('Probed, degraded (see above).') : st.green('Probed.')}\n`);
  return out.join('');
}

const HELP = `
What it does:
  Loads espalgo's flasher stub into the chip's RAM (backed up and restored), reads the flash's JEDEC
  id twice — with SPI1 as the application left it and with its extra dummy cycles cleared — and asks
  the stub for the mapping of the app that would boot (MAP_GET). The host then reads the bootloader
  header, the partition table, otadata and the app headers itself (through the stub's READ) and
  checks MAP_GET against them. The firmware is resumed afterwards, SPI1 and the MMU untouched.
  Without a partition table: a direct-boot program at 0x0 gets the ROM's 1:1 mappings, and a
  Simple Boot app at 0x0 (Zephyr/NuttX, esptool elf2image --ram-only-header) the flash segments
  that follow its checksum. An MCUboot app (in an app partition, or at --app-offset) gets the
  mappings of its Espressif load header (after the MCUboot header, at the header size it gives),
  read by MAP_GET and checked by the host.

Why (espressif/openocd-esp32 #366):
  An application (MicroPython with octal PSRAM, say) can leave SPI1 with extra dummy cycles. A stub
  that reads the id without clearing them gets a bit-shifted id (EF 40 16 becomes DE 80 2D), finds
  no size for it, and OpenOCD then fails with "Failed to get flash maps (-9)" / "size 0 KB" and GDB
  refuses to connect. espalgo clears the dummy for the id read, restores it, and tells you what it
  found and what OpenOCD would have concluded.

Flash size sources (shown side by side, disagreements explained):
  JEDEC id (cleaned) · bootloader header size nibble (a Simple Boot app's own header at 0x0) ·
  partition-table extent · --flash-size

Never fatal:
  An unreadable id degrades to the header's or table's size; no size at all still gives the
  mappings; a stub that cannot run falls back to reading the MMU table and the DROM window.

Exit codes: 0 probed (also when degraded; the report says why), 2 bad input or unreachable target,
            130 Ctrl-C (the probe finishes first, then gives the target back).

Examples:
  $ espalgo probe                                          (simulated ESP32-C3, demo firmware)
  $ espalgo probe --scenario issue-366                     (the #366 SPI1 state)
  $ espalgo probe --flash ${demoFirmwarePath('demo-ota.bin')}      (otadata selects ota_1)
  $ espalgo probe --target 127.0.0.1:3333 --chip esp32c3   (OpenOCD's GDB server)
  $ espalgo probe --flash ${demoFirmwarePath('demo-ota.bin')} --app-offset 0x10000 --flash-size 4M --json
                                                           (map ota_0, not the booting ota_1)
  $ espalgo probe --flash ${demoFirmwarePath('demo-table-0xc000.bin')} --table-offset 0xC000
                                                           (a table moved to 0xC000)
  $ espalgo probe --chip esp32s3 --dry-run                 (the ROM-call plan; docs/rom-probe.md)
`;

export function registerProbe(program: Command): void {
  const cmd = program
    .command('probe')
    .description('flash id, size (and where it came from) and the IROM/DROM mappings of the booting app, live; #366-proof')
    .option('--target <target>', 'sim (in-process simulated ESP32-C3) or HOST:PORT of a GDB server', 'sim')
    .option('--chip <chip>', 'chip (default esp32c3)')
    .option('--flash <file>', 'with --target sim: flash image to boot (default: the demo firmware)')
    .option('--scenario <name>', 'with --target sim: state the app leaves behind (normal, issue-366, issue-366-timing, issue-366-rom-dummy, flash-busy, wdt-running)')
    .option('--flash-size <size>', 'flash size to use, a power of two, e.g. 4M, 16MiB (overrides detection; detected sources are still shown)', numberOption('--flash-size'))
    .option('--app-offset <offset>', "flash offset of the app to map, on an MMU page of the chip (a multiple of 0x10000 on the ESP32-C3 and S3), like OpenOCD's esp appimage_offset", offsetOption('--app-offset'))
    .option('--table-offset <offset>', 'partition table offset, a multiple of 4 KiB (default 0x8000, else searched up to 1 MiB)', tableOffsetValue())
    .option('--json', 'print the report as JSON')
    .option('--mode <mode>', 'stub (compiled flasher stub), rom (ROM calls, no stub) or both; default: stub where a compiled stub exists (esp32c3), rom elsewhere')
    .option('--dry-run', 'print the ROM-call probe plan for --chip and exit; no target is touched (docs/rom-probe.md)')
    .addHelpText('after', HELP)
    .action(async (opts: ProbeCommandOptions & { mode?: string; dryRun?: boolean }) => {
      const { runProbeMode } = await import('./rom-probe.js');
      process.exitCode = await runProbeMode(opts);
    });
  exitTwoOnUsageErrors(cmd);
}
