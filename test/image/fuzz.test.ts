import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './support/fuzz.js';

test('mutated images, tables, CSV, otadata, ELF: only results or ImageFormatErrors (3,000 cases)', { timeout: 60_000 }, () => {
  const report = runFuzz(3000, 0x5eed1);
  assert.deepEqual(report.failures, []);
  // the mutations must reach both outcomes and many distinct error paths
  assert.ok(report.results > 100, `results: ${report.results}`);
  assert.ok(report.typedErrors > 100, `typed errors: ${report.typedErrors}`);
  assert.ok(report.codes.size >= 8, `distinct codes: ${[...report.codes.keys()].join(', ')}`);
});
