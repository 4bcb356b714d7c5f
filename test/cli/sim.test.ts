// `espalgo sim` from the command line: a start that fails stops the simulator and exits 2; --rom-elf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.js';
import { startSim } from '../../src/cli/commands/sim.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { DEMO_FLASH } from '../../src/cli/target-connect.js';
import { findSymbol, parseElf } from '../../src/image/elf.js';

test('sim --gdb on a port that is taken, or no port at all: one line, exit 2, and the process ends (the simulator is not left running)', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  for (const [option, what] of [['--gdb', 'GDB'], ['--rbb', 'remote_bitbang']]) {
    const r = runCli(['sim', option, String(port)]);
    assert.equal(r.code, 2, `${option}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^espalgo sim: cannot listen for ${what} on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE.*; pick another port \\(0 chooses a free one\\)\\n$`));
    assert.equal(r.stdout, '', 'no boot summary of a simulator that does not serve');
  }
  const bad = runCli(['sim', '--gdb', '70000']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--gdb must be a port number from 0 \(any free port\) to 65535/);
  const id = runCli(['sim', '--jedec-id', '0x1234567']);
  assert.equal(id.code, 2);
  assert.match(id.stderr, /--jedec-id 0x1234567 has more than the 3 bytes of a JEDEC id/);
});

test('a --flash file that is missing is worded as every missing input file, by sim, probe and flash', (t) => {
  const missing = join(tempDir(t), 'board.bin');
  for (const args of [['sim', '--flash', missing], ['probe', '--flash', missing], ['flash', 'read', '0', '4K', '-o', `${missing}.out`, '--flash', missing]]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, new RegExp(`^espalgo(?: sim)?: no such file: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`), args.join(' '));
  }
});

test('sim --rom-elf writes the ROM\'s symbols before serving and names the gdb command that loads them; a file it cannot write is refused before booting', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rom.elf');
  const io = memoryIo();
  const running = await startSim({ gdb: 0, romElf: file }, io);
  try {
    const elf = parseElf(new Uint8Array(readFileSync(file)));
    assert.equal(findSymbol(elf, 'esp_rom_spiflash_read')?.value, 0x40000130);
    assert.match(io.stdout(), new RegExp(`ROM symbols written to ${file}  \\(in gdb: add-symbol-file ${file}\\)\n`));
    assert.match(io.stdout(), new RegExp(`gdb-multiarch -ex "add-symbol-file ${file}" -ex "target extended-remote 127\\.0\\.0\\.1:${running.gdb!.port}"`));
  } finally {
    await running.close();
  }
  assert.deepEqual(readdirSync(dir), ['rom.elf'], 'no temporary file left beside it');

  for (const [path, why] of [[join(dir, 'no-such-folder', 'rom.elf'), 'no folder'], [dir, 'it is a folder']] as const) {
    const r = runCli(['sim', '--gdb', '0', '--rom-elf', path]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '', 'nothing booted');
    assert.match(r.stderr, new RegExp(`^espalgo sim: cannot write ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${why}`));
  }
  assert.ok(!existsSync(join(dir, 'no-such-folder')));
});

/** `espalgo sim ARGS` from source in a child process; `ready` resolves once it says how to stop it. */
function spawnSim(args: string[]): { ready: Promise<string>; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let started: (text: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (started = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('Ctrl-C stops the simulator')) started(stdout);
  });
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      started(stdout);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { ready, ended, kill: (signal) => void child.kill(signal) };
}

test('sim --halted with no server runs until Ctrl-C or SIGTERM, then exits 0 (it does not end at once)', async () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const sim = spawnSim(['--halted']);
    await sim.ready;
    const early = await Promise.race([sim.ended, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500))]);
    assert.equal(early, undefined, `still running half a second after it started: ${JSON.stringify(early)}`);
    sim.kill(signal);
    const r = await sim.ended;
    assert.equal(r.code, 0, `${signal}: ${r.stderr}`);
    assert.match(r.stdout, /halted at the app entry; Ctrl-C stops the simulator\n\nespalgo sim: stopping\n$/);
  }
});

test('sim --help names its exit codes: 0 for its normal stop by signal, 2 when nothing started', () => {
  const r = runCli(['sim', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nExit codes: 0 stopped by Ctrl-C or SIGTERM, its normal end [^]*, 2 nothing started \(a flash file, option or port the simulator cannot use\)\.\n\nExamples:/);
});

test('sim --persist without --flash is refused before booting: it would write into the shipped demo firmware', () => {
  const before = statSync(DEMO_FLASH).mtimeMs;
  const r = runCli(['sim', '--persist', '--gdb', '0']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '', 'nothing booted');
  assert.equal(r.stderr, 'espalgo sim: --persist needs --flash FILE: it writes the changes back into that file (the demo firmware is never changed)\n');
  assert.equal(statSync(DEMO_FLASH).mtimeMs, before);
});

test('sim --rbb prints an OpenOCD command line whose configuration path works from the folder it runs in', async (t) => {
  const elsewhere = tempDir(t);
  const home = process.cwd();
  for (const folder of [home, elsewhere]) {
    process.chdir(folder);
    try {
      const io = memoryIo();
      const running = await startSim({ rbb: 0, halted: true }, io);
      await running.close();
      const cfg = /openocd -c "set RBB_PORT \d+" -f (\S+)\)/.exec(io.stdout())?.[1];
      assert.ok(cfg !== undefined, io.stdout());
      assert.ok(existsSync(cfg), `${cfg} is there from ${folder}`);
      assert.ok(cfg.endsWith(join('config', 'openocd-esp32c3-sim.cfg')));
    } finally {
      process.chdir(home);
    }
  }
});

test('sim --flash with an empty file says it is empty (exit 2), not that the partition table is elsewhere; an ELF is refused', (t) => {
  const empty = join(tempDir(t), 'empty.bin');
  writeFileSync(empty, new Uint8Array(0));
  for (const extra of [[], ['--persist']]) {
    const r = runCli(['sim', '--flash', empty, ...extra]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `espalgo sim: ${empty} is empty: give a flash image (byte 0 = flash 0x0: bootloader, partition table, apps)\n`);
  }
  assert.equal(statSync(empty).size, 0, 'left as it was');
  // the same for the commands that boot the simulator with --target sim
  const probe = runCli(['probe', '--flash', empty]);
  assert.equal(probe.code, 2);
  assert.match(probe.stderr, /empty\.bin is empty: give a flash image/);
  const elf = runCli(['sim', '--flash', 'firmware/build/espalgo-demo.elf']);
  assert.equal(elf.code, 2);
  assert.match(elf.stderr, /espalgo-demo\.elf is an ELF file \(a linked program\), not flash contents: .* boot the simulator from that\n$/);
});
