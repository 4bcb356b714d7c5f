import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseOpenOcdLog, splitLogLine, type LogEvent } from '../../src/flash/openocd-log.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/openocd-logs/${name}`, import.meta.url), 'utf8');
const kinds = (events: readonly LogEvent[]): string[] => events.map((e) => e.kind);

test('the #366 log: version, chip and the chain of flash failures with line numbers', () => {
  const { events, lineCount } = parseOpenOcdLog(fixture('issue-366-era-b-esp32s3-micropython.log'));
  assert.equal(lineCount, 28);
  assert.deepEqual(kinds(events), ['version', 'chip', 'maps-failed', 'maps-hint', 'mappings-failed', 'probe-failed', 'auto-probe-failed', 'gdb-connect-failed']);
  const [version, chip, maps, hint, mappings, probe] = events;
  assert.equal(version!.line, 1);
  assert.ok(version!.kind === 'version' && version!.version.releaseDate === '20241016');
  assert.ok(chip!.kind === 'chip' && chip!.chip === 'esp32s3');
  assert.equal(chip!.line, 14);
  assert.ok(maps!.kind === 'maps-failed');
  assert.equal(maps!.line, 22);
  assert.equal(maps!.style, 'legacy');
  assert.equal(maps!.number, -9);
  assert.equal(maps!.level, 'warning');
  assert.deepEqual(maps!.source, { file: 'esp_flash.c', line: 383, func: 'esp_algo_flash_get_mappings' });
  assert.equal(maps!.message, 'Failed to get flash maps (-9)!');
  assert.match(maps!.raw, /^Warn : 1435 12843 esp_flash\.c:383/);
  assert.ok(hint!.kind === 'maps-hint' && hint!.hint === 'read-flash-size');
  assert.ok(mappings!.kind === 'mappings-failed' && mappings!.number === -4);
  assert.ok(probe!.kind === 'probe-failed' && probe!.sizeKb === 0 && probe!.level === 'error');
});

test('plain (non -d3) lines, CRLF endings and the era A size message', () => {
  const text = fixture('era-a-flash-size-esp32.log').replace(/\n/g, '\r\n');
  const { events } = parseOpenOcdLog(text);
  const maps = events.find((e) => e.kind === 'maps-failed');
  assert.ok(maps && maps.kind === 'maps-failed' && maps.number === -1 && maps.source === undefined && maps.level === 'error');
  assert.ok(events.some((e) => e.kind === 'flash-size-failed' && e.line === 16));
  assert.ok(events.some((e) => e.kind === 'gdb-rejected'));
  assert.equal(events.find((e) => e.kind === 'chip')?.kind === 'chip' ? (events.find((e) => e.kind === 'chip') as { chip: string }).chip : '', 'esp32');
});

test('era C forms: result code in hex, [stub cmd] errors, Could not get flash mapping, banks', () => {
  const { events } = parseOpenOcdLog(fixture('era-c-positive-codes-esp32c3.log'));
  const maps = events.find((e) => e.kind === 'maps-failed');
  assert.ok(maps && maps.kind === 'maps-failed' && maps.style === 'result-code' && maps.number === 4 && maps.numberText === '0x4');
  assert.deepEqual(events.filter((e) => e.kind === 'maps-hint').map((e) => (e.kind === 'maps-hint' ? e.hint : '')), ['map-result-text', 'adjust-appimage-offset']);
  assert.ok(events.some((e) => e.kind === 'mappings-failed' && e.number === -4 && /Could not/.test(e.message)));
  const op = events.find((e) => e.kind === 'stub-op-failed');
  assert.ok(op && op.kind === 'stub-op-failed' && op.command === 5 && op.number === 0x104 && op.format === 'hex' && op.operation === 'Failed to erase flash');
  const banks = events.filter((e) => e.kind === 'flash-bank');
  assert.equal(banks.length, 4);
  assert.ok(banks[0]!.kind === 'flash-bank' && banks[0]!.autoDetected && banks[0]!.sizeKb === 4096 && banks[0]!.bank === 'esp32c3.flash');
});

test('unsigned numbers, mappings, clean logs', () => {
  const u = parseOpenOcdLog(fixture('era-a-unsigned-4294967290-esp32.log')).events.find((e) => e.kind === 'maps-failed');
  assert.ok(u && u.kind === 'maps-failed' && u.number === 4294967290);
  const clean = parseOpenOcdLog(fixture('clean-era-b-esp32c3.log'));
  assert.equal(clean.events.filter((e) => e.level === 'error').length, 0);
  const maps = clean.events.filter((e) => e.kind === 'flash-mapping');
  assert.equal(maps.length, 2);
  assert.ok(maps[1]!.kind === 'flash-mapping' && maps[1]!.flashAddress === 0x20020 && maps[1]!.loadAddress === 0x42000020 && maps[1]!.sizeKb === 110);
  assert.ok(clean.levelLines > 10);
});

test('lines of other shapes', () => {
  const text = [
    'Failed to get flash maps!',
    'Warn : Failed to get flash maps (-6)!',
    'Warn : Application image is invalid! Check configured binary flash offset \'appimage_offset\'.',
    'openocd -f board/esp32c3-builtin.cfg -c "init; halt; esp appimage_offset 0x30000"',
    'openocd -c "set ESP_FLASH_SIZE 0" -f target/esp32s3.cfg',
    'Error: 426 9858 esp32.c:2182 esp32_algo_run(): Failed to load stub (-308)!',
    'Error: Failed to erase flash (-1)!',
    'Error: JTAG scan chain interrogation failed: all ones',
    'Error: libusb_open() failed with LIBUSB_ERROR_ACCESS',
    'Error: something nobody has seen',
    'Info : [esp32c3] Target halted',
  ].join('\n');
  const ev = parseOpenOcdLog(text).events;
  const byLine = (n: number) => ev.filter((e) => e.line === n && e.kind !== 'chip' && e.kind !== 'version');
  assert.ok(byLine(1)[0]!.kind === 'maps-failed' && (byLine(1)[0] as { style: string }).style === 'no-number');
  assert.equal((byLine(2)[0] as { number: number }).number, -6);
  assert.ok(byLine(3)[0]!.kind === 'maps-hint' && (byLine(3)[0] as { hint: string }).hint === 'invalid-image');
  assert.ok(byLine(4)[0]!.kind === 'appimage-offset' && (byLine(4)[0] as { offset: number }).offset === 0x30000);
  assert.ok(byLine(5)[0]!.kind === 'flash-size-setting' && (byLine(5)[0] as { value: string }).value === '0');
  assert.ok(byLine(6)[0]!.kind === 'stub-run-failed' && (byLine(6)[0] as { number: number }).number === -308);
  assert.ok(byLine(7)[0]!.kind === 'stub-op-failed' && (byLine(7)[0] as { format: string }).format === 'decimal');
  assert.equal(byLine(8)[0]!.kind, 'jtag-chain');
  assert.equal(byLine(9)[0]!.kind, 'adapter-problem');
  assert.equal(byLine(10)[0]!.kind, 'other-error');
  assert.equal(byLine(11).length, 0, 'an ordinary Info line is no event');
  assert.deepEqual(ev.filter((e) => e.kind === 'chip').map((e) => (e as { chip: string }).chip), ['esp32c3', 'esp32s3']);
});

test('splitLogLine separates level, -d3 source and target prefix', () => {
  const s = splitLogLine('Info : 402 188 xtensa.c:2839 xtensa_examine(): [esp32s3.cpu0] Examination succeed');
  assert.equal(s.level, 'info');
  assert.deepEqual(s.source, { file: 'xtensa.c', line: 2839, func: 'xtensa_examine' });
  assert.equal(s.targetName, 'esp32s3.cpu0');
  assert.equal(s.message, 'Examination succeed');
  assert.equal(splitLogLine('plain text').level, 'none');
});

test('terminal colour codes around the level (a log captured from a colouring terminal) are removed', () => {
  const coloured = fixture('issue-366-era-b-esp32s3-micropython.log')
    .replace(/^(Error:|Warn :|Info :)/gm, (level) => `\x1b[${level.startsWith('E') ? 31 : 33}m${level}\x1b[0m`)
    .replace(/Failed to read flash size!/, '\x1b[1mFailed to read flash size!\x1b[22m');
  const plain = parseOpenOcdLog(fixture('issue-366-era-b-esp32s3-micropython.log'));
  const parsed = parseOpenOcdLog(coloured);
  assert.deepEqual(kinds(parsed.events), kinds(plain.events));
  assert.equal(parsed.levelLines, plain.levelLines);
  assert.deepEqual(parsed.events.map((e) => e.raw), plain.events.map((e) => e.raw));
  assert.ok(parsed.events.every((e) => !e.raw.includes('\x1b')));
});
