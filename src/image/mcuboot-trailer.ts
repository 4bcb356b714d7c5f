/**
 * The MCUboot image trailer at the end of a slot (MCUboot's design doc, "Image trailer"): the boot
 * magic in the last 16 bytes (its field rounded up to the max write alignment), and before it,
 * each in a field of max-align bytes: image_ok, copy_done, swap info, swap size. `imgtool --pad`
 * writes it (image_ok 0x01 with --confirm); MCUboot updates it while swapping.
 */
import { readU32 } from './bytes.js';
import type { McubootTrailer, McubootTrailerFlag } from './types.js';

/** The boot magic when the max write alignment is 8 (the default). */
export const MCUBOOT_BOOT_MAGIC = Uint8Array.of(0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80);
/** For another max alignment: that alignment (u16), then these 14 bytes. */
export const MCUBOOT_BOOT_MAGIC_ALIGNED_TAIL = Uint8Array.of(0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a);
/** The max write alignments MCUboot supports (MCUBOOT_BOOT_MAX_ALIGN, 8..32) and imgtool offers (--max-align). */
const MAX_ALIGNS = [8, 16, 32];

const MAGIC_SIZE = 16;

/** The max alignment the boot magic ending `bytes` encodes, 'erased' when it is all 0xFF, else null. */
function magicAlign(bytes: Uint8Array, at: number): number | 'erased' | null {
  const m = bytes.subarray(at, at + MAGIC_SIZE);
  if (m.every((b, i) => b === MCUBOOT_BOOT_MAGIC[i])) return 8;
  if (m.every((b) => b === 0xff)) return 'erased';
  if (m.subarray(2).every((b, i) => b === MCUBOOT_BOOT_MAGIC_ALIGNED_TAIL[i])) return m[0]! | (m[1]! << 8);
  return null;
}

function flag(bytes: Uint8Array, offset: number): McubootTrailerFlag {
  const value = bytes[offset]!;
  return { offset, value, state: value === 0x01 ? 'set' : value === 0xff ? 'unset' : 'bad' };
}

/**
 * The trailer of an MCUboot image padded to its slot, read from the end of `bytes`; null when the
 * file ends at `tlvEnd` (the end of its TLV areas), i.e. it is not padded.
 */
export function readMcubootTrailer(bytes: Uint8Array, tlvEnd: number): McubootTrailer | null {
  if (bytes.length <= tlvEnd) return null;
  const magicOffset = bytes.length - MAGIC_SIZE;
  const none = (magic: McubootTrailer['magic'], undecided: string): McubootTrailer => ({
    magicOffset, magic, maxAlign: null, undecided, imageOk: null, copyDone: null, swapInfo: null, swapSize: null,
  });
  if (magicOffset < tlvEnd) return none('none', `only ${bytes.length - tlvEnd} bytes follow the TLV areas: no room for a trailer`);
  const align = magicAlign(bytes, magicOffset);
  if (align === 'erased') return none('erased', 'the boot magic is erased (0xFF): no trailer was written');
  if (align === null) return none('none', 'the last 16 bytes are not an MCUboot boot magic: not a slot padded by imgtool --pad');
  if (!MAX_ALIGNS.includes(align)) return none('good', `the boot magic encodes a max alignment of ${align}, not 8, 16 or 32: the layout is not decided`);
  const magicField = Math.ceil(MAGIC_SIZE / align) * align;
  const imageOk = bytes.length - magicField - align;
  const swapSize = imageOk - 3 * align;
  if (swapSize < tlvEnd) return none('good', `a max alignment of ${align} puts the trailer's fields before the end of the TLV areas: the layout is not decided`);
  return {
    magicOffset,
    magic: 'good',
    maxAlign: align,
    undecided: null,
    imageOk: flag(bytes, imageOk),
    copyDone: flag(bytes, imageOk - align),
    swapInfo: { offset: imageOk - 2 * align, value: bytes[imageOk - 2 * align]! },
    swapSize: { offset: swapSize, value: readU32(bytes, swapSize) },
  };
}
