/**
 * `espalgo sim --flash FILE`: boot the simulated ESP32-C3 from a flash image and, with --gdb,
 * serve it to GDB (or espalgo itself) on 127.0.0.1. Runs until Ctrl-C.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { startGdbServer, type GdbServerHandle } from '../../gdb/server.js';
import { generateMemoryMapXml } from '../../gdb/memory-map.js';
import { createSimulatedEsp32c3, type SimulatedEsp32c3 } from '../../sim/esp32c3/create.js';
import { SCENARIOS } from '../../sim/esp32c3/scenarios.js';
import { esp32c3MemoryRegions } from '../../sim/esp32c3/memory-map.js';
import { simulatedRomElf } from '../../sim/esp32c3/rom-elf.js';
import { parseFlashSize } from '../../sim/flash/jedec.js';
import { hex32 } from '../../chips/types.js';
import { exitTwoOnUsageErrors, numberOption, portOption, tableOffsetValue } from '../output/command-support.js';
import { processIo, type CliIo } from '../output/io.js';
import { CliInputError, EXIT_BAD_INPUT } from '../output/exit-codes.js';
import { checkOutputWritable, writeOutputFile } from '../output/atomic-write.js';
import type { RemoteBitbangServer } from '../../sim/jtag/index.js';
import { startSimJtagServer } from '../../sim/esp32c3/jtag-server.js';
import { DEMO_FLASH, persistNeedsFlash, readSimFlashFile, shippedFilePath } from '../target-connect.js';
import { HELP_WIDTH, wrapText } from '../output/table.js';

export interface SimCommandOptions {
  readonly flash?: string;
  readonly flashSize?: string;
  readonly rbb?: number;
  readonly jedecId?: number;
  readonly gdb?: number;
  readonly scenario?: string;
  readonly tableOffset?: number;
  readonly persist?: boolean;
  readonly halted?: boolean;
  readonly verbose?: boolean;
  readonly romElf?: string;
}

export interface RunningSim {
  readonly sim: SimulatedEsp32c3;
  readonly gdb?: GdbServerHandle;
  readonly rbb?: RemoteBitbangServer;
  close(): Promise<void>;
}

/** The OpenOCD configuration for --rbb, as a path that works from the working folder. */
const openocdConfig = (): string => shippedFilePath('config/openocd-esp32c3-sim.cfg');

function scenarioHelp(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length));
  return SCENARIOS.map((s) => `  ${s.name.padEnd(width)}  ${wrapText(s.description, HELP_WIDTH, width + 4)}`).join('\n');
}

/** Boot, print what was booted, start the GDB server if asked. The caller keeps the process alive. */
export async function startSim(options: SimCommandOptions, io: CliIo = processIo()): Promise<RunningSim> {
  if (options.gdb !== undefined && options.rbb !== undefined) {
    throw new CliInputError('BAD_OPTIONS', '--gdb and --rbb both drive the CPU; choose one (OpenOCD on --rbb serves GDB itself)');
  }
  if (options.persist && options.flash === undefined) throw persistNeedsFlash();
  if (options.romElf !== undefined) checkOutputWritable(options.romElf);
  const flashFile = options.flash ?? DEMO_FLASH;
  // Read here, so that a missing or unreadable file is worded as for every other input file.
  const bytes = readSimFlashFile(options.flash);
  const sim = createSimulatedEsp32c3({
    flash: options.persist ? flashFile : bytes,
    // Shorter run slices keep JTAG round trips short when OpenOCD drives the chip.
    ...(options.rbb !== undefined ? { sliceInstructions: 20_000 } : {}),
    ...(options.flashSize ? { flashSize: parseFlashSize(options.flashSize) } : {}),
    ...(options.jedecId !== undefined ? { jedecId: options.jedecId } : {}),
    ...(options.scenario ? { scenario: options.scenario } : {}),
    ...(options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {}),
    persist: options.persist ?? false,
    run: !options.halted,
    output: (text) => io.out(text),
    ...(options.verbose ? { log: (m: string) => io.err(`sim: ${m}\n`) } : {}),
  });
  const b = sim.boot;
  // The boot summary is printed once the servers listen: a port that is taken fails first, alone.
  const summary: string[] = [];
  const say = (line: string): void => void summary.push(line);
  const id = sim.flash.jedecId;
  say(`espalgo sim: ESP32-C3 with ${sim.flash.size >>> 20} MiB flash (JEDEC ${[id >>> 16, (id >>> 8) & 0xff, id & 0xff].map((x) => x.toString(16).padStart(2, '0')).join(' ')})${options.persist ? `, written through to ${flashFile}` : ''}\n`);
  say(b.partition && b.tableOffset !== null
    ? `  partition table at ${hex32(b.tableOffset)}; ${b.reason}\n` // the reason names the partition booted
    : `  ${b.reason}\n`);
  for (const m of b.mappings) {
    say(`  ${m.kind.toUpperCase()} ${hex32(m.vaddr)} ← flash ${hex32(m.flashOffset)} (${m.size} bytes, MMU entries ${m.firstEntry}..${m.firstEntry + m.entries - 1})\n`);
  }
  for (const l of b.loaded) say(`  RAM  ${hex32(l.address)} ← ${l.length} bytes\n`);
  say(`  entry ${hex32(b.entry)}, sp ${hex32(b.stackPointer)}; scenario: ${sim.scenario.name}\n`);
  sim.target.on((e) => {
    if (e.type === 'output') io.err(e.text);
  });

  let gdb: GdbServerHandle | undefined;
  let rbbServer: RemoteBitbangServer | undefined;
  try {
    if (options.romElf !== undefined) {
      writeOutputFile(options.romElf, simulatedRomElf(sim.chip));
      say(`  ROM symbols written to ${options.romElf}  (in gdb: add-symbol-file ${options.romElf})\n`);
    }
    if (options.gdb !== undefined) {
      const port = options.gdb;
      gdb = await startGdbServer(sim.target, {
        port,
        host: '127.0.0.1',
        memoryMapXml: generateMemoryMapXml(esp32c3MemoryRegions()),
        ...(options.verbose ? { log: (l: string) => io.err(`gdb: ${l}\n`) } : {}),
      }).catch((error: unknown) => {
        throw new CliInputError('SIM_GDB_LISTEN', (error as Error).message);
      });
      const symbols = options.romElf !== undefined ? `-ex "add-symbol-file ${options.romElf}" ` : '';
      say(`  GDB server listening on 127.0.0.1:${gdb.port}  (gdb-multiarch ${symbols}-ex "target extended-remote 127.0.0.1:${gdb.port}")\n`);
    }
    if (options.rbb !== undefined) {
      rbbServer = await startSimJtagServer(sim, { port: options.rbb });
      say(`  JTAG (remote_bitbang) on ${rbbServer.host}:${rbbServer.port}  (openocd -c "set RBB_PORT ${rbbServer.port}" -f ${openocdConfig()})\n`);
    }
  } catch (error) {
    // A port that cannot be served (taken, say) or a ROM ELF that cannot be written: stop what was
    // started, or the process runs on.
    await gdb?.close();
    await sim.close();
    throw error;
  }
  for (const line of summary) io.out(line);
  for (const w of b.warnings) io.err(`  warning: ${w}\n`);
  io.out(`  ${options.halted ? 'halted at the app entry' : 'running'}; Ctrl-C stops the simulator\n`);
  return {
    sim,
    ...(gdb ? { gdb } : {}),
    ...(rbbServer ? { rbb: rbbServer } : {}),
    close: async () => {
      await gdb?.close();
      await rbbServer?.close();
      await sim.close();
    },
  };
}

/** --jedec-id: the three bytes the flash chip answers to 9Fh (manufacturer, type, capacity). */
function jedecIdOption(value: string): number {
  const n = numberOption('--jedec-id', '0xEF4016')(value);
  if (n > 0xffffff) throw new InvalidArgumentError(`--jedec-id ${value} has more than the 3 bytes of a JEDEC id (0xMMTTCC, e.g. 0xEF4016)`);
  return n;
}

export function registerSim(program: Command): void {
  const cmd = program
    .command('sim')
    .description('boot a simulated ESP32-C3 from a flash image; optionally serve it to GDB on 127.0.0.1')
    .option('--flash <file>', 'flash image (byte 0 = flash 0x0: bootloader, partition table, apps); default: the demo firmware')
    .option('--flash-size <size>', 'flash chip size, 1MB–16MB (default: 4MB or the image size rounded up)')
    .option('--jedec-id <id>', 'JEDEC id as 0xMMTTCC (default 0xEF40xx with the size code)', jedecIdOption)
    .option('--gdb <port>', 'serve the chip over the GDB remote protocol on 127.0.0.1:PORT (0 = any free port)', portOption('--gdb'))
    .option('--rbb <port>', `serve JTAG for OpenOCD (remote_bitbang) on 127.0.0.1:PORT; use ${openocdConfig()}`, portOption('--rbb'))
    .option('--scenario <name>', 'state the app leaves the chip in (see below)', 'normal')
    .option('--table-offset <offset>', 'partition table offset', tableOffsetValue())
    .option('--persist', 'write flash changes back into the --flash file as they happen; the file becomes the whole flash (padded with 0xFF to its size; default: the file is only read)')
    .option('--halted', 'stay halted at the app entry instead of running; GDB clients and espalgo tools (flash write --target, call, probe) leave it halted when they detach, so GDB can start from the first instruction')
    .option('--rom-elf <file>', 'write the ROM\'s function symbols as an ELF file for gdb (add-symbol-file FILE): bt and finish work inside ROM functions')
    .option('--verbose', 'log unmodelled peripheral accesses, flash protocol notes and GDB packets to stderr')
    .addHelpText('after', `\nScenarios:\n${scenarioHelp()}\n\nExit codes: 0 stopped by Ctrl-C or SIGTERM, its normal end (a --persist file holds every change as\n            it happens), 2 nothing started (a flash file, option or port the simulator cannot use).\n\nExamples:\n  $ espalgo sim --gdb 3333 --scenario issue-366        demo firmware, GDB server on 127.0.0.1:3333\n  $ espalgo sim --flash my-flash.bin --gdb 3333\n  $ espalgo sim --gdb 3333 --rom-elf rom.elf           then in gdb: add-symbol-file rom.elf\n  $ espalgo sim --rbb 9824 &                           JTAG for OpenOCD, then:\n  $ openocd -c "set RBB_PORT 9824" -f ${openocdConfig()}   (GDB on 3333 via OpenOCD)\n`)
    .action(async (opts: SimCommandOptions) => {
      const io = processIo();
      let running: RunningSim;
      try {
        running = await startSim(opts, io);
      } catch (err) {
        // Nothing runs: a flash file, option or port the simulator cannot use is bad input.
        io.err(`espalgo sim: ${(err as Error).message}\n`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      await new Promise<void>((resolve) => {
        // A halted chip with no server to serve leaves Node nothing to wait for: without this
        // timer the process would end at once (exit 13) instead of at Ctrl-C.
        const keepAlive = setInterval(() => undefined, 1 << 30);
        const stop = (): void => {
          clearInterval(keepAlive);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      io.out('\nespalgo sim: stopping\n');
      await running.close();
    });
  exitTwoOnUsageErrors(cmd);
}
