/** The commander option parsers the commands share: what they take and how they refuse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { factorOption, millisecondsOption } from '../../src/cli/output/command-support.js';

test('--timeout-scale takes a factor above 0, fractions too, and refuses 0 and sizes', () => {
  const parse = factorOption('--timeout-scale');
  assert.equal(parse('0.5'), 0.5);
  assert.equal(parse('10'), 10);
  assert.equal(parse('.25'), 0.25);
  for (const bad of ['0', '0.0', '-1', '4M', '0x10', 'fast', '']) {
    assert.throws(() => parse(bad), (e: unknown) => e instanceof InvalidArgumentError && e.message === '--timeout-scale must be a number above 0, e.g. 0.5, 2 or 10', bad);
  }
});

test('call --timeout takes whole milliseconds above 0 (not 0, which gave up at once or never, nor a size like 4M)', () => {
  const parse = millisecondsOption('--timeout');
  assert.equal(parse('3000'), 3000);
  for (const bad of ['0', '1.5', '4M', '0x10', '-5', '']) {
    assert.throws(() => parse(bad), (e: unknown) => e instanceof InvalidArgumentError && /^--timeout must be milliseconds, a whole number above 0/.test(e.message), bad);
  }
});
