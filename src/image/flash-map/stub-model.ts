/**
 * What OpenOCD's flash stub (the 2024 builds, MAP_GET) would compute from this flash: the table
 * is read only at 0x8000, entries are range-checked against the detected flash size up to the
 * first app entry, that first app (whatever its subtype, otadata ignored) must start with 0xE9,
 * and the first two segments whose load address is in the IROM or DROM window become the maps.
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { counted, hex32, inRange } from '../../chips/index.js';
import { IMAGE_MAGIC } from './codec.js';
import { hasPartitionMagic } from '../partition-table.js';
import { DEFAULT_TABLE_OFFSET } from './table-scan.js';
import type { SegmentMapping, StubPrediction } from './types.js';

const u32 = (b: Uint8Array, o: number): number =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

export interface StubModelInput {
  readonly bytes: Uint8Array;
  readonly baseOffset: number;
  readonly chip: ChipDescriptor | null;
  /** The size the stub would detect; we can only assume the header's (or the given) size. */
  readonly flashSize: number | null;
  /** As with OpenOCD's `esp appimage_offset`. */
  readonly appOffset?: number;
  /** What the bytes are, for the sentences: "this file" unless told (a live probe: the flash it read). */
  readonly where?: string;
}

function result(appOffset: number | null, retcode: number, explanation: string, mappings: SegmentMapping[] = []): StubPrediction {
  return { appOffset, mappings, retcode, predicted: true, explanation };
}

/** The bytes lack what the stub would read: no outcome. */
function unknown(appOffset: number | null, explanation: string): StubPrediction {
  return { appOffset, mappings: [], retcode: 0, predicted: false, explanation };
}

export function predictStub(input: StubModelInput): StubPrediction {
  const { bytes, baseOffset, chip, flashSize } = input;
  const where = input.where ?? 'this file';
  const inFile = (flash: number, n: number): boolean => flash - baseOffset >= 0 && flash - baseOffset + n <= bytes.length;
  let appOffset = input.appOffset;
  let how = 'given app offset (esp appimage_offset)';
  if (appOffset === undefined) {
    if (!inFile(DEFAULT_TABLE_OFFSET, 32)) {
      return unknown(null, `cannot predict: flash ${hex32(DEFAULT_TABLE_OFFSET)} (where the stub reads the table) is not in ${where}`);
    }
    for (let i = 0; i < 0xc00 / 32; i++) {
      const at = DEFAULT_TABLE_OFFSET + i * 32 - baseOffset;
      if (at + 32 > bytes.length) return unknown(null, `cannot predict: ${where} ends inside the table at 0x8000`);
      if (!hasPartitionMagic(bytes, at)) {
        return result(null, -6, i === 0
          ? `no partition table magic (AA 50) at ${hex32(DEFAULT_TABLE_OFFSET)}: the stub fails with -6 (ESP_STUB_ERR_INVALID_IMAGE)`
          : `the table at ${hex32(DEFAULT_TABLE_OFFSET)} ends after ${counted(i, 'entry', 'entries')} without an app entry: the stub fails with -6`);
      }
      const offset = u32(bytes, at + 4);
      const size = u32(bytes, at + 8);
      if (flashSize !== null && (offset > flashSize || offset + size > flashSize)) {
        return result(null, -7, `entry ${i} (${hex32(offset)}+${hex32(size)}) ends beyond the ${flashSize / 0x100000} MiB flash before an app entry was reached: the stub fails with -7 (ESP_STUB_ERR_INVALID_PARTITION)`);
      }
      if (bytes[at + 2] === 0x00) {
        appOffset = offset;
        how = `first app entry of the table at ${hex32(DEFAULT_TABLE_OFFSET)} (entry ${i})`;
        break;
      }
    }
    if (appOffset === undefined) return result(null, -6, 'the table at 0x8000 has no app entry: the stub fails with -6');
  }
  if (!inFile(appOffset, 24)) return unknown(appOffset, `app at ${hex32(appOffset)} (${how}) is not in ${where}; cannot predict its mappings`);
  const at = appOffset - baseOffset;
  if (bytes[at] !== IMAGE_MAGIC) {
    return result(appOffset, -8, `app at ${hex32(appOffset)} (${how}) does not start with 0xE9: the 2024 stub fails with -8 (INVALID_APP_MAGIC); 2025+ builds also accept MCUboot`);
  }
  if (!chip) return result(appOffset, 0, `app at ${hex32(appOffset)} (${how}); chip unknown, so its IROM/DROM windows are unknown`);
  const count = bytes[at + 1]!;
  const maps: SegmentMapping[] = [];
  let seg = at + 24;
  for (let i = 0; i < count && maps.length < 2; i++) {
    if (seg + 8 > bytes.length) break;
    const load = u32(bytes, seg);
    const len = u32(bytes, seg + 4);
    const isDrom = !chip.sharedFlashWindow && inRange(chip.drom, load);
    const isIrom = inRange(chip.irom, load);
    if (isDrom || isIrom) {
      const kind = isDrom ? 'drom' : chip.sharedFlashWindow && maps.length === 0 ? 'drom' : 'irom';
      maps.push({ segment: i, kind, flashOffset: (appOffset + seg - at + 8) >>> 0, vaddr: load, size: len });
    }
    seg += 8 + len;
  }
  const what = maps.length === 0
    ? 'no segment in the IROM/DROM windows: zero mappings (no flash breakpoints, no irom/drom banks)'
    : maps.map((m) => `${m.kind} ${hex32(m.vaddr)} ← flash ${hex32(m.flashOffset)}`).join(', ');
  return result(appOffset, 0, `app at ${hex32(appOffset)} (${how}): ${what}`, maps);
}
