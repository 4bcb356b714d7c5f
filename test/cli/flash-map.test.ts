import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFlashMap } from '../../src/cli/commands/flash-map.js';
import { memoryIo, wantsColor } from '../../src/cli/output/io.js';
import { parseNumber } from '../../src/cli/output/format.js';
import { buildExampleApp, buildExampleBootloader, buildExampleFlash } from '../../src/image/examples/index.js';
import { esp32c3 } from '../../src/chips/index.js';
import { buildImage, buildPartitionTable, elf2image, mergeFlash, parseElf } from '../../src/image/index.js';
import { balancedXml, tempDir } from './helpers.js';

const ANSI = /\x1b\[/;

function writeExample(dir: string, name: string): string {
  const file = join(dir, `${name}.bin`);
  writeFileSync(file, buildExampleFlash(name).bytes);
  return file;
}

test('exit codes: 0 clean, 1 error finding, 1 warning with --fail-on warning, 2 bad input', (t) => {
  const dir = tempDir(t);
  const ota = writeExample(dir, 'ota');
  const io0 = memoryIo();
  assert.equal(runFlashMap(ota, {}, io0), 0);
  assert.equal(io0.stderr(), '');
  assert.equal(runFlashMap(ota, { failOn: 'warning' }, memoryIo()), 1);
  assert.equal(runFlashMap(writeExample(dir, 'oversize-table'), {}, memoryIo()), 1);
  const missing = memoryIo();
  assert.equal(runFlashMap(join(dir, 'nope.bin'), {}, missing), 2);
  assert.match(missing.stderr(), /^espalgo: no such file: .*nope\.bin\n$/);
  assert.equal(missing.stdout(), '');
  const badChip = memoryIo();
  assert.equal(runFlashMap(ota, { chip: 'esp8266' }, badChip), 2);
  assert.equal(badChip.stderr().split('\n').length, 2, 'one line');
  const empty = join(dir, 'empty.bin');
  writeFileSync(empty, new Uint8Array(0));
  assert.equal(runFlashMap(empty, {}, memoryIo()), 2);
  assert.equal(runFlashMap(dir, {}, memoryIo()), 2, 'a folder is not a file');
  const elf = memoryIo();
  assert.equal(runFlashMap('firmware/build/espalgo-demo.elf', {}, elf), 2, 'an ELF is not a flash image');
  assert.match(elf.stderr(), /^espalgo: firmware\/build\/espalgo-demo\.elf is an ELF file .* then map that \.bin, or a flash file merged from it \(espalgo image merge\)\n$/);
});

test('text report: tables, picture, findings; no ANSI codes unless colour is on', (t) => {
  const dir = tempDir(t);
  const file = writeExample(dir, 'micropython');
  const plain = memoryIo({ color: false });
  runFlashMap(file, {}, plain);
  const out = plain.stdout();
  assert.doesNotMatch(out, ANSI);
  for (const s of ['Partitions', 'factory', '0x00010020', '0x3c000020', '0x42000020', 'Flash layout', 'STUB_LARGE_FLASH', '│']) assert.ok(out.includes(s), s);
  assert.match(out, /Flash size\s+32 MiB \(from the bootloader header, size code 5\)/);
  const coloured = memoryIo({ color: true });
  runFlashMap(file, {}, coloured);
  assert.match(coloured.stdout(), ANSI);
});

test('counts read right: a one-entry table is "1 entry"', (t) => {
  const dir = tempDir(t);
  const table = buildPartitionTable([{ label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 }]);
  const app = buildImage({ chip: esp32c3, entry: 0x42000020, segments: [{ loadAddress: 0x42000020, data: new Uint8Array(0x100).fill(0x13) }] });
  const file = join(dir, 'one.bin');
  writeFileSync(file, mergeFlash([{ offset: 0, data: buildExampleBootloader({ chip: esp32c3 }) }, { offset: 0x8000, data: table }, { offset: 0x10000, data: app }]));
  const io = memoryIo({ color: false });
  runFlashMap(file, {}, io);
  const out = io.stdout();
  assert.match(out, /Table\s+0x00008000: found at the default 0x00008000; 1 entry\n/);
  assert.match(out, /0x00008000 \(1 entry, MD5 valid\)/);
  assert.doesNotMatch(out, /\b1 (entries|segments)\b/);
});

test('the OpenOCD stub line says "unknown", not "ok", when the file lacks what the stub reads (an app image alone: no table at 0x8000)', (t) => {
  const dir = tempDir(t);
  const app = join(dir, 'app.bin');
  writeFileSync(app, buildExampleApp({ chip: esp32c3 }));
  const io = memoryIo({ color: false });
  runFlashMap(app, {}, io);
  assert.match(io.stdout(), /OpenOCD's flash stub.*\n  unknown: cannot predict: flash 0x00008000 \(where the stub reads the table\) is not in this file/);
  const j = memoryIo();
  runFlashMap(app, { json: true }, j);
  assert.equal((JSON.parse(j.stdout()) as { openocdStub: { predicted: boolean } }).openocdStub.predicted, false);
  const whole = memoryIo({ color: false });
  runFlashMap(writeExample(dir, 'micropython'), {}, whole);
  assert.match(whole.stdout(), /OpenOCD's flash stub.*\n  ok: /);
});

test('colour only on a TTY without NO_COLOR', () => {
  assert.equal(wantsColor({ isTTY: true }, {}), true);
  assert.equal(wantsColor({ isTTY: false }, {}), false);
  assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(wantsColor({ isTTY: true }, { TERM: 'dumb' }), false);
  assert.equal(wantsColor({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.equal(wantsColor({ isTTY: false }, { FORCE_COLOR: '' }), false);
  assert.equal(wantsColor({ isTTY: true }, { FORCE_COLOR: '0' }), false);
});

test('--json: the report as JSON with numbers', (t) => {
  const dir = tempDir(t);
  const io = memoryIo();
  assert.equal(runFlashMap(writeExample(dir, 'ota'), { json: true }, io), 0);
  const j = JSON.parse(io.stdout()) as Record<string, any>;
  assert.equal(j.file, 'ota.bin');
  assert.equal(j.placement.baseOffset, 0);
  assert.equal(j.chip.name, 'esp32c3');
  assert.equal(j.partitionTable.flashOffset, 0x8000);
  assert.equal(j.bootApp.label, 'ota_1');
  assert.equal(typeof j.bootApp.mappings[0].flashOffset, 'number');
  assert.equal(j.bootApp.mappings[0].flashOffset, 0x190020);
  assert.equal(j.apps.length, 2);
  assert.ok(Array.isArray(j.findings));
  for (const f of j.findings) assert.deepEqual(Object.keys(f).filter((k) => k !== 'flashOffset').sort(), ['code', 'message', 'severity']);
  assert.equal(j.openocdStub.appOffset, 0x10000);
});

test('--svg writes a well-formed SVG; nothing is written on bad input', (t) => {
  const dir = tempDir(t);
  const svg = join(dir, 'out.svg');
  const io = memoryIo();
  assert.equal(runFlashMap(writeExample(dir, 'table-0xc000'), { svg }, io), 0);
  const text = readFileSync(svg, 'utf8');
  assert.ok(text.startsWith('<svg'));
  assert.ok(text.trimEnd().endsWith('</svg>'));
  assert.ok(balancedXml(text));
  assert.ok(text.includes('STUB_TABLE_OFFSET'));
  assert.ok(!balancedXml('<svg><g></svg>'), 'the balance check can fail');
  const svg2 = join(dir, 'bad.svg');
  assert.equal(runFlashMap(join(dir, 'missing.bin'), { svg: svg2 }, memoryIo()), 2);
  assert.equal(existsSync(svg2), false);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  const unwritable = memoryIo();
  assert.equal(runFlashMap(join(dir, 'table-0xc000.bin'), { svg: join(dir, 'no-such-dir', 'x.svg') }, unwritable), 2);
  assert.match(unwritable.stderr(), /cannot write .*x\.svg: no folder .*no-such-dir\n$/);
  assert.doesNotMatch(unwritable.stderr(), /\.tmp/, 'the message names the file asked for, not the temp file');
  assert.equal(unwritable.stdout(), '', 'nothing half-written to stdout either');
  const folder = memoryIo();
  assert.equal(runFlashMap(join(dir, 'table-0xc000.bin'), { svg: dir }, folder), 2);
  assert.match(folder.stderr(), /cannot write .*: it is a folder\n$/);
});

test('options reach the analysis', (t) => {
  const dir = tempDir(t);
  const io = memoryIo();
  runFlashMap(writeExample(dir, 'ota'), { json: true, appOffset: 0x10000, flashSize: 0x200000 }, io);
  const text = memoryIo();
  runFlashMap(writeExample(dir, 'ota'), { flashSize: 0x200000 }, text);
  assert.match(text.stdout(), /Flash size\s+2 MiB \(from --flash-size\)/);
  const j = JSON.parse(io.stdout()) as Record<string, any>;
  assert.equal(j.bootApp.label, 'ota_0');
  assert.equal(j.flashSize.source, 'option');
  assert.equal(j.flashSize.bytes, 0x200000);
});

test('parseNumber: hex, decimal, size suffixes; rejects junk', () => {
  assert.equal(parseNumber('0x8000'), 0x8000);
  assert.equal(parseNumber('32768'), 32768);
  assert.equal(parseNumber('4M'), 0x400000);
  assert.equal(parseNumber('16MiB'), 0x1000000);
  assert.equal(parseNumber('64k'), 0x10000);
  assert.equal(parseNumber('xyz'), undefined);
  assert.equal(parseNumber('0x'), undefined);
  assert.equal(parseNumber('-1'), undefined);
});

test('a Simple Boot app (elf2image --ram-only-header): text names it as booting with its mappings; JSON; exit 0', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'zephyr.bin');
  writeFileSync(file, elf2image(parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf'))), esp32c3, { ramOnlyHeader: true }));
  const io = memoryIo();
  assert.equal(runFlashMap(file, {}, io), 0, io.stderr());
  const text = io.stdout();
  assert.match(text, /Boots\s+Simple Boot: the ROM loads the RAM segments/);
  assert.match(text, /Flash size\s+2 MiB \(from the booting app's header\)/);
  assert.match(text, /IROM\s+0x00010020\s+0x42000020/);
  assert.match(text, /DROM\s+0x00020020\s+0x3c010020/);
  assert.match(text, /STUB_SIMPLE_BOOT/);
  assert.doesNotMatch(text, /NO_PARTITION_TABLE|has nothing to boot/);
  const j = memoryIo();
  assert.equal(runFlashMap(file, { json: true }, j), 0);
  const r = JSON.parse(j.stdout()) as { placement: { kind: string }; bootApp: { format: string; mappings: { kind: string; vaddr: number }[] } };
  assert.equal(r.placement.kind, 'simple-boot');
  assert.equal(r.bootApp.format, 'simple-boot');
  assert.deepEqual(r.bootApp.mappings.map((m) => [m.kind, m.vaddr]), [['irom', 0x42000020], ['drom', 0x3c010020]]);
});
