/**
 * Peer tests of the flasher stub: needs the RISC-V cross compiler (rebuild and compare with the
 * committed stub/build byte for byte) and the host C compiler (the stub's SHA-256, inflater and
 * flash-size table compiled for the host and checked against node's crypto and zlib and against
 * src/flash/stub-protocol.ts). Under CI=true a missing compiler fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, deflateRawSync } from 'node:zlib';
import { flashSizeFromCapacity } from '../../src/flash/stub-protocol.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CROSS = process.env.RISCV_CC ?? 'riscv64-unknown-elf-gcc';
const HOST_CC = process.env.CC ?? 'gcc';

function have(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function requirePeer(t: { skip: (m: string) => void }, cmd: string): boolean {
  if (have(cmd)) return true;
  if (process.env.CI === 'true') assert.fail(`${cmd} is not installed (required under CI=true)`);
  t.skip(`${cmd} not installed`);
  return false;
}

test('the committed stub/build matches a rebuild byte for byte', (t) => {
  if (!requirePeer(t, CROSS)) return;
  const out = mkdtempSync(join(tmpdir(), 'espalgo-stub-check-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-stub.ts', '--out', out, '--cc', CROSS], { cwd: ROOT, stdio: 'pipe' });
    const built = readdirSync(out).sort();
    const committed = readdirSync(join(ROOT, 'stub', 'build')).sort();
    assert.deepEqual(built, committed);
    for (const f of built) {
      assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(ROOT, 'stub', 'build', f))), `stub/build/${f} differs from its rebuild; run npx tsx scripts/build-stub.ts`);
    }
    const json = readFileSync(join(out, 'esp32c3-flasher.json'), 'utf8');
    assert.ok(!json.includes(ROOT), 'no absolute paths in the descriptor');
    assert.ok(!readFileSync(join(out, 'esp32c3-flasher.elf')).includes(Buffer.from(ROOT)), 'no absolute paths in the ELF');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

function buildHarness(dir: string): string {
  const exe = join(dir, 'host-harness');
  execFileSync(HOST_CC, ['-O1', '-Wall', '-Wextra', '-Werror', '-o', exe,
    join(ROOT, 'test-peers/stub/host-harness.c'), join(ROOT, 'stub/src/sha256.c'), join(ROOT, 'stub/src/inflate.c'), join(ROOT, 'stub/src/flash_size.c')]);
  return exe;
}

test('the stub SHA-256, inflater and size table agree with node and stub-protocol.ts (host build)', (t) => {
  if (!requirePeer(t, HOST_CC)) return;
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-stub-host-'));
  try {
    const exe = buildHarness(dir);
    const run = (args: string[], input: Uint8Array) => spawnSync(exe, args, { input, maxBuffer: 1 << 26 });

    for (const size of [0, 1, 55, 56, 63, 64, 65, 1000, 70001]) {
      const data = randomBytes(size);
      const r = run(['sha256'], data);
      assert.equal(r.status, 0);
      assert.equal(r.stdout.toString().trim(), createHash('sha256').update(data).digest('hex'), `sha256 of ${size} bytes`);
    }

    const text = Buffer.from('flash stub '.repeat(5000));
    const mixed = Buffer.concat([randomBytes(9000), text, randomBytes(40000), text.subarray(0, 33333)]);
    const variants: [string, Buffer][] = [
      ['stored', deflateRawSync(mixed, { level: 0 })],
      ['fixed', deflateRawSync(mixed, { strategy: constants.Z_FIXED })],
      ['dynamic', deflateRawSync(mixed, { level: 9 })],
      ['fast', deflateRawSync(mixed, { level: 1 })],
      ['empty', deflateRawSync(Buffer.alloc(0))],
    ];
    for (const [name, packed] of variants) {
      const expected = name === 'empty' ? Buffer.alloc(0) : mixed;
      const r = run(['inflate', String(expected.length)], packed);
      assert.equal(r.status, 0, `${name}: exit ${r.status}`);
      assert.ok(r.stdout.equals(expected), `${name}: output differs`);
    }
    const packed = deflateRawSync(mixed, { level: 6 });
    assert.equal(run(['inflate', String(mixed.length - 1)], packed).status, 13, 'more output than the limit');
    assert.equal(run(['inflate', String(mixed.length)], packed.subarray(0, packed.length >> 1)).status, 12, 'truncated input');
    assert.equal(run(['inflate', '100'], Buffer.from([0x07, 0x00])).status, 11, 'reserved block type');
    // A window smaller than the compressor's: a match reaching past it is refused, not misread.
    const twice = randomBytes(0x2000);
    const far = Buffer.concat([twice, twice]);
    assert.equal(run(['inflate', String(far.length), '0x1000'], deflateRawSync(far)).status, 11, 'match 8 KiB back, 4 KiB window');
    const near = run(['inflate', String(far.length), '0x1000'], deflateRawSync(far, { windowBits: 12 }));
    assert.ok(near.status === 0 && near.stdout.equals(far), 'the same compressed with a 4 KiB window');
    for (const bad of ['0x800', '0x3000', '0x10000']) assert.equal(run(['inflate', '100', bad], Buffer.from([0x03, 0x00])).status, 2, `window ${bad}`);

    // Differential fuzz: mixtures of noise, text and runs, every level and strategy; truncated and
    // bit-flipped streams fail cleanly (exit 11/12/13 = data/short/too much), never crash.
    let seed = 0x5eed1234;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const strategies = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];
    for (let i = 0; i < 60; i++) {
      const parts: Buffer[] = [];
      for (let p = 0, n = 1 + rnd(6); p < n; p++) {
        const len = rnd(20000);
        const kind = rnd(3);
        parts.push(kind === 0 ? randomBytes(len) : kind === 1 ? Buffer.alloc(len, rnd(256)) : Buffer.from(`line ${rnd(1000)} of a log; `.repeat(1 + (len >> 5))));
      }
      const data = Buffer.concat(parts);
      const windowBits = 12 + rnd(4);
      const packed = deflateRawSync(data, { level: rnd(10), strategy: strategies[rnd(strategies.length)]!, memLevel: 1 + rnd(9), windowBits });
      const r = run(['inflate', String(data.length), String(1 << windowBits)], packed);
      assert.equal(r.status, 0, `case ${i}: exit ${r.status}`);
      assert.ok(r.stdout.equals(data), `case ${i}: output differs`);
      if (packed.length > 2) {
        const cut = run(['inflate', String(data.length)], packed.subarray(0, rnd(packed.length - 1)));
        assert.ok(cut.status === 11 || cut.status === 12, `case ${i} truncated: exit ${cut.status}`);
        const flipped = Buffer.from(packed);
        flipped[rnd(flipped.length)]! ^= 1 << rnd(8);
        const bad = run(['inflate', String(data.length + 1000)], flipped);
        assert.ok([0, 11, 12, 13].includes(bad.status ?? -1), `case ${i} bit flip: exit ${bad.status} ${bad.signal ?? ''}`);
      }
    }

    const sizes = run(['sizes'], new Uint8Array(0));
    assert.equal(sizes.status, 0);
    const lines = sizes.stdout.toString().trim().split('\n');
    assert.equal(lines.length, 256);
    for (const line of lines) {
      const [cap, size] = line.split(' ').map(Number) as [number, number];
      assert.equal(size, flashSizeFromCapacity(cap), `capacity 0x${cap.toString(16)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
