import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { esp32, esp32c3, esp32c6 } from '../../src/chips/index.js';
import { buildAppDescriptor } from '../../src/image/app-desc.js';
import { concatBytes } from '../../src/image/bytes.js';
import { parseImage, assertImageValid } from '../../src/image/image.js';
import { buildImage } from '../../src/image/image-build.js';
import { ImageFormatError } from '../../src/image/errors.js';
import { c3Bootloader, c6App, esp32App, filled, s3AppWithRtc } from './support/fixtures.js';

function isErr(code: string, offset?: number, re?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ImageFormatError, `expected ImageFormatError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    if (re) assert.match(e.message, re);
    return true;
  };
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

test('hand-computed layout and checksum of a one-segment image', () => {
  const img = buildImage({ chip: esp32c3, entry: 0x40380000, segments: [{ loadAddress: 0x3fc80000, data: Uint8Array.of(1, 2, 3, 4) }], appendSha256: false, spiMode: 'dio', flashSizeCode: 2, spiSpeed: 0xf });
  // 24 header + 8 segment header + 4 data = 36; checksum at the last byte of the 16-byte block → 47.
  assert.equal(img.length, 48);
  assert.deepEqual([...img.subarray(0, 4)], [0xe9, 1, 2, 0x2f]);
  assert.equal(img[12], 5, 'chip id ESP32-C3');
  assert.deepEqual([...img.subarray(24, 36)], [0x00, 0x00, 0xc8, 0x3f, 4, 0, 0, 0, 1, 2, 3, 4]);
  assert.ok(img.subarray(36, 47).every((b) => b === 0), 'zero padding');
  assert.equal(img[47], 0xef ^ 1 ^ 2 ^ 3 ^ 4);
  assert.equal(img[47], 0xeb);
  const p = parseImage(img);
  assert.equal(p.checksum.offset, 47);
  assert.equal(p.checksum.valid, true);
  assert.equal(p.sha256, undefined);
  assert.equal(p.length, 48);
  assert.equal(p.segments[0]!.kind, 'dram');
});

test('checksum sits at offset 15 mod 16 even when the data ends on a block boundary', () => {
  // data end 24 + 8 + n: 0x38 → 0x3f, 0x3c → 0x3f, 0x40 → 0x4f, 0x4c → 0x4f, 0x50 → 0x5f
  for (const [n, cs] of [[0x18, 0x3f], [0x1c, 0x3f], [0x20, 0x4f], [0x2c, 0x4f], [0x30, 0x5f]] as const) {
    const img = buildImage({ chip: esp32c3, entry: 0, segments: [{ loadAddress: 0x3fc80000, data: filled(n, 1) }], appendSha256: false });
    assert.equal(parseImage(img).checksum.offset, cs, `data 0x${n.toString(16)}`);
    assert.equal(img.length, cs + 1);
  }
});

test('ESP32 app round trip: DROM, DRAM, IRAM, PAD, IROM with valid checksum, hash and app descriptor', () => {
  const img = esp32App();
  const p = parseImage(img);
  assert.equal(p.chip, esp32);
  assert.deepEqual(p.segments.map((s) => s.kind), ['drom', 'dram', 'iram', 'padding', 'irom']);
  assert.deepEqual(p.segments.map((s) => s.flashRole), ['drom', undefined, undefined, undefined, 'irom']);
  for (const s of p.segments.filter((s) => s.kind === 'drom' || s.kind === 'irom')) {
    assert.equal(s.dataOffset % 0x10000, s.loadAddress % 0x10000, `segment ${s.index} is MMU-aligned`);
  }
  assert.equal(p.segments[0]!.dataOffset, 0x20);
  assert.equal(p.segments[0]!.headerOffset, 0x18);
  assert.equal(p.checksum.valid, true);
  assert.equal(p.sha256?.valid, true);
  assert.equal(p.length, img.length);
  assert.equal(p.header.hashAppended, 1);
  assert.equal(p.header.flashSizeBytes, 4 * 0x100000);
  assert.equal(Buffer.from(p.sha256!.stored).toString('hex'), createHash('sha256').update(img.subarray(0, img.length - 32)).digest('hex'));
  assert.equal(p.appDesc?.projectName, 'demo');
  assert.equal(p.appDesc?.version, '1.2.3');
  assert.equal(p.appDesc?.mmuPageSize, 0x10000);
  assert.equal(p.appDesc?.offset, 0x20);
  assert.equal(p.bootloaderDesc, undefined);
  assert.equal(p.ramOnly, false);
  assert.deepEqual(p.findings, []);
  assert.equal(p.signature, undefined);
  assertImageValid(p);
});

test('ESP32-C6 shared window: first flash segment is rodata, later ones IROM; LP RAM is rtc', () => {
  const p = parseImage(c6App());
  assert.deepEqual(p.segments.map((s) => s.kind), ['flash', 'dram', 'dram', 'padding', 'flash', 'rtc']);
  assert.deepEqual(p.segments.map((s) => s.flashRole ?? '-'), ['drom', '-', '-', '-', 'irom', '-']);
  assert.ok(p.segments[0]!.loadAddress > p.segments[4]!.loadAddress, 'rodata above text, as in IDF builds');
  assert.equal(p.appDesc?.projectName, 'demo');
  assert.deepEqual(p.findings, []);
});

test('ESP32-S3 RTC segments after IROM', () => {
  const p = parseImage(s3AppWithRtc());
  assert.deepEqual(p.segments.map((s) => s.kind), ['drom', 'padding', 'irom', 'rtc', 'rtc']);
  assert.deepEqual(p.findings, []);
});

test('bootloader image: RAM only with a bootloader descriptor', () => {
  const p = parseImage(c3Bootloader());
  assert.equal(p.ramOnly, true);
  assert.deepEqual(p.segments.map((s) => s.kind), ['dram', 'iram', 'iram']);
  assert.equal(p.bootloaderDesc?.idfVer, 'v5.3.1');
  assert.equal(p.bootloaderDesc?.dateTime, 'Jan  1 2025 12:00:00');
  assert.equal(p.bootloaderDesc?.version, 1);
  assert.equal(p.appDesc, undefined);
});

test('RAM-only app is valid and has no descriptors', () => {
  const img = buildImage({ chip: esp32, entry: 0x40080000, segments: [{ loadAddress: 0x40080000, data: filled(0x100, 1) }, { loadAddress: 0x3ffb0000, data: filled(0x40, 2) }] });
  const p = parseImage(img);
  assert.equal(p.ramOnly, true);
  assert.deepEqual(p.segments.map((s) => s.kind), ['iram', 'dram']);
  assert.equal(p.appDesc, undefined);
  assert.equal(p.bootloaderDesc, undefined);
  assert.equal(p.sha256?.valid, true);
});

test('unknown chip id: parsed, segments unclassified', () => {
  const img = buildImage({ chipId: 0x14, entry: 0, segments: [{ loadAddress: 0, data: new Uint8Array(8) }, { loadAddress: 0x42000020, data: filled(16, 1) }] });
  const p = parseImage(img);
  assert.equal(p.chip, undefined);
  assert.deepEqual(p.segments.map((s) => s.kind), ['padding', 'unknown']);
  // classification can be forced
  assert.equal(parseImage(img, { chip: esp32c3 }).segments[1]!.kind, 'irom');
});

test('SBv1 signature after the image is reported', () => {
  const img = esp32App();
  const sig = concat(new Uint8Array(4), filled(64, 77));
  const p = parseImage(concat(img, sig, new Uint8Array(100).fill(0xff)));
  assert.equal(p.signature?.scheme, 'sbv1');
  assert.equal(p.signature?.offset, img.length);
  if (p.signature?.scheme === 'sbv1') assert.deepEqual([...p.signature.signature], [...filled(64, 77)]);
  assert.equal(p.length, img.length, 'the signature is not part of the image length');
  // erased flash after an image is not a signature
  assert.equal(parseImage(concat(img, new Uint8Array(200).fill(0xff))).signature, undefined);
});

test('SBv1 is the ESP32\'s only: zero bytes after a later chip\'s image are not read as a signature', () => {
  // esptool's --ram-only-header leaves the hidden flash segments after the image; the first starts 00 00 00 00
  const c3 = c3Bootloader();
  const after = concat(new Uint8Array(4), filled(64, 77));
  assert.equal(parseImage(concat(c3, after)).signature, undefined);
  assert.equal(parseImage(concat(c3, after), { chip: esp32 }).signature?.scheme, 'sbv1', 'read as an ESP32 image, it is one');
});

test('SBv2 signature sector at the next 4 KiB boundary is reported', () => {
  const img = esp32App();
  const padded = Math.ceil(img.length / 0x1000) * 0x1000;
  const out = new Uint8Array(padded + 0x1000).fill(0xff);
  out.set(img);
  out[padded] = 0xe7;
  out[padded + 1] = 0x02;
  out[padded + 1216] = 0xe7;
  out[padded + 1217] = 0x02;
  const p = parseImage(out);
  assert.deepEqual(p.signature, { scheme: 'sbv2', offset: padded, blockCount: 2, version: 2 });
});

test('verify levels: none touches no data, checksum skips the hash, full checks both', () => {
  const img = esp32App();
  const bad = img.slice();
  bad[0x40] ^= 0x01; // a DROM data byte: checksum and hash both break
  const none = parseImage(bad, { verify: 'none' });
  assert.equal(none.checksum.computed, undefined);
  assert.equal(none.checksum.valid, undefined);
  assert.equal(none.sha256?.computed, undefined);
  assert.deepEqual(none.findings, []);
  const cs = parseImage(bad, { verify: 'checksum' });
  assert.equal(cs.checksum.valid, false);
  assert.equal(cs.sha256?.valid, undefined);
  const full = parseImage(bad);
  assert.equal(full.checksum.valid, false);
  assert.equal(full.sha256?.valid, false);
  assert.deepEqual(full.findings?.map((f) => f.code), ['IMAGE_CHECKSUM', 'IMAGE_HASH']);
  assert.throws(() => assertImageValid(full), isErr('IMAGE_CHECKSUM', full.checksum.offset));
  // only the hash broken: flip the stored hash
  const badHash = img.slice();
  badHash[img.length - 1] ^= 0x80;
  const h = parseImage(badHash);
  assert.equal(h.checksum.valid, true);
  assert.equal(h.sha256?.valid, false);
  assert.throws(() => assertImageValid(h), isErr('IMAGE_HASH', img.length - 32));
});

test('structural findings: unaligned segment length and MMU misalignment', () => {
  const img = buildImage({ chip: esp32c3, entry: 0x3c000040, segments: [{ loadAddress: 0x3c000040, data: filled(16, 1) }] });
  const p = parseImage(img);
  assert.deepEqual(p.findings?.map((f) => f.code), ['IMAGE_SEGMENT_MMU_ALIGN']);
  const odd = img.slice();
  odd[28] = 15; // segment length 16 → 15 (data shrinks by one, checksum moves)
  const q = parseImage(odd, { verify: 'none' });
  assert.ok(q.findings?.some((f) => f.code === 'IMAGE_SEGMENT_UNALIGNED' && f.offset === 24));
});

test('an entry point in none of the segments is a warning finding', () => {
  const segments = [{ loadAddress: 0x3fc80000, data: filled(16, 1) }, { loadAddress: 0x40380000, data: filled(16, 2) }];
  for (const entry of [0x4037fffc, 0x40380010, 0x12345678]) {
    const p = parseImage(buildImage({ chip: esp32c3, entry, segments }));
    assert.deepEqual(p.findings?.map((f) => [f.code, f.severity, f.offset]), [['IMAGE_ENTRY_OUTSIDE', 'warning', 4]], entry.toString(16));
  }
  assert.deepEqual(parseImage(buildImage({ chip: esp32c3, entry: 0x4038000c, segments })).findings, []);
});

test('a segment the bootloader would copy where the chip has no memory is an error finding', () => {
  const segments = [{ loadAddress: 0x3fc80000, data: filled(16, 1) }, { loadAddress: 0x40380000, data: filled(16, 2) }];
  assert.deepEqual(parseImage(buildImage({ chip: esp32c3, entry: 0x40380000, segments })).findings, []);
  // the same bytes as an ESP32-C6 image: neither address exists on that chip
  const p = parseImage(buildImage({ chip: esp32c6, entry: 0x40380000, segments }));
  assert.deepEqual(p.findings?.map((f) => [f.code, f.severity, f.offset]), [['IMAGE_SEGMENT_LOAD_ADDRESS', 'error', 24], ['IMAGE_SEGMENT_LOAD_ADDRESS', 'error', 48]]);
  assert.match(p.findings![0]!.message, /segment 0 loads at 0x3fc80000\.\.0x3fc80010, which is not RAM, RTC memory or the flash window of the ESP32-C6: the ESP-IDF bootloader refuses the image/);
});

test('MMU alignment is checked against the page the app descriptor records, when the chip has that page', () => {
  const app = (chip: typeof esp32c6, address: number, mmuPageSizeLog2: number) => {
    const rodata = filled(0x100, 1);
    rodata.set(buildAppDescriptor({ projectName: 'p', mmuPageSizeLog2 }), 0);
    // data at image offset 0x20, loaded at …8020: aligned modulo a 32 KiB page, not a 64 KiB one
    return parseImage(buildImage({ chip, entry: address, segments: [{ loadAddress: address, data: rodata }] }));
  };
  assert.deepEqual(app(esp32c6, 0x42008020, 15).findings, [], 'an ESP32-C6 app built for 32 KiB pages maps');
  assert.deepEqual(app(esp32c6, 0x42008020, 16).findings?.map((f) => f.code), ['IMAGE_SEGMENT_MMU_ALIGN']);
  assert.match(app(esp32c6, 0x42008020, 16).findings![0]!.message, /the 0x10000 MMU page/);
  assert.deepEqual(app(esp32c3, 0x3c008020, 15).findings?.map((f) => f.code), ['IMAGE_SEGMENT_MMU_ALIGN'], 'the ESP32-C3 has only 64 KiB pages');
});

test('segment errors carry where, expected and found', () => {
  const img = esp32App();
  const many = img.slice();
  many[1] = 17;
  assert.throws(() => parseImage(many), isErr('IMAGE_BAD_SEGMENT', 1, /17 segments/));
  const zero = img.slice();
  zero[1] = 0;
  assert.throws(() => parseImage(zero), isErr('IMAGE_BAD_SEGMENT', 1));
  const long = img.slice();
  // segment 3 (the padding) header: claim 0x00200000 bytes
  const p = parseImage(img);
  const s3 = p.segments[3]!;
  new DataView(long.buffer).setUint32(s3.headerOffset + 4, 0x200000, true);
  const remain = img.length - s3.dataOffset;
  assert.throws(
    () => parseImage(long),
    (e: unknown) =>
      isErr('IMAGE_BAD_SEGMENT', s3.headerOffset)(e) &&
      (e as ImageFormatError).found === 0x200000 &&
      (e as ImageFormatError).expected === remain &&
      (e as Error).message ===
        `segment 3 header at 0x${s3.headerOffset.toString(16).padStart(8, '0')} claims 0x00200000 bytes but only 0x${remain.toString(16).padStart(8, '0')} remain in the image`,
  );
  // truncated inside a segment header
  assert.throws(() => parseImage(img.subarray(0, p.segments[2]!.headerOffset + 5)), isErr('IMAGE_TRUNCATED', p.segments[2]!.headerOffset));
  // checksum missing
  assert.throws(() => parseImage(img.subarray(0, p.checksum.offset)), isErr('IMAGE_TRUNCATED', p.checksum.offset));
  // hash missing
  assert.throws(() => parseImage(img.subarray(0, img.length - 1)), isErr('IMAGE_TRUNCATED', p.checksum.offset + 1));
});

test('trailing bytes after the image are ignored; length says where it ends', () => {
  const img = esp32App(false);
  const p = parseImage(concat(img, new Uint8Array(0x10000).fill(0xff)));
  assert.equal(p.length, img.length);
  assert.equal(p.sha256, undefined);
  assert.equal(p.checksum.valid, true);
});

test('buildImage rejects bad specs', () => {
  assert.throws(() => buildImage({ entry: 0, segments: [] }), isErr('IMAGE_BUILD'));
  const seg = { loadAddress: 0x3fc80000, data: new Uint8Array(4) };
  assert.throws(() => buildImage({ entry: 0, segments: Array(17).fill(seg) }), isErr('IMAGE_BUILD'));
  // odd lengths are padded to 4 with zeros
  const img = buildImage({ chip: esp32c3, entry: 0, segments: [{ loadAddress: 0x3fc80000, data: Uint8Array.of(9, 9, 9) }] });
  const p = parseImage(img);
  assert.equal(p.segments[0]!.length, 4);
  assert.equal(p.checksum.valid, true);
});
