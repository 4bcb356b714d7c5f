/**
 * `-o -` is standard output: the data byte for byte on stdout, the command's text on stderr, no
 * file named "-"; refused with --json and, for binary data, when stdout is a terminal.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExampleImage } from '../../src/cli/commands/example-image.js';
import { runFlash, type FlashReadOptions } from '../../src/cli/commands/flash.js';
import { runFlashMap } from '../../src/cli/commands/flash-map.js';
import { runElf2Image } from '../../src/cli/commands/image-elf2image.js';
import { runMerge } from '../../src/cli/commands/image-merge.js';
import { runOtadata } from '../../src/cli/commands/image-otadata.js';
import { runPartitionTable } from '../../src/cli/commands/image-partition-table.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { buildExampleFlash } from '../../src/image/examples/index.js';
import { OTA_STATE, buildOtadata, buildPartitionTable, mergeFlash, parsePartitionCsv } from '../../src/image/index.js';
import { DEMO_FLASH } from '../flash/flash-fixture.js';
import { balancedXml, tempDir } from './helpers.js';

const CSV = 'nvs, data, nvs, , 0x6000,\nfactory, app, factory, , 1M,\n';

/** The test fails if a file named "-" appears in the process's folder (and removes it then). */
function noDashFile(t: TestContext): void {
  const had = existsSync('-');
  assert.equal(had, false, 'a file named "-" is in the test folder already');
  t.after(() => {
    if (existsSync('-')) {
      rmSync('-');
      assert.fail('a file named "-" was written');
    }
  });
}

const sameBytes = (actual: Uint8Array, expected: Uint8Array, what: string) => assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: ${actual.length} bytes on stdout, ${expected.length} expected`);

test('flash read -o -: the bytes on stdout, the summary on stderr; refused with --json and on a terminal before any target', async (t) => {
  noDashFile(t);
  const o = { target: 'sim', flash: DEMO_FLASH, backup: true, out: '-' } as FlashReadOptions;
  const io = memoryIo();
  assert.equal(await runFlash('read', ['0x8000', '4K'], o, io), 0, io.stderr());
  sameBytes(io.stdoutBytes(), readFileSync(DEMO_FLASH).subarray(0x8000, 0x9000), 'flash read');
  assert.match(io.stderr(), /^read 4 KiB at 0x00008000 into standard output$/m);

  // Refusals come before connecting: the target named here does not exist.
  const nowhere = { ...o, flash: undefined, target: '127.0.0.1:1' } as FlashReadOptions;
  const json = memoryIo();
  assert.equal(await runGuardedAsync(json, () => runFlash('read', ['0x8000', '4K'], { ...nowhere, json: true }, json), true), 2);
  assert.match(json.stderr(), /^espalgo: -o - writes the data to standard output, where --json writes its JSON: give -o FILE with --json/);
  assert.equal((JSON.parse(json.stdout()) as { code: string }).code, 'BAD_OPTIONS');
  const tty = memoryIo({ outIsTTY: true });
  assert.equal(await runGuardedAsync(tty, () => runFlash('read', ['0x8000', '4K'], nowhere, tty)), 2);
  assert.match(tty.stderr(), /^espalgo: not writing binary data to a terminal: redirect standard output .* or pipe it .*, or give a file name instead of "-"\n$/);
  assert.equal(tty.stdoutBytes().length, 0);
});

test('image partition-table -o -: the binary table on stdout (no file beside the CSV), the listing on stderr; CSV back to a terminal is fine', (t) => {
  noDashFile(t);
  const dir = tempDir(t);
  const csv = join(dir, 'p.csv');
  writeFileSync(csv, CSV);
  const io = memoryIo();
  assert.equal(runPartitionTable(csv, { out: '-' }, io), 0, io.stderr());
  const table = buildPartitionTable(parsePartitionCsv(CSV).entries, { md5: true });
  sameBytes(io.stdoutBytes(), table, 'partition-table');
  assert.match(io.stderr(), /p\.csv \(CSV\) → standard output \(3 KiB binary with MD5\)/);
  assert.match(io.stderr(), /factory/);
  assert.deepEqual(readdirSync(dir), ['p.csv'], 'nothing written beside the CSV');

  // Binary → CSV: text, so a terminal may have it.
  const bin = join(dir, 'p.bin');
  writeFileSync(bin, table);
  const back = memoryIo({ outIsTTY: true });
  assert.equal(runPartitionTable(bin, { out: '-' }, back), 0, back.stderr());
  assert.match(back.stdout(), /^# ESP-IDF Partition Table\n.*\nnvs, data, nvs, 0x9000, 24K,\nfactory, app, factory, 0x10000, 1M,\n$/s);
  assert.match(back.stderr(), /p\.bin \(binary, MD5 valid\) → standard output \(CSV\)/);

  const json = memoryIo();
  assert.equal(runPartitionTable(csv, { out: '-', json: true }, json), 2);
  assert.match(json.stderr(), /-o - writes the data to standard output, where --json/);
  const tty = memoryIo({ outIsTTY: true });
  assert.equal(runPartitionTable(csv, { out: '-' }, tty), 2);
  assert.match(tty.stderr(), /not writing binary data to a terminal/);
  assert.equal(tty.stdout(), '');
  assert.deepEqual(readdirSync(dir).sort(), ['p.bin', 'p.csv']);

  // A table with errors (past a 1 MiB flash): nothing on stdout, and the refusal says so in those words.
  const refused = memoryIo();
  assert.equal(runPartitionTable(csv, { out: '-', flashSize: 0x100000 }, refused), 2);
  assert.equal(refused.stdoutBytes().length, 0);
  assert.match(refused.stderr(), /^espalgo: nothing written to standard output: the table has 1 error/m);
});

test('-o -: the text moved to stderr takes stderr\'s colour and width, not stdout\'s (a pipe)', (t) => {
  noDashFile(t);
  const dir = tempDir(t);
  const csv = join(dir, 'p.csv');
  writeFileSync(csv, CSV);
  const ESC = String.fromCharCode(27);
  const piped = memoryIo({ color: false, errColor: true });
  assert.equal(runPartitionTable(csv, { out: '-' }, piped), 0, piped.stderr());
  assert.ok(piped.stderr().includes(`${ESC}[`), 'stderr is a colour terminal: the listing is coloured');
  assert.ok(!new TextDecoder().decode(piped.stdoutBytes()).includes(`${ESC}[`));
  const plain = memoryIo({ color: true, errColor: false });
  assert.equal(runPartitionTable(csv, { out: '-' }, plain), 0, plain.stderr());
  assert.ok(!plain.stderr().includes(`${ESC}[`), 'stderr redirected: no colour codes in it, whatever stdout is');
});

test('image merge -o -: the merged bytes on stdout, the listing on stderr; --json and a terminal refused, nothing written', (t) => {
  noDashFile(t);
  const dir = tempDir(t);
  const pt = join(dir, 'pt.bin');
  const table = buildPartitionTable(parsePartitionCsv(CSV).entries, { md5: true });
  writeFileSync(pt, table);
  const io = memoryIo();
  assert.equal(runMerge(['0x8000', pt], { out: '-' }, io), 0, io.stderr());
  sameBytes(io.stdoutBytes(), mergeFlash([{ offset: 0x8000, data: table, name: 'pt.bin' }], { baseOffset: 0 }), 'merge');
  assert.match(io.stderr(), /espalgo image merge → standard output \(35 KiB, file byte 0 = flash 0x00000000/);
  assert.match(io.stderr(), /partition table/);
  assert.doesNotMatch(io.stderr(), /Next: espalgo flash-map -/);

  for (const [o, message] of [[{ out: '-', json: true }, /-o - writes the data to standard output/], [{ out: '-' }, /not writing binary data to a terminal/]] as const) {
    const bad = memoryIo({ outIsTTY: true });
    assert.equal(runMerge(['0x8000', pt], o, bad), 2);
    assert.match(bad.stderr(), message);
    assert.doesNotMatch(bad.stdout(), /AP/, 'no data on stdout');
  }
  // A file named "-" is still reachable as a path.
  const dash = join(dir, '-');
  assert.equal(runMerge(['0x8000', pt], { out: dash }, memoryIo()), 0);
  assert.equal(readFileSync(dash).length, 0x8000 + table.length);
});

test('example-image -: the file on stdout, the listing on stderr; refused on a terminal', (t) => {
  noDashFile(t);
  const io = memoryIo();
  assert.equal(runExampleImage('-', { layout: 'ota' }, io), 0, io.stderr());
  sameBytes(io.stdoutBytes(), buildExampleFlash('ota').bytes, 'example-image');
  assert.match(io.stderr(), /^standard output: ota \(ESP32-C3\), .*\n {2}0x00000000 {2}bootloader/);
  const tty = memoryIo({ outIsTTY: true });
  assert.equal(runExampleImage('-', { layout: 'ota' }, tty), 2);
  assert.match(tty.stderr(), /not writing binary data to a terminal/);
  assert.equal(tty.stdoutBytes().length, 0);
});

test('elf2image, otadata --select and flash-map --svg write to stdout with -o - (--svg -)', (t) => {
  noDashFile(t);
  const elf = memoryIo();
  assert.equal(runElf2Image('firmware/build/espalgo-demo.elf', { chip: 'esp32c3', flashFreq: '80m', flashSize: 4 * 1024 * 1024, elfSha256: true, out: '-' }, elf), 0, elf.stderr());
  sameBytes(elf.stdoutBytes(), readFileSync('firmware/build/espalgo-demo.bin'), 'elf2image');
  assert.match(elf.stderr(), /espalgo-demo\.elf → standard output/);

  const ota = memoryIo();
  assert.equal(runOtadata(undefined, { select: 'ota_1', out: '-' }, ota), 0, ota.stderr());
  sameBytes(ota.stdoutBytes(), buildOtadata(2, OTA_STATE.undefined), 'otadata');
  assert.match(ota.stderr(), /espalgo image otadata → standard output \(8 KiB, selects ota_1\)/);
  assert.equal(runOtadata(undefined, { select: 'ota_1', out: '-', json: true }, memoryIo()), 2);

  const dir = tempDir(t);
  const file = join(dir, 'ota.bin');
  writeFileSync(file, buildExampleFlash('ota').bytes);
  const svg = memoryIo({ outIsTTY: true });
  assert.equal(runFlashMap(file, { svg: '-' }, svg), 0, svg.stderr());
  assert.match(svg.stdout(), /^<svg /);
  assert.ok(balancedXml(svg.stdout()));
  assert.match(svg.stderr(), /SVG written to standard output/);
  const json = memoryIo();
  assert.equal(runFlashMap(file, { svg: '-', json: true }, json), 2);
  assert.match(json.stderr(), /--svg - writes the data to standard output, where --json writes its JSON: give --svg FILE/);
});

test('the real process: example-image - puts exactly the bytes into the pipe, and a reader that leaves early ends nothing badly', async (t) => {
  noDashFile(t);
  const run = (args: string[], keep: number) =>
    new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let got = 0;
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        if (got >= keep) child.stdout.destroy(); // as `| head -c N` does
      });
      child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
      const timer = setTimeout(() => child.kill(), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(chunks), stderr });
      });
    });
  const whole = await run(['example-image', '--layout', 'ota', '-'], Infinity);
  assert.equal(whole.code, 0, whole.stderr);
  assert.ok(whole.stdout.equals(Buffer.from(buildExampleFlash('ota').bytes)), `${whole.stdout.length} bytes`);
  assert.match(whole.stderr, /^standard output: ota \(ESP32-C3\)/);

  const early = await run(['example-image', '--layout', 'micropython', '--pad-to', '32M', '-'], 16);
  assert.equal(early.code, 0, early.stderr);
  assert.equal(early.stdout.subarray(0, 1)[0], 0xe9);
  assert.match(early.stderr, /^standard output: micropython/);
  assert.doesNotMatch(early.stderr, /EPIPE|Error/);
});
