/** Secure Boot signature material after an image: SBv1 (4 zero bytes + 64-byte signature) or an SBv2 signature sector. */
import type { ImageSignature } from './types.js';

export const SBV1_SIGNATURE_LENGTH = 68;
export const SBV2_BLOCK_SIZE = 1216;
export const SBV2_MAGIC = 0xe7;
/** An SBv2 signature sector: up to 3 blocks, padded to 4 KiB. */
export const SBV2_SECTOR_SIZE = 0x1000;

function uniform(bytes: Uint8Array, start: number, end: number, value: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== value) return false;
  return true;
}

/**
 * Look for a signature right after `imageEnd` (SBv1, unless `sbv1` is false: the chip has no
 * Secure Boot v1) or at the next 4 KiB boundary (SBv2). Reports what is there; does not verify any
 * cryptography.
 */
export function findSignature(bytes: Uint8Array, imageEnd: number, sbv1 = true): ImageSignature | undefined {
  const sb2 = Math.ceil(imageEnd / SBV2_SECTOR_SIZE) * SBV2_SECTOR_SIZE;
  if (sb2 + SBV2_BLOCK_SIZE <= bytes.length && bytes[sb2] === SBV2_MAGIC && (bytes[sb2 + 1] === 2 || bytes[sb2 + 1] === 3)) {
    let count = 1;
    while (
      count < 3 &&
      sb2 + (count + 1) * SBV2_BLOCK_SIZE <= bytes.length &&
      bytes[sb2 + count * SBV2_BLOCK_SIZE] === SBV2_MAGIC
    ) {
      count++;
    }
    return { scheme: 'sbv2', offset: sb2, blockCount: count, version: bytes[sb2 + 1]! };
  }
  const end = imageEnd + SBV1_SIGNATURE_LENGTH;
  if (
    sbv1 &&
    end <= bytes.length &&
    uniform(bytes, imageEnd, imageEnd + 4, 0) &&
    !uniform(bytes, imageEnd + 4, end, 0xff) &&
    !uniform(bytes, imageEnd + 4, end, 0)
  ) {
    return { scheme: 'sbv1', offset: imageEnd, length: SBV1_SIGNATURE_LENGTH, signature: bytes.slice(imageEnd + 4, end) };
  }
  return undefined;
}
