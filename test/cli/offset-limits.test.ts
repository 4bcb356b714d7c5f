/**
 * Offsets at the 32-bit edge: 4G is no offset, a file or part may end at 4 GiB but not past it (the
 * addresses would wrap), a partition table sits on a 4 KiB sector after the bootloader, and the
 * library's refusals name the command line's flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { offsetOption, runGuardedAsync, tableOffsetValue } from '../../src/cli/output/command-support.js';
import { runOta, type OtaOptions } from '../../src/cli/commands/ota.js';
import { runMerge } from '../../src/cli/commands/image-merge.js';
import { runPartitionTable } from '../../src/cli/commands/image-partition-table.js';
import { runFlashMap } from '../../src/cli/commands/flash-map.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { runCli, tempDir } from './helpers.js';

test('an offset option takes 0xFFFFFFFF and refuses 4G', () => {
  assert.equal(offsetOption('--base-offset')('0xffffffff'), 0xffffffff);
  assert.throws(() => offsetOption('--base-offset')('4G'), /--base-offset 4G is past the last 32-bit offset 0xFFFFFFFF/);
});

test('image merge: a part that would run past 4 GiB is refused, its end shown unwrapped, and nothing is written', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out.bin');
  const io = memoryIo();
  assert.equal(runMerge(['0xfffff000', 'firmware/build/bootloader.bin', '0xffffffc0', 'firmware/build/bootloader.bin'], { out, baseOffset: 0xfffff000 }, io), 2);
  assert.match(io.stderr(), /bootloader\.bin" \(0xffffffc0\.\.0x100000060\) runs past 4 GiB, where flash offsets end \[MERGE_RANGE\]/);
  assert.equal(existsSync(out), false);
});

test('flash-map: a --base-offset that puts the file past 4 GiB is refused; option refusals name the flags', () => {
  const io = memoryIo();
  assert.equal(runFlashMap('firmware/build/demo-ota.bin', { baseOffset: 0xfffff000 }, io), 2);
  assert.match(io.stderr(), /--base-offset 0xfffff000: the file's \d+ bytes would run past 4 GiB/);
  const size = memoryIo();
  assert.equal(runFlashMap('firmware/build/demo-ota.bin', { flashSize: 0x100000001 }, size), 2);
  assert.match(size.stderr(), /--flash-size 4294967297 bytes is not a flash size/);
  const table = memoryIo();
  assert.equal(runFlashMap('firmware/build/demo-ota.bin', { tableOffset: 0x100000001 }, table), 2);
  assert.match(table.stderr(), /--table-offset must be a whole number from 0 to 0x/);
});

test('image partition-table --offset: 0 and an offset off a 4 KiB sector are refused before anything is written', (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'parts.csv');
  writeFileSync(csv, 'nvs, data, nvs, , 0x6000\nfactory, app, factory, , 1M\n');
  for (const offset of [0, 0x8001]) {
    const out = join(dir, `t${offset}.bin`);
    const io = memoryIo();
    assert.equal(runPartitionTable(csv, { out, offset }, io), 2);
    assert.match(io.stderr(), /cannot hold a partition table: it starts on a 4 KiB flash sector after the bootloader/);
    assert.equal(existsSync(out), false);
  }
  const io = memoryIo();
  assert.equal(runPartitionTable(csv, { out: join(dir, 'ok.bin'), offset: 0x9000 }, io), 0, io.stderr());
  assert.ok(readFileSync(join(dir, 'ok.bin')).length > 0);
  // A table in the last sector leaves its first partition at 4 GiB: said so, not wrapped to 0x00000000.
  const top = memoryIo();
  assert.equal(runPartitionTable(csv, { out: join(dir, 'top.bin'), offset: 0xfffff000 }, top), 2);
  assert.match(top.stderr(), /partition "nvs" at 0x100000000 with size 0x00006000 runs past 4 GiB/);
});

test('--flash-size is a flash chip\'s size (a power of two from 64K to 1G) in every command that takes it, refused before anything is read or connected', async (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'p.csv');
  writeFileSync(csv, 'nvs, data, nvs, , 0x6000,\nfactory, app, factory, , 1M,\n');
  const refused = (io: ReturnType<typeof memoryIo>, what: string) => assert.match(io.stderr(), /^espalgo: --flash-size (3 MiB|0 bytes|1 byte) is not a flash size: give a power of two from 64K to 1G/, what);
  for (const flashSize of [0, 1, 0x300000]) {
    const pt = memoryIo();
    assert.equal(runPartitionTable(csv, { out: join(dir, 'p.bin'), flashSize }, pt), 2);
    refused(pt, `partition-table ${flashSize}`);
    assert.equal(existsSync(join(dir, 'p.bin')), false, 'nothing written');
    const map = memoryIo();
    assert.equal(runFlashMap('firmware/build/demo-ota.bin', { flashSize }, map), 2);
    refused(map, `flash-map ${flashSize}`);
    // ota (and every flash command) checks it before connecting: the target named here does not exist.
    const ota = memoryIo();
    assert.equal(await runGuardedAsync(ota, () => runOta({ target: '127.0.0.1:1', backup: true, flashSize, select: 'ota_0' } as OtaOptions, ota)), 2);
    refused(ota, `ota ${flashSize}`);
  }
});

test('--table-offset is a 4 KiB sector after the bootloader\'s in every command that takes it (0 and 0x8001 used to reach the simulator\'s boot as "magic 0x0150")', () => {
  const parse = tableOffsetValue();
  assert.equal(parse('0xc000'), 0xc000);
  assert.equal(parse('64K'), 0x10000);
  for (const bad of ['0', '0x8001', '0x8800']) assert.throws(() => parse(bad), new RegExp(`--table-offset ${bad} cannot hold a partition table: it starts on a 4 KiB flash sector after the bootloader`));
  assert.throws(() => parse('4G'), /past the last 32-bit offset/);
  for (const args of [['ota', '--table-offset', '0x8001'], ['sim', '--table-offset', '0'], ['flash', 'read', '--partition', 'nvs', '-o', '-', '--table-offset', '0x8100']]) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /cannot hold a partition table/, args.join(' '));
  }
});
