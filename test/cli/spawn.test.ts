// The CLI wired through commander, run as a child process (stdout is a pipe, not a TTY).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExampleFlash } from '../../src/image/examples/index.js';
import { runCli, tempDir } from './helpers.js';

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

test('usage errors exit 2 with one line on stderr; --help exits 0 and teaches', () => {
  const r = runCli(['flash-map', 'x.bin', '--table-offset', 'banana']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.equal(r.stdout, '');
  const h = runCli(['flash-map', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
  assert.match(h.stdout, /--table-offset/);
  const i = runCli(['image', 'info', '--help']);
  assert.equal(i.code, 0);
  assert.match(i.stdout, /espalgo image info/);
});
