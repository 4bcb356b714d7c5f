/**
 * `espalgo demo` (= `npm start`): the simulated ESP32-C3 boots the demo firmware in a MicroPython-like
 * layout whose bootloader header claims 32 MiB, with SPI1 left as in espressif/openocd-esp32 #366;
 * espalgo probes it (what OpenOCD would have got vs what espalgo got), writes and verifies 64 KiB
 * in the vfs partition, and shows the firmware ran on undisturbed. `espalgo demo --offline` builds
 * an example flash file and shows its flash map instead (no target).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { counted, hex32 } from '../../chips/types.js';
import { probeFlash } from '../../flash/probe.js';
import { openFlashSession } from '../../flash/session.js';
import type { TransferMode } from '../../flash/transfer.js';
import { verifyFlash } from '../../flash/verify.js';
import { writeFlash } from '../../flash/write.js';
import { findSymbol, parseElf } from '../../image/elf.js';
import { buildExampleFlash } from '../../image/examples/index.js';
import type { Target } from '../../target/types.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import { exitTwoOnUsageErrors, runGuarded, runGuardedAsync } from '../output/command-support.js';
import { EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { formatSize } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle, type Style } from '../output/style.js';
import { wrapText } from '../output/table.js';
import { DEMO_ELF, demoFirmwarePath } from '../target-connect.js';
import { reportFlashMap } from './flash-map.js';
import { renderProbeText } from './probe.js';

/** The offline demo: build the MicroPython-like example into a temp file and show its flash map. */
export function runDemo(io: CliIo = processIo(), dir?: string): number {
  return runGuarded(io, () => {
    const st = makeStyle(io.color);
    const flash = buildExampleFlash('micropython');
    const where = dir ?? mkdtempSync(join(tmpdir(), 'espalgo-demo-'));
    const file = join(where, 'micropython-esp32s3-32MiB.bin');
    writeFileAtomic(file, flash.bytes);
    io.out(`${st.bold('espalgo demo')}: built a MicroPython-like ESP32-S3 flash image (bootloader header says 32 MiB,\n`);
    io.out(`table at 0x8000 with a 30 MiB vfs partition) and wrote it to\n  ${file}\n\n`);
    io.out(`Now running: espalgo flash-map ${file}\n\n`);
    const code = reportFlashMap(flash.bytes, 'micropython-esp32s3-32MiB.bin', {}, io);
    io.out(`\nTry also:  espalgo flash-map ${file} --json\n           espalgo flash-map ${file} --svg layout.svg\n`);
    io.out(`           espalgo example-image --help   (more layouts: OTA, tables at 0xC000/0x10000, RAM-only app, ESP32)\n`);
    return code;
  });
}

/** The firmware the live demo boots: MicroPython-like layout, bootloader header saying 32 MiB. */
export const DEMO_LIVE_FLASH = fileURLToPath(new URL('../../../firmware/build/demo-micropython-32MB-header.bin', import.meta.url));
export const DEMO_SCENARIO = 'issue-366';
/** Where the demo writes: the start of the vfs partition, 64 KiB. */
export const DEMO_WRITE_AT = 0x200000;
export const DEMO_WRITE_LENGTH = 0x10000;
const SPI1_USER = 0x60002018;
const USR_DUMMY = 1 << 29;

interface Vitals {
  readonly heartbeat: number;
  readonly runs: number;
  readonly failures: number;
}

function demoSymbols(): { heartbeat: number; runs: number; failures: number } {
  const elf = parseElf(new Uint8Array(readFileSync(DEMO_ELF)));
  const at = (name: string): number => {
    const s = findSymbol(elf, name);
    if (!s) throw new Error(`the demo firmware ELF has no symbol ${name}`);
    return s.value;
  };
  return { heartbeat: at('demo_heartbeat'), runs: at('demo_selfcheck_runs'), failures: at('demo_selfcheck_failures') };
}

async function vitals(target: Target, sym: ReturnType<typeof demoSymbols>): Promise<Vitals> {
  const word = async (a: number) => new DataView((await target.readMemory(a, 4)).buffer).getUint32(0, true);
  return { heartbeat: await word(sym.heartbeat), runs: await word(sym.runs), failures: await word(sym.failures) };
}

/** 64 KiB anyone can recognise in a hex dump. */
export function demoPayload(): Uint8Array {
  const text = new TextEncoder().encode('espalgo wrote this through the debugger while the firmware ran. ');
  const out = new Uint8Array(DEMO_WRITE_LENGTH);
  for (let i = 0; i < out.length; i++) out[i] = i % 4096 < 4032 ? text[i % text.length]! : i & 0xff;
  return out;
}

/** How the data went to the stub, in the demo's words. */
function transferLabel(mode: TransferMode): string {
  if (mode === 'deflate') return 'deflated';
  return mode === 'stream' ? 'streamed uncompressed: in process there is no link to save' : 'uncompressed, in chunked calls';
}

function section(io: CliIo, st: Style, n: number, title: string): void {
  io.out(`\n${st.bold(st.cyan(`── ${n}. ${title} `))}${st.cyan('─'.repeat(Math.max(3, Math.min(io.columns, 100) - title.length - 8)))}\n\n`);
}

function say(io: CliIo, text: string): void {
  io.out(`${wrapText(text, Math.min(io.columns, 100), 0)}\n`);
}

/** The full demonstration on the in-process simulator; returns 0 when every step held up. */
export async function runLiveDemo(io: CliIo = processIo()): Promise<number> {
  return runGuardedAsync(io, async () => {
    const st = makeStyle(io.color);
    const started = performance.now();
    const problems: string[] = [];
    const sym = demoSymbols();
    const { createSimulatedEsp32c3 } = await import('../../sim/esp32c3/create.js');
    const sim = createSimulatedEsp32c3({ flash: DEMO_LIVE_FLASH, scenario: DEMO_SCENARIO });
    try {
      const target = sim.target;
      io.out(`${st.bold('espalgo demo')}: a debugger-side flash driver that a #366-style SPI state cannot fool, on a simulated ESP32-C3.\n`);

      section(io, st, 1, 'The chip');
      await new Promise((r) => setTimeout(r, 30));
      const first = await vitals(target, sym);
      say(io, `Booted firmware/build/demo-micropython-32MB-header.bin on a simulated ESP32-C3 with a 4 MiB flash (JEDEC EF 40 16): the bootloader header says 32 MiB and the MicroPython-style table has a vfs partition reaching 32 MiB. The demo firmware runs, counting a heartbeat and checking itself every 64 iterations.`);
      say(io, `Scenario ${DEMO_SCENARIO}: ${sim.scenario.description}`);
      io.out(`\n  heartbeat ${first.heartbeat}, self-checks ${first.runs}, failures ${first.failures}\n`);

      section(io, st, 2, 'Probe: what OpenOCD would have got, what espalgo got');
      const report = await probeFlash(target, { timeoutScale: 10 });
      io.out(renderProbeText(report, st, Math.min(io.columns, 100), `${st.bold('espalgo probe')} ${report.target}\n`));
      if (report.openocd) {
        io.out(`\n  ${st.red('OpenOCD ≤ 2024:')} id ${report.openocd.id}, size ${report.openocd.size ? formatSize(report.openocd.size) : '0'}, MAP_GET ${report.openocd.retcode}, GDB ${report.openocd.gdbConnects ? 'connects' : 'refuses to connect'}\n`);
      }
      const seg = report.mappings.segments;
      io.out(`  ${st.green('espalgo:       ')} id ${report.id?.analysis.clean ?? '?'}, size ${report.size.bytes ? formatSize(report.size.bytes) : '?'} (${report.size.source}), app at ${report.mappings.appOffset === null ? '?' : hex32(report.mappings.appOffset)}, ${seg.length} mappings${report.mappings.crossCheck?.agree ? ' (MAP_GET = host reading)' : ''}\n`);
      if (report.size.bytes !== 4 * 0x100000) problems.push(`the probe found ${report.size.bytes} bytes of flash, not 4 MiB`);
      if (seg.length !== 2) problems.push(`the probe found ${seg.length} mappings, not 2`);
      if (report.restored?.registersIntact !== true) problems.push('SPI1 or the MMU changed during the probe');

      section(io, st, 3, `Write and verify ${formatSize(DEMO_WRITE_LENGTH)} in the vfs partition at ${hex32(DEMO_WRITE_AT)}`);
      const data = demoPayload();
      const session = await openFlashSession(target, { timeoutScale: 10 });
      try {
        const w = await writeFlash(session, DEMO_WRITE_AT, data);
        const v = await verifyFlash(session, DEMO_WRITE_AT, data);
        io.out(`  write   ${counted(w.sectorsTotal, 'sector')}: ${w.sectorsErased} erased, ${w.sectorsProgrammed} programmed, ${w.sectorsSkipped} already right; ${formatSize(w.wireBytes)} sent (${w.transfer ? transferLabel(w.transfer.mode) : 'nothing to program'}), ${Math.round(w.ms.total)} ms\n`);
        io.out(`  verify  SHA-256 on the chip ${v.match ? st.green('matches') : st.red('differs')} the host's (${counted(v.hashCalls, 'hash call')}, ${Math.round(v.durationMs)} ms)\n`);
        if (!v.match) problems.push(`verification failed at ${hex32(v.firstMismatch ?? DEMO_WRITE_AT)}`);
      } finally {
        await session.close();
      }
      const chipBytes = sim.flash.bytes.subarray(DEMO_WRITE_AT, DEMO_WRITE_AT + data.length);
      const same = chipBytes.every((b, i) => b === data[i]);
      io.out(`  check   the simulated flash chip itself holds ${same ? st.green('exactly these bytes') : st.red('other bytes')}: "${new TextDecoder().decode(chipBytes.subarray(0, 40))}…"\n`);
      if (!same) problems.push('the simulated flash does not hold the written bytes');

      section(io, st, 4, 'The firmware kept running');
      await new Promise((r) => setTimeout(r, 30));
      const last = await vitals(target, sym);
      io.out(`  heartbeat    ${first.heartbeat} → ${last.heartbeat} ${last.heartbeat > first.heartbeat ? st.green('(advancing)') : st.red('(stuck)')}\n`);
      io.out(`  self-checks  ${first.runs} → ${last.runs}, failures ${last.failures} ${last.failures === 0 ? st.green('(none)') : st.red('(the program was disturbed)')}\n`);
      const user = new DataView((await target.readMemory(SPI1_USER, 4)).buffer).getUint32(0, true);
      const dummyKept = (user & USR_DUMMY) !== 0;
      io.out(`  SPI1 and MMU ${report.restored?.registersIntact ? st.green('bit-exact after the probe') : st.red('changed')}; SPI1 USER.USR_DUMMY ${dummyKept ? 'is still set, as the application left it' : st.red('was cleared behind the application')}\n`);
      if (!dummyKept) problems.push('SPI1 USER.USR_DUMMY was not given back');
      if (last.heartbeat <= first.heartbeat) problems.push('the heartbeat did not advance');
      if (last.failures !== 0) problems.push(`${last.failures} self-check failures`);

      io.out(`\n${problems.length ? st.red(`Demo found problems: ${problems.join('; ')}.`) : st.green(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`)}\n`);
      io.out(`\nTry also:  espalgo probe --help\n           espalgo probe --flash ${demoFirmwarePath('demo-ota.bin')} --json\n           espalgo flash-map --target sim --scenario issue-366\n           espalgo demo --offline   (flash map of an example file, no target)\n`);
      return problems.length ? EXIT_PROBLEM : EXIT_OK;
    } finally {
      await sim.close();
    }
  });
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description('boot a simulated ESP32-C3 in the #366 state, probe its flash, write and verify 64 KiB, show the firmware undisturbed')
    .option('--offline', 'instead: build an example MicroPython-like flash file in a temp folder and show its flash map')
    .addHelpText('after', '\nExamples:\n  $ espalgo demo\n  $ npm start          (same thing, after npm install)\n  $ espalgo demo --offline\n')
    .action(async (opts: { offline?: boolean }) => {
      process.exitCode = opts.offline ? runDemo() : await runLiveDemo();
    });
  exitTwoOnUsageErrors(cmd);
}
