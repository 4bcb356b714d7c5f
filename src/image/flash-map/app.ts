/** Look at one app slot: what is stored there and which of its segments the cache maps from flash. */
import type { ChipDescriptor } from '../../chips/types.js';
import { hex32 } from '../../chips/index.js';
import { mcubootLoadHeader } from '../mcuboot.js';
import type { SimpleBootLayout } from '../simple-boot.js';
import type { AppDescriptor, EspImage, Finding, PartitionEntry } from '../types.js';
import { decodeImage, decodeMcuboot, imageVerification, FlashMapDecodeError, IMAGE_MAGIC, MCUBOOT_MAGIC } from './codec.js';
import type { AppInfo, SegmentMapping, SegmentRow } from './types.js';

export interface AppSlot {
  readonly flashOffset: number;
  readonly entry: PartitionEntry | null;
  readonly booting: boolean;
  readonly firstInTable: boolean;
}

/** The flash-mapped segments of a decoded image placed at `flashOffset`, in file order. */
export function mappingsOf(image: EspImage, flashOffset: number): SegmentMapping[] {
  const out: SegmentMapping[] = [];
  for (const s of image.segments) {
    const kind = s.kind === 'flash' ? s.flashRole ?? 'irom' : s.kind;
    if (kind !== 'drom' && kind !== 'irom') continue;
    out.push({ segment: s.index, kind, flashOffset: (flashOffset + s.dataOffset) >>> 0, vaddr: s.loadAddress >>> 0, size: s.length });
  }
  return out;
}

function segmentRows(image: EspImage, flashOffset: number): SegmentRow[] {
  return image.segments.map((s) => ({
    segment: s.index,
    kind: s.kind === 'flash' ? s.flashRole ?? 'flash' : s.kind,
    flashOffset: (flashOffset + s.dataOffset) >>> 0,
    loadAddress: s.loadAddress >>> 0,
    size: s.length,
  }));
}

/** An app descriptor as the report gives it. */
function appDescInfo(d: AppDescriptor | undefined): AppInfo['appDesc'] {
  return d ? { projectName: d.projectName, version: d.version, idfVer: d.idfVer, date: d.date, time: d.time, secureVersion: d.secureVersion, mmuPageSize: d.mmuPageSize ?? null } : null;
}

/** An ESP image's own findings but its checksum and SHA-256 verdicts, which are in `verification`. */
function structureFindings(image: EspImage): Finding[] {
  return (image.findings ?? []).filter((f) => f.code !== 'IMAGE_CHECKSUM' && f.code !== 'IMAGE_HASH');
}

/**
 * A Simple Boot app (esptool elf2image --ram-only-header) at the chip's bootloader offset, as an
 * app: the ROM loads the RAM segments its header counts, the app maps the flash segments that
 * follow the checksum. Segments are numbered in file order, the hidden padding segments counted.
 */
export function simpleBootAppInfo(image: EspImage, layout: SimpleBootLayout, flashOffset: number, verify: boolean): AppInfo {
  const n = image.segments.length;
  const hidden = layout.segments.flatMap((s, i): SegmentRow[] => [
    { segment: n + 2 * i, kind: 'padding', flashOffset: (flashOffset + s.paddingOffset + 8) >>> 0, loadAddress: 0, size: s.paddingLength },
    { segment: n + 2 * i + 1, kind: s.kind, flashOffset: (flashOffset + s.dataOffset) >>> 0, loadAddress: s.loadAddress >>> 0, size: s.length },
  ]);
  return {
    label: null, subtypeName: null, flashOffset, partitionSize: null, booting: true, firstInTable: false,
    format: 'simple-boot',
    note: `Simple Boot app (esptool --ram-only-header; Zephyr/NuttX): the ROM loads the ${n} RAM segments its header counts, the app maps its ${layout.segments.length} flash segments itself`,
    chipId: image.header.chipId,
    entry: image.header.entry,
    imageLength: layout.end,
    appDesc: appDescInfo(layout.appDesc),
    mappings: layout.segments.map((s, i) => ({ segment: n + 2 * i + 1, kind: s.kind, flashOffset: (flashOffset + s.dataOffset) >>> 0, vaddr: s.loadAddress >>> 0, size: s.length })),
    segments: [...segmentRows(image, flashOffset), ...hidden],
    verification: verify ? imageVerification(image) : null,
    imageFindings: [...structureFindings(image), ...layout.findings],
  };
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

export function analyzeApp(
  bytes: Uint8Array,
  baseOffset: number,
  slot: AppSlot,
  chip: ChipDescriptor | undefined,
  verify: boolean,
): { info: AppInfo; image: EspImage | null } {
  const e = slot.entry;
  const blank = {
    label: e ? e.label : null,
    subtypeName: e ? e.subtypeName : null,
    flashOffset: slot.flashOffset,
    partitionSize: e ? e.size : null,
    booting: slot.booting,
    firstInTable: slot.firstInTable,
    chipId: null, entry: null, imageLength: null, appDesc: null,
    mappings: [], segments: [], verification: null, imageFindings: [],
  };
  const at = slot.flashOffset - baseOffset;
  if (at < 0 || at >= bytes.length) {
    return { info: { ...blank, format: 'outside-file', note: `flash ${hex32(slot.flashOffset)} is not in the file (it covers ${hex32(baseOffset)}..${hex32(baseOffset + bytes.length)})` }, image: null };
  }
  const end = e ? Math.min(bytes.length, at + e.size) : bytes.length;
  const view = bytes.subarray(at, end);
  if (view.length >= 4 && u32(view, 0) === MCUBOOT_MAGIC) {
    // Bytes past the partition or past the file are not the image's: say which ended it.
    const partition = e !== null && at + e.size <= bytes.length ? `partition "${e.label}"` : null;
    const holder = partition ?? `the file after ${hex32(slot.flashOffset)}`;
    // The cache mappings come from Espressif's load header after the MCUboot header, when it is one
    // espalgo reads and its regions lie in the slot (its partition, as far as the file goes).
    const limit = { end: slot.flashOffset + view.length, what: partition ?? 'the file' };
    const reading = chip ? mcubootLoadHeader(view, slot.flashOffset, chip, limit) : null;
    const mappings = reading?.mappings ?? null;
    const source = mappings
      ? 'mappings from its Espressif load header'
      : reading ? `no Espressif load header espalgo recognises (${reading.problem}), so no mappings` : 'mappings not decoded without a chip';
    let note = `MCUboot image; ${source}`;
    let imageFindings: Finding[] = [];
    try {
      // With verify, the image hash too: a damaged MCUboot app is named as a wrong checksum is.
      const m = decodeMcuboot(view, verify, holder);
      const h = m.header;
      note = `MCUboot image v${h.version.major}.${h.version.minor}.${h.version.revision}+${h.version.build}, header ${h.headerSize} bytes, ${h.imageSize} bytes of image; ${source}`;
      imageFindings = [...m.findings];
    } catch {
      // keep the generic note
    }
    return { info: { ...blank, format: 'mcuboot', note, imageFindings, mappings: mappings ?? [] }, image: null };
  }
  if (view[0] !== IMAGE_MAGIC) {
    let blankBytes = true;
    for (let i = 0; i < Math.min(32, view.length); i++) if (view[i] !== 0xff) blankBytes = false;
    return blankBytes
      ? { info: { ...blank, format: 'empty', note: 'erased (0xFF): no image written here' }, image: null }
      : { info: { ...blank, format: 'not-an-image', note: `byte 0 is 0x${view[0]!.toString(16).padStart(2, '0')}, not the image magic 0xe9` }, image: null };
  }
  let image: EspImage;
  try {
    image = decodeImage(view, chip, verify);
  } catch (err) {
    const why = err instanceof FlashMapDecodeError || err instanceof Error ? err.message : String(err);
    return { info: { ...blank, format: 'not-an-image', note: `image header found but unreadable: ${why}` }, image: null };
  }
  const d = image.appDesc;
  return {
    info: {
      ...blank,
      format: d ? 'esp-idf' : 'esp-image',
      note: d ? null : 'ESP image without an app descriptor (not built by ESP-IDF, or a bare image)',
      chipId: image.header.chipId,
      entry: image.header.entry,
      imageLength: image.length,
      appDesc: appDescInfo(d),
      mappings: mappingsOf(image, slot.flashOffset),
      segments: segmentRows(image, slot.flashOffset),
      verification: verify ? imageVerification(image) : null,
      imageFindings: structureFindings(image),
    },
    image,
  };
}
