/**
 * The simulated user chain (espalgo → OpenOCD's GDB server → remote_bitbang JTAG → simulated
 * ESP32-C3) next to the short one (espalgo → the simulator's own GDB server), in one run: time per
 * 4-byte memory read, time per 64 KiB memory write, and the remote_bitbang bytes each costs.
 * Each simulator runs the demo firmware in its own process (`espalgo sim`), as a user would run
 * it; the remote_bitbang bytes are counted by a pass-through proxy in this process.
 *
 *   npx tsx bench/openocd-link.bench.ts [reads]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server } from 'node:net';
import { resolve } from 'node:path';
import { connectRemote, type RemoteTarget } from '../src/gdb/index.js';
import { GDB, OPENOCD, missingTools } from '../test-peers/openocd/chain.js';
import { freePort } from '../test-peers/free-ports.js';
import { median } from './stats.js';

const READS = Math.max(20, Number(process.argv[2] ?? 200) | 0);
const SCRATCH = 0x3fca0000;
const BLOCK = 64 * 1024;

if (missingTools([OPENOCD, GDB])) {
  console.error('needs openocd and gdb-multiarch');
  process.exit(2);
}

async function startProcess(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop(child);
      throw new Error(`${cmd} did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
}

const sim = (args: string[]) =>
  startProcess(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), 'sim', ...args], /running; Ctrl-C/);

/** A TCP pass-through that counts the bytes in both directions. */
function countingProxy(port: number, to: number): Promise<{ server: Server; bytes: () => number }> {
  let bytes = 0;
  const server = createServer((a) => {
    a.setNoDelay(true);
    const b = connect({ host: '127.0.0.1', port: to }, () => b.setNoDelay(true));
    a.on('data', (d) => {
      bytes += d.length;
      b.write(d);
    });
    b.on('data', (d) => {
      bytes += d.length;
      a.write(d);
    });
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r({ server, bytes: () => bytes })));
}

async function measure(target: RemoteTarget, traffic?: () => number) {
  const data = Uint8Array.from({ length: BLOCK }, (_, i) => (i * 131 + 7) & 0xff);
  for (let i = 0; i < 5; i++) await target.readMemory(SCRATCH, 4);
  const t: number[] = [];
  const b0 = traffic?.() ?? 0;
  for (let i = 0; i < READS; i++) {
    const t0 = performance.now();
    await target.readMemory(SCRATCH + (i % 64) * 4, 4);
    t.push(performance.now() - t0);
  }
  const readBytes = ((traffic?.() ?? 0) - b0) / READS;
  const b1 = traffic?.() ?? 0;
  const w0 = performance.now();
  await target.writeMemory(SCRATCH, data);
  const writeMs = performance.now() - w0;
  const writeBytes = (traffic?.() ?? 0) - b1;
  const back = await target.readMemory(SCRATCH, BLOCK);
  if (!back.every((v, i) => v === data[i])) throw new Error('64 KiB write did not read back');
  return { readMs: median(t), readBytes, writeMs, writeBytes };
}

// Short chain: espalgo → espalgo sim --gdb.
const gdbPort = await freePort();
const direct = await sim(['--gdb', String(gdbPort)]);
let short;
try {
  const target = await connectRemote('127.0.0.1', gdbPort, { timeoutMs: 20_000 });
  await target.resume();
  short = await measure(target);
  await target.close();
} finally {
  stop(direct);
}

// Long chain: espalgo → OpenOCD → (counting proxy) → espalgo sim --rbb.
const [rbbPort, proxyPort, ocdGdb, telnet, tcl] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
const jtagSim = await sim(['--rbb', String(rbbPort)]);
const proxy = await countingProxy(proxyPort, rbbPort);
let long;
let openocd: ChildProcess | undefined;
try {
  openocd = await startProcess(OPENOCD, [
    '-c', `set RBB_PORT ${proxyPort}; set GDB_PORT ${ocdGdb}; set TELNET_PORT ${telnet}; set TCL_PORT ${tcl}`,
    '-f', resolve('config/openocd-esp32c3-sim.cfg'),
  ], /Listening on port \d+ for gdb connections/);
  const target = await connectRemote('127.0.0.1', ocdGdb, { chip: 'esp32c3', timeoutMs: 20_000 });
  await target.resume();
  long = await measure(target, proxy.bytes);
  await target.close();
} finally {
  if (openocd) stop(openocd);
  proxy.server.close();
  stop(jtagSim);
}

const kbps = (ms: number) => (BLOCK / 1024 / (ms / 1000)).toFixed(0);
console.log(`firmware running on both simulators; ${READS} reads, one ${BLOCK / 1024} KiB write each`);
console.log(`                                  4-byte read (median)     64 KiB write`);
console.log(`simulator's own GDB server        ${short.readMs.toFixed(3).padStart(8)} ms              ${short.writeMs.toFixed(1).padStart(7)} ms (${kbps(short.writeMs)} KiB/s)`);
console.log(`OpenOCD → JTAG (remote_bitbang)   ${long.readMs.toFixed(3).padStart(8)} ms              ${long.writeMs.toFixed(1).padStart(7)} ms (${kbps(long.writeMs)} KiB/s)`);
console.log(`ratio OpenOCD / direct            ${(long.readMs / short.readMs).toFixed(1).padStart(8)}x               ${(long.writeMs / short.writeMs).toFixed(1).padStart(7)}x`);
console.log(`remote_bitbang traffic            ${long.readBytes.toFixed(0).padStart(8)} bytes/read       ${(long.writeBytes / 1e6).toFixed(2)} MB for 64 KiB (${(long.writeBytes / BLOCK).toFixed(0)} bytes per byte written)`);
