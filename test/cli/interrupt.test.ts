// Ctrl-C on a target behind a GDB server: a flash write stops between two stub calls, a call is
// halted, a probe or an ota selection finishes first; the target is given back (registers and RAM
// restored, program resumed) before the command exits 130.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveSim } from '../gdb/sim-server.js';
import type { SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { stubImageToJson, type StubImage } from '../../src/algorithm/index.js';
import { firmwareSymbol, FIRMWARE } from '../algorithm/sim-fixture.js';
import { assemble, jal, lui, sw } from '../sim/hart/encode.js';
import { runCliAsync, tempDir } from './helpers.js';

const IRAM = 0x40380000;
const DATA = 0x3fc84000;

type Sim = SimulatedEsp32c3;

const wordAt = async (sim: Sim, address: number): Promise<number> => new DataView((await sim.target.readMemory(address, 4)).buffer).getUint32(0, true);

/** The firmware's heartbeat advances and its self-check finds its RAM intact. */
async function assertFirmwareRunsOn(sim: Sim): Promise<void> {
  const word = (name: string) => wordAt(sim, firmwareSymbol(name));
  const beat = await word('demo_heartbeat');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok((await word('demo_heartbeat')) > beat, 'the firmware runs on');
  assert.equal(await word('demo_selfcheck_failures'), 0, 'its RAM was given back intact');
}

/** The CLI from source in a child process, its stdout and stderr collected as they come. */
function startCli(args: string[]): { child: ChildProcess; out: { stdout: string; stderr: string }; closed: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => void (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (out.stderr += d.toString()));
  return { child, out, closed: new Promise((resolve) => child.on('close', resolve)) };
}

test('Ctrl-C during flash write --target HOST:PORT stops at the next step, gives the target back and exits 130', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data.bin');
  writeFileSync(data, Uint8Array.from({ length: 0x200000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff));
  const { sim, port } = await serveSim(t, { flash: FIRMWARE });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flash', 'write', data, '0x100000', '--target', `127.0.0.1:${port}`, '--timeout-scale', '10', '--json', '--no-compress', '--mode', 'calls'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!interrupted && /"phase":"write","state":"progress"/.test(stdout)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(interrupted, `the write reached its programming phase: ${stderr}`);
  assert.equal(code, 130, stderr);
  const last = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { ok: boolean; code: string; error: string };
  assert.deepEqual([last.ok, last.code], [false, 'FLASH_INTERRUPTED']);
  assert.match(last.error, /interrupted during the write from 0x[0-9a-f]{8}, \d+ of \d+ bytes done.*run the same command again/);
  assert.match(stderr, /stopping after the current step, then giving the target back/);
  assert.equal(sim.target.state(), 'running', 'the program was resumed');
  await assertFirmwareRunsOn(sim);
});

test('Ctrl-C during call --target HOST:PORT halts the routine, restores the target, resumes the program and exits 130', async (t) => {
  const dir = tempDir(t);
  // Writes a marker into its data word (the firmware's own RAM), then loops forever.
  const [T0, T1] = [5, 6];
  const code = assemble([lui(T0, DATA >>> 12), lui(T1, 0xca11e), sw(T1, T0, 0), jal(0, 0)]);
  const image: StubImage = {
    name: 'marker-spin',
    architecture: 'riscv32',
    entry: IRAM,
    segments: [{ address: IRAM, bytes: code, executable: true }, { address: DATA, bytes: new Uint8Array(4), executable: false }],
    bss: [],
    stackSize: 256,
    symbols: {},
  };
  const stub = join(dir, 'spin.json');
  writeFileSync(stub, JSON.stringify(stubImageToJson(image)));
  const { sim, port } = await serveSim(t, { flash: FIRMWARE });
  const readWord = (address: number) => wordAt(sim, address);
  const before = await readWord(DATA);
  const { child, out, closed } = startCli(['call', '--image', stub, '--target', `127.0.0.1:${port}`, '--chip', 'esp32c3', '--timeout', '60000', '--json']);
  // The routine runs once its marker is in RAM: interrupt it then.
  let running = false;
  for (let i = 0; i < 600 && !running && child.exitCode === null; i++) {
    running = (await readWord(DATA)) === 0xca11e000;
    if (!running) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(running, `the routine ran: ${out.stderr}`);
  child.kill('SIGINT');
  const exit = await closed;
  assert.equal(exit, 130, out.stderr);
  const last = JSON.parse(out.stdout.trimEnd().split('\n').at(-1)!) as { ok: boolean; code: string; context: { restored: boolean } };
  assert.deepEqual([last.ok, last.code, last.context.restored], [false, 'ALGO_INTERRUPTED', true]);
  assert.match(out.stderr, /interrupted: halting the call, then giving the target back/);
  assert.match(out.stderr, /marker-spin was interrupted; halted it at pc 0x4038000c; the target state was restored\. \[ALGO_INTERRUPTED\]/);
  assert.equal(sim.target.state(), 'running', 'the program was resumed');
  assert.equal(await readWord(DATA), before, 'the RAM the routine wrote was given back');
  await assertFirmwareRunsOn(sim);
});

/** Run the CLI with `args`; once it has attached (the served chip halted), Ctrl-C it. */
async function interruptOnceAttached(sim: Sim, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; interrupted: boolean }> {
  const { child, out, closed } = startCli(args);
  let interrupted = false;
  for (let i = 0; i < 1500 && child.exitCode === null; i++) {
    if (sim.target.state() === 'halted') {
      await new Promise((r) => setTimeout(r, 20)); // into the work on the target
      interrupted = child.kill('SIGINT');
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { code: await closed, ...out, interrupted };
}

test('Ctrl-C during probe --target HOST:PORT: the probe finishes, the target is given back (RAM restored, program resumed), exit 130', { timeout: 120_000 }, async (t) => {
  const { sim, port } = await serveSim(t, { flash: FIRMWARE });
  const r = await interruptOnceAttached(sim, ['probe', '--target', `127.0.0.1:${port}`, '--chip', 'esp32c3', '--json']);
  assert.ok(r.interrupted, `the probe attached: ${r.stderr}`);
  if (r.code === 0) return; // it had finished before the signal came: nothing to check
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted: finishing what is under way \(a few stub calls\), then giving the target back/);
  const report = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as { ok: boolean; size: { bytes: number } };
  assert.deepEqual([report.ok, report.size.bytes], [true, 0x400000], 'the probe finished and said what it found');
  await new Promise((res) => setTimeout(res, 50)); // the connection's close reaches the server
  assert.equal(sim.target.state(), 'running', 'the program was resumed');
  await assertFirmwareRunsOn(sim);
});

test('Ctrl-C during ota --select --target HOST:PORT: the selection is finished and checked, the target given back, exit 130', { timeout: 120_000 }, async (t) => {
  const { sim, port } = await serveSim(t, { flash: 'firmware/build/demo-ota.bin' });
  const target = ['--target', `127.0.0.1:${port}`, '--chip', 'esp32c3', '--json'];
  const r = await interruptOnceAttached(sim, ['ota', '--select', 'ota_0', ...target]);
  assert.ok(r.interrupted, `ota attached: ${r.stderr}`);
  if (r.code !== 0) {
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted: finishing what is under way/);
  }
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(sim.target.state(), 'running', 'the program was resumed, not left in the stub');
  const pc = await sim.target.halt().then(() => sim.target.readRegister('pc'));
  assert.ok(pc >= 0x42000000 && pc < 0x42800000, `the program runs its own code (pc ${pc.toString(16)})`);
  await sim.target.resume();
  // The selection was written whole: the bootloader now starts ota_0.
  const after = await runCliAsync(['ota', ...target]);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual((JSON.parse(after.stdout) as { boots: unknown }).boots, { label: 'ota_0', offset: '0x00010000' }, 'before the run the bootloader started ota_1');
});
