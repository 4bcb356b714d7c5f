import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUpTo, runExplain } from '../../src/cli/commands/explain.js';
import { CliInputError } from '../../src/cli/output/exit-codes.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { runCli, tempDir } from './helpers.js';

const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/openocd-logs/${name}`, import.meta.url));
const ISSUE_366 = fx('issue-366-era-b-esp32s3-micropython.log');

test('#366 log: readable output names the era, decodes -9 and -4, gives the diagnosis; exit 0', () => {
  const io = memoryIo({ columns: 100 });
  const code = runExplain(ISSUE_366, {}, io);
  assert.equal(code, 0);
  const out = io.stdout();
  assert.match(out, /Open On-Chip Debugger v0\.12\.0-esp32-20241016/);
  assert.match(out, /era B: legacy stub without FLASH_SIZE/);
  assert.match(out, /Chip {5}esp32s3/);
  assert.match(out, /line 22 .*Failed to get flash maps \(-9\)!/);
  assert.match(out, /-9 \(era B: FLASH_SIZE\)/);
  assert.match(out, /-4 \(OpenOCD ERROR_FAIL, not a stub code\)/);
  assert.match(out, /1\. The flash size could not be detected/);
  assert.match(out, /set ESP_FLASH_SIZE 0/);
  assert.match(out, /6 lines explained\./);
  assert.doesNotMatch(out, /\x1b\[/, 'no colour on a memory io');
  assert.equal(io.stderr(), '');
});

test('--json carries era, explanations with era-tagged codes and diagnoses', () => {
  const io = memoryIo();
  assert.equal(runExplain(ISSUE_366, { json: true }, io), 0);
  const j = JSON.parse(io.stdout()) as {
    file: string; era: { era: string; source: string }; chip: string;
    explanations: { line: number; code?: string; era?: string; title: string; actions: string[] }[];
    diagnoses: { id: string; lines: number[]; actions: string[] }[]; unexplainedCount: number;
  };
  assert.equal(j.file, 'issue-366-era-b-esp32s3-micropython.log');
  assert.equal(j.era.era, 'B');
  assert.equal(j.chip, 'esp32s3');
  assert.deepEqual(j.explanations.map((x) => x.line), [22, 23, 24, 25, 26, 27]);
  assert.equal(j.explanations[0]!.code, '-9 (era B: FLASH_SIZE)');
  assert.equal(j.diagnoses[0]!.id, 'flash-size-zero');
  assert.equal(j.unexplainedCount, 0);
});

test('clean log exits 0 and says so; unknown errors exit 1', (t) => {
  const io = memoryIo();
  assert.equal(runExplain(fx('clean-era-b-esp32c3.log'), {}, io), 0);
  assert.match(io.stdout(), /No flash errors found/);
  const dir = tempDir(t);
  const odd = join(dir, 'odd.log');
  writeFileSync(odd, 'Open On-Chip Debugger v0.12.0-esp32-20241016 (2024-10-16-14:17)\nError: a failure nobody has described\n');
  const io2 = memoryIo();
  assert.equal(runExplain(odd, {}, io2), 1);
  assert.match(io2.stdout(), /\[not explained\]/);
  assert.match(io2.stdout(), /1 not explained/);
});

test('stdin with -, --era override', () => {
  const io = memoryIo();
  const text = readFileSync(fx('era-a-flash-size-esp32.log'), 'utf8');
  assert.equal(runExplain('-', { era: 'B' }, io, () => text), 0);
  assert.match(io.stdout(), /\(stdin\)/);
  assert.match(io.stdout(), /-1 \(era B: FAIL\)/);
  assert.match(io.stdout(), /as given with --era/);
});

test('bad input exits 2: missing file, binary file, text that is not an OpenOCD log', (t) => {
  const dir = tempDir(t);
  const io = memoryIo();
  assert.equal(runExplain(join(dir, 'nope.log'), {}, io), 2);
  assert.match(io.stderr(), /no such file/);
  const bin = join(dir, 'x.bin');
  writeFileSync(bin, new Uint8Array([0xe9, 0, 1, 2]));
  const io2 = memoryIo();
  assert.equal(runExplain(bin, {}, io2), 2);
  assert.match(io2.stderr(), /binary file/);
  const txt = join(dir, 'notes.txt');
  writeFileSync(txt, 'just some notes\nnothing from openocd\n');
  const io3 = memoryIo();
  assert.equal(runExplain(txt, {}, io3), 2);
  assert.match(io3.stderr(), /does not look like an OpenOCD log/);
  assert.equal(io3.stdout(), '');
});

test('the real CLI: --help with eras and examples, bad --era, stdin', () => {
  const help = runCli(['explain', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: espalgo explain \[options\] <logfile>/);
  assert.match(help.stdout, /A {2}releases up to 20240318/);
  assert.match(help.stdout, /\$ espalgo explain - < openocd\.log/);
  const bad = runCli(['explain', ISSUE_366, '--era', 'D']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /must be A, B or C/);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', '-', '--json'], {
    input: readFileSync(fx('era-c-positive-codes-esp32c3.log')), encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { era: { era: string }; explanations: { code?: string }[] };
  assert.equal(j.era.era, 'C');
  assert.ok(j.explanations.some((x) => x.code === '0x104 (era C: FLASH_WRITE)'));
});

test('a UTF-16 log (Windows PowerShell redirection writes one) is read like the UTF-8 one; binary input on stdin is named as such', (t) => {
  const dir = tempDir(t);
  const text = readFileSync(ISSUE_366, 'utf8').replace(/\n/g, '\r\n');
  const le = join(dir, 'le.log');
  writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const be = join(dir, 'be.log');
  writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
  const want = memoryIo();
  runExplain(ISSUE_366, { json: true }, want);
  const { file: _f, ...expected } = JSON.parse(want.stdout()) as { file: string };
  for (const f of [le, be]) {
    const io = memoryIo();
    assert.equal(runExplain(f, { json: true }, io), 0, io.stderr());
    const { file: _g, ...got } = JSON.parse(io.stdout()) as { file: string };
    assert.deepEqual(got, expected);
  }
  const io = memoryIo();
  assert.equal(runExplain('-', {}, io, () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0])), 2);
  assert.match(io.stderr(), /standard input contains NUL bytes: it is a binary file/);
});

test('a log of plain upstream OpenOCD names the eras left open', (t) => {
  const f = join(tempDir(t), 'upstream.log');
  writeFileSync(f, 'Open On-Chip Debugger 0.12.0 (2023-01-14-23:37)\nError: Failed to get flash maps (-6)!\n');
  const io = memoryIo({ columns: 200 });
  assert.equal(runExplain(f, {}, io), 0);
  assert.match(io.stdout(), /Era {6}not decided \(era A or era B or era C\)/);
});

test('an error repeated many times is explained once with the lines that repeat it; --json keeps every line', (t) => {
  const f = join(tempDir(t), 'retries.log');
  const block = 'Error: Failed to get flash maps (-1)!\nError: Failed to get flash size!\n';
  writeFileSync(f, `Open On-Chip Debugger v0.12.0-esp32-20230921 (2023-09-21-13:41)\n${block.repeat(30)}`);
  const io = memoryIo({ columns: 200 });
  assert.equal(runExplain(f, {}, io), 0);
  const out = io.stdout();
  assert.equal(out.match(/The stub reported flash size 0\n/g)?.length, 1);
  assert.equal(out.match(/-1 \(era A: FAIL\)\n/g)?.length, 1);
  assert.match(out, /line 2 .*\n(?:.*\n)*? {2}The same on lines 4, 6, 8, 10, 12, 14, 16, 18, 20, 22 and 19 more\.\n/);
  assert.match(out, /line 3 .*\n(?:.*\n)*? {2}The same on lines 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 and 19 more\.\n/);
  assert.match(out, /confidence medium; lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 50 more\)/);
  assert.match(out, /60 lines explained\./);
  const j = memoryIo();
  runExplain(f, { json: true }, j);
  assert.equal((JSON.parse(j.stdout()) as { explanations: unknown[] }).explanations.length, 60);
});

test('an empty log (a file, standard input, only blank lines) is named empty, exit 2', (t) => {
  const f = join(tempDir(t), 'empty.log');
  writeFileSync(f, '');
  for (const [file, stdin] of [[f, undefined], ['-', () => ''], ['-', () => Buffer.from('\n\r\n  \n')]] as const) {
    const io = memoryIo();
    assert.equal(stdin ? runExplain(file, {}, io, stdin) : runExplain(file, {}, io), 2);
    assert.match(io.stderr(), /^espalgo: (.*empty\.log|standard input) is empty: give the log OpenOCD wrote/);
  }
});

test('a log that never ends (/dev/zero) is refused once it passes the limit, not read on forever; a pipe is read whole', () => {
  const zero = openSync('/dev/zero', 'r');
  try {
    assert.throws(() => readUpTo(zero, '/dev/zero', 0x100000), (e: unknown) => e instanceof CliInputError && e.code === 'INPUT_TOO_LARGE' && /\/dev\/zero holds more than 1 MiB/.test(e.message));
  } finally {
    closeSync(zero);
  }
  // The command itself, on the device: exit 2 with the JSON line (it used to read until memory ran out).
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', '/dev/zero', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { code: string }).code, 'INPUT_TOO_LARGE');
  // Standard input that is a directory is named as such, not as a raw EISDIR.
  const dir = spawnSync('sh', ['-c', `${JSON.stringify(process.execPath)} --import tsx src/cli/main.ts explain - < /tmp`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(dir.status, 2);
  assert.equal(dir.stderr, 'espalgo: standard input is a directory\n');
  // A pipe (`explain <(…)`, `cat log | explain -`) is read whole.
  const piped = spawnSync('sh', ['-c', `cat ${JSON.stringify(ISSUE_366)} | ${JSON.stringify(process.execPath)} --import tsx src/cli/main.ts explain -`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(piped.stdout, /era B: legacy stub without FLASH_SIZE/);
});

test('a log of several OpenOCD runs is read run by run: each number in the era of the OpenOCD that printed it', (t) => {
  const eraC = readFileSync(fx('era-c-positive-codes-esp32c3.log'), 'utf8');
  const issue = readFileSync(ISSUE_366, 'utf8');
  const joined = join(tempDir(t), 'runs.log');
  writeFileSync(joined, eraC + issue);
  const json = memoryIo();
  assert.equal(runExplain(joined, { json: true }, json), 0, json.stderr());
  const r = JSON.parse(json.stdout()) as { runs: { firstLine: number; lastLine: number; era: { era: string }; chip: string }[]; explanations: { code?: string; line: number }[]; era: { era: string } };
  const lines = eraC.split('\n').length - 1; // the era C log ends with a newline
  assert.deepEqual(r.runs.map((x) => [x.firstLine, x.lastLine, x.era.era, x.chip]), [[1, lines, 'C', 'esp32c3'], [lines + 1, lines + issue.split('\n').length - 1, 'B', 'esp32s3']]);
  // The #366 run's -9 is era B's FLASH_SIZE (read in era C it was "not a known code").
  assert.ok(r.explanations.some((x) => x.code === '-9 (era B: FLASH_SIZE)' && x.line > lines), JSON.stringify(r.explanations.map((x) => x.code)));
  const text = memoryIo({ columns: 100 });
  assert.equal(runExplain(joined, {}, text), 0);
  assert.match(text.stdout(), /This log holds 2 OpenOCD runs/);
  assert.match(text.stdout(), /── OpenOCD run 2 of 2, lines \d+–\d+ ──\n\nOpenOCD  Open On-Chip Debugger v0\.12\.0-esp32-20241016/);
  assert.doesNotMatch(text.stdout(), /Note: the messages look like era/, 'no conflict: each run has its own version');
  // One run: as before, no runs field.
  const one = memoryIo();
  runExplain(ISSUE_366, { json: true }, one);
  assert.equal((JSON.parse(one.stdout()) as { runs?: unknown }).runs, undefined);
});
