import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runImageInfo } from '../../src/cli/commands/image-info.js';
import { runExampleImage } from '../../src/cli/commands/example-image.js';
import { runDemo } from '../../src/cli/commands/demo.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { buildExampleApp, buildExampleFlash } from '../../src/image/examples/index.js';
import { buildPartitionTable, elf2image, parseElf } from '../../src/image/index.js';
import { analyzeFlashMap } from '../../src/image/flash-map/index.js';
import { esp32c3, esp32s3 } from '../../src/chips/index.js';
import { tempDir } from './helpers.js';
import { mcubootImage, padToSlot } from '../image/support/mcuboot.js';

test('image info: app image, --verify, --json; corrupted image exits 1; junk exits 2', (t) => {
  const dir = tempDir(t);
  const app = buildExampleApp({ chip: esp32s3, projectName: 'blink', version: '3.1' });
  const file = join(dir, 'app.bin');
  writeFileSync(file, app);
  const io = memoryIo();
  assert.equal(runImageInfo(file, { verify: true }, io), 0);
  for (const s of ['ESP32-S3', 'blink', 'drom', 'irom', 'padding', 'valid']) assert.ok(io.stdout().includes(s), s);
  assert.doesNotMatch(io.stdout(), /\x1b\[/);
  const j = memoryIo();
  runImageInfo(file, { json: true, verify: true }, j);
  const parsed = JSON.parse(j.stdout()) as Record<string, any>;
  assert.equal(parsed.kind, 'esp-image');
  assert.equal(parsed.image.appDesc.projectName, 'blink');
  assert.match(parsed.image.sha256.stored, /^[0-9a-f]{64}$/);
  assert.equal(parsed.image.chip, 'esp32s3');
  const bad = app.slice();
  bad[0x40] ^= 0xff;
  const badFile = join(dir, 'bad.bin');
  writeFileSync(badFile, bad);
  assert.equal(runImageInfo(badFile, {}, memoryIo()), 0, 'without --verify the data is not read');
  assert.equal(runImageInfo(badFile, { verify: true }, memoryIo()), 1);
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, new Uint8Array(64).fill(0x12));
  const jio = memoryIo();
  assert.equal(runImageInfo(junk, {}, jio), 2);
  assert.match(jio.stderr(), /not an ESP image: byte 0 is 0x12/);
  const eio = memoryIo();
  assert.equal(runImageInfo('firmware/build/espalgo-demo.elf', {}, eio), 2);
  assert.match(eio.stderr(), /byte 0 is 0x7f; .* \(this is an ELF file: espalgo image elf2image FILE --chip CHIP builds its app image\)/);
});

test('image info on an app for a chip espalgo has no descriptor for (ESP32-C61, id 0x14): an app, its segments unclassified', (t) => {
  const dir = tempDir(t);
  const app = buildExampleApp({ chip: esp32s3, projectName: 'c61app', version: '1.0' });
  app[12] = 0x14; // chip id: ESP32-C61 (no SHA check without --verify)
  const file = join(dir, 'c61.bin');
  writeFileSync(file, app);
  const io = memoryIo();
  assert.equal(runImageInfo(file, {}, io), 0);
  assert.match(io.stdout(), /\(\d+(\.\d+)? KiB app image\)/);
  assert.match(io.stdout(), /project "c61app"/);
  assert.match(io.stdout(), /the chip \(id 0x0014\) is not one espalgo knows: segments are not classified \(give --chip\)/);
  assert.doesNotMatch(io.stdout(), /bootloader|RAM only/);
  const flash = analyzeFlashMap(app);
  assert.equal(flash.placement.kind, 'app-image', flash.placement.decidedBy);
});

test('image info on a partition table and on a merged file', (t) => {
  const dir = tempDir(t);
  const pt = join(dir, 'pt.bin');
  writeFileSync(pt, buildPartitionTable([{ label: 'factory', type: 0, subtype: 0, offset: 0x10000, size: 0x100000 }]));
  const io = memoryIo();
  assert.equal(runImageInfo(pt, {}, io), 0);
  assert.match(io.stdout(), /factory/);
  const merged = join(dir, 'merged.bin');
  writeFileSync(merged, buildExampleFlash('esp32').bytes);
  const mio = memoryIo();
  assert.equal(runImageInfo(merged, {}, mio), 0);
  assert.match(mio.stdout(), /espalgo flash-map/);
});

test('image info on an MCUboot image: whole, 0 and no findings; without its TLV area (unsigned), exit 1 with MCUBOOT_NO_TLV, text and JSON', (t) => {
  const dir = tempDir(t);
  const signed = mcubootImage(); // header 0x20, image 0x100, then its SHA256 TLV
  const good = join(dir, 'signed.bin');
  writeFileSync(good, signed);
  const ok = memoryIo();
  assert.equal(runImageInfo(good, {}, ok), 0, ok.stdout());
  assert.match(ok.stdout(), /version 1\.2\.3\+4[\s\S]*no findings/i);
  const bad = join(dir, 'unsigned.bin');
  writeFileSync(bad, signed.subarray(0, 0x120));
  const text = memoryIo();
  assert.equal(runImageInfo(bad, {}, text), 1);
  assert.match(text.stdout(), /MCUBOOT_NO_TLV/);
  const j = memoryIo();
  assert.equal(runImageInfo(bad, { json: true }, j), 1);
  const parsed = JSON.parse(j.stdout()) as { kind: string; findings: { code: string; offset: number }[] };
  assert.equal(parsed.kind, 'mcuboot');
  assert.deepEqual(parsed.findings.map((f) => [f.code, f.offset]), [['MCUBOOT_NO_TLV', 0x120]]);
});

test('image info on an MCUboot image lists its TLVs and trailer; --verify checks the hash: a payload byte changed after signing exits 1 with MCUBOOT_HASH_MISMATCH', (t) => {
  const dir = tempDir(t);
  const image = padToSlot(mcubootImage({ protectedTlvs: [[0x50, Uint8Array.of(3, 0, 2, 1)]], tlvs: [[0x01, new Uint8Array(32).fill(0xab)], [0x24, new Uint8Array(64)]] }), 0x1000, { confirm: true });
  const file = join(dir, 'app.bin');
  writeFileSync(file, image);
  const info = memoryIo();
  assert.equal(runImageInfo(file, {}, info), 0, info.stdout());
  const out = info.stdout();
  assert.match(out, /hash +SHA256 \(not verified; use --verify\)/);
  assert.match(out, /signature +Ed25519 \(not verified: no key given\)/);
  assert.match(out, /protected area at 0x00000120, 12 bytes \(covered by the image hash\):\n +0x00000124 +0x0050 SEC_CNT +4 B +security counter 16908291 \(0x01020003\)/);
  assert.match(out, /0x0010 SHA256 +32 B +[0-9a-f]{64}\n +0x[0-9a-f]{8} +0x0001 KEYHASH +32 B +(ab){32}\n +0x[0-9a-f]{8} +0x0024 ED25519 +64 B +Ed25519 signature/);
  assert.match(out, /padded to a slot: boot magic at 0x00000ff0, max alignment 8[\s\S]*image_ok 0x01 set \(confirmed/);
  const verified = memoryIo();
  assert.equal(runImageInfo(file, { verify: true }, verified), 0, verified.stdout());
  assert.match(verified.stdout(), /hash +SHA256 valid over the header, image and protected TLVs \(bytes 0\.\.0x0000012c\)/);

  const corrupt = image.slice();
  corrupt[0x80] ^= 0x01;
  writeFileSync(file, corrupt);
  const quick = memoryIo();
  assert.equal(runImageInfo(file, {}, quick), 0, 'info alone does not hash');
  const text = memoryIo();
  assert.equal(runImageInfo(file, { verify: true }, text), 1);
  assert.match(text.stdout(), /SHA256 MISMATCH[\s\S]*MCUBOOT_HASH_MISMATCH/);
  const j = memoryIo();
  assert.equal(runImageInfo(file, { verify: true, json: true }, j), 1);
  const parsed = JSON.parse(j.stdout()) as {
    tlvs: { name: string; protected: boolean; value: string }[]; hashChecks: { algorithm: string; valid: boolean; stored: string }[];
    signatures: { kind: string; verified: boolean }[]; trailer: { maxAlign: number; imageOk: { state: string } }; findings: { code: string }[];
  };
  assert.deepEqual(parsed.tlvs.map((x) => [x.name, x.protected]), [['SEC_CNT', true], ['SHA256', false], ['KEYHASH', false], ['ED25519', false]]);
  assert.equal(parsed.tlvs[0]!.value, '03000201');
  assert.deepEqual(parsed.hashChecks.map((c) => [c.algorithm, c.valid, c.stored]), [['SHA256', false, parsed.tlvs[1]!.value]]);
  assert.deepEqual(parsed.signatures.map((x) => [x.kind, x.verified]), [['Ed25519', false]]);
  assert.deepEqual([parsed.trailer.maxAlign, parsed.trailer.imageOk.state], [8, 'set']);
  assert.deepEqual(parsed.findings.map((f) => f.code), ['MCUBOOT_HASH_MISMATCH']);
  const plain = memoryIo();
  assert.equal(runImageInfo(file, { json: true }, plain), 0);
  assert.equal((JSON.parse(plain.stdout()) as { hashChecks: unknown }).hashChecks, null);
});

test('example-image writes the layout bytes; unknown layout exits 2', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'ota.bin');
  const io = memoryIo();
  assert.equal(runExampleImage(out, { layout: 'ota' }, io), 0);
  assert.deepEqual(new Uint8Array(readFileSync(out)), buildExampleFlash('ota').bytes);
  assert.equal(runExampleImage(join(dir, 'pad.bin'), { layout: 'ram-only', padTo: 0x200000 }, memoryIo()), 0);
  assert.equal(readFileSync(join(dir, 'pad.bin')).length, 0x200000);
  const bad = memoryIo();
  assert.equal(runExampleImage(join(dir, 'x.bin'), { layout: 'nope' }, bad), 2);
  assert.equal(existsSync(join(dir, 'x.bin')), false);
  assert.match(bad.stderr(), /known: micropython/);
  // --pad-to too small for the layout, or larger than any flash: the option is named, nothing written.
  for (const [padTo, message] of [[0x100000, /--pad-to 1 MiB is smaller than the "ota" layout: "ota_1"/], [0x80000000, /--pad-to 2048 MiB is more than a flash file holds/]] as const) {
    const io2 = memoryIo();
    assert.equal(runExampleImage(join(dir, 'x.bin'), { layout: 'ota', padTo }, io2), 2);
    assert.match(io2.stderr(), message);
    assert.equal(existsSync(join(dir, 'x.bin')), false);
  }
});

test('demo builds the MicroPython-like file and reports on it', (t) => {
  const dir = tempDir(t);
  const io = memoryIo();
  assert.equal(runDemo(io, dir), 0);
  const file = join(dir, 'micropython-esp32s3-32MiB.bin');
  assert.ok(existsSync(file));
  assert.ok(io.stdout().includes(file));
  assert.ok(io.stdout().includes('STUB_LARGE_FLASH'));
});

test('image info: a Simple Boot app (elf2image --ram-only-header) is named, its flash segments listed; JSON; a misaligned one exits 1', (t) => {
  const dir = tempDir(t);
  const bytes = elf2image(parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf'))), esp32c3, { ramOnlyHeader: true });
  const file = join(dir, 'zephyr.bin');
  writeFileSync(file, bytes);
  const io = memoryIo();
  assert.equal(runImageInfo(file, { verify: true }, io), 0, io.stderr());
  const text = io.stdout();
  assert.match(text, /\(128\.4 KiB Simple Boot app\)/);
  assert.ok(text.includes('Simple Boot app (esptool --ram-only-header; Zephyr/NuttX): the ROM loads the 2 RAM segments, the app maps these flash segments itself'));
  assert.match(text, /irom\s+0x42000020\s+0x00010020\s+0x00010020\s+652 B/);
  assert.match(text, /drom\s+0x3c010020\s+0x00020020\s+0x00020020\s+384 B/);
  assert.match(text, /App\s+project "espalgo-demo"/);
  assert.doesNotMatch(text, /merged flash file|runs from RAM only|bootloader \(or RAM-only\)/);
  const j = memoryIo();
  assert.equal(runImageInfo(file, { json: true }, j), 0);
  const r = JSON.parse(j.stdout()) as { trailingBytes: number; simpleBoot: { flashOffset: number; segments: { kind: string; loadAddress: number; fileOffset: number; flashOffset: number; size: number; aligned: boolean }[] } };
  assert.equal(r.trailingBytes, 0);
  assert.equal(r.simpleBoot.flashOffset, 0);
  assert.deepEqual(r.simpleBoot.segments, [
    { kind: 'irom', loadAddress: 0x42000020, fileOffset: 0x10020, flashOffset: 0x10020, size: 0x28c, aligned: true },
    { kind: 'drom', loadAddress: 0x3c010020, fileOffset: 0x20020, flashOffset: 0x20020, size: 0x180, aligned: true },
  ]);
  const bad = bytes.slice();
  bad[0x10018] = 0x20; // the IROM segment's load address: 0x42000120
  bad[0x10019] = 0x01;
  writeFileSync(file, bad);
  const b = memoryIo();
  assert.equal(runImageInfo(file, {}, b), 1);
  assert.match(b.stdout(), /IMAGE_SEGMENT_MMU_ALIGN/);
  // The same app at the start of a 4 MiB flash dump: the rest is erased flash, not more images.
  const dump = new Uint8Array(0x400000).fill(0xff);
  dump.set(bytes);
  writeFileSync(file, dump);
  const d = memoryIo();
  assert.equal(runImageInfo(file, {}, d), 0);
  assert.match(d.stdout(), /The file continues with 3\.87 MiB of 0xFF past the image \(erased flash or padding\): a flash dump\? Try: espalgo flash-map/);
  assert.doesNotMatch(d.stdout(), /merged flash file/);
  const dj = memoryIo();
  runImageInfo(file, { json: true }, dj);
  const dr = JSON.parse(dj.stdout()) as { trailingBytes: number; trailingErased: boolean };
  assert.deepEqual([dr.trailingBytes, dr.trailingErased], [0x400000 - bytes.length, true]);
});

test('image info: an ordinary RAM-only bootloader followed by erased flash and a table is still a bootloader with the merged-file hint', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'flash.bin');
  writeFileSync(file, buildExampleFlash('ram-only').bytes);
  const io = memoryIo();
  assert.equal(runImageInfo(file, {}, io), 0);
  assert.match(io.stdout(), /bootloader image\)|bootloader \(or RAM-only\) image\)/);
  assert.match(io.stdout(), /a merged flash file\? Try: espalgo flash-map/);
  assert.doesNotMatch(io.stdout(), /Simple Boot/);
  const j = memoryIo();
  runImageInfo(file, { json: true }, j);
  const r = JSON.parse(j.stdout()) as { simpleBoot?: unknown; trailingErased: boolean };
  assert.equal(r.simpleBoot, undefined);
  assert.equal(r.trailingErased, false);
});
