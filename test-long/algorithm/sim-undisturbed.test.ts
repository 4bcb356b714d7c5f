import { test } from 'node:test';
import { runUndisturbed } from '../../test/algorithm/undisturbed.js';

test('10,000 stub calls while the demo firmware runs leave it undisturbed', { timeout: 900_000 }, () => runUndisturbed(10_000));
