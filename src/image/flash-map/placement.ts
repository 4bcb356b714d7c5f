/**
 * Where does the file sit in flash? Byte 0 is either the chip's 2nd-stage bootloader (a merged
 * image: esptool merge_bin, MicroPython firmware.bin), flash offset 0 (a read-back dump), a single
 * app image or a bare partition table.
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { CHIPS, chipByImageId, hex32 } from '../../chips/index.js';
import type { EspImage } from '../types.js';
import { decodeImage, IMAGE_MAGIC } from './codec.js';
import { DIRECT_BOOT_MAGIC, isDirectBootImage } from '../direct-boot.js';
import { hasPartitionMagic } from '../partition-table.js';
import { findSimpleBootSegments, type SimpleBootLayout } from '../simple-boot.js';
import type { Placement } from './types.js';

export interface PlacementResult {
  readonly placement: Placement;
  /** File offset of the bootloader image, when one was recognised. */
  readonly bootloaderFileOffset: number | null;
  readonly bootloader: EspImage | null;
  /** Chip named by the bootloader (or app) header, if any. */
  readonly headerChip: ChipDescriptor | null;
  /** For 'app-image': the decoded app at byte 0. */
  readonly app: EspImage | null;
  /** Byte 0 starts an ESP image header that does not decode: why (a file cut short, a damaged header). */
  readonly unreadableStart?: string;
  /** A Simple Boot app where the ROM boots (in place of a bootloader): its file offset, image and flash segments. */
  readonly simpleBoot?: { readonly fileOffset: number; readonly image: EspImage; readonly layout: SimpleBootLayout };
}

/** The RAM-only image at `fileOffset`, read as a Simple Boot app at the chip's bootloader offset, if it is one. */
function simpleBootAt(bytes: Uint8Array, fileOffset: number, img: EspImage, chip: ChipDescriptor | null | undefined): PlacementResult['simpleBoot'] {
  if (!chip) return undefined;
  const layout = findSimpleBootSegments(img, bytes.subarray(fileOffset), chip);
  return layout ? { fileOffset, image: img, layout } : undefined;
}

function decodeAt(bytes: Uint8Array, fileOffset: number, chip?: ChipDescriptor): EspImage {
  return decodeImage(bytes.subarray(fileOffset, Math.min(bytes.length, fileOffset + 0x100000)), chip);
}

function tryDecode(bytes: Uint8Array, fileOffset: number, chip?: ChipDescriptor): EspImage | null {
  if (fileOffset < 0 || fileOffset + 24 > bytes.length || bytes[fileOffset] !== IMAGE_MAGIC) return null;
  try {
    return decodeAt(bytes, fileOffset, chip);
  } catch {
    return null;
  }
}

/** Byte 0 is the image magic but no image decodes there: what is wrong, and the chip its header names (if known). */
function unreadableImageAtStart(bytes: Uint8Array, chip?: ChipDescriptor): { reason: string; headerChip: ChipDescriptor | null } | null {
  if (bytes.length === 0 || bytes[0] !== IMAGE_MAGIC) return null;
  if (bytes.length < 24) return { reason: `the file is only ${bytes.length} bytes, shorter than the 24-byte image header`, headerChip: null };
  try {
    decodeAt(bytes, 0, chip);
    return null;
  } catch (err) {
    return { reason: (err as Error).message, headerChip: chipByImageId(bytes[12]! | (bytes[13]! << 8)) ?? null };
  }
}

/** True when the image looks like an application rather than a 2nd-stage bootloader. */
export function looksLikeApp(img: EspImage): boolean {
  return img.appDesc !== undefined || (!img.ramOnly && img.bootloaderDesc === undefined);
}

const BOOTLOADER_OFFSETS = [...new Set(CHIPS.map((c) => c.bootloaderOffset))].sort((a, b) => a - b);

export function inferPlacement(
  bytes: Uint8Array,
  opts: { chip?: ChipDescriptor; baseOffset?: number; appOffset?: number; tableOffset?: number },
): PlacementResult {
  const none = { bootloaderFileOffset: null, bootloader: null, headerChip: null, app: null };
  if (opts.baseOffset !== undefined) {
    const base = opts.baseOffset;
    const offsets = opts.chip ? [opts.chip.bootloaderOffset] : BOOTLOADER_OFFSETS;
    for (const off of offsets) {
      const img = tryDecode(bytes, off - base, opts.chip);
      if (img && !looksLikeApp(img)) {
        const chip = opts.chip ?? chipByImageId(img.header.chipId);
        const simpleBoot = chip?.bootloaderOffset === off ? simpleBootAt(bytes, off - base, img, chip) : undefined;
        if (simpleBoot) {
          return {
            placement: { kind: 'given', baseOffset: base, decidedBy: `given: file byte 0 is flash ${hex32(base)}; a Simple Boot app for the ${chip!.displayName} at ${hex32(off)}` },
            bootloaderFileOffset: null, bootloader: null, headerChip: chip ?? null, app: null, simpleBoot,
          };
        }
        return {
          placement: { kind: 'given', baseOffset: base, decidedBy: `given: file byte 0 is flash ${hex32(base)}` },
          bootloaderFileOffset: off - base, bootloader: img, headerChip: chipByImageId(img.header.chipId) ?? null, app: null,
        };
      }
    }
    // No bootloader decodes: one cut short or damaged at byte 0 is named, as without a given base.
    const unreadable = unreadableImageAtStart(bytes, opts.chip);
    return {
      placement: { kind: 'given', baseOffset: base, decidedBy: `given: file byte 0 is flash ${hex32(base)}` },
      ...none,
      ...(unreadable ? { headerChip: unreadable.headerChip, unreadableStart: unreadable.reason } : {}),
    };
  }

  const first = tryDecode(bytes, 0, opts.chip);
  if (first) {
    const headerChip = chipByImageId(first.header.chipId) ?? null;
    if (looksLikeApp(first)) {
      const base = opts.appOffset ?? 0x10000;
      const how = opts.appOffset !== undefined ? 'given app offset' : 'the usual first app offset (use --app-offset to change)';
      return {
        placement: { kind: 'app-image', baseOffset: base, decidedBy: `byte 0 is an app image (${first.appDesc ? 'app descriptor' : 'flash-mapped segments'}); placed at ${hex32(base)}, ${how}` },
        bootloaderFileOffset: null, bootloader: null, headerChip, app: first,
      };
    }
    const chip = opts.chip ?? headerChip;
    const simpleBoot = simpleBootAt(bytes, 0, first, chip);
    if (chip && simpleBoot) {
      return {
        placement: { kind: 'simple-boot', baseOffset: chip.bootloaderOffset, decidedBy: `byte 0 is a Simple Boot app for the ${chip.displayName} (RAM-only header, flash segments after the checksum), which sits at the bootloader offset ${hex32(chip.bootloaderOffset)}` },
        bootloaderFileOffset: null, bootloader: null, headerChip, app: null, simpleBoot,
      };
    }
    if (chip) {
      const base = chip.bootloaderOffset;
      const kind = 'merged';
      const how = base === 0
        ? `byte 0 is the ${chip.displayName} bootloader, which sits at flash 0x0: file offset = flash offset`
        : `byte 0 is the ${chip.displayName} bootloader, which sits at flash ${hex32(base)}: file offset = flash offset − ${hex32(base)}`;
      return { placement: { kind, baseOffset: base, decidedBy: how }, bootloaderFileOffset: 0, bootloader: first, headerChip, app: null };
    }
    return {
      placement: { kind: 'merged', baseOffset: 0, decidedBy: `byte 0 is a bootloader for unknown chip id ${first.header.chipId}; assumed at flash 0x0 (give --chip)` },
      bootloaderFileOffset: 0, bootloader: first, headerChip: null, app: null,
    };
  }

  if (isDirectBootImage(bytes)) {
    return { placement: { kind: 'direct-boot', baseOffset: 0, decidedBy: `byte 0 is the direct-boot magic ${hex32(DIRECT_BOOT_MAGIC)} twice: a program the ROM runs in place from flash 0x0` }, ...none };
  }

  if (hasPartitionMagic(bytes)) {
    const base = opts.tableOffset ?? 0x8000;
    return { placement: { kind: 'partition-table', baseOffset: base, decidedBy: `byte 0 is a partition table entry (AA 50); placed at ${hex32(base)}` }, ...none };
  }

  // A dump from flash 0: the bootloader sits further in (0x1000 on ESP32/S2, 0x2000 on C5/P4).
  for (const off of BOOTLOADER_OFFSETS) {
    if (off === 0) continue;
    const img = tryDecode(bytes, off, opts.chip);
    if (!img || looksLikeApp(img)) continue;
    const chip = opts.chip ?? chipByImageId(img.header.chipId);
    const simpleBoot = chip?.bootloaderOffset === off ? simpleBootAt(bytes, off, img, chip) : undefined;
    if (simpleBoot) {
      return {
        placement: { kind: 'flash-dump', baseOffset: 0, decidedBy: `byte 0 is not an image, a Simple Boot app for the ${chip!.displayName} is at ${hex32(off)}: a dump from flash 0x0` },
        bootloaderFileOffset: null, bootloader: null, headerChip: chip ?? null, app: null, simpleBoot,
      };
    }
    const who = chip ? `the ${chip.displayName} bootloader` : 'a bootloader';
    const where = chip && chip.bootloaderOffset !== off ? ` (its ROM reads it from ${hex32(chip.bootloaderOffset)})` : '';
    return {
      placement: { kind: 'flash-dump', baseOffset: 0, decidedBy: `byte 0 is not an image, ${who} is at ${hex32(off)}${where}: a dump from flash 0x0` },
      bootloaderFileOffset: off, bootloader: img, headerChip: chipByImageId(img.header.chipId) ?? null, app: null,
    };
  }
  const unreadable = unreadableImageAtStart(bytes, opts.chip);
  if (unreadable) {
    return {
      placement: { kind: 'assumed', baseOffset: 0, decidedBy: `byte 0 starts an ESP image header that does not decode (${unreadable.reason}); assumed a dump from flash 0x0 (give --base-offset if not)` },
      ...none, headerChip: unreadable.headerChip, unreadableStart: unreadable.reason,
    };
  }
  return { placement: { kind: 'assumed', baseOffset: 0, decidedBy: 'no bootloader or app image found at the start; assumed a dump from flash 0x0 (give --base-offset if not)' }, ...none };
}
