/** `espalgo ota`: the boot choice read live, --select written (and kept with --persist), refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOta, type OtaOptions } from '../../src/cli/commands/ota.js';
import { runOtadata } from '../../src/cli/commands/image-otadata.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { parseOtadata } from '../../src/image/otadata.js';
import { tempDir } from './helpers.js';

const OTA_FLASH = 'firmware/build/demo-ota.bin';

async function ota(o: Partial<OtaOptions>) {
  const io = memoryIo();
  const code = await runGuardedAsync(io, () => runOta({ target: 'sim', backup: true, ...o } as OtaOptions, io), o.json === true);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

test('espalgo ota: which app boots and why; --select ota_0 --persist writes otadata copy 1 into the file', async (t) => {
  const board = join(tempDir(t), 'board.bin');
  copyFileSync(OTA_FLASH, board);
  const show = await ota({ flash: board });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^otadata  "otadata" at 0x0000d000, 2 OTA app partitions$/m);
  assert.match(show.stdout, /^boots    "ota_1" at 0x00090000: otadata copy 0 has the highest valid ota_seq 2/m);

  const select = await ota({ flash: board, persist: true, select: 'ota_0', json: true });
  assert.equal(select.code, 0, select.stderr);
  const r = JSON.parse(select.stdout) as Record<string, any>;
  assert.deepEqual(r['change'], { kind: 'wrote', copy: 1, offset: '0x0000e000', seq: 3, state: 'undefined' });
  assert.deepEqual([r['before']['boots']['label'], r['boots']['label']], ['ota_1', 'ota_0']);
  assert.deepEqual(r['otadata']['copies'].map((c: Record<string, unknown>) => c['offset']), ['0x0000d000', '0x0000e000'], 'flash offsets');
  const kept = parseOtadata(readFileSync(board).subarray(0xd000, 0xf000));
  assert.deepEqual([kept.active?.copy, kept.active?.seq], [1, 3], 'the file keeps the new otadata');

  const text = await ota({ flash: board, select: 'ota_1', state: 'new' });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^selected ota_1: wrote otadata copy 0 at 0x0000d000 \(ota_seq 4, state new\); the bootloader starts "ota_1" at 0x00090000 at the next reset \(before: "ota_0" at 0x00010000\)$/m);
});

test('espalgo ota refuses, exit 2: a data partition, an unknown name, --state without --select or not a state', async () => {
  const cases: [Partial<OtaOptions>, RegExp][] = [
    [{ flash: OTA_FLASH, select: 'nvs' }, /"nvs" is a data partition, not an app .*Its app partitions: ota_0, ota_1 \[FLASH_NOT_BOOTABLE\]/],
    [{ flash: OTA_FLASH, select: 'factory' }, /has no partition "factory"\. Its app partitions: ota_0, ota_1 \[FLASH_NO_SUCH_PARTITION\]/],
    [{ flash: OTA_FLASH, state: 'new' }, /--state goes with --select NAME/],
    [{ flash: OTA_FLASH, select: 'ota_0', state: 'fresh' }, /--state must be one of new, pending_verify, valid, invalid, aborted, undefined, not "fresh"/],
  ];
  for (const [o, message] of cases) {
    const r = await ota(o);
    assert.equal(r.code, 2, JSON.stringify(o));
    assert.match(r.stderr, message);
  }
});

test('ota --select with --state invalid or aborted is refused for what it is (the bootloader skips such an entry), not as a gap in the OTA numbering', async () => {
  for (const state of ['invalid', 'ABORTED']) {
    const io = memoryIo();
    const code = await runGuardedAsync(io, () => runOta({ target: 'sim', flash: 'firmware/build/demo-ota.bin', backup: true, select: 'ota_0', state } as OtaOptions, io));
    assert.equal(code, 2, state);
    assert.match(io.stderr(), new RegExp(`^espalgo: --state ${state.toLowerCase()} marks the entry as one the bootloader skips, so it would not start ota_0: give new, pending_verify, valid or undefined`));
  }
});

test('image otadata --select with a state the bootloader skips says so instead of "selects"', (t) => {
  const dir = tempDir(t);
  const io = memoryIo();
  assert.equal(runOtadata(undefined, { select: 'ota_1', state: 'invalid', out: join(dir, 'o.bin') }, io), 0);
  assert.match(io.stdout(), /\(8 KiB, ota_1's entry marked invalid, which the bootloader skips\)/);
  assert.doesNotMatch(io.stdout(), /selects ota_1/);
});
