import assert from 'node:assert/strict';
import test from 'node:test';
import { wrapText } from '../../src/cli/output/table.js';

test('wrapText: lines fit the width, continuation lines are indented, a number keeps its unit', () => {
  const text = 'The app header at 0x0 says 2 MiB but the flash chip has 4 MiB: the application only uses the first 2 MiB.';
  const out = wrapText(text, 40, 4);
  const lines = out.split('\n');
  assert.ok(lines.every((l) => l.length <= 40), out);
  assert.ok(lines.slice(1).every((l) => l.startsWith('    ') && l[4] !== ' '), out);
  assert.equal(lines.map((l) => l.trim()).join(' '), text);
  // At width 30 a plain word wrap would end lines with "2" and "4" and start the next ones with "MiB".
  const tight = wrapText(text, 30, 0).split('\n');
  assert.ok(tight.every((l) => !l.startsWith('MiB')), tight.join('\n'));
  assert.ok(tight.some((l) => l.includes('4 MiB:')) && tight.some((l) => l.includes('2 MiB but')), tight.join('\n'));
});
