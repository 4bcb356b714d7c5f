/**
 * flash write's transfer options ask for one transfer: --compress, --mode deflate, --inflater and
 * --window (deflated data) against --no-compress and --mode stream|calls (plain data) are refused
 * as bad input before any target is reached, and so are --compress and --no-compress together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFlash, type FlashWriteOptions } from '../../src/cli/commands/flash.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { runCli, tempDir } from './helpers.js';

/** Options that reach no target: 127.0.0.1:1 refuses, so a refusal before connecting is told apart from the connection's failure. */
const base = { target: '127.0.0.1:1', backup: true, skip: true, verify: true } as FlashWriteOptions;

test('contradicting transfer options are refused with exit 2 before connecting (the target named here does not exist)', async (t) => {
  const file = join(tempDir(t), 'data.bin');
  writeFileSync(file, new Uint8Array(0x1000).fill(0x5a));
  const cases: [Partial<FlashWriteOptions>, RegExp][] = [
    [{ mode: 'stream', compress: true }, /^espalgo: --compress sends the data deflated and --mode stream sends it uncompressed: give one of them\n$/],
    [{ mode: 'calls', compress: true }, /--compress sends the data deflated and --mode calls/],
    [{ mode: 'deflate', compress: false }, /^espalgo: --mode deflate sends the data deflated and --no-compress sends it uncompressed: give one of them\n$/],
    [{ compress: false, window: '8K' }, /^espalgo: --window is for deflated data, and --no-compress sends it uncompressed: leave out one or the other\n$/],
    [{ mode: 'stream', inflater: 'stub', window: '4K' }, /^espalgo: --inflater and --window are for deflated data, and --mode stream sends it uncompressed/],
    [{ mode: 'zip' }, /--mode must be deflate, stream or calls, not "zip"/],
  ];
  for (const [options, message] of cases) {
    const io = memoryIo();
    const code = await runGuardedAsync(io, () => runFlash('write', [file, '0x300000'], { ...base, ...options, json: true }, io), true);
    assert.equal(code, 2, JSON.stringify(options));
    assert.match(io.stderr(), message, JSON.stringify(options));
    assert.equal((JSON.parse(io.stdout()) as { code: string }).code, 'BAD_OPTIONS');
  }
});

test('options that agree are taken: --mode deflate --compress --window, --no-compress --mode calls (through to the connection, which fails here)', async (t) => {
  const file = join(tempDir(t), 'data.bin');
  writeFileSync(file, new Uint8Array(0x1000).fill(0x5a));
  for (const options of [{ mode: 'deflate', compress: true, window: '8K', inflater: 'stub' }, { mode: 'calls', compress: false }]) {
    const io = memoryIo();
    const code = await runGuardedAsync(io, () => runFlash('write', [file, '0x300000'], { ...base, ...options }, io));
    assert.equal(code, 2, JSON.stringify(options));
    assert.doesNotMatch(io.stderr(), /give one of them|leave out one/, JSON.stringify(options));
    assert.match(io.stderr(), /127\.0\.0\.1:1/, 'the failure is the connection');
  }
});

test('--compress and --no-compress together are a usage error (commander keeps only the last; espalgo refuses)', (t) => {
  const file = join(tempDir(t), 'data.bin');
  writeFileSync(file, new Uint8Array(0x1000).fill(0x5a));
  for (const flags of [['--compress', '--no-compress'], ['--no-compress', '--compress']]) {
    const r = runCli(['flash', 'write', file, '0x300000', ...flags, '--json']);
    assert.equal(r.code, 2, flags.join(' '));
    assert.match(r.stderr, /^error: --compress and --no-compress contradict each other: give one of them \(see: espalgo flash write --help\)\n$/);
    assert.deepEqual(JSON.parse(r.stdout), { ok: false, code: 'BAD_USAGE', error: '--compress and --no-compress contradict each other: give one of them' });
  }
});
