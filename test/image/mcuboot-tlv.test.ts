import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMcubootImage, sha256, type McubootImage } from '../../src/image/index.js';
import { mcubootImage, padToSlot, type Tlv } from './support/mcuboot.js';

const codes = (m: McubootImage): string[] => m.findings.map((f) => f.code);
const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);

test('MCUboot TLVs are listed in file order, protected area first, with their names; info does not hash', () => {
  const img = mcubootImage({ protectedTlvs: [[0x50, u32(7)], [0x00a0, Uint8Array.of(1, 2)]], tlvs: [[0x01, new Uint8Array(32).fill(0xab)], [0x0133, new Uint8Array(3)]] });
  const m = parseMcubootImage(img);
  assert.deepEqual(m.tlvs.map((t) => [t.offset, t.type, t.name, t.length, t.protected]), [
    [0x124, 0x50, 'SEC_CNT', 4, true],
    [0x12c, 0xa0, 'VENDOR', 2, true],
    [0x136, 0x10, 'SHA256', 32, false],
    [0x15a, 0x01, 'KEYHASH', 32, false],
    [0x17e, 0x0133, 'UNKNOWN', 3, false],
  ]);
  assert.equal(m.tlvEnd, img.length);
  assert.equal(m.hashChecks, null, 'no hash without verify');
  assert.deepEqual(codes(m), []);
});

test('verify: the hash over header, image and protected TLVs matches; a byte changed anywhere in them is MCUBOOT_HASH_MISMATCH', () => {
  const img = mcubootImage({ protectedTlvs: [[0x50, u32(7)]] });
  const good = parseMcubootImage(img, { verify: true });
  assert.deepEqual(codes(good), []);
  assert.equal(good.hashChecks?.length, 1);
  assert.deepEqual({ ...good.hashChecks![0]!, stored: undefined, computed: undefined }, { algorithm: 'SHA256', tlvOffset: 0x130, coveredLength: 0x12c, stored: undefined, computed: undefined, valid: true });
  assert.deepEqual(good.hashChecks![0]!.computed, sha256(img.subarray(0, 0x12c)));
  for (const at of [0x10 /* header */, 0x80 /* payload */, 0x128 /* protected TLV value */]) {
    const bad = img.slice();
    bad[at] ^= 1;
    const m = parseMcubootImage(bad, { verify: true });
    assert.deepEqual(m.findings.map((f) => [f.code, f.severity, f.offset]), [['MCUBOOT_HASH_MISMATCH', 'error', 0x130]], `byte ${at}`);
    assert.equal(m.hashChecks![0]!.valid, false);
    assert.deepEqual(codes(parseMcubootImage(bad)), [], 'without verify: not hashed, no finding');
  }
  const tlvChanged = img.slice();
  tlvChanged[img.length - 1] ^= 1; // the stored hash itself
  assert.deepEqual(codes(parseMcubootImage(tlvChanged, { verify: true })), ['MCUBOOT_HASH_MISMATCH']);
});

test('verify: SHA384 and SHA512 hash TLVs are checked too', () => {
  for (const hash of ['SHA384', 'SHA512'] as const) {
    const img = mcubootImage({ hash });
    const m = parseMcubootImage(img, { verify: true });
    assert.deepEqual(m.hashChecks?.map((c) => [c.algorithm, c.valid]), [[hash, true]]);
    const bad = img.slice();
    bad[0x40] ^= 0xff;
    assert.deepEqual(codes(parseMcubootImage(bad, { verify: true })), ['MCUBOOT_HASH_MISMATCH'], hash);
  }
});

test('no hash TLV: MCUBOOT_NO_HASH, unless a pure signature stands in for it; a hash TLV of the wrong size or in the protected area', () => {
  assert.deepEqual(codes(parseMcubootImage(mcubootImage({ hash: null }))), ['MCUBOOT_NO_HASH']);
  assert.deepEqual(codes(parseMcubootImage(mcubootImage({ hash: null, tlvs: [[0x25, Uint8Array.of(1)], [0x24, new Uint8Array(64)]] }))), []);
  const short = mcubootImage({ hash: null, tlvs: [[0x10, new Uint8Array(20)]] });
  const m = parseMcubootImage(short, { verify: true });
  assert.deepEqual(codes(m), ['MCUBOOT_HASH_LENGTH']);
  assert.deepEqual(m.hashChecks, [], 'a hash of the wrong size is not compared');
  assert.deepEqual(codes(parseMcubootImage(mcubootImage({ hash: null, protectedTlvs: [[0x10, new Uint8Array(32)]] }))), ['MCUBOOT_HASH_PROTECTED']);
});

test('malformed TLV areas: an entry past its area, a protected area whose size is not the header\'s; cut short still gives the structure findings', () => {
  const img = mcubootImage({ tlvs: [[0x01, new Uint8Array(8)]] });
  const overrun = img.slice();
  overrun[img.length - 10] = 0x40; // KEYHASH length 8 -> 0x40
  const m = parseMcubootImage(overrun, { verify: true });
  assert.deepEqual(m.findings.map((f) => [f.code, f.offset]), [['MCUBOOT_TLV_OVERRUN', img.length - 12]]);
  assert.deepEqual(m.tlvs.map((t) => t.name), ['SHA256'], 'the entries before it are still listed');
  assert.equal(m.tlvEnd, null);
  assert.equal(m.hashChecks, null);
  const prot = mcubootImage({ protectedTlvs: [[0x50, u32(1)]] });
  const sized = prot.slice();
  sized[10] = 0x10; // header: protected TLV size 12 -> 16
  assert.deepEqual(codes(parseMcubootImage(sized)), ['MCUBOOT_TLV_SIZE']);
  assert.deepEqual(codes(parseMcubootImage(img.subarray(0, img.length - 4))), ['MCUBOOT_TRUNCATED']);
  assert.deepEqual(codes(parseMcubootImage(img.subarray(0, 0x122))), ['MCUBOOT_NO_TLV']);
  assert.deepEqual(codes(parseMcubootImage(img.subarray(0, 0x100))), ['MCUBOOT_TRUNCATED']);
});

test('signature TLVs are named by kind; ECDSA by the size of its DER integers', () => {
  const der = (n: number): Uint8Array => Uint8Array.of(0x30, 2 * (n + 2), 0x02, n, ...new Uint8Array(n).fill(0x7f), 0x02, n, ...new Uint8Array(n).fill(0x33));
  const sigs: Tlv[] = [[0x22, der(32)], [0x22, Uint8Array.of(0x30, 2 * (49 + 2), 0x02, 49, 0, ...new Uint8Array(48).fill(0x81), 0x02, 49, 0, ...new Uint8Array(48).fill(0x81))], [0x20, new Uint8Array(256)], [0x23, new Uint8Array(384)], [0x24, new Uint8Array(64)], [0x22, Uint8Array.of(1, 2, 3)]];
  const m = parseMcubootImage(mcubootImage({ tlvs: sigs }));
  assert.deepEqual(m.signatures.map((s) => s.kind), ['ECDSA P-256', 'ECDSA P-384', 'RSA-2048 PSS', 'RSA-3072 PSS', 'Ed25519', 'ECDSA']);
});

test('the trailer of an image padded to its slot: max alignment 8/16/32 from the boot magic, image_ok confirmed or pending', () => {
  const img = mcubootImage();
  assert.equal(parseMcubootImage(img).trailer, null, 'not padded');
  const pending = parseMcubootImage(padToSlot(img, 0x1000)).trailer!;
  assert.deepEqual({ ...pending, imageOk: pending.imageOk?.state }, {
    magicOffset: 0xff0, magic: 'good', maxAlign: 8, undecided: null, imageOk: 'unset',
    copyDone: { offset: 0xfe0, value: 0xff, state: 'unset' }, swapInfo: { offset: 0xfd8, value: 0xff }, swapSize: { offset: 0xfd0, value: 0xffffffff },
  });
  assert.deepEqual(parseMcubootImage(padToSlot(img, 0x1000, { confirm: true })).trailer!.imageOk, { offset: 0xfe8, value: 1, state: 'set' });
  const a16 = parseMcubootImage(padToSlot(img, 0x1000, { maxAlign: 16, confirm: true })).trailer!;
  assert.deepEqual([a16.maxAlign, a16.imageOk, a16.swapSize?.offset], [16, { offset: 0xfe0, value: 1, state: 'set' }, 0xfb0]);
  const a32 = parseMcubootImage(padToSlot(img, 0x1000, { maxAlign: 32, confirm: true })).trailer!;
  assert.deepEqual([a32.maxAlign, a32.imageOk?.offset, a32.copyDone?.offset], [32, 0xfc0, 0xfa0]);
  const odd = padToSlot(img, 0x1000, { maxAlign: 16 });
  odd[0xff0] = 4; // an alignment MCUboot does not support
  assert.match(parseMcubootImage(odd).trailer!.undecided ?? '', /max alignment of 4, not 8, 16 or 32: the layout is not decided/);
  const erased = new Uint8Array(0x1000).fill(0xff);
  erased.set(img);
  assert.deepEqual([parseMcubootImage(erased).trailer!.magic, parseMcubootImage(erased).trailer!.imageOk], ['erased', null]);
  const other = erased.slice();
  other[0xfff] = 0;
  assert.deepEqual([parseMcubootImage(other).trailer!.magic, parseMcubootImage(other).trailer!.maxAlign], ['none', null]);
  assert.equal(parseMcubootImage(padToSlot(img, 0x1000)).findings.length, 0);
});

test('verify: an encrypted image (flag 0x04 or 0x08) is not hashed: its hash TLV covers the plaintext; an info finding says so', () => {
  for (const flag of [0x04, 0x08]) {
    const img = mcubootImage();
    img[16] = flag;
    const m = parseMcubootImage(img, { verify: true });
    assert.equal(m.hashChecks, null);
    assert.deepEqual(m.findings.map((f) => [f.code, f.severity]), [['MCUBOOT_HASH_ENCRYPTED', 'info']]);
    assert.deepEqual(codes(parseMcubootImage(img)), [], 'nothing said without verify');
  }
});
