/**
 * A merged flash file checked as a whole flash: does each part sit where the chip and the partition
 * table expect it? The flash-map analysis of the merged bytes gives the layout's errors and
 * warnings (a bootloader at the wrong offset, a booting slot left empty, an app larger than its
 * partition…); on top, an ESP image part that sits neither at the bootloader nor at the start of
 * an app partition is named, since that is the usual cause of an empty slot, and so is a part
 * that runs past the flash size the headers state.
 */
import { findChip } from '../chips/index.js';
import { h32 } from './errors.js';
import { analyzeFlashMap } from './flash-map/analyze.js';
import { IMAGE_MAGIC } from './flash-map/codec.js';
import { FlashMapInputError } from './flash-map/errors.js';
import type { FlashMapFinding } from './flash-map/types.js';
import { hasPartitionMagic } from './partition-table.js';
import type { FlashPart } from './types.js';

/**
 * The errors and warnings of `merged` (byte 0 at flash `baseOffset`) read as a flash, or null when
 * no part is a partition table: then the file is a bundle of parts, not a flash layout to check.
 */
export function mergedLayoutFindings(merged: Uint8Array, parts: readonly FlashPart[], baseOffset = 0): FlashMapFinding[] | null {
  if (!parts.some((p) => hasPartitionMagic(p.data))) return null;
  let report;
  try {
    report = analyzeFlashMap(merged, { baseOffset });
  } catch (err) {
    if (err instanceof FlashMapInputError) return null;
    throw err;
  }
  const findings = report.findings.filter((f) => f.severity !== 'info');
  // Where a bootloader goes: the one found, else the chip's offset (a bootloader that does not decode is named above).
  const chip = report.chip.name ? findChip(report.chip.name) : undefined;
  const bootloaderAt = report.bootloader?.flashOffset ?? chip?.bootloaderOffset;
  const appSlots = report.apps.filter((a) => a.label !== null);
  for (const p of parts) {
    if (p.data[0] !== IMAGE_MAGIC || p.offset === bootloaderAt || appSlots.some((a) => a.flashOffset === p.offset)) continue;
    const slots = appSlots.length ? appSlots.map((a) => `${a.label} ${h32(a.flashOffset)}`).join(', ') : 'none';
    findings.push({
      severity: 'warning',
      code: 'IMAGE_OUTSIDE_APP_SLOT',
      message: `${p.name ?? 'an ESP image'} at ${h32(p.offset)} is an ESP image, but no app partition of the table starts there (app partitions: ${slots}); the bootloader never runs it`,
      flashOffset: p.offset,
    });
  }
  const flash = report.flashSize;
  if (flash.bytes !== null) {
    const header = flash.source === 'bootloader-header' ? 'the bootloader header' : 'the app header';
    for (const p of parts) {
      const end = p.offset + p.data.length;
      if (end <= flash.bytes) continue;
      findings.push({
        severity: 'error',
        code: 'PART_PAST_FLASH',
        message: `${p.name ?? 'a part'} at ${h32(p.offset)} ends at ${h32(end)}, past the end of the ${flash.bytes / 0x100000} MiB flash ${header} states: a chip with that flash cannot hold it; for a bigger flash, build for its size (CONFIG_ESPTOOLPY_FLASHSIZE)`,
        flashOffset: p.offset,
      });
    }
  }
  return findings;
}
