/**
 * Rebuilds the demo firmware with the RISC-V cross compiler and compares every output with the
 * committed firmware/build/ byte for byte; then builds again from a copy of the sources at another
 * path to show that the output does not depend on where the checkout lives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMMITTED = join(ROOT, 'firmware', 'build');
const CC = process.env.RISCV_CC ?? 'riscv64-unknown-elf-gcc';
const BUILD_TIMEOUT_MS = 120_000;

function compilerPresent(): boolean {
  const r = spawnSync(CC, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0;
}

const present = compilerPresent();
if (!present && process.env.CI === 'true') {
  test('RISC-V cross compiler is installed', () => {
    assert.fail(`${CC} was not found; CI must install gcc-riscv64-unknown-elf to check the prebuilt firmware`);
  });
}
const skip = present ? false : `${CC} not installed`;

function build(root: string, out: string): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build-firmware.ts'), '--out', out], {
    cwd: root,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  assert.equal(r.status, 0, `build-firmware failed:\n${r.stdout}\n${r.stderr}`);
}

function compareWithCommitted(out: string): void {
  const built = readdirSync(out).sort();
  assert.deepEqual(built, readdirSync(COMMITTED).sort(), 'the build produces exactly the committed files');
  for (const name of built) {
    const a = readFileSync(join(out, name));
    const b = readFileSync(join(COMMITTED, name));
    assert.ok(a.equals(b), `${name} differs from firmware/build/${name}; rebuild and commit it`);
  }
}

test('rebuilding the firmware reproduces firmware/build byte for byte', { skip, timeout: BUILD_TIMEOUT_MS + 10_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'espalgo-fw-out-'));
  try {
    build(ROOT, out);
    compareWithCommitted(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a checkout at another path builds the same bytes', { skip, timeout: BUILD_TIMEOUT_MS + 10_000 }, () => {
  const copy = mkdtempSync(join(tmpdir(), 'espalgo-fw-elsewhere-'));
  try {
    for (const dir of ['src', 'scripts']) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
    mkdirSync(join(copy, 'firmware'));
    for (const entry of readdirSync(join(ROOT, 'firmware'))) {
      if (entry !== 'build') cpSync(join(ROOT, 'firmware', entry), join(copy, 'firmware', entry), { recursive: true });
    }
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const out = join(copy, 'out');
    build(copy, out);
    compareWithCommitted(out);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
