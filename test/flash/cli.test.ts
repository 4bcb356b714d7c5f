/** `espalgo flash …` through runFlash with captured output: results, JSON lines, exit codes, refusals before connecting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFlash, type FlashWriteOptions } from '../../src/cli/commands/flash.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { serveSim } from '../gdb/sim-server.js';
import { DEMO_FLASH, demoSim, random } from './flash-fixture.js';
import { tempDir } from '../cli/helpers.js';

const base = { target: 'sim', backup: true, compress: true, skip: true, verify: true } as const;

test('flash write/verify/read/blank-check/erase on the simulator: exit codes and JSON lines', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'data.bin');
  writeFileSync(file, random(0x3000));
  const io = memoryIo();
  assert.equal(await runFlash('write', [file, '0x200000'], { ...base, json: true } as FlashWriteOptions, io), 0);
  const lines = io.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const events = lines.filter((l) => l['event'] === 'progress');
  assert.deepEqual([...new Set(events.map((e) => e['phase']))], ['plan', 'erase', 'write', 'verify']);
  // Addresses are 0x strings in every line of the stream: the progress events, the result, the errors.
  assert.ok(events.every((e) => e['address'] === '0x00200000'), JSON.stringify(events[0]));
  const last = lines.at(-1)!;
  assert.equal(last['ok'], true);
  assert.equal(last['offset'], '0x00200000');
  assert.equal(last['verified'], 'sha256');
  assert.equal(last['sectorsTotal'], 3);
  // Times and rates to a tenth, as in the progress events (not 7.354488999999944).
  const tenth = (n: unknown) => typeof n === 'number' && /^\d+(\.\d)?$/.test(String(n));
  assert.ok(Object.values(last['ms'] as Record<string, unknown>).every(tenth) && tenth(last['kbps']), JSON.stringify([last['ms'], last['kbps']]));
  assert.ok(tenth((last['transfer'] as Record<string, unknown>)['durationMs']), JSON.stringify(last['transfer']));
  assert.deepEqual([(last['transfer'] as Record<string, unknown>)['mode'], (last['transfer'] as Record<string, unknown>)['window']], ['deflate', 0x8000], 'in process: the largest window');
  const small = memoryIo();
  writeFileSync(file, new Uint8Array(0x3000).fill(0x11));
  assert.equal(await runFlash('write', [file, '0x200000'], { ...base, window: '4K' } as FlashWriteOptions, small), 0);
  assert.match(small.stdout(), /\(deflate through a 4 KiB window, /);

  const text = memoryIo();
  assert.equal(await runFlash('read', ['0x8000', '4K'], { ...base, out: join(dir, 'table.bin') } as FlashWriteOptions & { out: string }, text), 0);
  assert.equal(readFileSync(join(dir, 'table.bin')).length, 4096);
  assert.match(text.stdout(), /read 4 KiB at 0x00008000/);
  assert.equal(await runFlash('read', ['0x8000', '3'], { ...base, out: join(dir, 'three.bin') } as FlashWriteOptions & { out: string }, text), 0);
  assert.match(text.stdout(), /read 3 B at 0x00008000 into /);
  assert.match(text.stderr(), /^read +3 B, /m, 'the progress summary counts bytes below 1 KiB');
  assert.match(text.stderr(), /^read +4\.0 KiB, /m);
  assert.equal(await runFlash('verify', [join(dir, 'table.bin'), '0x8000'], base, text), 0);
  assert.equal(await runFlash('verify', [join(dir, 'table.bin'), '0x9000'], base, text), 1, 'a mismatch exits 1');
  assert.match(text.stdout(), /MISMATCH: the flash differs from the file from 0x00009000/);
  // The progress summary of a verify that stopped at the first sector says of how much: not "verify 0 B".
  assert.match(text.stderr(), /^verify +0 B of 4\.0 KiB, [\d.]+ s\n/m);
  assert.match(text.stderr(), /^verify +4\.0 KiB, /m, 'a whole verify says only its size');
  assert.equal(await runFlash('blank-check', ['0x300000', '64K'], base, text), 0);
  assert.equal(await runFlash('blank-check', ['0x8000', '4K'], base, text), 1, 'not blank exits 1');
  assert.equal(await runFlash('erase', ['0x3f0000', '64K'], base, text), 0);
});

test('unaligned, out-of-range and oversized requests exit 2 with the address and what to do', async (t) => {
  const dir = tempDir(t);
  const small = join(dir, 'small.bin');
  writeFileSync(small, random(64));
  const big = join(dir, 'big.bin');
  writeFileSync(big, new Uint8Array(0x400001));
  // A target that does not exist: these must be refused before any connection is tried.
  const nowhere = { ...base, target: '127.0.0.1:1' };
  const cases: [Parameters<typeof runFlash>[0], string[], object, RegExp][] = [
    ['write', [small, '0x10002'], nowhere, /offset 0x00010002 is not a multiple of 4 bytes.*\[FLASH_UNALIGNED\]/],
    ['erase', ['0x10000', '100'], nowhere, /length 100 is not a multiple of 4 KiB.*Round the length up to 4096/],
    ['erase', ['0x10800', '4K'], nowhere, /offset 0x00010800 is not a multiple of 4 KiB \(the sector size\)\. Use an offset aligned.*\[FLASH_UNALIGNED\]/],
    ['write', [small, '0x1000000'], nowhere, /stub reaches only the first 16 MiB.*\[FLASH_OUT_OF_RANGE\]/],
    ['write', [big, '0'], { ...nowhere, flashSize: 0x400000 }, /do not fit the 4096 KiB flash.*\[FLASH_TOO_LARGE\]/],
    ['read', ['0x3ff000', '8K'], { ...nowhere, flashSize: 0x400000 }, /goes past the end \(the flash ends at 0x00400000\)/],
    // The end of a range past 4 GiB is not wrapped (it read "0xfffff000..0x00001000").
    ['read', ['0xFFFFF000', '8K'], nowhere, /read: 0xfffff000\.\.0x100001000 goes past the end/],
    // Worded as the library words it once connected (below, "blank check: … do not fit").
    ['blank-check', ['0x300002', '4'], nowhere, /^espalgo: blank check: offset 0x00300002 is not a multiple of 4 bytes/],
    ['blank-check', ['0', '5M'], base, /^espalgo: blank check: 5242880 bytes do not fit the 4096 KiB flash/],
  ];
  for (const [action, args, o, pattern] of cases) {
    const io = memoryIo();
    assert.equal(await runFlash(action, args, o as FlashWriteOptions, io), 2, `${action} ${args.join(' ')}`);
    assert.match(io.stderr(), pattern);
  }
  await assert.rejects(runFlash('write', [small, '0'], { ...nowhere, window: '3K' } as FlashWriteOptions, memoryIo()), /--window must be 4K, 8K, 16K or 32K, not "3K"/);
  await assert.rejects(runFlash('erase', ['0x8000', '4G'], nowhere as FlashWriteOptions, memoryIo()), /size 4G is past the 32-bit range \(at most 0xFFFFFFFF\)/);
  // No flash chip has 3 MiB: refused as probe refuses it.
  await assert.rejects(runFlash('read', ['0', '4K'], { ...nowhere, flashSize: 0x300000, out: join(dir, 'x.bin') } as FlashWriteOptions, memoryIo()), /--flash-size 3 MiB is not a flash size: give a power of two/);
  // A range left out is named, with both ways to give one (and nothing is tried on a target).
  await assert.rejects(runFlash('erase', [], nowhere as FlashWriteOptions, memoryIo()), /^CliInputError: offset and size are missing: give the range \(espalgo flash erase 0x9000 24K\) or a partition of the chip's table \(espalgo flash erase --partition nvs\)$/);
  await assert.rejects(runFlash('read', ['0x8000'], { ...nowhere, out: join(dir, 'x.bin') } as FlashWriteOptions, memoryIo()), /^CliInputError: size is missing: give the range \(espalgo flash read 0x9000 24K -o nvs\.bin\) or .*--partition nvs -o nvs\.bin\)$/);
  // esptool's order (offset first) is named as such, with the command to type.
  for (const action of ['write', 'verify'] as const) {
    await assert.rejects(runFlash(action, ['0x10000', small], nowhere as FlashWriteOptions, memoryIo()), new RegExp(`the file comes first, then the offset: espalgo flash ${action} ${small} 0x10000`));
  }
  // An output that cannot be written is refused before the read (no target is tried either).
  for (const [out, why] of [[join(dir, 'no-such-folder', 'dump.bin'), /no folder .*no-such-folder/], [dir, /it is a folder/]] as const) {
    await assert.rejects(runFlash('read', ['0', '4K'], { ...nowhere, out } as FlashWriteOptions & { out: string }, memoryIo()), (e: Error) => {
      assert.match(e.message, new RegExp(`^cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.match(e.message, why);
      return true;
    });
  }
  // An input error of the command line itself: one line on stderr, and with --json a JSON line too.
  const plain = memoryIo();
  assert.equal(await runGuardedAsync(plain, () => runFlash('write', [join(dir, 'missing.bin')], nowhere as FlashWriteOptions, plain)), 2);
  assert.match(plain.stderr(), /^espalgo: no such file: .*missing\.bin\n$/);
  assert.equal(plain.stdout(), '');
  const json = memoryIo();
  const o = { ...nowhere, json: true } as FlashWriteOptions;
  assert.equal(await runGuardedAsync(json, () => runFlash('write', [join(dir, 'missing.bin')], o, json), true), 2);
  assert.deepEqual(JSON.parse(json.stdout()), { ok: false, code: 'INPUT_UNREADABLE', error: `no such file: ${join(dir, 'missing.bin')}` });
  // Without --flash-size the detected size refuses it, still before any flash operation.
  const io = memoryIo();
  assert.equal(await runFlash('write', [big, '0'], { ...base, json: true } as FlashWriteOptions, io), 2);
  const last = JSON.parse(io.stdout().trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual([last['ok'], last['code'], last['address']], [false, 'FLASH_TOO_LARGE', '0x00000000']);
  assert.match(io.stderr(), /^espalgo: .* \[FLASH_TOO_LARGE\]\n$/, 'with --json the failure is on stderr as well, as every other failure is');
});

test('a --persist write whose file cannot be written back prints no result, only the failure (it printed "ok": true first)', async (t) => {
  const dir = join(tempDir(t), 'board');
  mkdirSync(dir);
  const image = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, image);
  const file = join(tempDir(t), 'data.bin');
  writeFileSync(file, random(0x2000));
  for (const json of [true, false]) {
    const io = memoryIo();
    // The folder goes once the write phase is done (its summary on stderr, or its JSON event on
    // stdout), before the file is written back.
    const removeAt = (pattern: RegExp, print: (text: string) => void) => (text: string) => {
      if (pattern.test(text)) rmSync(dir, { recursive: true, force: true });
      print(text);
    };
    io.err = removeAt(/^write +/, io.err);
    io.out = removeAt(/"phase":"write","state":"done"/, io.out);
    const code = await runGuardedAsync(io, () => runFlash('write', [file, '0x200000'], { ...base, flash: image, persist: true, json } as FlashWriteOptions, io), json);
    assert.equal(code, 2, io.stderr());
    assert.match(io.stderr(), /cannot write .*board\.bin/);
    assert.doesNotMatch(io.stdout(), /"ok":true|wrote /, `${json ? 'JSON' : 'text'}: no result claims the write`);
    if (json) assert.match(io.stdout().trim().split('\n').at(-1)!, /^\{"ok":false,"code":"PERSIST_FAILED"/);
    mkdirSync(dir);
    copyFileSync(DEMO_FLASH, image);
  }
});

test('--persist keeps a write and an erase in the --flash file; without it the file is only read; refused without --flash', async (t) => {
  const dir = tempDir(t);
  const image = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, image);
  const original = readFileSync(image);
  const file = join(dir, 'data.bin');
  const data = random(0x2000);
  writeFileSync(file, data);
  const sim = { ...base, flash: image };
  const io = memoryIo();

  assert.equal(await runFlash('write', [file, '0x200000'], sim, io), 0);
  assert.ok(readFileSync(image).equals(original), 'without --persist the file is unchanged');
  const beyond = memoryIo();
  assert.notEqual(await runGuardedAsync(beyond, () => runFlash('write', [file, '0x3ff000'], { ...sim, persist: true }, beyond)), 0, 'past the end of flash');
  assert.ok(readFileSync(image).equals(original), 'a refused --persist write leaves the file as it was (not even padded)');

  assert.equal(await runFlash('write', [file, '0x200000'], { ...sim, persist: true }, io), 0);
  const kept = readFileSync(image);
  assert.equal(kept.length, 0x400000, 'the file became the whole flash');
  const expected = Buffer.alloc(0x400000, 0xff);
  original.copy(expected);
  Buffer.from(data).copy(expected, 0x200000);
  assert.ok(kept.equals(expected), 'the written bytes are in the file, and nothing else changed');
  assert.equal(await runFlash('verify', [file, '0x200000'], sim, io), 0, 'a later run boots from the kept flash');

  assert.equal(await runFlash('erase', ['0x200000', '4K'], { ...sim, persist: true }, io), 0);
  assert.ok(readFileSync(image).subarray(0x200000, 0x201000).every((b) => b === 0xff), 'the erase is kept');

  const refused = memoryIo();
  const guarded = (o: object) => runGuardedAsync(refused, () => runFlash('write', [file, '0x200000'], o as FlashWriteOptions, refused));
  assert.equal(await guarded({ ...base, persist: true }), 2);
  assert.match(refused.stderr(), /--persist needs --flash FILE/);
  assert.equal(await guarded({ ...base, target: '127.0.0.1:1', persist: true }), 2);
  assert.match(refused.stderr(), /--persist is for --target sim/);

  const kept2 = readFileSync(image);
  const over = memoryIo();
  assert.equal(await runGuardedAsync(over, () => runFlash('read', ['0x0', '4K'], { ...sim, out: image } as FlashWriteOptions, over)), 2);
  assert.match(over.stderr(), /it is the input .*board\.bin/);
  assert.ok(readFileSync(image).equals(kept2), 'flash read -o naming the --flash file leaves it as it was');
});

test('several FILE OFFSET pairs: written in one session, each planned on its own, the bytes between untouched; verify names the file that differs', async (t) => {
  const dir = tempDir(t);
  const image = join(dir, 'board.bin');
  copyFileSync(DEMO_FLASH, image);
  const a = join(dir, 'a.bin');
  const b = join(dir, 'b.bin');
  writeFileSync(a, random(0x1800));
  writeFileSync(b, random(0x100));
  const sim = { ...base, flash: image, persist: true };
  // b shares a's last sector: the part of it neither file covers keeps what the flash held.
  const io = memoryIo();
  assert.equal(await runFlash('write', [a, '0x200000', b, '0x201c00'], { ...sim, json: true }, io), 0);
  const last = JSON.parse(io.stdout().trim().split('\n').at(-1)!) as { ok: boolean; parts: { file: string; offset: string; sectorsTotal: number; verified: string }[] };
  assert.deepEqual(last.parts.map((p) => [p.file, p.offset, p.sectorsTotal, p.verified]), [[a, '0x00200000', 2, 'sha256'], [b, '0x00201c00', 1, 'sha256']]);
  const kept = readFileSync(image);
  assert.ok(kept.subarray(0x200000, 0x201800).equals(readFileSync(a)));
  assert.ok(kept.subarray(0x201c00, 0x201d00).equals(readFileSync(b)));
  assert.ok(kept.subarray(0x201800, 0x201c00).every((x) => x === 0xff) && kept.subarray(0x201d00, 0x202000).every((x) => x === 0xff), 'the gap and the rest of the shared sector as they were');

  const v = memoryIo();
  assert.equal(await runFlash('verify', [a, '0x200000', b, '0x201c00'], { ...base, flash: image }, v), 0);
  assert.equal(await runFlash('verify', [a, '0x200000', b, '0x201d00'], { ...base, flash: image }, v), 1);
  assert.match(v.stdout(), /b\.bin:\n {2}MISMATCH: the flash differs from .*b\.bin from 0x00201d00 on/);

  const before = readFileSync(image);
  const refusals: [string[], RegExp][] = [
    [[a, '0x200000', b, '0x201000'], /a\.bin \(0x00200000\.\.0x00201800\) and .*b\.bin \(from 0x00201000\) overlap; nothing was touched/],
    [[a, '0x200000', b], /give FILE OFFSET pairs for more than one file/],
    // Past the end of the flash the session finds: refused before a.bin is written.
    [[a, '0x200000', b, '0x3ffffc'], /write .*b\.bin: 0x003ffffc\.\.0x004000fc goes past the end/],
    [['0x200000', a, '0x201c00', b], new RegExp(`the file comes first, then the offset: espalgo flash write ${a} 0x200000 ${b} 0x201c00`)],
  ];
  for (const [args, message] of refusals) {
    const r = memoryIo();
    assert.equal(await runGuardedAsync(r, () => runFlash('write', args, sim as FlashWriteOptions, r)), 2, args.join(' '));
    assert.match(r.stderr(), message);
  }
  assert.ok(readFileSync(image).equals(before), 'refused: the flash file untouched');
});

test('a whole flash file written away from the bootloader offset: written as given, with a warning (text and JSON); at 0x0 nothing is said', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'merged.bin');
  writeFileSync(file, readFileSync(DEMO_FLASH).subarray(0, 0x20000)); // bootloader, table at 0x8000, the start of the app
  const warning = `${file} is a whole flash file for the ESP32-C3 (its bootloader at byte 0, its partition table at +0x00008000): it belongs at 0x00000000, where the ROM reads the bootloader, not at 0x00200000; written there as given`;
  const io = memoryIo();
  assert.equal(await runFlash('write', [file, '0x200000'], { ...base, json: true } as FlashWriteOptions, io), 0);
  assert.equal(io.stderr(), `espalgo: warning: ${warning}\n`);
  const last = JSON.parse(io.stdout().trim().split('\n').at(-1)!) as { ok: boolean; warnings?: string[] };
  assert.deepEqual([last.ok, last.warnings], [true, [warning]]);
  const atZero = memoryIo();
  assert.equal(await runFlash('write', [file, '0x0'], { ...base } as FlashWriteOptions, atZero), 0);
  assert.doesNotMatch(atZero.stderr(), /warning/);
  const data = memoryIo();
  writeFileSync(file, random(0x1000));
  assert.equal(await runFlash('write', [file, '0x200000'], { ...base } as FlashWriteOptions, data), 0);
  assert.doesNotMatch(data.stderr(), /warning/, 'other data: nothing to say');
});

test('a bootloader alone written away from the bootloader offset (the ESP32\'s 0x1000 on an ESP32-C3): written as given, with a warning', async (t) => {
  const file = join(tempDir(t), 'bootloader.bin');
  copyFileSync('firmware/build/bootloader.bin', file);
  const io = memoryIo();
  assert.equal(await runFlash('write', [file, '0x1000'], { ...base } as FlashWriteOptions, io), 0);
  assert.equal(io.stderr().split('\n')[0], `espalgo: warning: ${file} is a bootloader image for the ESP32-C3 (it runs from RAM): the ROM loads it only from 0x00000000, ` +
    "and nothing starts it at 0x00001000 (the ESP32's and the ESP32-S2's bootloader offset) unless that is an OTA or recovery bootloader partition; written there as given");
  const elsewhere = memoryIo();
  assert.equal(await runFlash('write', [file, '0x200000'], { ...base } as FlashWriteOptions, elsewhere), 0);
  assert.match(elsewhere.stderr(), /nothing starts it at 0x00200000 unless that is an OTA or recovery bootloader partition/);
  const atZero = memoryIo();
  assert.equal(await runFlash('write', [file, '0x0'], { ...base } as FlashWriteOptions, atZero), 0);
  assert.doesNotMatch(atZero.stderr(), /warning/);
});

test('flash write through the simulator\'s GDB server leaves the chip as it found it: halted stays halted where it was, running runs on', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'data.bin');
  writeFileSync(file, random(0x1000));
  for (const run of [false, true]) {
    const { sim, port } = await serveSim(t, demoSim({ run }));
    const pc = run ? undefined : await sim.target.readRegister('pc');
    const io = memoryIo();
    const code = await runFlash('write', [file, '0x200000'], { ...base, target: `127.0.0.1:${port}`, chip: 'esp32c3' } as FlashWriteOptions, io);
    assert.equal(code, 0, io.stderr());
    await new Promise((r) => setTimeout(r, 50)); // the connection's close reaches the server
    assert.equal(sim.target.state(), run ? 'running' : 'halted', `found ${run ? 'running' : 'halted'}`);
    if (pc !== undefined) assert.equal(await sim.target.readRegister('pc'), pc, 'still at the instruction it was halted at');
  }
});
