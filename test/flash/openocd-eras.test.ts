import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERA_INFO, KNOWN_RELEASES, eraOfDate, eraOfVersion, parseEraName, parseOpenOcdBanner, parseOpenOcdVersion,
  parseOpenOcdVersionMention, stubCommandNameInEra,
} from '../../src/flash/openocd-eras.js';

test('the #366 banner is an era B release with its build date', () => {
  const v = parseOpenOcdBanner('Open On-Chip Debugger v0.12.0-esp32-20241016 (2024-10-16-14:17)');
  assert.ok(v);
  assert.equal(v.espressif, true);
  assert.equal(v.base, '0.12.0');
  assert.equal(v.releaseDate, '20241016');
  assert.equal(v.buildDate, '20241016');
  assert.equal(v.devCommits, undefined);
  const e = eraOfVersion(v);
  assert.equal(e.era, 'B');
  assert.equal(e.certainty, 'release');
  assert.match(e.reason, /era B release/);
});

test('plain upstream OpenOCD is not Espressif and has no era', () => {
  for (const line of ['Open On-Chip Debugger 0.12.0', 'Open On-Chip Debugger 0.12.0+dev-01850-geb6f2745b (2024-01-02-10:00)', 'Open On-Chip Debugger 0.10.0-dev-00001-g891f429 (2018-10-30-07:41)']) {
    const v = parseOpenOcdBanner(line);
    assert.ok(v, line);
    assert.equal(v.espressif, false, line);
    const e = eraOfVersion(v);
    assert.equal(e.era, undefined, line);
    assert.equal(e.certainty, 'not-espressif');
    assert.match(e.reason, /upstream OpenOCD/);
  }
});

test('release boundaries of the three eras', () => {
  assert.deepEqual(eraOfDate('20200309'), ['A']);
  assert.deepEqual(eraOfDate('20240318'), ['A']);
  assert.deepEqual(eraOfDate('20240726'), ['B']);
  assert.deepEqual(eraOfDate('20260424'), ['B']);
  assert.deepEqual(eraOfDate('20260702'), ['C']);
  assert.deepEqual(eraOfDate('20270101'), ['C']);
  // Between releases: decided by the day FLASH_SIZE was dropped, or open.
  assert.deepEqual(eraOfDate('20240501'), ['A']);
  assert.deepEqual(eraOfDate('20240601'), ['A', 'B']);
  assert.deepEqual(eraOfDate('20260601'), ['B', 'C']);
  for (const r of KNOWN_RELEASES) assert.deepEqual(eraOfDate(r.date), [r.era], r.date);
  const dates = KNOWN_RELEASES.map((r) => r.date);
  assert.deepEqual([...dates].sort(), dates, 'releases are listed oldest first');
  assert.equal(ERA_INFO.A.lastRelease, '20240318');
  assert.equal(ERA_INFO.B.firstRelease, '20240726');
  assert.equal(ERA_INFO.C.firstRelease, '20260702');
});

test('development builds: same era when both neighbouring releases agree, open otherwise', () => {
  const a = eraOfVersion(parseOpenOcdBanner('Open On-Chip Debugger v0.12.0-esp32-20230419-191-g4da79b3e (2023-08-11-13:46)')!);
  assert.equal(a.era, 'A');
  assert.equal(a.certainty, 'development-build');
  const early = eraOfVersion(parseOpenOcdBanner('Open On-Chip Debugger v0.12.0-esp32-20240318-12-gabcdef12 (2024-05-01-10:00)')!);
  assert.equal(early.era, 'A', 'built before FLASH_SIZE was dropped');
  const late = eraOfVersion(parseOpenOcdBanner('Open On-Chip Debugger v0.12.0-esp32-20240318-40-gabcdef12 (2024-06-20-10:00)')!);
  assert.equal(late.era, undefined);
  assert.deepEqual(late.candidates, ['A', 'B']);
  assert.match(late.advice ?? '', /--era/);
  assert.doesNotMatch(late.reason, /--era/, 'the advice is its own field');
  const bc = eraOfVersion(parseOpenOcdVersion('v0.12.0-esp32-20260424-7-g1c904e5a4')!);
  assert.deepEqual(bc.candidates, ['B', 'C']);
  const afterLast = eraOfVersion(parseOpenOcdVersion('v0.12.0-esp32-20260703-3-g1a31bb545')!);
  assert.equal(afterLast.era, 'C');
});

test('versions quoted without the banner, and tags with suffixes', () => {
  const m = parseOpenOcdVersionMention('### OpenOCD version: v0.12.0-esp32-20241016');
  assert.equal(m?.releaseDate, '20241016');
  assert.equal(parseOpenOcdVersionMention('nothing here 0.12.0'), undefined);
  const t = parseOpenOcdVersion('v0.11.0-esp32-20211209_test');
  assert.equal(t?.releaseDate, '20211209');
  assert.equal(t?.suffix, '_test');
  assert.equal(eraOfVersion(t!).era, 'A');
  assert.equal(parseOpenOcdVersion('hello'), undefined);
});

test('era names and per-era command numbers', () => {
  assert.equal(parseEraName('b'), 'B');
  assert.equal(parseEraName('era C'), 'C');
  assert.equal(parseEraName('D'), undefined);
  assert.equal(parseEraName(''), undefined);
  assert.equal(stubCommandNameInEra('A', 4), 'FLASH_SIZE');
  assert.equal(stubCommandNameInEra('B', 4), 'MAP_GET');
  assert.equal(stubCommandNameInEra('C', 7), 'MAP_GET');
  assert.equal(stubCommandNameInEra('C', 5), 'ERASE');
  assert.equal(stubCommandNameInEra('B', 99), undefined);
});
