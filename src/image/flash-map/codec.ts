/**
 * The decoders the flash-map analysis uses, behind one narrow interface over the core codecs:
 * image header and segment walk, partition table, boot selection, MCUboot image. Structure
 * only — no segment data is touched unless verification is asked for — so the analysis stays
 * fast on a 32 MiB file. Core errors become FlashMapDecodeError (same code and message).
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { hasAppDescriptor, parseAppDescriptor } from '../app-desc.js';
import { ImageFormatError } from '../errors.js';
import { flashSizeFromCode, spiModeName as coreSpiModeName } from '../image-header.js';
import { parseImage } from '../image.js';
import { parseMcubootImage, MCUBOOT_MAGIC } from '../mcuboot.js';
import { selectBootApp } from '../otadata.js';
import { parsePartitionTable } from '../partition-table.js';
import type { BootSelection, EspImage, McubootImage, PartitionTable } from '../types.js';
import type { ImageVerification } from './types.js';

export { flashSizeFromCode, MCUBOOT_MAGIC };
export { SBV2_SECTOR_SIZE } from '../signature.js';
export const IMAGE_MAGIC = 0xe9;

/** A structure that could not be decoded; `code` is the core codec's stable code. */
export class FlashMapDecodeError extends Error {
  constructor(readonly code: string, message: string, readonly offset?: number) {
    super(message);
    this.name = 'FlashMapDecodeError';
  }
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ImageFormatError) throw new FlashMapDecodeError(err.code, err.message, err.offset);
    throw err;
  }
}

export function spiModeName(mode: number): string {
  return coreSpiModeName(mode) ?? `0x${mode.toString(16).padStart(2, '0')}`;
}

/**
 * Decode an ESP image header and walk its segment headers (verify 'none'); with `verify`, also
 * the checksum and SHA-256 (reads every byte of the image).
 */
export function decodeImage(bytes: Uint8Array, chip?: ChipDescriptor, verify = false): EspImage {
  return wrap(() => {
    const image = parseImage(bytes, { verify: verify ? 'full' : 'none', ...(chip ? { chip } : {}) });
    // A RAM-only app keeps its descriptor at the start of its first (DRAM) segment, where esptool reads it.
    const first = image.segments[0];
    if (!image.appDesc && first && first.length >= 256 && hasAppDescriptor(bytes, first.dataOffset)) {
      return { ...image, appDesc: parseAppDescriptor(bytes, first.dataOffset) };
    }
    return image;
  });
}

/** The checksum and SHA-256 verdicts of an image decoded with verification. */
export function imageVerification(image: EspImage): ImageVerification {
  return { checksum: image.checksum.valid ?? null, sha256: image.sha256?.valid ?? null };
}

/** Parse the partition table in `bytes` (its sector), naming flash offsets from `flashOffset`. */
export function decodePartitionTable(bytes: Uint8Array, flashOffset: number): PartitionTable {
  return wrap(() => parsePartitionTable(bytes, { tableOffset: flashOffset }));
}

/** The app partition the 2nd-stage bootloader would start, given the table and the otadata bytes. */
export function chooseBootApp(table: PartitionTable, otadata?: Uint8Array): BootSelection {
  return wrap(() => selectBootApp(table, otadata));
}

/** An MCUboot image's header, TLVs and findings; with `verify`, its hash checked too. `holder` names what `bytes` are. */
export function decodeMcuboot(bytes: Uint8Array, verify: boolean, holder: string): McubootImage {
  return wrap(() => parseMcubootImage(bytes, { verify, holder }));
}
