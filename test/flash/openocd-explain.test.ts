import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { explainOpenOcdLog } from '../../src/flash/explain.js';

const dir = new URL('../fixtures/openocd-logs/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, dir), 'utf8');

test('#366: -9 decoded as era B FLASH_SIZE, -4 as OpenOCD ERROR_FAIL, diagnosis flash size 0 with the S3 dummy-cycle cause', () => {
  const r = explainOpenOcdLog(fixture('issue-366-era-b-esp32s3-micropython.log'));
  assert.equal(r.era.era, 'B');
  assert.equal(r.era.source, 'version');
  assert.equal(r.chip, 'esp32s3');
  const maps = r.explanations.find((x) => x.line === 22)!;
  assert.equal(maps.code, '-9 (era B: FLASH_SIZE)');
  assert.equal(maps.era, 'B');
  assert.deepEqual(maps.codeNames, ['FLASH_SIZE']);
  assert.match(maps.explanation, /JEDEC id/);
  const ocd = r.explanations.find((x) => x.line === 24)!;
  assert.equal(ocd.code, '-4 (OpenOCD ERROR_FAIL, not a stub code)');
  assert.equal(ocd.era, undefined);
  assert.doesNotMatch(ocd.explanation, /NOT_ENOUGH_DATA/);
  assert.equal(r.explanations.find((x) => x.line === 23)!.relatedTo, 22);
  assert.equal(r.unexplainedCount, 0);
  const [first, second] = r.diagnoses;
  assert.equal(first!.id, 'flash-size-zero');
  assert.deepEqual(first!.lines, [22, 23, 25]);
  assert.match(first!.summary, /extra dummy cycles/);
  assert.match(first!.summary, /partition table, the app image and the partition layout are not involved/);
  const actions = first!.actions.join('\n');
  assert.match(actions, /set ESP_FLASH_SIZE 0/);
  assert.match(actions, /espalgo/);
  assert.match(actions, /--flash-size/);
  assert.match(actions, /20260702/);
  assert.match(actions, /appimage_offset/, 'says why appimage_offset does not help');
  assert.equal(second!.id, 'gdb-refused');
  assert.deepEqual(second!.lines, [26, 27]);
});

test('era A: FAIL plus "Failed to get flash size!" is the same family', () => {
  const r = explainOpenOcdLog(fixture('era-a-flash-size-esp32.log'));
  assert.equal(r.era.era, 'A');
  assert.equal(r.explanations.find((x) => x.line === 14)!.code, '-1 (era A: FAIL)');
  assert.match(r.explanations.find((x) => x.line === 16)!.explanation, /FLASH_SIZE stub command \(command 4 in era A\)/);
  assert.equal(r.diagnoses[0]!.id, 'flash-size-zero');
  assert.deepEqual(r.diagnoses[0]!.lines, [14, 16, 17]);
  assert.doesNotMatch(r.diagnoses[0]!.summary, /ESP32-S3/, 'no S3 story for an ESP32');
});

test('--era overrides the version', () => {
  const r = explainOpenOcdLog(fixture('era-a-flash-size-esp32.log'), { era: 'B' });
  assert.equal(r.era.source, 'option');
  assert.equal(r.explanations.find((x) => x.line === 14)!.code, '-1 (era B: FAIL)');
});

test('4294967290 is -6 printed unsigned: no partition table, mapping-only', () => {
  const r = explainOpenOcdLog(fixture('era-a-unsigned-4294967290-esp32.log'));
  const x = r.explanations.find((e) => e.line === 14)!;
  assert.equal(x.code, '-6 (era A: INVALID_IMAGE)');
  assert.equal(x.codeValue, -6);
  assert.match(x.explanation, /4294967290 is -6 printed as an unsigned 32-bit number/);
  assert.deepEqual(r.diagnoses.map((d) => d.id), ['no-partition-table', 'mapping-only']);
  assert.equal(r.facts.banks[0]!.sizeKb, 4096);
});

test('era C: map result 0x4 and the positive stub error 0x104', () => {
  const r = explainOpenOcdLog(fixture('era-c-positive-codes-esp32c3.log'));
  assert.equal(r.era.era, 'C');
  assert.equal(r.explanations.find((x) => x.line === 14)!.code, '0x4 (era C map result: UNKNOWN_PARTITION_MAGIC)');
  const op = r.explanations.find((x) => x.line === 24)!;
  assert.equal(op.code, '0x104 (era C: FLASH_WRITE)');
  assert.match(op.title, /stub command ERASE/);
  assert.ok(r.diagnoses.some((d) => d.id === 'no-partition-table'));
  assert.equal(r.unexplainedCount, 0);
});

test('a clean log explains nothing and diagnoses nothing', () => {
  const r = explainOpenOcdLog(fixture('clean-era-b-esp32c3.log'));
  assert.equal(r.explanations.length, 0);
  assert.equal(r.diagnoses.length, 0);
  assert.equal(r.facts.mappings.length, 2);
});

test('without a version line the messages decide, or every era is shown', () => {
  const b = explainOpenOcdLog('Warn : Failed to get flash maps (-9)!\nWarn : Failed to read flash size!\n');
  assert.equal(b.era.era, 'B');
  assert.equal(b.era.source, 'messages');
  const open = explainOpenOcdLog('Warn : Failed to get flash maps (-6)!\n');
  assert.equal(open.era.era, undefined);
  assert.equal(open.explanations[0]!.code, '-6 (era A: INVALID_IMAGE); -6 (era B: INVALID_IMAGE)');
  const c = explainOpenOcdLog('Warn : Failed to get flash maps, result code 0x1!\nWarn : Failed to read flash size!\n');
  assert.equal(c.era.era, 'C');
  assert.equal(c.explanations[0]!.code, '0x1 (era C map result: INVALID_FLASH_SIZE)');
  assert.equal(c.diagnoses[0]!.id, 'flash-size-zero');
});

test('a version that disagrees with the messages is reported', () => {
  const r = explainOpenOcdLog('Open On-Chip Debugger v0.12.0-esp32-20241016 (2024-10-16-14:17)\nWarn : Failed to get flash maps, result code 0x4!\n');
  assert.equal(r.era.era, 'B');
  assert.match(r.era.conflict ?? '', /era C/);
});

test('ESP32-C3 before 20260304 gets the C3 id-read advice', () => {
  const r = explainOpenOcdLog('Open On-Chip Debugger v0.12.0-esp32-20251215 (2025-12-15-18:17)\nInfo : [esp32c3] Examined RISC-V core; found 1 harts\nWarn : Failed to get flash maps (-9)!\nError: Failed to probe flash, size 0 KB\n');
  assert.equal(r.diagnoses[0]!.id, 'flash-size-zero');
  assert.match(r.diagnoses[0]!.actions.join(' '), /20260304/);
});

test('unknown errors and unknown numbers count as unexplained', () => {
  const r = explainOpenOcdLog('Open On-Chip Debugger v0.10.0-esp32-20210401 (2021-04-01-10:00)\nError: something nobody has seen\nError: Failed to get flash maps (5)!\n');
  assert.equal(r.unexplainedCount, 2);
  assert.equal(r.explanations[1]!.code, '5 (era A: not a known code)');
});

test('every number printed carries its era or says it is OpenOCD\'s own (all fixtures, all eras)', () => {
  for (const name of readdirSync(dir)) {
    for (const era of [undefined, 'A', 'B', 'C'] as const) {
      const r = explainOpenOcdLog(fixture(name), era ? { era } : {});
      for (const x of r.explanations) {
        if (x.code === undefined) continue;
        for (const part of x.code.split('; ')) assert.match(part, /^-?(0x)?[0-9a-f]+ \((era [ABC]( map result)?: [A-Z_a-z ]+|OpenOCD [A-Za-z_ ]+, not a stub code)\)$/, `${name} line ${x.line}: ${x.code}`);
      }
    }
  }
});

test('plain upstream OpenOCD: the era stays open over every era the numbers are shown for', () => {
  const r = explainOpenOcdLog('Open On-Chip Debugger 0.12.0 (2023-01-14-23:37)\nError: Failed to get flash maps (-6)!\n');
  assert.equal(r.era.certainty, 'not-espressif');
  assert.equal(r.era.era, undefined);
  assert.deepEqual(r.era.candidates, ['A', 'B', 'C']);
  assert.equal(r.explanations[0]!.code, '-6 (era A: INVALID_IMAGE); -6 (era B: INVALID_IMAGE)');
});

test('flash above 16 MB: the legacy-stub warning for eras A and B, also while the log cannot tell A from B, never for era C', () => {
  const log = (version: string) => `Open On-Chip Debugger ${version}\nInfo : Auto-detected flash bank 'esp32s3.flash' size 32768 KB\nError: Failed to get flash maps (-1)!\n`;
  const large = (version: string) => explainOpenOcdLog(log(version)).diagnoses.find((d) => d.id === 'large-flash-legacy-stub');
  assert.match(large('v0.12.0-esp32-20241016 (2024-10-16-14:17)')?.summary ?? '', /32 MB, but the era B stub uses 3-byte/);
  const between = explainOpenOcdLog(log('v0.12.0-esp32-20240318-5-gabcdef12 (2024-07-01-10:00)'));
  assert.deepEqual([between.era.era, between.era.candidates], [undefined, ['A', 'B']]);
  assert.match(large('v0.12.0-esp32-20240318-5-gabcdef12 (2024-07-01-10:00)')?.summary ?? '', /the era A or B stub uses 3-byte/);
  assert.equal(large('v0.12.0-esp32-20260702 (2026-07-02-10:00)'), undefined);
  assert.equal(large('v0.12.0-esp32-20260424-3-g1234567 (2026-06-01-10:00)'), undefined, 'between B and C: maybe the new stub');
});

test('a number whose meaning differs between the open eras is explained for each era', () => {
  const r = explainOpenOcdLog('Open On-Chip Debugger v0.12.0-esp32-20240318-5-gabcdef12 (2024-07-01-10:00)\nError: Failed to get flash maps (-1)!\n');
  const x = r.explanations[0]!;
  assert.equal(x.code, '-1 (era A: FAIL); -1 (era B: FAIL)');
  assert.match(x.explanation, /^In era A: .*every command except the size query.* In era B: .*flash size came out as 0/);
});

test('a development build the version leaves open between two eras, settled by the messages: the reason does not also ask for --era', () => {
  const log = [
    'Open On-Chip Debugger v0.12.0-esp32-20240318-40-gabc1234 (2024-06-20-10:00)',
    'Info : esp32s3.cpu0: Target halted',
    'Error: Failed to get flash maps (-9)!',
  ].join('\n');
  const r = explainOpenOcdLog(log);
  assert.equal(r.era.era, 'B');
  assert.match(r.era.reason, /^a development build 40 commits after the -esp32-20240318 tag, built 20240620; the stub protocol changed between that tag and the next release, so it can be era A or B\. The messages settle it: /);
  assert.doesNotMatch(r.era.reason, /Pass --era/);
  assert.equal(r.era.advice, undefined);
  // Without the settling message the era stays open, and the advice is its own field.
  const open = explainOpenOcdLog(log.split('\n').slice(0, 2).join('\n'));
  assert.equal(open.era.era, undefined);
  assert.match(open.era.reason, /so it can be era A or B\.$/);
  assert.equal(open.era.advice, 'Pass --era to decide.');
  const none = explainOpenOcdLog('Info : esp32s3.cpu0: Target halted');
  assert.equal(none.era.source, 'none');
  assert.match(none.era.advice ?? '', /^Pass --era A\|B\|C/);
});

test('a number wider than 32 bits is no stub code: the line is an error this tool does not know, not a number rounded to floating point', () => {
  const r = explainOpenOcdLog('Open On-Chip Debugger v0.12.0-esp32-20241016 (2024-10-16-14:17)\nError: Failed to get flash maps (-12345678901234567890)!\n');
  const x = r.explanations.find((e) => e.line === 2)!;
  assert.equal(x.kind, 'other-error');
  assert.equal(x.explained, false);
  assert.equal(x.codeValue, undefined);
  // 32 bits still read: the unsigned form of -6 (2022 builds).
  assert.equal(explainOpenOcdLog('Open On-Chip Debugger v0.12.0-esp32-20220706 (2022-07-06-10:00)\nError: Failed to get flash maps (4294967290)!\n').explanations[0]!.codeValue, -6);
});
