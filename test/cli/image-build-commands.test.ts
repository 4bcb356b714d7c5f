/**
 * The image building commands: elf2image, partition-table (both ways) and merge. Their output is
 * compared with the library's and with the committed demo build; bad input writes nothing; and a
 * flash file made with the three commands alone boots on the simulated ESP32-C3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/image/hash.js';
import { runElf2Image, defaultImagePath } from '../../src/cli/commands/image-elf2image.js';
import { runImageInfo } from '../../src/cli/commands/image-info.js';
import { runMerge } from '../../src/cli/commands/image-merge.js';
import { runPartitionTable } from '../../src/cli/commands/image-partition-table.js';
import { runOtadata } from '../../src/cli/commands/image-otadata.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { buildOtadata, buildPartitionTable, elf2image, mergeFlash, parseElf, OTA_STATE, parseImage, parseImageHeader, parsePartitionCsv, parsePartitionTable } from '../../src/image/index.js';
import { esp32c3 } from '../../src/chips/index.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { firmwareSymbol } from '../algorithm/sim-fixture.js';
import { tempDir } from './helpers.js';

const ELF = 'firmware/build/espalgo-demo.elf';
/** The options scripts/build-firmware.ts builds the committed demo app with. */
const DEMO_BUILD = { chip: 'esp32c3', flashFreq: '80m', flashSize: 4 * 1024 * 1024, elfSha256: true } as const;

const CSV = `# Name, Type, SubType, Offset, Size, Flags
nvs,      data, nvs,     ,  0x6000,
phy_init, data, phy,     ,  4K,
factory,  app,  factory, ,  1M,
storage,  data, fat,     ,  512K, readonly
`;

test('image elf2image: the committed demo app byte for byte; JSON; the default output name', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'app.bin');
  const io = memoryIo();
  assert.equal(runElf2Image(ELF, { ...DEMO_BUILD, out }, io), 0, io.stderr());
  assert.deepEqual(readFileSync(out), readFileSync('firmware/build/espalgo-demo.bin'));
  for (const s of ['ESP32-C3 app image', '5 segments', 'modulo the 64 KiB MMU page)', 'entry 0x42000020', 'DIO, 80m, 4 MiB', 'irom', 'drom', 'padding']) assert.ok(io.stdout().includes(s), s);

  const j = memoryIo();
  assert.equal(runElf2Image(ELF, { ...DEMO_BUILD, out, json: true, sha256: false }, j), 0);
  const r = JSON.parse(j.stdout()) as { ok: boolean; bytes: number; sha256Appended: boolean; mmuPageSize: number; segments: { kind: string }[] };
  assert.equal(r.ok, true);
  assert.equal(r.mmuPageSize, 0x10000);
  assert.equal(r.sha256Appended, false);
  assert.equal(r.bytes, readFileSync(out).length);
  assert.equal(readFileSync('firmware/build/espalgo-demo.bin').length - r.bytes, 32, 'the same image without its 32-byte SHA-256');
  assert.deepEqual(r.segments.map((s) => s.kind), ['drom', 'dram', 'iram', 'padding', 'irom']);

  const revs = memoryIo();
  assert.equal(runElf2Image(ELF, { ...DEMO_BUILD, out, minRev: 'v0.3', maxRev: '199' }, revs), 0, revs.stderr());
  const header = parseImageHeader(new Uint8Array(readFileSync(out)));
  assert.deepEqual([header.minChipRevFull, header.maxChipRevFull], [3, 199]);
  assert.match(revs.stdout(), /chip revision v0\.3 to v1\.99/);
  const info = memoryIo();
  assert.equal(runImageInfo(out, {}, info), 0, info.stderr());
  assert.match(info.stdout(), /Chip revision\s+min v0\.3, max v1\.99/);
  const demoInfo = memoryIo();
  assert.equal(runImageInfo('firmware/build/espalgo-demo.bin', {}, demoInfo), 0);
  assert.match(demoInfo.stdout(), /max any \(0xffff: no limit\)/, 'elf2image writes no limit as 0xFFFF');
  const zero = memoryIo();
  assert.equal(runElf2Image(ELF, { ...DEMO_BUILD, out, maxRev: '0' }, zero), 0, zero.stderr());
  const zeroInfo = memoryIo();
  assert.equal(runImageInfo(out, {}, zeroInfo), 0);
  assert.match(zeroInfo.stdout(), /max any \(0: no limit\)/, 'max 0 is no limit too, as the bootloader reads it');

  // the ELF's SHA-256: by default where the app has a descriptor (as esptool), --no-elf-sha256 leaves it empty
  const { elfSha256: _required, ...plain } = DEMO_BUILD;
  const auto = memoryIo();
  assert.equal(runElf2Image(ELF, { ...plain, out }, auto), 0, auto.stderr());
  assert.deepEqual(readFileSync(out), readFileSync('firmware/build/espalgo-demo.bin'), 'the default writes the hash, as --elf-sha256 does');
  assert.match(auto.stdout(), /app descriptor "espalgo-demo" "1\.0\.0", with the ELF's SHA-256/);
  const none = memoryIo();
  assert.equal(runElf2Image(ELF, { ...plain, out, elfSha256: false, json: true }, none), 0, none.stderr());
  assert.equal((JSON.parse(none.stdout()) as { elfSha256InAppDesc: boolean }).elfSha256InAppDesc, false);
  const built = parseImage(new Uint8Array(readFileSync(out)));
  assert.ok(built.appDesc!.appElfSha256.every((b) => b === 0), '--no-elf-sha256: app_elf_sha256 left empty');

  assert.equal(defaultImagePath('build/app.elf'), 'build/app.bin');
  assert.equal(defaultImagePath('build/app'), 'build/app.bin');
});

test('image elf2image --ram-only-header: a Simple Boot image, the library\'s bytes; its flash segments listed; JSON', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'zephyr.bin');
  const io = memoryIo();
  assert.equal(runElf2Image(ELF, { chip: 'esp32c3', out, ramOnlyHeader: true }, io), 0, io.stderr());
  const expected = elf2image(parseElf(new Uint8Array(readFileSync(ELF))), esp32c3, { ramOnlyHeader: true, spiMode: 'dio', spiSpeed: 0, flashSizeCode: 1 });
  assert.deepEqual(new Uint8Array(readFileSync(out)), expected);
  const text = io.stdout();
  for (const s of ['Simple Boot image (RAM-only header)', 'counts the 2 RAM segments the ROM loads', '2 flash segments follow the checksum', 'flash offset 0x00000000', 'checksum appended', 'After the checksum']) assert.ok(text.includes(s), s);
  assert.match(text, /irom\s+0x42000020\s+0x00010020\s+0x00010020/);
  assert.match(text, /drom\s+0x3c010020\s+0x00020020\s+0x00020020/);
  assert.ok(text.includes(`then write it where the ROM loads it, in place of a bootloader: espalgo flash write ${out} 0x00000000`), text);
  assert.doesNotMatch(text, /merge it with a bootloader/);
  const j = memoryIo();
  assert.equal(runElf2Image(ELF, { chip: 'esp32c3', out, ramOnlyHeader: true, json: true }, j), 0);
  const r = JSON.parse(j.stdout()) as { ramOnlyHeader: boolean; sha256Appended: boolean; segments: { kind: string }[]; simpleBootFlashSegments: { kind: string; loadAddress: string; fileOffset: string; aligned: boolean }[] };
  assert.equal(r.ramOnlyHeader, true);
  assert.equal(r.sha256Appended, false);
  assert.deepEqual(r.segments.map((s) => s.kind), ['dram', 'iram']);
  assert.deepEqual(r.simpleBootFlashSegments.map((s) => [s.kind, s.loadAddress, s.fileOffset, s.aligned]), [['irom', '0x42000020', '0x00010020', true], ['drom', '0x3c010020', '0x00020020', true]]);
});

test('image elf2image --secure-pad-v2 --pad-to-size: esptool v4.12.0\'s bytes for the demo app; the summary and JSON name the padding', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'app.bin');
  const hash = (file: string) => Buffer.from(sha256(new Uint8Array(readFileSync(file)))).toString('hex');
  // SHA-256 of what `esptool.py --chip esp32c3 elf2image -fm dio -fs 2MB --secure-pad-v2 [--pad-to-size 1MB] espalgo-demo.elf` wrote
  const io = memoryIo();
  assert.equal(runElf2Image(ELF, { chip: 'esp32c3', out, securePadV2: true }, io), 0, io.stderr());
  assert.equal(hash(out), '9e79953de54d4a6c5129c9cb659cf8a1e4d9d3684f6a3c1eb3f4b84dbcc5cbb0');
  assert.match(io.stdout(), /6 segments \(1 padding, so each flash segment/);
  assert.match(io.stdout(), /Secure Boot v2 padding: the image ends at 0x00020000, an MMU page boundary, where signing puts the signature sector/);
  const j = memoryIo();
  assert.equal(runElf2Image(ELF, { chip: 'esp32c3', out, securePadV2: true, padToSize: 0x100000, json: true }, j), 0, j.stderr());
  assert.equal(hash(out), '5c623d784a590a6992de1cbee3d485e608892e7392174579259da29749432ca2');
  const r = JSON.parse(j.stdout()) as { bytes: number; imageEnd: number; securePad: string | null; padToSize: number | null; elfSha256Offset: string | null };
  assert.deepEqual([r.bytes, r.imageEnd, r.securePad, r.padToSize, r.elfSha256Offset], [0x100000, 0x20000, 'v2', 0x100000, null]);
  const text = memoryIo();
  assert.equal(runElf2Image(ELF, { chip: 'esp32c3', out, padToSize: 0x1000, elfSha256Offset: 0xb0 }, text), 0, text.stderr());
  assert.match(text.stdout(), /padded with 0xFF from 0x[0-9a-f]{8} to 0x[0-9a-f]{8}: a multiple of 4 KiB \(--pad-to-size\)/);
  assert.match(text.stdout(), /with the ELF's SHA-256/, 'offset 0xb0 is the descriptor\'s field');
});

test('image elf2image: bad input exits 2 with one line and writes nothing', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'app.bin');
  const cases: [Parameters<typeof runElf2Image>[1], string, RegExp][] = [
    [{ out }, ELF, /give --chip/],
    [{ out, chip: 'esp8266' }, ELF, /unknown chip "esp8266"/],
    [{ out, chip: 'esp32s3' }, ELF, /built for RISC-V, but the ESP32-S3 is Xtensa/],
    [{ out, chip: 'esp32c3', flashFreq: '33m' }, ELF, /--flash-freq 33m .* use 40m, 26m, 20m, 80m/],
    [{ out, chip: 'esp32c3', flashMode: 'octal' }, ELF, /--flash-mode must be one of qio, qout, dio, dout/],
    [{ out, chip: 'esp32c3', flashSize: 3 * 1024 * 1024 }, ELF, /--flash-size .* no image header code/],
    [{ out, chip: 'esp32c3' }, 'firmware/build/espalgo-demo.bin', /ELF magic/],
    [{ out, chip: 'esp32c3' }, join(dir, 'missing.elf'), /no such file/],
    [{ out, chip: 'esp32c3', minRev: 'v0.100' }, ELF, /--min-rev v0.100: give a chip revision as v0.3/],
    [{ out, chip: 'esp32c3', maxRev: '70000' }, ELF, /--max-rev 70000: give a chip revision/],
    [{ out, chip: 'esp32c3', minRev: '1.0', maxRev: 'v0.99' }, ELF, /--max-rev v0.99 is below --min-rev v1.0/],
    [{ out, chip: 'esp32c3', securePad: true }, ELF, /--secure-pad is for Secure Boot v1, which only the ESP32 has; the ESP32-C3 signs with Secure Boot v2: use --secure-pad-v2/],
    [{ out, chip: 'esp32c3', securePad: true, securePadV2: true }, ELF, /--secure-pad \(Secure Boot v1\) and --secure-pad-v2 \(Secure Boot v2\) pad differently/],
    [{ out, chip: 'esp32c3', securePadV2: true, sha256: false }, ELF, /--secure-pad-v2 needs the SHA-256 appended .* drop --no-sha256/],
    [{ out, chip: 'esp32c3', securePadV2: true, ramOnlyHeader: true }, ELF, /--secure-pad-v2 pads an image to be signed, and a Simple Boot image/],
    [{ out, chip: 'esp32c3', padToSize: 0 }, ELF, /--pad-to-size 0: give a size from 1 byte to 128MB/],
    [{ out, chip: 'esp32c3', padToSize: 0x10000000 }, ELF, /--pad-to-size 268435456: give a size/],
    [{ out, chip: 'esp32c3', elfSha256Offset: 0xb0, elfSha256: false }, ELF, /--elf-sha256-offset puts the ELF's SHA-256 at a file offset .* drop --no-elf-sha256/],
    [{ out, chip: 'esp32c3', elfSha256Offset: 0xb0, ramOnlyHeader: true }, ELF, /--elf-sha256-offset does not go with --ram-only-header/],
    [{ out, chip: 'esp32c3', elfSha256Offset: 0x40 }, ELF, /the 32 bytes at file offset 0x00000040 .* are not all zero/],
    [{ out, chip: 'esp32c3', elfSha256Offset: 0x8 }, ELF, /file offset 0x00000008 for the ELF's SHA-256 is not inside a segment's data/],
  ];
  for (const [o, elf, message] of cases) {
    const io = memoryIo();
    assert.equal(runElf2Image(elf, o, io), 2, JSON.stringify(o));
    assert.match(io.stderr(), message);
    assert.equal(io.stderr().split('\n').length, 2, 'one line');
    assert.deepEqual(readdirSync(dir), [], 'nothing written');
  }
});

test('image partition-table: CSV to the binary the library builds, and back to the same entries', (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'partitions.csv');
  writeFileSync(csv, CSV);
  const io = memoryIo();
  assert.equal(runPartitionTable(csv, { flashSize: 4 * 1024 * 1024 }, io), 0, io.stderr());
  const bin = join(dir, 'partitions.bin');
  assert.deepEqual(new Uint8Array(readFileSync(bin)), buildPartitionTable(parsePartitionCsv(CSV).entries));
  assert.match(io.stdout(), /factory\s+app\s+factory\s+0x00010000\s+1 MiB/);
  assert.match(io.stdout(), /storage .* readonly/);

  const back = memoryIo();
  assert.equal(runPartitionTable(bin, {}, back), 0);
  assert.deepEqual(parsePartitionCsv(back.stdout()).entries, parsePartitionCsv(CSV).entries);
  assert.match(back.stdout(), /^factory, app, factory, 0x10000, 1M,$/m);

  const noMd5 = join(dir, 'plain.bin');
  assert.equal(runPartitionTable(csv, { out: noMd5, md5: false }, memoryIo()), 0);
  assert.equal(parsePartitionTable(readFileSync(noMd5)).md5?.present ?? false, false);
  // Read back, a table without MD5 (CONFIG_PARTITION_TABLE_MD5=n) is fine: exit 0 (it was 1).
  const plainBack = memoryIo();
  assert.equal(runPartitionTable(noMd5, { json: true }, plainBack), 0, plainBack.stderr());
  assert.equal((JSON.parse(plainBack.stdout()) as { md5: string }).md5, 'none');

  const j = memoryIo();
  assert.equal(runPartitionTable(csv, { out: bin, offset: 0xc000, json: true }, j), 0);
  const r = JSON.parse(j.stdout()) as { ok: boolean; entries: { label: string; offset: string }[] };
  assert.equal(r.ok, true);
  assert.equal(r.entries[0]!.offset, '0x0000d000', 'empty offsets filled after a table at --offset');
});

test('image partition-table: an ESP-IDF 5.5+ CSV with bootloader and partition_table rows is placed from --chip and --offset', (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'p55.csv');
  const text = 'bootloader, bootloader, primary, N/A, N/A,\npartition_table, partition_table, primary, N/A, N/A,\nnvs, data, nvs, , 0x6000,\nfactory, app, factory, 0x10000, 1M,\n';
  writeFileSync(csv, text);
  const bin = join(dir, 'p55.bin');
  const none = memoryIo();
  assert.equal(runPartitionTable(csv, {}, none), 2);
  assert.match(none.stderr(), /^espalgo: CSV line 1: partition "bootloader" .* \(give --chip or --primary-bootloader-offset\) \[CSV_NEEDS_OFFSET\]\n$/);
  assert.equal(existsSync(bin), false, 'nothing written');

  const io = memoryIo();
  assert.equal(runPartitionTable(csv, { chip: 'esp32' }, io), 0, io.stderr());
  assert.match(io.stdout(), /bootloader\s+bootloader\s+primary\s+0x00001000\s+28 KiB/);
  assert.match(io.stdout(), /partition_table\s+partition_table\s+primary\s+0x00008000\s+4 KiB/);
  assert.deepEqual(new Uint8Array(readFileSync(bin)), buildPartitionTable(parsePartitionCsv(text, { bootloaderOffset: 0x1000 }).entries));

  const j = memoryIo();
  assert.equal(runPartitionTable(csv, { out: join(dir, 'at-0x9000.bin'), chip: 'esp32', primaryBootloaderOffset: 0x0, offset: 0x9000, json: true }, j), 0);
  const r = JSON.parse(j.stdout()) as { entries: { label: string; type: string; subtype: string; offset: string; size: number }[] };
  assert.deepEqual(r.entries.slice(0, 2).map((e) => [e.type, e.subtype, e.offset, e.size]), [['bootloader', 'primary', '0x00000000', 0x9000], ['partition_table', 'primary', '0x00009000', 0x1000]]);

  // binary → CSV names the types and subtypes, and reports no overlap for the table's own entry
  const back = memoryIo();
  assert.equal(runPartitionTable(bin, {}, back), 0, back.stderr());
  assert.match(back.stdout(), /^bootloader, bootloader, primary, 0x1000, 28K,$/m);
  assert.match(back.stdout(), /^partition_table, partition_table, primary, 0x8000, 4K,$/m);
  assert.equal(back.stderr(), '');
});

test('image partition-table: a table with errors is listed and not written; a bad MD5 exits 1; junk exits 2', (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'partitions.csv');
  writeFileSync(csv, CSV);
  const bin = join(dir, 'partitions.bin');
  writeFileSync(bin, 'the old table');
  const io = memoryIo();
  assert.equal(runPartitionTable(csv, { flashSize: 1024 * 1024 }, io), 2);
  assert.match(io.stdout(), /PARTITION_BEYOND_FLASH/);
  assert.match(io.stderr(), /partitions\.bin not written: the table has 2 errors/);
  assert.equal(readFileSync(bin, 'utf8'), 'the old table', 'the existing file is untouched');

  const j = memoryIo();
  assert.equal(runPartitionTable(csv, { flashSize: 1024 * 1024, json: true }, j), 2);
  const r = JSON.parse(j.stdout()) as { ok: boolean; code: string; findings: unknown[] };
  assert.deepEqual([r.ok, r.code, r.findings.length], [false, 'TABLE_HAS_ERRORS', 2]);

  const table = buildPartitionTable(parsePartitionCsv(CSV).entries);
  table[0x10] ^= 1; // inside the first entry: the MD5 no longer matches
  const corrupt = join(dir, 'corrupt.bin');
  writeFileSync(corrupt, table);
  const c = memoryIo();
  assert.equal(runPartitionTable(corrupt, { out: join(dir, 'out.csv') }, c), 1);
  assert.match(c.stdout(), /MD5 INVALID/);
  assert.ok(existsSync(join(dir, 'out.csv')), 'the reading is written all the same');

  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, new Uint8Array([1, 2, 0, 3]));
  const k = memoryIo();
  assert.equal(runPartitionTable(junk, {}, k), 2);
  assert.match(k.stderr(), /neither a partition table binary .* nor CSV text/);
  writeFileSync(csv, 'nvs, data, nvs, 0x9000, 0x6000\nfactory, app, factory, 0x9000, 1M\n');
  const o = memoryIo();
  assert.equal(runPartitionTable(csv, {}, o), 2);
  assert.match(o.stderr(), /previous partition ends at 0x0000f000/);
  // gen_esp32part refuses duplicate names: so do we, and write nothing
  writeFileSync(csv, 'nvs, data, nvs, 0x9000, 16K\nnvs, data, nvs, , 4K, readonly\nfactory, app, factory, 0x10000, 1M\n');
  const d = memoryIo();
  assert.equal(runPartitionTable(csv, {}, d), 2);
  assert.match(d.stdout(), /PARTITION_DUPLICATE_LABEL/);
  assert.match(d.stderr(), /partitions\.bin not written: the table has 1 error/);
  assert.equal(readFileSync(bin, 'utf8'), 'the old table', 'the existing file is untouched');
});

test('image merge: parts at their offsets as the library merges them; overlaps and bad pairs write nothing', (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.bin');
  const b = join(dir, 'b.bin');
  writeFileSync(a, new Uint8Array(0x20).fill(0x11));
  writeFileSync(b, new Uint8Array(0x10).fill(0x22));
  const out = join(dir, 'flash.bin');
  const io = memoryIo();
  assert.equal(runMerge(['0x1000', a, '0x2000', b], { out, baseOffset: 0x1000, padTo: 0x2000 }, io), 0, io.stderr());
  const want = mergeFlash([{ offset: 0x1000, data: new Uint8Array(0x20).fill(0x11) }, { offset: 0x2000, data: new Uint8Array(0x10).fill(0x22) }], { baseOffset: 0x1000, size: 0x2000 });
  assert.deepEqual(new Uint8Array(readFileSync(out)), want);
  assert.match(io.stdout(), /8 KiB, file byte 0 = flash 0x00001000/);

  const j = memoryIo();
  assert.equal(runMerge(['0x0', a], { out, json: true }, j), 0);
  assert.deepEqual(JSON.parse(j.stdout()).parts, [{ file: a, offset: '0x00000000', size: 0x20, kind: 'data' }]);

  const before = readFileSync(out);
  const cases: [string[], Parameters<typeof runMerge>[1], RegExp][] = [
    [['0x0', a, '0x10', b], { out }, /overlap/],
    [['0x0', a, '0x2000'], { out }, /give OFFSET FILE pairs/],
    [[a, '0x0'], { out }, /the offset comes first, then the file/],
    [['0x2', a], { out }, /not a multiple of 4/],
    [['0x0', a], { out, baseOffset: 0x1000 }, /before the merged file's base offset/],
    [['0x4', a], { out, baseOffset: 3 }, /base offset 0x00000003 is not a flash offset on a multiple of 4 bytes.*\[MERGE_ALIGN\]/],
    [['0x0', a, '0x2000', b], { out, padTo: 0x1000 }, /does not fit/],
    [['0x0', join(dir, 'missing.bin')], { out }, /no such file/],
    [['0x10000', 'firmware/build/espalgo-demo.elf'], { out }, /espalgo-demo\.elf is an ELF file .* then merge that/],
    [['0x100000000', a], { out }, /the output would end at 0x100000020 \(4096\.00 MiB\), past 0x40000000 \(1024 MiB\), the most a flash file holds/],
    [['0x3ffffff8', b], { out }, /the output would end at 0x40000008 \(1024\.00 MiB\), past 0x40000000 \(1024 MiB\)/],
  ];
  for (const [args, o, message] of cases) {
    const e = memoryIo();
    assert.equal(runMerge(args, o, e), 2, args.join(' '));
    assert.match(e.stderr(), message);
    assert.deepEqual(readFileSync(out), before, 'the output is untouched');
  }
});

test('image merge, elf2image and partition-table refuse an output that is one of their inputs, by any path: exit 2, the input untouched', (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.bin');
  const b = join(dir, 'b.bin');
  writeFileSync(a, new Uint8Array(0x20).fill(0x11));
  writeFileSync(b, new Uint8Array(0x10).fill(0x22));
  for (const out of [b, join(dir, '.', 'b.bin')]) {
    const io = memoryIo();
    assert.equal(runMerge(['0x0', a, '0x1000', b], { out }, io), 2, out);
    assert.match(io.stderr(), /cannot write .*b\.bin: it is the input .*b\.bin, which writing would destroy/);
    assert.deepEqual(new Uint8Array(readFileSync(b)), new Uint8Array(0x10).fill(0x22), 'the input is untouched');
  }
  const j = memoryIo();
  assert.equal(runMerge(['0x0', a], { out: a, json: true }, j), 2);
  assert.equal(JSON.parse(j.stdout()).code, 'OUTPUT_IS_INPUT');

  const elf = join(dir, 'app.elf');
  writeFileSync(elf, readFileSync(ELF));
  const e = memoryIo();
  assert.equal(runElf2Image(elf, { ...DEMO_BUILD, out: elf }, e), 2);
  assert.match(e.stderr(), /it is the input .*app\.elf/);
  assert.deepEqual(readFileSync(elf), readFileSync(ELF), 'the ELF is untouched');

  // image partition-table, both ways: a CSV over its own source, a binary read back into itself.
  const csv = join(dir, 'parts.csv');
  const csvText = 'nvs, data, nvs, 0x9000, 0x6000\nfactory, app, factory, 0x10000, 1M\n';
  writeFileSync(csv, csvText);
  const p = memoryIo();
  assert.equal(runPartitionTable(csv, { out: csv }, p), 2);
  assert.match(p.stderr(), /it is the input .*parts\.csv/);
  assert.equal(readFileSync(csv, 'utf8'), csvText, 'the CSV is untouched');
  const table = join(dir, 'parts.bin');
  assert.equal(runPartitionTable(csv, { out: table }, memoryIo()), 0);
  const binary = readFileSync(table);
  assert.equal(runPartitionTable(table, { out: join(dir, '.', 'parts.bin') }, memoryIo()), 2);
  assert.deepEqual(readFileSync(table), binary, 'the binary table is untouched');
});

test('a flash file made with elf2image, partition-table and merge alone boots on the simulator', async (t) => {
  const dir = tempDir(t);
  const quiet = memoryIo();
  const app = join(dir, 'app.bin');
  assert.equal(runElf2Image(ELF, { ...DEMO_BUILD, out: app }, quiet), 0);
  writeFileSync(join(dir, 'partitions.csv'), CSV);
  assert.equal(runPartitionTable(join(dir, 'partitions.csv'), {}, quiet), 0);
  const flash = join(dir, 'flash.bin');
  assert.equal(runMerge(['0x0', 'firmware/build/bootloader.bin', '0x8000', join(dir, 'partitions.bin'), '0x10000', app], { out: flash, padTo: 0x400000 }, quiet), 0, quiet.stderr());
  const sim = createSimulatedEsp32c3({ flash });
  const word = async (address: number) => new DataView((await sim.target.readMemory(address, 4)).buffer).getUint32(0, true);
  try {
    const first = await word(firmwareSymbol('demo_heartbeat'));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok((await word(firmwareSymbol('demo_heartbeat'))) > first, 'the heartbeat advances');
    assert.equal(await word(firmwareSymbol('demo_selfcheck_failures')), 0);
  } finally {
    await sim.close();
  }
});

test('image merge reads its result as a flash: a part out of place is named, exit 1, the file still written', (t) => {
  const dir = tempDir(t);
  const table = join(dir, 'partitions.bin');
  writeFileSync(table, buildPartitionTable(parsePartitionCsv(CSV).entries));
  const bootloader = 'firmware/build/bootloader.bin';
  const app = 'firmware/build/espalgo-demo.bin';
  const out = join(dir, 'flash.bin');
  const merge = (args: string[], baseOffset = 0) => {
    const io = memoryIo();
    const code = runMerge(args, { out, json: true, baseOffset }, io);
    const r = JSON.parse(io.stdout()) as { layoutChecked: boolean; findings: { severity: string; code: string; flashOffset?: string }[] };
    return { code, checked: r.layoutChecked, found: r.findings.map((f) => `${f.severity} ${f.code} ${f.flashOffset ?? ''}`.trim()) };
  };

  assert.deepEqual(merge(['0x0', bootloader, '0x8000', table, '0x10000', app]), { code: 0, checked: true, found: [] });
  assert.deepEqual(merge(['0x0', bootloader, '0x8000', table, '0x20000', app]), {
    code: 1, checked: true, found: ['error BOOT_APP_INVALID 0x00010000', 'warning IMAGE_OUTSIDE_APP_SLOT 0x00020000'],
  });
  assert.equal(readFileSync(out).length, 0x20000 + readFileSync(app).length, 'written all the same');
  assert.deepEqual(merge(['0x1000', bootloader, '0x8000', table, '0x10000', app]), { code: 1, checked: true, found: ['error BOOTLOADER_MISPLACED 0x00001000'] });
  assert.deepEqual(merge(['0x8000', table, '0x10000', app]), { code: 0, checked: true, found: ['warning BOOTLOADER_MISSING 0x00000000'] });
  assert.deepEqual(merge(['0x8000', table, '0x10000', app], 0x8000), { code: 0, checked: true, found: [] }, 'a file from 0x8000 leaves the bootloader out on purpose');
  assert.deepEqual(merge(['0x10000', app, '0x30000', app]), { code: 0, checked: false, found: [] }, 'no table: a bundle of parts, not a flash layout');
  const data = join(dir, 'storage.bin');
  writeFileSync(data, new Uint8Array(0x20000).fill(0x5a));
  assert.deepEqual(merge(['0x0', bootloader, '0x8000', table, '0x10000', app, '0x3e0000', data]), { code: 0, checked: true, found: [] }, 'ends at 4 MiB: fits');
  assert.deepEqual(merge(['0x0', bootloader, '0x8000', table, '0x10000', app, '0x3f0000', data]), { code: 1, checked: true, found: ['error PART_PAST_FLASH 0x003f0000'] });
  assert.equal(readFileSync(out).length, 0x410000, 'written all the same');
  // A bootloader cut short: the layout check names it as flash-map does, not as an app out of its slot.
  const cut = join(dir, 'bootloader-cut.bin');
  writeFileSync(cut, readFileSync(bootloader).subarray(0, 100));
  assert.deepEqual(merge(['0x0', cut, '0x8000', table, '0x10000', app]), { code: 1, checked: true, found: ['error IMAGE_UNREADABLE 0x00000000', 'warning BOOTLOADER_MISSING 0x00000000'] });

  const text = memoryIo({ columns: 300 });
  assert.equal(runMerge(['0x0', bootloader, '0x8000', table, '0x20000', app], { out }, text), 1);
  // Errors and warnings only: the check leaves info findings out, so it does not count them ("0 info").
  assert.match(text.stdout(), /Layout check \(the merged file read as a flash\): 1 error, 1 warning\n/);
  assert.match(text.stdout(), /espalgo-demo\.bin at 0x00020000 is an ESP image, but no app partition of the table starts there \(app partitions: factory 0x00010000\)/);
  const past = memoryIo({ columns: 300 });
  assert.equal(runMerge(['0x0', bootloader, '0x8000', table, '0x3f0000', data], { out }, past), 1);
  assert.match(past.stdout(), /storage\.bin at 0x003f0000 ends at 0x00410000, past the end of the 4 MiB flash the bootloader header states/);
});

test('image otadata: built to select a slot, read back; the simulator boots the slot it selects', async (t) => {
  const dir = tempDir(t);
  const od = join(dir, 'otadata.bin');
  const b = memoryIo();
  assert.equal(runOtadata(undefined, { select: 'ota_0', out: od }, b), 0, b.stderr());
  assert.match(b.stdout(), /selects ota_0/);
  const r = memoryIo();
  assert.equal(runOtadata(od, { otaCount: 2, json: true }, r), 0);
  const read = JSON.parse(r.stdout()) as { activeCopy: number; slot: string; copies: { seq: number; valid: boolean }[] };
  assert.deepEqual([read.activeCopy, read.slot, read.copies[0]!.seq, read.copies[1]!.valid], [0, 'ota_0', 1, false]);

  // demo-ota.bin's own otadata selects ota_1 (variant 1); ours in its place boots ota_0 (variant 0).
  const flash = new Uint8Array(readFileSync('firmware/build/demo-ota.bin'));
  const otadata = parsePartitionTable(flash.subarray(0x8000, 0x9000)).entries.find((e) => e.typeName === 'data' && e.subtypeName === 'ota')!;
  flash.set(readFileSync(od), otadata.offset);
  const file = join(dir, 'ota0.bin');
  writeFileSync(file, flash);
  const sim = createSimulatedEsp32c3({ flash: file });
  try {
    assert.match(sim.boot.reason, /booting the OTA app "ota_0"/);
    const variant = new DataView((await sim.target.readMemory(firmwareSymbol('demo_state') + 4, 4)).buffer).getUint32(0, true);
    assert.equal(variant, 0, 'the ota_0 build runs');
  } finally {
    await sim.close();
  }

  const erased = join(dir, 'erased.bin');
  writeFileSync(erased, new Uint8Array(0x2000).fill(0xff));
  const e = memoryIo();
  assert.equal(runOtadata(erased, {}, e), 0, 'erased otadata is normal');
  assert.match(e.stdout(), /no valid copy: the bootloader boots the factory app/);
  const garbage = new Uint8Array(0x2000).fill(0xff);
  garbage.set([5, 0, 0, 0], 0); // ota_seq written, CRC not
  writeFileSync(erased, garbage);
  assert.equal(runOtadata(erased, {}, memoryIo()), 1, 'a copy written but not valid is a problem');
  writeFileSync(erased, buildOtadata(0, OTA_STATE.valid)); // ota_seq 0 wraps to 0xffffffff
  const w = memoryIo();
  assert.equal(runOtadata(erased, { otaCount: 2, json: true }, w), 0);
  assert.equal((JSON.parse(w.stdout()) as { slot: string }).slot, 'ota_1');
  const wt = memoryIo();
  assert.equal(runOtadata(erased, { otaCount: 3 }, wt), 0);
  assert.match(wt.stdout(), /\(0 − 1\) mod 3 = ota_0 \(0 − 1 wraps to 0xffffffff/);

  const cases: [string | undefined, Parameters<typeof runOtadata>[1], RegExp][] = [
    [undefined, {}, /give an otadata FILE to read, or --select/],
    [undefined, { select: 'ota_16', out: od }, /--select must be ota_0 … ota_15/],
    [undefined, { select: 'ota_3', out: od, otaCount: 2 }, /ota_3 does not exist in a table with 2 OTA partitions/],
    [undefined, { select: 'ota_1' }, /needs -o FILE/],
    [undefined, { select: 'ota_1', out: od, state: 'sleepy' }, /--state must be one of/],
    [od, { out: od }, /give --select ota_N with them/],
    [join(dir, 'short.bin'), {}, /no such file/],
    // A whole flash image is no otadata (it used to be read as one: "no valid copy").
    ['firmware/build/demo-ota.bin', {}, /demo-ota\.bin holds \d+ bytes, more than the 8 KiB of an otadata partition \(it starts like an ESP image\): give the otadata partition's own bytes/],
  ];
  const before = readFileSync(od);
  for (const [file, o, message] of cases) {
    const io = memoryIo();
    assert.equal(runOtadata(file, o, io), 2, JSON.stringify(o));
    assert.match(io.stderr(), message);
    assert.deepEqual(readFileSync(od), before, 'nothing written');
  }
});
