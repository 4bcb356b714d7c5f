/**
 * The user's whole chain without a board: espalgo's simulated ESP32-C3 serving JTAG over
 * remote_bitbang (in this process), Debian's OpenOCD driving it with config/openocd-esp32c3-sim.cfg,
 * and OpenOCD's GDB server on a free loopback port. OpenOCD is stopped by its process id.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { memoryIo } from '../../src/cli/output/io.js';
import { startSim, type RunningSim } from '../../src/cli/commands/sim.js';
import { freePort, freePorts } from '../free-ports.js';

export const OPENOCD = 'openocd';
export const GDB = 'gdb-multiarch';
const CONFIG = resolve('config/openocd-esp32c3-sim.cfg');

/** Peers missing here: fail under CI, skip otherwise. Returns a skip reason or undefined. */
export function missingTools(tools: readonly string[]): string | undefined {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length === 0) return undefined;
  if (process.env.CI === 'true') throw new Error(`peer tools missing under CI: ${missing.join(', ')} (apt-get install openocd gdb-multiarch)`);
  return `missing ${missing.join(', ')}`;
}

export interface Chain {
  readonly running: RunningSim;
  readonly gdbPort: number;
  readonly openocd: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/**
 * `romElf`: the simulator writes the ROM's symbols there first (sim --rom-elf). `openocdCommands`:
 * more OpenOCD commands, run after the configuration.
 */
export async function startChain(options: { flash?: string | undefined; scenario?: string; tableOffset?: number; romElf?: string; openocdCommands?: readonly string[] } = {}): Promise<Chain> {
  const rbbPort = await freePort();
  const running = await startSim(
    {
      ...(options.flash ? { flash: options.flash } : {}),
      rbb: rbbPort,
      ...(options.scenario ? { scenario: options.scenario } : {}),
      ...(options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {}),
      ...(options.romElf ? { romElf: options.romElf } : {}),
    },
    memoryIo(),
  );
  const [gdbPort, telnetPort, tclPort] = await freePorts(3);
  const openocd = spawn(OPENOCD, [
    '-c', `set RBB_PORT ${rbbPort}; set GDB_PORT ${gdbPort}; set TELNET_PORT ${telnetPort}; set TCL_PORT ${tclPort}`,
    '-f', CONFIG,
    ...(options.openocdCommands ?? []).flatMap((c) => ['-c', c]),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  openocd.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  openocd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async (): Promise<void> => {
    if (openocd.exitCode === null && openocd.signalCode === null && openocd.pid !== undefined) {
      const exited = new Promise((r) => openocd.once('exit', r));
      process.kill(openocd.pid, 'SIGTERM');
      const timer = setTimeout(() => openocd.pid !== undefined && process.kill(openocd.pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await running.close();
  };
  const deadline = Date.now() + 20_000;
  while (!/Listening on port \d+ for gdb connections/.test(log)) {
    if (openocd.exitCode !== null) {
      await running.close();
      throw new Error(`openocd exited early:\n${log}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`openocd did not open its GDB port within 20 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { running, gdbPort, openocd, log: () => log, stop };
}

/**
 * Run gdb-multiarch in batch mode with the given commands; resolves with its output. Asynchronous:
 * the simulator and its servers run in this process and must keep answering meanwhile.
 */
export function gdbBatch(commands: readonly string[], timeoutMs = 60_000): Promise<{ status: number | null; output: string }> {
  const args = ['-nx', '-batch'];
  for (const c of commands) args.push('-ex', c);
  return new Promise((resolvePromise) => {
    const child = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), timeoutMs);
    // 'close', not 'exit': the output may still sit in the pipe when the process has exited.
    child.once('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, output });
    });
  });
}
