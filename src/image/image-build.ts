/**
 * Write an ESP image: 24-byte header, segments in the given order (data padded with zeros to a
 * multiple of 4), zero padding up to the checksum byte (offset ≡ 15 mod 16), XOR checksum, and
 * the SHA-256 of everything before it when requested (default).
 */
import { writeU32 } from './bytes.js';
import { ImageFormatError, h32 } from './errors.js';
import { sha256 } from './hash.js';
import { IMAGE_HEADER_SIZE, MAX_SEGMENTS, SEGMENT_HEADER_SIZE, WP_PIN_DISABLED, spiModeCode, writeImageHeader } from './image-header.js';
import { CHECKSUM_SEED, SHA256_LENGTH, checksumOffset, xorChecksum } from './image.js';
import type { BuildImageSpec } from './types.js';

export function buildImage(spec: BuildImageSpec): Uint8Array {
  const segs = spec.segments;
  if (segs.length === 0 || segs.length > MAX_SEGMENTS) {
    throw new ImageFormatError('IMAGE_BUILD', `an image needs 1 to ${MAX_SEGMENTS} segments, not ${segs.length}`, {
      expected: `1..${MAX_SEGMENTS}`,
      found: segs.length,
    });
  }
  const appendSha = spec.appendSha256 ?? true;
  let end = IMAGE_HEADER_SIZE;
  for (const s of segs) end += SEGMENT_HEADER_SIZE + ((s.data.length + 3) & ~3);
  const cs = checksumOffset(end);
  const total = cs + 1 + (appendSha ? SHA256_LENGTH : 0);
  const out = new Uint8Array(total);
  writeImageHeader(out, {
    segmentCount: segs.length,
    spiMode: spiModeCode(spec.spiMode ?? 'dio'),
    spiSpeed: spec.spiSpeed ?? 0,
    flashSizeCode: spec.flashSizeCode ?? 1,
    entry: spec.entry >>> 0,
    wpPin: spec.wpPin ?? WP_PIN_DISABLED,
    spiPinDrv: spec.spiPinDrv ?? [0, 0, 0],
    chipId: spec.chipId ?? spec.chip?.imageChipId ?? 0,
    minChipRev: spec.minChipRev ?? 0,
    minChipRevFull: spec.minChipRevFull ?? 0,
    maxChipRevFull: spec.maxChipRevFull ?? 0,
    hashAppended: appendSha ? 1 : 0,
  });
  let at = IMAGE_HEADER_SIZE;
  let checksum = CHECKSUM_SEED;
  for (const s of segs) {
    const len = (s.data.length + 3) & ~3;
    if (len > 0xffffffff) throw new ImageFormatError('IMAGE_BUILD', `segment at ${h32(s.loadAddress)} is too large`);
    writeU32(out, at, s.loadAddress >>> 0);
    writeU32(out, at + 4, len);
    out.set(s.data, at + SEGMENT_HEADER_SIZE);
    checksum = xorChecksum(s.data, checksum);
    at += SEGMENT_HEADER_SIZE + len;
  }
  out[cs] = checksum;
  if (appendSha) out.set(sha256(out.subarray(0, cs + 1)), cs + 1);
  return out;
}
