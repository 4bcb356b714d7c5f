import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stubImageToJson } from '../../src/algorithm/index.js';
import { runCall, type CallOptions } from '../../src/cli/commands/call.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { demoStub, STUB } from '../algorithm/sim-fixture.js';

const base: CallOptions = { target: 'sim', timeout: 3000 };

async function call(args: string[], options: Partial<CallOptions>) {
  const io = memoryIo();
  const code = await runGuardedAsync(io, () => runCall(args, { ...base, ...options }, io));
  return { code, out: io.stdout(), err: io.stderr() };
}

test('espalgo call --onboard on the simulated demo firmware prints the result and the restore', async () => {
  const r = await call(['1', '2', '3'], { onboard: 'demo_onboard_sum' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /result {3}0x5a5a5a78/);
  assert.match(r.out, /restored and read back: \d+ registers bit-exact/);
});

test('espalgo call --image with a JSON stub descriptor, --json output, and a trapping routine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-call-'));
  try {
    const image = demoStub();
    const path = join(dir, 'stub.json');
    writeFileSync(path, JSON.stringify(stubImageToJson(image)));
    const ok = await call(['40', '2'], { image: path, json: true });
    assert.equal(ok.code, 0, ok.err);
    const json = JSON.parse(ok.out);
    assert.equal(json.result, 42);
    assert.equal(json.context.verified, true);
    assert.ok(json.context.ramBytes > 0);

    const trapping = { ...image, entry: image.entry + STUB.fault };
    writeFileSync(path, JSON.stringify(stubImageToJson(trapping)));
    const bad = await call([], { image: path });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /load access fault.*restored/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('espalgo call refuses bad input with exit code 2', async () => {
  assert.equal((await call([], {})).code, 2);
  assert.equal((await call(['x1'], { onboard: '3' })).code, 2);
  assert.equal((await call([], { onboard: '3', target: 'nowhere' })).code, 2);
  const r = await call([], { onboard: 'main' });
  assert.equal(r.code, 2);
  assert.match(r.err, /not offered in the debug-stubs table/);
});

test('espalgo call --image with a broken JSON descriptor prints one line and exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-call-'));
  try {
    const path = join(dir, 'stub.json');
    writeFileSync(path, '{bad');
    const notJson = await call([], { image: path });
    assert.equal(notJson.code, 2);
    assert.match(notJson.err, /^espalgo: .*stub\.json is not valid JSON .*\n$/);
    writeFileSync(path, JSON.stringify({ ...stubImageToJson(demoStub()), segments: [{ address: 0x40380000 }] }));
    const noBytes = await call([], { image: path });
    assert.equal(noBytes.code, 2);
    assert.match(noBytes.err, /^espalgo: stub image "demo-stub": segment 0 needs .* \[ALGO_LOAD\]\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
