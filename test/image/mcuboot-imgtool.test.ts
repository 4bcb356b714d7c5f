/**
 * Conformance with MCUboot's imgtool (2.4.0, mcu-tools/mcuboot scripts/): the images here are built
 * by the project's own test builder to the shapes imgtool wrote (the commands are in the comments);
 * what imgtool printed for them is pinned as facts: the SHA-256 of the files it wrote where ours are
 * the same bytes, the digest `imgtool verify` printed, the TLVs `imgtool dumpinfo` listed.
 * The payload: 1024 bytes, byte i = (i * 37 + 11) % 256.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMcubootImage, sha256, toHex } from '../../src/image/index.js';
import { mcubootImage, padToSlot, type Tlv } from './support/mcuboot.js';

const payload = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37 + 11) % 256);
const filler = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
/** A DER ECDSA signature SEQUENCE { INTEGER r, INTEGER s } with integers of `size` bytes (r with a leading 0x00 when `padded`). */
function derSignature(size: number, padded: boolean): Uint8Array {
  const r = padded ? [0x02, size + 1, 0x00, ...filler(size, 0x81)] : [0x02, size, ...filler(size, 0x71)];
  const s = [0x02, size, ...filler(size, 0x42)];
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}
const KEYHASH = 0x01, PUBKEY = 0x02, RSA2048_PSS = 0x20, ECDSA_SIG = 0x22, ED25519 = 0x24, SIG_PURE = 0x25, SEC_CNT = 0x50;

/** Each case: our rebuild, the SHA-256 of imgtool's file where ours is byte for byte the same, imgtool verify's digest, dumpinfo's TLVs. */
const CASES: { name: string; build: () => Uint8Array; file?: string; digest: string; tlvs: string[]; signature: string[] }[] = [
  {
    // imgtool sign --version 1.2.3+4 --header-size 0x20 --pad-header --slot-size 0x2000 payload.bin unsigned.bin
    name: 'unsigned', build: () => mcubootImage({ payload }),
    file: 'c82bb8cb8f5485f15a4c8afb806c11cbad81b8b0c24bbafd2cd1b51b224b2adb',
    digest: '0ebc6ced7960205400b551c6d65b3efc15d46d685fc990a5107f937cc790aa70', tlvs: ['SHA256 32'], signature: [],
  },
  {
    // imgtool sign --version 1.2.3+4 --header-size 0x20 --pad-header --slot-size 0x1000 --max-sectors 8
    //   --security-counter auto --custom-tlv 0xa0 0x12345678 --confirm payload.bin unsigned-protected-confirmed.bin
    name: 'protected TLVs, --confirm', build: () => padToSlot(mcubootImage({ payload, protectedTlvs: [[SEC_CNT, Uint8Array.of(3, 0, 2, 1)], [0xa0, Uint8Array.of(0x12, 0x34, 0x56, 0x78)]] }), 0x1000, { confirm: true }),
    file: '76fd76e8e16ba8ce162d93d580ef4b0a8234b0bcb49f067f3a1a308363b8d111',
    digest: '7f88983f209453e4ad26eb8b77e40c7c65542dd6d612d50e9eb0e85c9081fcfa', tlvs: ['p SEC_CNT 4', 'p VENDOR 4', 'SHA256 32'], signature: [],
  },
  {
    // imgtool sign -k p256.pem (ecdsa-p256) … --slot-size 0x2000 payload.bin ecdsa-p256.bin: SHA256, KEYHASH, ECDSA_SIG (71 bytes)
    name: 'ECDSA P-256', build: () => mcubootImage({ payload, tlvs: [[KEYHASH, filler(32, 0x11)], [ECDSA_SIG, derSignature(32, true)]] }),
    digest: '0ebc6ced7960205400b551c6d65b3efc15d46d685fc990a5107f937cc790aa70', tlvs: ['SHA256 32', 'KEYHASH 32', 'ECDSA_SIG 71'], signature: ['ECDSA P-256'],
  },
  {
    // imgtool sign -k p384.pem … --slot-size 0x1000 --max-sectors 8 --max-align 16 --pad: SHA384, KEYHASH (48), ECDSA_SIG (102)
    name: 'ECDSA P-384, --max-align 16 --pad', build: () => padToSlot(mcubootImage({ payload, hash: 'SHA384', tlvs: [[KEYHASH, filler(48, 0x11)], [ECDSA_SIG, derSignature(48, false)]] }), 0x1000, { maxAlign: 16 }),
    digest: '16259566def6e8b35749f58387caac99936ba211b0a62288779e4f32e0d3257ee6b5e77d549997582cdbf8dca93b3eaa', tlvs: ['SHA384 48', 'KEYHASH 48', 'ECDSA_SIG 102'], signature: ['ECDSA P-384'],
  },
  {
    // imgtool sign -k ed.pem --sha 512 …: SHA512, KEYHASH (64), ED25519 (64)
    name: 'Ed25519, --sha 512', build: () => mcubootImage({ payload, hash: 'SHA512', tlvs: [[KEYHASH, filler(64, 0x11)], [ED25519, filler(64, 0x33)]] }),
    digest: 'a934948a9239336288c19ecbcca102f16a9e84ec08d6791009ef22d9fd6de2dd1fe4d27a9e706cc84e1a91b0eaf8082651a733c9c3cf9558dcbf4378da1a928f', tlvs: ['SHA512 64', 'KEYHASH 64', 'ED25519 64'], signature: ['Ed25519'],
  },
  {
    // imgtool sign -k ed.pem --pure …: SHA512 (written although its comment says it would not be), SIG_PURE, KEYHASH, ED25519
    name: 'Ed25519, --pure', build: () => mcubootImage({ payload, hash: 'SHA512', tlvs: [[SIG_PURE, Uint8Array.of(1)], [KEYHASH, filler(64, 0x11)], [ED25519, filler(64, 0x33)]] }),
    digest: 'a934948a9239336288c19ecbcca102f16a9e84ec08d6791009ef22d9fd6de2dd1fe4d27a9e706cc84e1a91b0eaf8082651a733c9c3cf9558dcbf4378da1a928f', tlvs: ['SHA512 64', 'SIG_PURE 1', 'KEYHASH 64', 'ED25519 64'], signature: ['Ed25519'],
  },
  {
    // imgtool sign -k rsa.pem --public-key-format full …: SHA256, PUBKEY (270), RSA2048_PSS (256)
    name: 'RSA-2048, full public key', build: () => mcubootImage({ payload, tlvs: [[PUBKEY, filler(270, 0x30)], [RSA2048_PSS, filler(256, 0x44)]] as Tlv[] }),
    digest: '0ebc6ced7960205400b551c6d65b3efc15d46d685fc990a5107f937cc790aa70', tlvs: ['SHA256 32', 'PUBKEY 270', 'RSA2048_PSS 256'], signature: ['RSA-2048 PSS'],
  },
];

test('imgtool\'s images: the same bytes where unsigned; the digest imgtool verify printed; the TLVs dumpinfo listed; no findings', () => {
  for (const c of CASES) {
    const bytes = c.build();
    if (c.file) assert.equal(toHex(sha256(bytes)), c.file, `${c.name}: byte for byte the file imgtool wrote`);
    const m = parseMcubootImage(bytes, { verify: true });
    assert.deepEqual(m.tlvs.map((t) => `${t.protected ? 'p ' : ''}${t.name} ${t.length}`), c.tlvs, c.name);
    assert.deepEqual(m.hashChecks?.map((h) => [h.valid, toHex(h.computed)]), [[true, c.digest]], c.name);
    assert.deepEqual(m.signatures.map((s) => s.kind), c.signature, c.name);
    assert.deepEqual(m.findings, [], c.name);
  }
  const prot = parseMcubootImage(CASES[1]!.build()).tlvs;
  assert.deepEqual(prot.slice(0, 2).map((t) => toHex(t.value)), ['03000201', '12345678'], 'security counter 1.2.3 and the custom TLV, as dumpinfo shows them');
});

test('imgtool --pad trailers: confirmed (max align 8) or for a test (max align 16), as dumpinfo reads them', () => {
  const confirmed = parseMcubootImage(CASES[1]!.build()).trailer!;
  assert.deepEqual([confirmed.magic, confirmed.maxAlign, confirmed.imageOk, confirmed.copyDone?.value, confirmed.swapInfo?.value, confirmed.swapSize?.value], ['good', 8, { offset: 0xfe8, value: 1, state: 'set' }, 0xff, 0xff, 0xffffffff]);
  const pending = parseMcubootImage(CASES[3]!.build()).trailer!;
  assert.deepEqual([pending.magic, pending.maxAlign, pending.imageOk], ['good', 16, { offset: 0xfe0, value: 0xff, state: 'unset' }]);
  assert.equal(parseMcubootImage(CASES[0]!.build()).trailer, null);
});

test('a payload byte changed after signing is MCUBOOT_HASH_MISMATCH (imgtool verify: "Image has an invalid hash", exit 1)', () => {
  for (const c of [CASES[0]!, CASES[1]!, CASES[2]!]) {
    const bad = c.build().slice();
    bad[0x100] = 0;
    assert.deepEqual(parseMcubootImage(bad, { verify: true }).findings.map((f) => f.code), ['MCUBOOT_HASH_MISMATCH'], c.name);
  }
});
