// The CLI wired through commander, run as a child process (stdout is a pipe, not a TTY).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExampleFlash } from '../../src/image/examples/index.js';
import { DEMO_FLASH } from '../../src/cli/target-connect.js';
import { runCli, runCliAsync, tempDir } from './helpers.js';

test('espalgo flash-map from the command line: exit 0, plain text, then exit 1 on an error finding', (t) => {
  const dir = tempDir(t);
  const ok = join(dir, 'esp32.bin');
  writeFileSync(ok, buildExampleFlash('esp32').bytes);
  const r = runCli(['flash-map', ok]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /factory/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const bad = join(dir, 'oversize.bin');
  writeFileSync(bad, buildExampleFlash('oversize-table').bytes);
  const r1 = runCli(['flash-map', bad, '--json']);
  assert.equal(r1.code, 1);
  assert.ok((JSON.parse(r1.stdout) as { findings: { code: string }[] }).findings.some((f) => f.code === 'TABLE_EXCEEDS_FLASH'));
});

test('every --json output is one JSON value per line on stdout (no pretty-printing: scripts read it line by line), the result with "ok"', async (t) => {
  const dir = tempDir(t);
  const flash = join(dir, 'ota.bin');
  writeFileSync(flash, buildExampleFlash('ota').bytes);
  const runs = [
    ['flash-map', flash],
    ['image', 'info', flash],
    ['explain', 'test/fixtures/openocd-logs/clean-era-b-esp32c3.log'],
    ['probe'],
    ['rom-probe', '--dry-run'],
    ['rom-probe', '--mode', 'both'],
    ['call', '--onboard', 'demo_onboard_sum', '1'],
    ['call', '--image', join(dir, 'missing.elf')],
    ['flash', 'read', '0x8000', '4K', '-o', join(dir, 'table.bin')],
  ];
  const results = await Promise.all(runs.map((args) => runCliAsync([...args, '--json'])));
  results.forEach((r, i) => {
    const what = runs[i]!.join(' ');
    assert.ok(r.stdout.endsWith('\n'), `${what}: output ends with a newline`);
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `${what}: each line is one JSON value: ${line.slice(0, 80)}`);
    // The result line says whether the command produced its result: ok true, or ok false with a code.
    const last = JSON.parse(lines.at(-1)!) as { ok?: unknown; code?: unknown };
    assert.equal(typeof last.ok, 'boolean', `${what}: "ok" in ${lines.at(-1)!.slice(0, 80)}`);
    if (last.ok === false) assert.equal(typeof last.code, 'string', what);
  });
});

test('usage errors exit 2 with one line on stderr; --help exits 0 and teaches', () => {
  const r = runCli(['flash-map', 'x.bin', '--table-offset', 'banana']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.equal(r.stdout, '');
  // With --json the usage error is also a JSON line on stdout, as every other failure is.
  for (const args of [['flash', 'read', '0', '4K', '--json'], ['probe', '--json', '--flash-size', '64Q'], ['flash-map', 'x.bin', '--json', '--fail-on', 'often']]) {
    const j = runCli(args);
    assert.equal(j.code, 2, args.join(' '));
    assert.equal(j.stderr.trimEnd().split('\n').length, 1, j.stderr);
    const line = JSON.parse(j.stdout) as { ok: boolean; code: string; error: string };
    assert.deepEqual([line.ok, line.code], [false, 'BAD_USAGE']);
    assert.ok(j.stderr.includes(line.error), `${line.error} is the error on stderr`);
  }
  // The flash group: no subcommand or an unknown one is bad input too.
  for (const args of [['flash'], ['flash', 'wrte', 'app.bin']]) {
    const g = runCli(args);
    assert.equal(g.code, 2, args.join(' '));
    assert.equal(g.stdout, '');
  }
  assert.match(runCli(['flash', 'wrte']).stderr, /^error: unknown command 'wrte'\n\(Did you mean write\?\) \(see: espalgo flash --help\)\n$/);
  // espalgo itself and the image group: an unknown command or option is a usage error like any other.
  for (const args of [['bogus'], ['--bogus'], ['image', 'bogus'], ['image', 'info', 'x.bin', '--bogus']]) {
    const u = runCli(args);
    assert.equal(u.code, 2, args.join(' '));
    assert.equal(u.stdout, '', args.join(' '));
    assert.equal(u.stderr.trimEnd().split('\n').length, 1, u.stderr);
    const uj = runCli([...args, '--json']);
    assert.equal(uj.code, 2, `${args.join(' ')} --json`);
    const line = JSON.parse(uj.stdout) as { ok: boolean; code: string; error: string };
    assert.deepEqual([line.ok, line.code], [false, 'BAD_USAGE'], args.join(' '));
    assert.ok(uj.stderr.includes(line.error), `${line.error} is the error on stderr`);
  }
  assert.match(runCli(['prob']).stderr, /^error: unknown command 'prob'\n\(Did you mean probe\?\) \(see: espalgo --help\)\n$/);
  for (const args of [[], ['image']]) {
    const g = runCli(args);
    assert.equal(g.code, 2, `espalgo ${args.join(' ')} (no command)`);
    assert.match(g.stderr, /Commands:/);
  }
  const h = runCli(['flash-map', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
  assert.match(h.stdout, /--table-offset/);
  const i = runCli(['image', 'info', '--help']);
  assert.equal(i.code, 0);
  assert.match(i.stdout, /espalgo image info/);
});

test('`espalgo help A B` is the help of the command A B, two levels down too; a word that names no command is an unknown command, and words after a command are never run', () => {
  const w = runCli(['help', 'flash', 'write']);
  assert.equal(w.code, 0);
  assert.match(w.stdout, /^Usage: espalgo flash write /);
  assert.match(w.stdout, /--no-verify/);
  assert.match(runCli(['help', 'image', 'info']).stdout, /^Usage: espalgo image info /);
  assert.match(runCli(['help', 'probe']).stdout, /^Usage: espalgo probe /);
  const u = runCli(['help', 'flash', 'wrte']);
  assert.equal(u.code, 2);
  assert.equal(u.stdout, '');
  assert.match(u.stderr, /^error: unknown command 'wrte'\n/);
  // The words after a command are ignored: this shows help and writes nothing.
  const r = runCli(['help', 'flash', 'erase', '0', '4K']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: espalgo flash erase /);
  assert.doesNotMatch(r.stdout + r.stderr, /Erased|erasing/i);
});

test('a reader that goes away (stdout closed, as `| head -1` does) does not kill a flash write: it finishes (the data is in the kept flash) and exits 0', async (t) => {
  const dir = tempDir(t);
  const flash = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, flash);
  const data = join(dir, 'data.bin');
  const bytes = Uint8Array.from({ length: 0x20000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
  writeFileSync(data, bytes);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flash', 'write', data, '0x100000', '--flash', flash, '--persist', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy()); // the first progress line, then the pipe closes
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
  const kept = readFileSync(flash);
  assert.ok(kept.subarray(0x100000, 0x120000).equals(bytes), 'the write completed');
});

test('Ctrl-C during a --persist write on the in-process simulator: exit 130 with a JSON line, the flash file as it was, not half-written', async (t) => {
  const dir = tempDir(t);
  const flash = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, flash);
  const original = readFileSync(flash);
  const data = join(dir, 'data.bin');
  const bytes = Uint8Array.from({ length: 0x300000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
  writeFileSync(data, bytes);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flash', 'write', data, '0x100000', '--flash', flash, '--persist', '--json', '--no-compress', '--mode', 'calls'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let interrupted = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // Programming has begun: interrupt it.
    if (!interrupted && /"phase":"write","state":"progress"/.test(stdout)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  assert.ok(interrupted, 'the write reached its programming phase');
  const kept = readFileSync(flash);
  if (code === 0) {
    // The write finished before the signal came: then the file is the whole written flash.
    assert.ok(kept.subarray(0x100000, 0x400000).equals(bytes));
  } else {
    assert.deepEqual([code, signal], [130, null], 'the interrupt is handled: exit 130, not killed by the signal');
    const last = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { ok: boolean; code: string; error: string };
    assert.deepEqual([last.ok, last.code], [false, 'FLASH_INTERRUPTED'], 'the JSON ends with the interruption');
    // What it says is what happened: nothing kept, the file as it was (not "the flash holds part of the change").
    assert.match(last.error, /^interrupted (during|at the end of) the write from 0x[0-9a-f]{8}.*\. Nothing of it was kept: .*board\.bin is left as it was; run the same command again$/);
    assert.ok(kept.equals(original), 'the file is as it was before the run');
    assert.deepEqual(readdirSync(dir).sort(), ['board.bin', 'data.bin'], 'no temporary file left beside it');
  }
});
