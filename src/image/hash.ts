/** Hashes used by the image formats: SHA-256 (images), SHA-384/512 (MCUboot TLVs), MD5 (partition tables), CRC-32 (otadata). */
import { sha256 as nobleSha256, sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { md5 as nobleMd5 } from '@noble/hashes/legacy.js';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

export function sha384(data: Uint8Array): Uint8Array {
  return nobleSha384(data);
}

export function sha512(data: Uint8Array): Uint8Array {
  return nobleSha512(data);
}

export function md5(data: Uint8Array): Uint8Array {
  return nobleMd5(data);
}

/** Reflected CRC-32 table for polynomial 0xEDB88320 (IEEE 802.3). */
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Raw table-driven CRC-32 update: no pre- or post-inversion. */
function crcUpdate(crc: number, data: Uint8Array): number {
  let c = crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Standard CRC-32 (IEEE, as zlib's crc32): init 0xFFFFFFFF, final XOR 0xFFFFFFFF. crc32("123456789") = 0xCBF43926. */
export function crc32(data: Uint8Array): number {
  return (crcUpdate(0xffffffff, data) ^ 0xffffffff) >>> 0;
}

/**
 * The ROM's `crc32_le(crc, buf, len)`: it inverts `crc` on entry and the result on exit, so a call
 * with crc = 0 equals the standard CRC-32, and chaining calls works like zlib's crc32(crc, …).
 */
export function romCrc32Le(crc: number, data: Uint8Array): number {
  return (crcUpdate(~crc >>> 0, data) ^ 0xffffffff) >>> 0;
}
