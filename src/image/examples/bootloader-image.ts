/**
 * Synthetic 2nd-stage bootloader images: a DRAM segment starting with the bootloader descriptor
 * (magic 0x50, ESP-IDF ≥ 5.2) and two IRAM segments, all RAM — as the ROM loads it. The header's
 * size nibble carries the flash size the way esptool writes it at flash time.
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { buildBootloaderDescriptor } from '../bootloader-desc.js';
import { buildImage } from '../image-build.js';
import { flashSizeToCode } from '../image-header.js';
import type { SpiModeName } from '../types.js';
import { fillerBytes } from './filler.js';
import { exampleAddresses } from './memory.js';

export interface ExampleBootloaderSpec {
  readonly chip: ChipDescriptor;
  /** Flash size in bytes for the header (1 MB … 128 MB); default 4 MB. */
  readonly flashSize?: number;
  readonly spiMode?: SpiModeName;
  /** Raw speed nibble; default 0xF (80 MHz on most chips). */
  readonly spiSpeed?: number;
  readonly idfVer?: string;
  /** Size of the code (default 0x3000 per IRAM segment). */
  readonly codeSize?: number;
}

export function buildExampleBootloader(spec: ExampleBootloaderSpec): Uint8Array {
  const chip = spec.chip;
  const ram = exampleAddresses(chip);
  const desc = buildBootloaderDescriptor({ version: 1, idfVer: spec.idfVer ?? 'v5.4.1', dateTime: 'Jan  1 2026 00:00:00' });
  const dramData = fillerBytes(0x400, `${chip.name}/bootloader/dram`);
  const dram = new Uint8Array(desc.length + dramData.length);
  dram.set(desc, 0);
  dram.set(dramData, desc.length);
  const code = spec.codeSize ?? 0x3000;
  return buildImage({
    chip,
    entry: ram.bootIram[1] + 0x100,
    segments: [
      { loadAddress: ram.bootDram, data: dram },
      { loadAddress: ram.bootIram[0], data: fillerBytes(code / 2, `${chip.name}/bootloader/loader`) },
      { loadAddress: ram.bootIram[1], data: fillerBytes(code, `${chip.name}/bootloader/text`) },
    ],
    spiMode: spec.spiMode ?? 'dio',
    spiSpeed: spec.spiSpeed ?? 0xf,
    flashSizeCode: flashSizeToCode(spec.flashSize ?? 0x400000),
    appendSha256: true,
  });
}
