import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../../test/image/support/fuzz.js';

test('image parsers survive 100,000 mutated inputs (results or ImageFormatErrors only)', { timeout: 30 * 60_000 }, () => {
  let failures: string[] = [];
  let results = 0;
  let typed = 0;
  // several seeds so one bad seed does not hide the rest
  for (let k = 0; k < 10; k++) {
    const report = runFuzz(10_000, 0xc0ffee + k * 7919);
    failures = failures.concat(report.failures);
    results += report.results;
    typed += report.typedErrors;
  }
  assert.deepEqual(failures, []);
  assert.ok(results + typed >= 100_000, `ran ${results + typed} parser calls`);
});
