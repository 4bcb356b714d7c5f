/**
 * The TLV areas after an MCUboot image (MCUboot's image.h and design doc): a protected area (info
 * magic 0x6908) when the header counts protected TLVs, then the other area (0x6907). Each area is
 * an info header {magic u16, total size u16, itself included}, then entries {type u16, length
 * u16, value}. The image hash TLV covers the header, the image and the protected area.
 */
import { bytesEqual, readU16 } from './bytes.js';
import { h32 } from './errors.js';
import { sha256, sha384, sha512 } from './hash.js';
import type { Finding, McubootHashCheck, McubootHeader, McubootSignature, McubootTlv } from './types.js';

/** The TLV area after the image starts with an info header: this magic (u16), then its total size (u16). */
export const MCUBOOT_TLV_INFO_MAGIC = 0x6907;
/** …or, when the header counts protected TLVs, first a protected area with this magic. */
export const MCUBOOT_TLV_PROT_INFO_MAGIC = 0x6908;

/** MCUboot's TLV types by number (image.h, without the IMAGE_TLV_ prefix). */
export const MCUBOOT_TLV_NAMES: Readonly<Record<number, string>> = {
  0x01: 'KEYHASH', 0x02: 'PUBKEY', 0x10: 'SHA256', 0x11: 'SHA384', 0x12: 'SHA512',
  0x20: 'RSA2048_PSS', 0x21: 'ECDSA224', 0x22: 'ECDSA_SIG', 0x23: 'RSA3072_PSS', 0x24: 'ED25519', 0x25: 'SIG_PURE',
  0x30: 'ENC_RSA2048', 0x31: 'ENC_KW', 0x32: 'ENC_EC256', 0x33: 'ENC_X25519', 0x34: 'ENC_X25519_SHA512',
  0x40: 'DEPENDENCY', 0x50: 'SEC_CNT', 0x60: 'BOOT_RECORD',
  0x70: 'DECOMP_SIZE', 0x71: 'DECOMP_SHA', 0x72: 'DECOMP_SIGNATURE', 0x73: 'COMP_DEC_SIZE',
  0x74: 'UUID_VID', 0x75: 'UUID_CID',
};

export const MCUBOOT_TLV_SIG_PURE = 0x25;

const HASHES: Readonly<Record<number, { readonly algorithm: McubootHashCheck['algorithm']; readonly size: number; readonly fn: (b: Uint8Array) => Uint8Array }>> = {
  0x10: { algorithm: 'SHA256', size: 32, fn: sha256 },
  0x11: { algorithm: 'SHA384', size: 48, fn: sha384 },
  0x12: { algorithm: 'SHA512', size: 64, fn: sha512 },
};

/** MCUboot's name for a TLV type; 'VENDOR' for the vendor-reserved xxA0..xxFF; 'UNKNOWN' otherwise. */
export function mcubootTlvName(type: number): string {
  return MCUBOOT_TLV_NAMES[type] ?? ((type & 0xff) >= 0xa0 && type !== 0xffff ? 'VENDOR' : 'UNKNOWN');
}

/** True for the image hash TLVs (SHA256, SHA384, SHA512). */
export function isMcubootHashTlv(type: number): boolean {
  return HASHES[type] !== undefined;
}

/** The TLV areas after an MCUboot image, in order: the protected one where the header counts protected TLVs, then the other. */
export function mcubootTlvAreas(h: McubootHeader): readonly (readonly [magic: number, what: string])[] {
  const other = [MCUBOOT_TLV_INFO_MAGIC, 'TLV area'] as const;
  return h.protectedTlvSize > 0 ? [[MCUBOOT_TLV_PROT_INFO_MAGIC, 'protected TLV area'], other] : [other];
}

export interface McubootTlvWalk {
  readonly tlvs: McubootTlv[];
  /** Offset just past the TLV areas; null when they are not there whole. */
  readonly end: number | null;
  readonly findings: Finding[];
}

/**
 * Read the TLV areas starting at `at` (right after the image): their info headers and entries.
 * Stops at the first structural problem, which is the one finding; then checks that a hash TLV
 * is there (MCUboot does not boot an image without one, unless it carries a pure signature).
 */
export function readMcubootTlvs(bytes: Uint8Array, h: McubootHeader, at: number, holder = 'the file'): McubootTlvWalk {
  const tlvs: McubootTlv[] = [];
  const fail = (code: string, message: string, offset: number): McubootTlvWalk => ({ tlvs, end: null, findings: [{ severity: 'error', code, message, offset }] });
  for (const [magic, what] of mcubootTlvAreas(h)) {
    const found = at + 4 <= bytes.length ? readU16(bytes, at) : undefined;
    if (found !== magic) {
      const there = found === undefined ? `${holder} ends there` : `0x${found.toString(16).padStart(4, '0')} is there`;
      return fail('MCUBOOT_NO_TLV', `no ${what} (magic 0x${magic.toString(16)}) at ${h32(at)}, right after the image: ${there}. MCUboot checks the image's hash in its TLVs and does not boot an image without them (sign it with imgtool)`, at);
    }
    const total = readU16(bytes, at + 2);
    if (at + total > bytes.length) {
      return fail('MCUBOOT_TRUNCATED', `the ${what} at ${h32(at)} is ${total} bytes, ending at ${h32(at + total)}, but ${holder} has ${bytes.length} bytes: it is cut short`, at);
    }
    const isProtected = magic === MCUBOOT_TLV_PROT_INFO_MAGIC;
    if (isProtected && total !== h.protectedTlvSize) {
      return fail('MCUBOOT_TLV_SIZE', `the protected TLV area at ${h32(at)} says it is ${total} bytes but the header says ${h.protectedTlvSize}: MCUboot refuses an image where they differ`, at);
    }
    if (total < 4) return fail('MCUBOOT_TLV_SIZE', `the ${what} at ${h32(at)} says it is ${total} bytes, less than its own 4-byte info header`, at);
    const end = at + total;
    for (let p = at + 4; p < end;) {
      const length = p + 4 <= end ? readU16(bytes, p + 2) : undefined;
      if (length === undefined || p + 4 + length > end) {
        const size = length === undefined ? 'its 4-byte header' : `its ${length} bytes of value`;
        return fail('MCUBOOT_TLV_OVERRUN', `the TLV entry at ${h32(p)} does not fit in the ${what} (which ends at ${h32(end)}): ${size} would run past it. MCUboot refuses the image`, p);
      }
      const type = readU16(bytes, p);
      tlvs.push({ offset: p, type, name: mcubootTlvName(type), length, protected: isProtected, value: bytes.slice(p + 4, p + 4 + length) });
      p += 4 + length;
    }
    at = end;
  }
  return { tlvs, end: at, findings: hashTlvFindings(tlvs) };
}

function hashTlvFindings(tlvs: readonly McubootTlv[]): Finding[] {
  const out: Finding[] = [];
  const hashes = tlvs.filter((t) => isMcubootHashTlv(t.type));
  if (hashes.length === 0 && !tlvs.some((t) => t.type === MCUBOOT_TLV_SIG_PURE)) {
    out.push({ severity: 'error', code: 'MCUBOOT_NO_HASH', message: 'no SHA256, SHA384 or SHA512 TLV: MCUboot checks the image against its hash TLV and does not boot an image without one (sign it with imgtool)' });
  }
  for (const t of hashes) {
    const want = HASHES[t.type]!;
    if (t.length !== want.size) out.push({ severity: 'error', code: 'MCUBOOT_HASH_LENGTH', message: `the ${t.name} TLV at ${h32(t.offset)} holds ${t.length} bytes, not the ${want.size} of a ${want.algorithm} hash`, offset: t.offset });
    if (t.protected) out.push({ severity: 'error', code: 'MCUBOOT_HASH_PROTECTED', message: `the ${t.name} TLV at ${h32(t.offset)} is in the protected area, which the hash itself covers: it cannot match`, offset: t.offset });
  }
  return out;
}

/**
 * Recompute the image hash for each hash TLV of the right length outside the protected area: over
 * the header, the image and the protected TLV area (its size from the header), as MCUboot does.
 */
export function checkMcubootHash(bytes: Uint8Array, h: McubootHeader, tlvs: readonly McubootTlv[]): McubootHashCheck[] {
  const covered = h.headerSize + h.imageSize + h.protectedTlvSize;
  const out: McubootHashCheck[] = [];
  for (const t of tlvs) {
    const want = HASHES[t.type];
    if (!want || t.length !== want.size || t.protected || covered > bytes.length) continue;
    const computed = want.fn(bytes.subarray(0, covered));
    out.push({ algorithm: want.algorithm, tlvOffset: t.offset, coveredLength: covered, stored: t.value, computed, valid: bytesEqual(computed, t.value) });
  }
  return out;
}

/** An error finding for each hash that does not match. */
export function mcubootHashFindings(checks: readonly McubootHashCheck[]): Finding[] {
  return checks.filter((c) => !c.valid).map((c) => ({
    severity: 'error' as const,
    code: 'MCUBOOT_HASH_MISMATCH',
    message: `the ${c.algorithm} TLV at ${h32(c.tlvOffset)} does not match the header, image and protected TLVs (bytes 0..${h32(c.coveredLength)}): the image was changed after it was signed, and MCUboot refuses to boot it`,
    offset: c.tlvOffset,
  }));
}

/** The signature TLVs, each named by kind. */
export function mcubootSignatures(tlvs: readonly McubootTlv[]): McubootSignature[] {
  const out: McubootSignature[] = [];
  for (const t of tlvs) {
    const kind = signatureKind(t);
    if (kind) out.push({ tlvOffset: t.offset, type: t.type, kind });
  }
  return out;
}

function signatureKind(t: McubootTlv): string | null {
  switch (t.type) {
    case 0x20: return 'RSA-2048 PSS';
    case 0x21: return 'ECDSA P-224 (no longer supported by MCUboot)';
    case 0x22: return ecdsaKind(t.value);
    case 0x23: return 'RSA-3072 PSS';
    case 0x24: return 'Ed25519';
    default: return null;
  }
}

/** ECDSA_SIG holds a DER signature SEQUENCE { INTEGER r, INTEGER s }: the integers' size tells P-256 from P-384. */
function ecdsaKind(der: Uint8Array): string {
  const integerSize = (at: number): [size: number, next: number] | null => {
    if (der[at] !== 0x02 || at + 2 > der.length) return null;
    const len = der[at + 1]!;
    let start = at + 2;
    const end = start + len;
    if (len >= 0x80 || end > der.length) return null;
    while (start < end - 1 && der[start] === 0) start++;
    return [end - start, end];
  };
  if (der[0] === 0x30 && der.length >= 2 && der[1]! < 0x80) {
    const r = integerSize(2);
    const s = r && integerSize(r[1]);
    if (r && s) {
      const n = Math.max(r[0], s[0]);
      if (n <= 32) return 'ECDSA P-256';
      if (n <= 48) return 'ECDSA P-384';
    }
  }
  return 'ECDSA';
}
