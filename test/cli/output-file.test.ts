/**
 * Where a command's output file lands: a regular file is replaced whole, keeping its permissions; a
 * symbolic link is followed (the link stays); a FIFO is written to, not replaced; --svg may not
 * name the file flash-map reads; and standard output that does not take the output fails the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, openSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/cli/output/atomic-write.js';
import { runFlashMap } from '../../src/cli/commands/flash-map.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { tempDir } from './helpers.js';

test('a regular file is replaced with the new bytes and keeps its permissions; no temp file stays', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'out.bin');
  writeFileSync(file, 'old');
  chmodSync(file, 0o640);
  writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
  assert.equal(statSync(file).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(dir), ['out.bin']);
  writeFileAtomic(join(dir, 'new.bin'), 'x');
  assert.equal(statSync(join(dir, 'new.bin')).mode & 0o777, 0o666 & ~process.umask());
});

test('temp files a killed write left beside the file are removed by the next write: only ours, of ended processes, a minute old', (t) => {
  const dir = tempDir(t);
  const ended = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has ended
  const running = spawn('sleep', ['30']);
  t.after(() => running.kill());
  const old = (Date.now() - 5 * 60_000) / 1000;
  const leftover = `.out.bin.${ended}.1700000000000.tmp`;
  const kept = [
    `.out.bin.${running.pid!}.1700000000001.tmp`, // its process still runs: maybe a write in progress
    `.out.bin.${ended}.1700000000002.tmp`, // young: maybe a live write on another host sharing the folder
    `.out.bin.x${ended}.1700000000003.tmp`, // not our name
    `.other.bin.${ended}.1700000000004.tmp`, // another file's
  ];
  for (const name of [leftover, ...kept]) {
    writeFileSync(join(dir, name), 'partial');
    if (!name.includes('1700000000002')) utimesSync(join(dir, name), old, old);
  }
  writeFileAtomic(join(dir, 'out.bin'), 'whole');
  assert.equal(readFileSync(join(dir, 'out.bin'), 'utf8'), 'whole');
  assert.deepEqual(readdirSync(dir).sort(), ['out.bin', ...kept].sort());
});

test('a symbolic link is followed: the file it names gets the bytes, the link stays a link, also when its file does not exist yet', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'real.bin'), 'old');
  symlinkSync('real.bin', join(dir, 'link.bin'));
  writeFileAtomic(join(dir, 'link.bin'), 'new');
  assert.ok(lstatSync(join(dir, 'link.bin')).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'real.bin'), 'utf8'), 'new');

  symlinkSync('later.bin', join(dir, 'dangling.bin'));
  writeFileAtomic(join(dir, 'dangling.bin'), 'made');
  assert.equal(readlinkSync(join(dir, 'dangling.bin')), 'later.bin');
  assert.equal(readFileSync(join(dir, 'later.bin'), 'utf8'), 'made');
});

test('a FIFO is written to, not replaced by a file', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => reader.kill()); // a FIFO replaced by a file leaves cat waiting for a writer
  const got: Buffer[] = [];
  reader.stdout.on('data', (d: Buffer) => got.push(d));
  const done = new Promise((resolve) => reader.on('close', resolve));
  writeFileAtomic(fifo, 'through the pipe');
  await done;
  assert.equal(Buffer.concat(got).toString(), 'through the pipe');
  assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
});

test('flash-map --svg naming the file it maps is refused before anything is written', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'flash.bin');
  copyFileSync('firmware/build/demo-ota.bin', file);
  const before = readFileSync(file);
  const io = memoryIo();
  assert.equal(runFlashMap(file, { svg: file }, io), 2);
  assert.match(io.stderr(), /OUTPUT_IS_INPUT|it is the input .*flash\.bin/);
  assert.deepEqual(readFileSync(file), before, 'the flash file is untouched');
});

test('standard output that cannot take the output (a full disk) fails the run with exit 2 and says so', () => {
  const full = openSync('/dev/full', 'w');
  try {
    for (const args of [['example-image', '--layout', 'ota', '-'], ['flash-map', 'firmware/build/demo-ota.bin', '--json']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /standard output did not take the output: ENOSPC.*\[OUTPUT_UNWRITABLE\]/);
    }
  } finally {
    closeSync(full);
  }
});

test('an empty output name is refused before any work (it read the whole range, then failed on the write)', () => {
  // A target nobody listens on: the refusal comes before any connection is tried.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flash', 'read', '0', '4K', '-o', '', '--target', '127.0.0.1:1'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, 'espalgo: the output file name is empty: name a file (or - for stdout)\n');
});

test('a write that fails names the file asked for and the reason, not the temp file beside it', () => {
  // /proc takes no new files: the temp file cannot be made there.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flash', 'read', '0', '4K', '-o', '/proc/version'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^espalgo: cannot write \/proc\/version: no new file can be made in \/proc \(a virtual file system\?\) \(ENOENT\)\n$/m);
  assert.doesNotMatch(r.stderr, /\.tmp/);
});
