/** `espalgo flash … --partition NAME`: the range from the chip's partition table, refusals before anything is touched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFlash, type FlashCommonOptions, type FlashReadOptions, type FlashWriteOptions } from '../../src/cli/commands/flash.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { tempDir } from '../cli/helpers.js';
import { FlashError, isFlashInputError } from '../../src/flash/errors.js';
import { findPartition } from '../../src/flash/partition-lookup.js';
import { withFlashSession } from '../../src/flash/session.js';
import { buildPartitionTable, parsePartitionTable, PARTITION_TABLE_MAX_LENGTH } from '../../src/image/partition-table.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { DEMO_FLASH, random } from './flash-fixture.js';

const base = { target: 'sim', backup: true, skip: true, verify: true } as const;
const APP = 'firmware/build/espalgo-demo.bin';
const ELF = 'firmware/build/espalgo-demo.elf';
// The demo flash's table at 0x8000: nvs 0x9000 (24 KiB), phy_init 0xf000, factory 0x10000, vfs 0x200000 (2 MiB).
const NVS = { offset: 0x9000, size: 0x6000 };
const FACTORY = 0x10000;

const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** runFlash as the command line runs it (usage errors exit 2 with their message), with captured output. */
async function flash(action: Parameters<typeof runFlash>[0], args: string[], o: Partial<FlashWriteOptions & FlashReadOptions>) {
  const io = memoryIo();
  const code = await runGuardedAsync(io, () => runFlash(action, args, { ...base, ...o } as FlashCommonOptions, io), o.json === true);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

test('--partition NAME reads, writes, verifies, erases and blank-checks that partition, named in the results', async (t) => {
  const dir = tempDir(t);
  const board = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, board);
  const original = readFileSync(board);

  const out = join(dir, 'nvs.bin');
  const read = await flash('read', [], { partition: 'nvs', out, flash: board, json: true });
  assert.equal(read.code, 0, read.stderr);
  assert.ok(readFileSync(out).equals(original.subarray(NVS.offset, NVS.offset + NVS.size)), 'the whole partition, from its offset');
  assert.deepEqual(
    (({ offset, length, partition }) => ({ offset, length, partition }))(jsonLines(read.stdout).at(-1)!),
    { offset: '0x00009000', length: NVS.size, partition: 'nvs' },
  );

  const app = readFileSync(APP);
  const write = await flash('write', [APP], { partition: 'factory', flash: board, persist: true });
  assert.equal(write.code, 0, write.stderr);
  assert.match(write.stdout, /^wrote [\d.]+ KiB into partition factory \(1\.94 MiB at 0x00010000\) on sim:esp32c3$/m);
  assert.ok(readFileSync(board).subarray(FACTORY, FACTORY + app.length).equals(app), 'the app at the factory offset');
  const verify = await flash('verify', [APP], { partition: 'factory', flash: board });
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /verified [\d.]+ KiB in partition factory \(1\.94 MiB at 0x00010000\): SHA-256 matches/);

  const before = readFileSync(board);
  const erase = await flash('erase', [], { partition: 'nvs', flash: board, persist: true });
  assert.equal(erase.code, 0, erase.stderr);
  assert.match(erase.stdout, /^erased partition nvs \(24 KiB at 0x00009000\) in \d+ ms$/m);
  const after = readFileSync(board);
  assert.ok(after.subarray(NVS.offset, NVS.offset + NVS.size).every((b) => b === 0xff), 'the partition is erased');
  assert.ok(after.subarray(0, NVS.offset).equals(before.subarray(0, NVS.offset)) && after.subarray(NVS.offset + NVS.size).equals(before.subarray(NVS.offset + NVS.size)), 'nothing else changed');

  const blank = await flash('blank-check', [], { partition: 'nvs', flash: board });
  assert.equal(blank.code, 0, blank.stderr);
  assert.match(blank.stdout, /blank: partition nvs \(24 KiB at 0x00009000\) is all 0xFF/);
  assert.equal((await flash('blank-check', [], { partition: 'factory', flash: board })).code, 1, 'the factory app is not blank');
});

test('--partition refuses, exit 2 and nothing touched: an unknown name (listing the names), data larger than the partition, no table', async (t) => {
  const dir = tempDir(t);
  const board = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, board);
  const original = readFileSync(board);

  const unknown = await flash('erase', [], { partition: 'ota_1', flash: board, persist: true, json: true });
  assert.equal(unknown.code, 2);
  assert.deepEqual(jsonLines(unknown.stdout).at(-1), {
    ok: false,
    code: 'FLASH_NO_SUCH_PARTITION',
    error: 'the partition table at 0x00008000 has no partition "ota_1". Its partitions: nvs, phy_init, factory, vfs',
  });

  const big = join(dir, 'big.bin');
  writeFileSync(big, random(NVS.size + 4));
  const tooLarge = await flash('write', [big], { partition: 'nvs', flash: board, persist: true });
  assert.equal(tooLarge.code, 2);
  assert.match(tooLarge.stderr, /write: 24580 bytes do not fit partition "nvs" \(24576 bytes at 0x00009000\)\. .*\[FLASH_TOO_LARGE\]/);

  assert.ok(readFileSync(board).equals(original), 'the flash file is as it was');

  // No table where one is said to be (behind a GDB server: the simulator itself does not boot without one).
  const sim = createSimulatedEsp32c3({ flash: DEMO_FLASH });
  t.after(() => sim.close());
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    await assert.rejects(findPartition(session, 'factory', { tableOffset: 0xc000 }), (e: unknown) => {
      assert.ok(e instanceof FlashError && isFlashInputError(e));
      assert.equal(e.message, 'no partition table to find "factory" in: no partition table at the given offset 0x0000c000. Check --table-offset, or give the offset itself instead of a partition name');
      return true;
    });
  });
});

test('--partition finds a table off 0x8000: where --table-offset says (the simulator boots with it too), else by searching', async (t) => {
  const board = 'firmware/build/demo-table-0xc000.bin'; // table at 0xC000: nvs 0xD000 (12 KiB), factory 0x10000, vfs 0x200000
  const bytes = readFileSync(board);
  const out = join(tempDir(t), 'nvs.bin');
  const given = await flash('read', [], { partition: 'nvs', tableOffset: 0xc000, out, flash: board, json: true });
  assert.equal(given.code, 0, given.stderr);
  assert.deepEqual([jsonLines(given.stdout).at(-1)!['offset'], jsonLines(given.stdout).at(-1)!['length']], ['0x0000d000', 0x3000]);
  assert.ok(readFileSync(out).equals(bytes.subarray(0xd000, 0x10000)));

  const sim = createSimulatedEsp32c3({ flash: bytes, tableOffset: 0xc000 });
  t.after(() => sim.close());
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    const found = await findPartition(session, 'vfs');
    assert.deepEqual([found.tableOffset, found.entry.offset, found.entry.size], [0xc000, 0x200000, 0x200000]);
    assert.match(found.tableNote, /nothing at the default 0x00008000; found at 0x0000c000 by searching/);
  });
});

test('data that is not an app image written into an app partition: written, with a warning (text and JSON)', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data.bin');
  writeFileSync(data, new Uint8Array(0x1000).fill(0x5a));
  const r = await flash('write', [data], { partition: 'factory', json: true });
  assert.equal(r.code, 0, r.stderr);
  const warning = `${data} starts with 0x5a, not an ESP app image (magic 0xE9) or an MCUboot image; the bootloader will not start it from app partition "factory" at 0x00010000`;
  assert.equal(r.stderr, `espalgo: warning: ${warning}\n`);
  assert.deepEqual(jsonLines(r.stdout).at(-1)!['warnings'], [warning]);
  const app = await flash('write', [APP], { partition: 'factory' });
  assert.equal(app.code, 0);
  assert.doesNotMatch(app.stderr, /warning/, 'an app image into an app partition: no warning');
});

test('arguments: --partition takes no offset or size, --table-offset needs --partition; an app image without an offset is not written at 0x0', async (t) => {
  const dir = tempDir(t);
  const cases: [Parameters<typeof runFlash>[0], string[], Partial<FlashWriteOptions & FlashReadOptions>, RegExp][] = [
    ['write', [APP, '0x10000'], { partition: 'factory' }, /with --partition give one FILE and no offset/],
    ['read', ['0x9000', '4K'], { partition: 'nvs', out: join(dir, 'x.bin') }, /with --partition give no offset or size/],
    ['erase', ['0x9000'], { partition: 'nvs' }, /with --partition give no offset or size/],
    ['erase', ['0x9000', '4K'], { tableOffset: 0x8000, target: '127.0.0.1:1' }, /--table-offset goes with --partition NAME behind a GDB server/],
    ['write', [APP], {}, /espalgo-demo\.bin is an app image \(it maps flash\); at 0x0, the offset used when none is given, it would replace the bootloader\. Give its offset .* or its partition \(--partition factory\)/],
    // the ELF instead of the image built from it
    ['write', [ELF, '0x10000'], {}, /espalgo-demo\.elf is an ELF file \(a linked program\), not flash contents: the chip never runs an ELF from flash\. Build its app image first \(espalgo image elf2image firmware\/build\/espalgo-demo\.elf --chip CHIP, which writes espalgo-demo\.bin\), then write that/],
    ['write', [ELF], { partition: 'factory' }, /is an ELF file/],
    ['verify', [ELF, '0x10000'], {}, /is an ELF file .* then verify that/],
  ];
  for (const [action, args, o, message] of cases) {
    const r = await flash(action, args, o);
    assert.equal(r.code, 2, `${action} ${args.join(' ')} ${JSON.stringify(o)}`);
    assert.match(r.stderr, message);
  }
  const data = join(dir, 'data.bin');
  writeFileSync(data, new Uint8Array(0x1000).fill(0x5a));
  assert.equal((await flash('write', [data], {})).code, 0, 'data that is not an app image still goes to 0x0 by default');
  assert.equal((await flash('write', [APP, '0x0'], {})).code, 0, 'an app at an offset given as 0x0 is written');
});

test('a partition flagged encrypted: read, write and verify say that the bytes are the flash as stored (text and JSON); erase says nothing', async (t) => {
  const dir = tempDir(t);
  const board = join(dir, 'board.bin');
  const bytes = new Uint8Array(readFileSync(DEMO_FLASH));
  const entries = parsePartitionTable(bytes.subarray(0x8000, 0x8000 + PARTITION_TABLE_MAX_LENGTH)).entries;
  bytes.set(buildPartitionTable(entries.map((e) => ({ ...e, flags: { encrypted: e.label === 'nvs' } }))), 0x8000);
  writeFileSync(board, bytes);
  const data = join(dir, 'nvs.bin');
  writeFileSync(data, random(NVS.size));
  const said = (action: string) => new RegExp(`^espalgo: warning: partition "nvs" at 0x00009000 is flagged encrypted; the (file|bytes read)[^\\n]*${action === 'read' ? 'ciphertext' : 'encrypted'}[^\\n]*\\n$`);
  for (const [action, args, extra] of [['write', [data], { persist: true }], ['verify', [data], {}], ['read', [], { out: join(dir, 'out.bin') }]] as const) {
    const r = await flash(action, [...args], { partition: 'nvs', flash: board, json: true, ...extra });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, said(action), action);
    assert.deepEqual(jsonLines(r.stdout).at(-1)!['warnings'], [r.stderr.replace(/^espalgo: warning: /, '').trimEnd()], action);
  }
  const erase = await flash('erase', [], { partition: 'nvs', flash: board });
  assert.equal(erase.code, 0);
  assert.doesNotMatch(erase.stderr, /warning/);
  assert.ok(readFileSync(join(dir, 'out.bin')).equals(readFileSync(data)), 'what was written is what was read');
  const plain = await flash('write', [data], { partition: 'nvs' });
  assert.doesNotMatch(plain.stderr, /warning/, 'the same partition not flagged: no warning');
});
