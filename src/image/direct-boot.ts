/**
 * Direct boot (ESP32-C3 from silicon revision 3, ESP32-H2): with no ESP image at flash 0 but the
 * magic 0xAEDB041D there twice (bytes 1d 04 db ae 1d 04 db ae), the ROM bootloader loads nothing:
 * it maps the start of the flash 1:1 at the start of the IROM and DROM windows (4 MiB:
 * ChipDescriptor.directBootMapBytes; the ESP32-H2 has one window for both, so one mapping) and
 * jumps to the instruction right after the magic. No 2nd-stage bootloader, partition table or
 * image header: the image is whatever objcopy made of an ELF linked for those windows. Unless
 * secure boot is on or an eFuse (DIS_LEGACY_SPI_BOOT) turns the feature off, which a flash file
 * cannot tell.
 */
import { hex32, type ChipDescriptor } from '../chips/types.js';
import { readU32 } from './bytes.js';

export const DIRECT_BOOT_MAGIC = 0xaedb041d;
/** Where execution starts, from the flash offset 0 (mapped at the IROM window's start). */
export const DIRECT_BOOT_ENTRY_OFFSET = 8;

/** True if `head` (flash from offset 0, at least 8 bytes) starts with the direct-boot magic twice. */
export function isDirectBootImage(head: Uint8Array): boolean {
  return head.length >= 8 && readU32(head, 0) === DIRECT_BOOT_MAGIC && readU32(head, 4) === DIRECT_BOOT_MAGIC;
}

export interface DirectBootMapping {
  readonly kind: 'drom' | 'irom';
  readonly vaddr: number;
  readonly flashOffset: 0;
  readonly size: number;
}

export interface DirectBootPlan {
  readonly entry: number;
  readonly mappings: readonly DirectBootMapping[];
}

/**
 * What the ROM maps for a direct-boot flash of `flashSize` bytes: DROM and IROM, each the flash
 * from offset 0 up to the chip's direct-boot span (one IROM mapping where one window serves code
 * and data). Undefined where the chip has no direct boot.
 */
export function directBootMappings(chip: ChipDescriptor, flashSize: number): DirectBootPlan | undefined {
  if (chip.directBootMapBytes === undefined) return undefined;
  const size = Math.min(chip.directBootMapBytes, flashSize);
  const irom: DirectBootMapping = { kind: 'irom', vaddr: chip.irom.start, flashOffset: 0, size };
  return {
    entry: chip.irom.start + DIRECT_BOOT_ENTRY_OFFSET,
    mappings: chip.sharedFlashWindow ? [irom] : [{ kind: 'drom', vaddr: chip.drom.start, flashOffset: 0, size }, irom],
  };
}

/** What the ROM does with a direct-boot flash, in words: "the ROM maps flash 0x0..… at … (code, entry …) and … (data)". */
export function describeDirectBoot(plan: DirectBootPlan): string {
  const irom = plan.mappings.find((m) => m.kind === 'irom')!;
  const drom = plan.mappings.find((m) => m.kind === 'drom');
  const code = `flash 0x0..${hex32(irom.size)} at ${hex32(irom.vaddr)}`;
  return drom
    ? `the ROM maps ${code} (code, entry ${hex32(plan.entry)}) and ${hex32(drom.vaddr)} (data)`
    : `the ROM maps ${code} (code and data, entry ${hex32(plan.entry)})`;
}

/** The note a report gives a direct-boot program where an app's image header would be described. */
export function directBootAppNote(plan: DirectBootPlan): string {
  return `direct boot: ${describeDirectBoot(plan)}; no image header`;
}
