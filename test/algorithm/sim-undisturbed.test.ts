import { test } from 'node:test';
import { runUndisturbed } from './undisturbed.js';

test('2,000 stub calls while the demo firmware runs leave it undisturbed', { timeout: 300_000 }, () => runUndisturbed(2000));
