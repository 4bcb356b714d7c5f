/**
 * Real OpenOCD 0.12 (`riscv` target, `remote_bitbang` adapter, config/openocd-esp32c3-sim.cfg)
 * against the simulator's JTAG front end, then gdb-multiarch through OpenOCD's GDB server.
 *
 * The hart runs a counter loop in SRAM (see test/sim/jtag/counter-fixture.ts). Checks: the TAP
 * and IDCODE, the examined hart (XLEN 32, misa), a log without warnings or errors; then halt,
 * registers, single steps, memory read and write while the hart runs, memory write while halted,
 * a hardware breakpoint (a trigger) that is hit, and `reset halt` (ndmreset with haltreq); then
 * the configuration's gdb-attach/gdb-detach handlers: gdb's attach halts the hart, and its detach
 * resumes a hart found running and leaves one found halted halted.
 *
 * Warnings accepted in the log: none. (The fence.i warning of a DM without program buffer does
 * not appear because the simulated DM has progbufsize 16, as the ESP32-C3 does.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../free-ports.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createJtagDebugModule, startRemoteBitbangServer } from '../../src/sim/jtag/index.js';
import { counterMachine, COUNTER_ADDRESS, LOOP_ADDRESS, PROGRAM_ADDRESS, STORE_ADDRESS } from '../../test/sim/jtag/counter-fixture.js';

const CONFIG = resolve('config/openocd-esp32c3-sim.cfg');
const TOOLS = ['openocd', 'gdb-multiarch'];

function missingTools(): string[] {
  return TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}

const missing = missingTools();
if (missing.length > 0 && process.env.CI === 'true') {
  throw new Error(`peer tools missing under CI: ${missing.join(', ')}; install with apt-get install openocd gdb-multiarch`);
}

interface Proc {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': the output (read once it has exited) may still sit in the pipe.
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, output: () => out, exited };
}

function stop(p: Proc): void {
  if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined) process.kill(p.child.pid, 'SIGTERM');
}

/** OpenOCD with the simulator's configuration on the JTAG link at `rbbPort`, once its GDB port listens. */
async function startOpenocd(rbbPort: number, gdbPort: number): Promise<Proc> {
  const ocd = start('openocd', [
    '-c', `set RBB_PORT ${rbbPort}; set GDB_PORT ${gdbPort}; set TELNET_PORT disabled; set TCL_PORT disabled`,
    '-f', CONFIG,
  ]);
  await waitFor('openocd start-up', ocd, new RegExp(`Listening on port ${gdbPort} for gdb connections`), 10_000);
  return ocd;
}

/** Stop gdb and OpenOCD (OpenOCD killed if it does not exit within 5 s), then the JTAG link. */
async function shutDown(gdb: Proc | undefined, ocd: Proc | undefined, rbb: { close(): Promise<void> }, jtag: { close(): void }): Promise<void> {
  if (gdb) stop(gdb);
  if (ocd) {
    stop(ocd);
    await withTimeout('openocd exit', ocd.exited, 5_000).catch(() => {
      if (ocd.child.pid !== undefined && ocd.child.exitCode === null) process.kill(ocd.child.pid, 'SIGKILL');
    });
  }
  await rbb.close();
  jtag.close();
}

async function waitFor(what: string, p: Proc, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(p.output())) {
    if (p.child.exitCode !== null) throw new Error(`${what}: process exited early:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${timeoutMs} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const hex = (n: number): string => n.toString(16);

test('OpenOCD examines the simulated ESP32-C3 over remote_bitbang and gdb debugs it through OpenOCD', { skip: missing.length > 0 ? `missing ${missing.join(', ')}` : false, timeout: 30_000 }, async () => {
  const machine = counterMachine();
  const jtag = createJtagDebugModule(machine.hart, machine.bus);
  const rbb = await startRemoteBitbangServer(jtag.dm, { port: 0 });
  const gdbPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-ocd-'));
  let ocd: Proc | undefined;
  let gdb: Proc | undefined;
  try {
    ocd = await startOpenocd(rbb.port, gdbPort);
    const startLog = ocd.output();
    assert.match(startLog, /JTAG tap: esp32c3\.cpu tap\/device found: 0x00005c25 \(mfg: 0x612 .*part: 0x0005, ver: 0x0\)/);
    assert.match(startLog, /datacount=2 progbufsize=16/);
    assert.match(startLog, /Examined RISC-V core; found 1 harts/);
    assert.match(startLog, /hart 0: XLEN=32, misa=0x40101104/);
    assert.equal(machine.hart.halted, false, 'examine leaves a running hart running');

    // GDB has no symbols here; without memory regions it would scan for a prologue from address 0
    // (unmapped on the C3) and OpenOCD would log failed reads. The regions are the C3 SRAM windows.
    const script = [
      'set confirm off',
      'set pagination off',
      'mem 0x3fc7c000 0x3fce0000 rw',
      'mem 0x4037c000 0x403e0000 rw',
      'set mem inaccessible-by-default on',
      `target extended-remote 127.0.0.1:${gdbPort}`,
      'monitor halt',
      'printf "HALTED pc=%x a0=%x\\n", $pc, $a0',
      `set $pc = 0x${hex(LOOP_ADDRESS)}`,
      'stepi',
      'printf "STEP1 pc=%x a1=%x counter=%x\\n", $pc, $a1, *(unsigned int*)0x3fc90000',
      'stepi',
      'stepi',
      'printf "STEP3 pc=%x a1=%x counter=%x\\n", $pc, $a1, *(unsigned int*)0x3fc90000',
      `set *(unsigned int*)0x${hex(COUNTER_ADDRESS)} = 0x1000`,
      'printf "WROTE counter=%x\\n", *(unsigned int*)0x3fc90000',
      'monitor resume',
      `monitor mdw 0x${hex(COUNTER_ADDRESS)}`,
      'shell sleep 0.2',
      `monitor mdw 0x${hex(COUNTER_ADDRESS)}`,
      `monitor mww 0x${hex(COUNTER_ADDRESS)} 0x7000000`,
      'shell sleep 0.1',
      `monitor mdw 0x${hex(COUNTER_ADDRESS)}`,
      'monitor halt',
      `hbreak *0x${hex(STORE_ADDRESS)}`,
      'continue',
      'printf "HIT pc=%x\\n", $pc',
      'delete',
      'monitor reset halt',
      'flushregs',
      'printf "RESET pc=%x a0=%x\\n", $pc, $a0',
      'detach',
    ].join('\n');
    const scriptPath = join(dir, 'session.gdb');
    writeFileSync(scriptPath, script + '\n');
    gdb = start('gdb-multiarch', ['-batch', '-nx', '-x', scriptPath]);
    const code = await withTimeout('gdb session', gdb.exited, 20_000);
    const out = gdb.output();
    assert.equal(code, 0, out);

    const halted = /HALTED pc=([0-9a-f]+) a0=([0-9a-f]+)/.exec(out);
    assert.ok(halted, out);
    assert.equal(parseInt(halted[2]!, 16), COUNTER_ADDRESS, 'a0 holds the counter address');
    const step1 = /STEP1 pc=([0-9a-f]+) a1=([0-9a-f]+) counter=([0-9a-f]+)/.exec(out);
    assert.ok(step1, out);
    assert.equal(parseInt(step1[1]!, 16), LOOP_ADDRESS + 4, 'one instruction stepped');
    assert.equal(parseInt(step1[2]!, 16), parseInt(step1[3]!, 16), 'lw loaded the counter into a1');
    const step3 = /STEP3 pc=([0-9a-f]+) a1=([0-9a-f]+) counter=([0-9a-f]+)/.exec(out);
    assert.ok(step3, out);
    assert.equal(parseInt(step3[1]!, 16), STORE_ADDRESS + 4);
    assert.equal(parseInt(step3[3]!, 16), parseInt(step1[3]!, 16) + 1, 'addi + sw stored counter + 1');
    assert.match(out, /WROTE counter=1000\b/);

    // Memory read while running: two reads 200 ms apart differ, both above the value written.
    const reads = [...out.matchAll(/0x3fc90000: ([0-9a-f]{8})/g)].map((m) => parseInt(m[1]!, 16));
    assert.equal(reads.length, 3, out);
    assert.ok(reads[0]! >= 0x1000 && reads[1]! > reads[0]!, `counter advanced while running: ${reads.map(hex).join(', ')}`);
    assert.ok(reads[2]! >= 0x7000000 && reads[2]! < 0x7000000 + 0x1000000, `write while running took effect: ${hex(reads[2]!)}`);

    assert.match(out, /Hardware assisted breakpoint 1 at 0x40380014/);
    assert.match(out, /Breakpoint 1, 0x40380014 in \?\? \(\)/);
    assert.match(out, new RegExp(`HIT pc=${hex(STORE_ADDRESS)}\\b`));
    assert.match(out, new RegExp(`RESET pc=${hex(PROGRAM_ADDRESS)} a0=0\\b`), 'reset halt: at the reset vector, registers cleared');

    await waitFor('gdb disconnect', ocd, /dropped 'gdb' connection/, 5_000);
    const log = ocd.output();
    assert.match(log, /Found 8 triggers/);
    const problems = log.split('\n').filter((l) => /^(Warn|Error)\b/.test(l));
    assert.deepEqual(problems, [], `OpenOCD log:\n${log}`);
    assert.equal(machine.hart.halted, false, 'detach resumed the hart');
  } finally {
    await shutDown(gdb, ocd, rbb, jtag);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gdb client through OpenOCD leaves a hart it found halted halted (the configuration\'s gdb-attach/gdb-detach handlers)', { skip: missing.length > 0 ? `missing ${missing.join(', ')}` : false, timeout: 30_000 }, async () => {
  const machine = counterMachine({ halted: true });
  const jtag = createJtagDebugModule(machine.hart, machine.bus);
  const rbb = await startRemoteBitbangServer(jtag.dm, { port: 0 });
  const gdbPort = await freePort();
  let ocd: Proc | undefined;
  let gdb: Proc | undefined;
  try {
    ocd = await startOpenocd(rbb.port, gdbPort);
    assert.equal(machine.hart.halted, true, 'examine leaves a halted hart halted');
    const counter = machine.counter();
    gdb = start('gdb-multiarch', ['-batch', '-nx',
      '-ex', 'set confirm off', '-ex', 'set architecture riscv:rv32',
      '-ex', `target extended-remote 127.0.0.1:${gdbPort}`,
      '-ex', 'printf "FOUND pc=%x\\n", $pc',
      '-ex', 'detach']);
    const code = await withTimeout('gdb session', gdb.exited, 20_000);
    const out = gdb.output();
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`FOUND pc=${hex(PROGRAM_ADDRESS)}\\b`), 'halted at the reset vector');
    await waitFor('gdb disconnect', ocd, /dropped 'gdb' connection/, 5_000);
    await new Promise((r) => setTimeout(r, 300)); // time enough for a resume to show, were there one
    assert.equal(machine.hart.halted, true, 'detach left the hart halted');
    assert.equal(machine.hart.pc, PROGRAM_ADDRESS, 'where it was');
    assert.equal(machine.counter(), counter, 'the program has not run');
    const problems = ocd.output().split('\n').filter((l) => /^(Warn|Error)\b/.test(l));
    assert.deepEqual(problems, [], `OpenOCD log:\n${ocd.output()}`);
  } finally {
    await shutDown(gdb, ocd, rbb, jtag);
  }
});
