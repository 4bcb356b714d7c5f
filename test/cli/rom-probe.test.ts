/** espalgo rom-probe: the plan (--dry-run, text and JSON), the live ROM-call probe on the simulator, --mode both, exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultProbeMode, runProbeMode } from '../../src/cli/commands/rom-probe.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { esp32c3, esp32s3, esp32 } from '../../src/chips/index.js';
import { runCli } from './helpers.js';

test('default mode: the compiled stub on the C3, ROM calls on chips without one', () => {
  assert.equal(defaultProbeMode(esp32c3), 'stub');
  assert.equal(defaultProbeMode(esp32s3), 'rom');
  assert.equal(defaultProbeMode(esp32), 'rom');
});

test('--dry-run --chip esp32s3: the plan as text, no target touched', async () => {
  const io = memoryIo();
  assert.equal(await runProbeMode({ chip: 'esp32s3', dryRun: true, target: '127.0.0.1:1' }, io), 0, io.stderr());
  const out = io.stdout();
  assert.match(out, /ROM-call probe plan for the ESP32-S3/);
  assert.match(out, /call esp_rom_spiflash_read @0x40000a20/);
  assert.match(out, /call ets_efuse_flash_octal_mode @0x40002004/);
  assert.match(out, /Restore \(always/);
});

test('--dry-run --json for the C3: a JSON plan with addresses as strings', async () => {
  const io = memoryIo();
  assert.equal(await runProbeMode({ chip: 'esp32c3', dryRun: true, json: true }, io), 0);
  const plan = JSON.parse(io.stdout()) as { chip: string; supported: boolean; steps: { text: string }[] };
  assert.equal(plan.chip, 'esp32c3');
  assert.equal(plan.supported, true);
  assert.ok(plan.steps.some((s) => s.text.includes('call esp_rom_spiflash_read @0x40000130')));
});

test('--dry-run for a chip without ROM facts exits 1 and says so', async () => {
  const io = memoryIo();
  assert.equal(await runProbeMode({ chip: 'esp32', dryRun: true }, io), 1);
  assert.match(io.stdout(), /Not available/);
});

test('--mode rom on the simulated C3 with the #366 state: JSON report made by ROM calls', async () => {
  const io = memoryIo();
  assert.equal(await runProbeMode({ target: 'sim', scenario: 'issue-366', mode: 'rom', json: true }, io), 0, io.stderr());
  const r = JSON.parse(io.stdout()) as { ok: boolean; method: string; size: { bytes: number }; id: { clean: number; naive: number }; mappings: { segments: unknown[] }; romCalls: number };
  assert.equal(r.ok, true);
  assert.equal(r.method, 'rom-call');
  assert.equal(r.size.bytes, 0x400000);
  assert.equal(r.id.clean, 0xef4016);
  assert.equal(r.id.naive, 0xde802d);
  assert.equal(r.mappings.segments.length, 2);
  assert.ok(r.romCalls > 0);
});

test('--mode both: stub and ROM calls side by side, and they agree', async () => {
  const io = memoryIo();
  assert.equal(await runProbeMode({ target: 'sim', scenario: 'issue-366-timing', mode: 'both' }, io), 0, io.stderr());
  assert.match(io.stdout(), /flasher stub/);
  assert.match(io.stdout(), /ROM calls without a compiled stub/);
  assert.match(io.stdout(), /Both ways agree/);
  const j = memoryIo();
  assert.equal(await runProbeMode({ target: 'sim', mode: 'both', json: true }, j), 0);
  assert.deepEqual((JSON.parse(j.stdout()) as { agree: unknown }).agree, { size: true, mappings: true });
});

test('bad input exits 2: unknown mode, --dry-run with --mode stub, unknown chip, an S3 on the C3 simulator', async () => {
  for (const o of [
    { mode: 'fast' },
    { mode: 'stub', dryRun: true },
    { chip: 'esp99', dryRun: true },
    { chip: 'esp32s3', target: 'sim' },
    { mode: 'rom', flashSize: 0x300000 },
    { mode: 'rom', appOffset: 0x12000 },
  ]) {
    const io = memoryIo();
    assert.equal(await runProbeMode(o, io), 2, JSON.stringify(o));
    assert.match(io.stderr(), /^espalgo: /);
  }
});

test('the CLI: espalgo rom-probe --chip esp32s3 --dry-run', () => {
  const r = runCli(['rom-probe', '--chip', 'esp32s3', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ROM-call probe plan for the ESP32-S3/);
});

test('the CLI: espalgo probe --chip esp32s3 --dry-run --json prints the same plan; --mode rom runs the ROM calls', () => {
  const r = runCli(['probe', '--chip', 'esp32s3', '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { chip: string; steps: { text: string }[] };
  assert.equal(plan.chip, 'esp32s3');
  assert.ok(plan.steps.some((s) => s.text.includes('@0x40000a20')));
  const live = runCli(['probe', '--scenario', 'issue-366-rom-dummy', '--mode', 'rom', '--json']);
  assert.equal(live.code, 0, live.stderr);
  const rep = JSON.parse(live.stdout) as { method: string; size: { bytes: number } };
  assert.equal(rep.method, 'rom-call');
  assert.equal(rep.size.bytes, 0x400000);
  const bad = runCli(['probe', '--mode', 'fast']);
  assert.equal(bad.code, 2);
});

test('--dry-run with options that act on a target or its flash refuses them instead of ignoring them', async () => {
  const io = memoryIo();
  assert.equal(await runProbeMode({ chip: 'esp32s3', dryRun: true, flash: 'x.bin', flashSize: 0x400000, appOffset: 0x10000 }, io), 2);
  assert.match(io.stderr(), /^espalgo: --dry-run prints the plan for --chip and touches no target, so --flash, --flash-size and --app-offset would do nothing: leave them out, or drop --dry-run to probe/);
  assert.equal(io.stdout(), '');
});

test('a given --app-offset with no app there: the note says to check that offset, not to pass one', async () => {
  const io = memoryIo({ columns: 200 });
  assert.equal(await runProbeMode({ mode: 'rom', appOffset: 0 }, io), 0, io.stderr());
  assert.match(io.stdout(), /No IROM\/DROM mapping: given app offset 0x00000000 \(--app-offset\)\. Check --app-offset 0x00000000: no app image with flash segments starts there/);
  assert.doesNotMatch(io.stdout(), /Pass --app-offset/);
});
