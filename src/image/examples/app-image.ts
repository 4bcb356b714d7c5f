/**
 * Synthetic but realistic ESP-IDF app images: DROM (app descriptor + rodata), DRAM, IRAM, a
 * padding segment (load address 0) so the IROM data lands on the same MMU-page offset as its
 * virtual address, then IROM — the order esptool produces for ESP32-class chips.
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { buildAppDescriptor } from '../app-desc.js';
import { buildImage } from '../image-build.js';
import { flashSizeToCode } from '../image-header.js';
import type { BuildSegment } from '../types.js';
import { fillerBytes } from './filler.js';
import { exampleAddresses, exampleFlashWindows } from './memory.js';

export interface ExampleAppSpec {
  readonly chip: ChipDescriptor;
  readonly projectName?: string;
  readonly version?: string;
  readonly idfVer?: string;
  /** Bytes of read-only data after the 256-byte descriptor (default 0x6000). */
  readonly dromSize?: number;
  /** Bytes of flash code (default 0x18000). */
  readonly iromSize?: number;
  readonly dramSize?: number;
  readonly iramSize?: number;
  /** Build an app that runs from RAM only: no DROM/IROM, descriptor at the start of DRAM. */
  readonly ramOnly?: boolean;
  /** Leave out the app descriptor (a bare, non-IDF image). */
  readonly noDescriptor?: boolean;
  /** Header flash size in bytes (apps carry the build-time value); default 4 MB. */
  readonly flashSize?: number;
  /** Seed of the filler bytes; default: project name + version. */
  readonly seed?: string;
}

const IMAGE_HEADER = 24;
const SEGMENT_HEADER = 8;

const align4 = (n: number): number => (n + 3) & ~3;

/** The MMU page of the chip's default configuration. */
export function mmuPage(chip: ChipDescriptor): number {
  return chip.mmuPageSizes[0] ?? 0x10000;
}

export function buildExampleApp(spec: ExampleAppSpec): Uint8Array {
  const chip = spec.chip;
  const page = mmuPage(chip);
  const name = spec.projectName ?? 'example';
  const version = spec.version ?? '1.0.0';
  const seed = spec.seed ?? `${name}@${version}`;
  const ram = exampleAddresses(chip);
  const win = exampleFlashWindows(chip);
  const descriptor = spec.noDescriptor
    ? new Uint8Array(0)
    : buildAppDescriptor({
        projectName: name, version, idfVer: spec.idfVer ?? 'v5.4.1', date: 'Jan  1 2026', time: '00:00:00',
        mmuPageSizeLog2: Math.log2(page),
      });
  const dram = fillerBytes(align4(spec.dramSize ?? 0x800), `${seed}/dram`);
  const iram = fillerBytes(align4(spec.iramSize ?? 0x2000), `${seed}/iram`);
  const segments: BuildSegment[] = [];
  if (spec.ramOnly) {
    const data = new Uint8Array(descriptor.length + dram.length);
    data.set(descriptor, 0);
    data.set(dram, descriptor.length);
    segments.push({ loadAddress: ram.appDram, data }, { loadAddress: ram.appIram, data: iram });
  } else {
    const rodata = fillerBytes(align4(spec.dromSize ?? 0x6000), `${seed}/rodata`);
    const drom = new Uint8Array(descriptor.length + rodata.length);
    drom.set(descriptor, 0);
    drom.set(rodata, descriptor.length);
    // DROM data starts at image offset 0x20: link it at window + 0x20 so offsets match modulo the page.
    const dromData = IMAGE_HEADER + SEGMENT_HEADER;
    segments.push({ loadAddress: win.drom + (dromData % page), data: drom });
    segments.push({ loadAddress: ram.appDram, data: dram });
    segments.push({ loadAddress: ram.appIram, data: iram });
    let at = dromData + drom.length + 2 * SEGMENT_HEADER + dram.length + iram.length;
    const irom = fillerBytes(align4(spec.iromSize ?? 0x18000), `${seed}/irom`);
    const wantInPage = (at + SEGMENT_HEADER) % page;
    let pad = 0;
    if (wantInPage !== 0x20 % page) {
      // Insert a padding segment so the IROM data starts at in-page offset 0x20, like esptool does.
      pad = (((0x20 - (at + 2 * SEGMENT_HEADER)) % page) + page) % page;
      segments.push({ loadAddress: 0, data: new Uint8Array(pad) });
      at += SEGMENT_HEADER + pad;
    }
    const iromDataOffset = at + SEGMENT_HEADER;
    // The MMU maps whole pages: the code is linked at the same in-page offset as its data in flash.
    const iromVaddr = win.irom + (iromDataOffset % page);
    segments.push({ loadAddress: iromVaddr, data: irom });
  }
  const entry = ram.appIram + (chip.architecture === 'xtensa' ? 0x400 : 0x0);
  return buildImage({
    chip, entry, segments, spiMode: 'dio', flashSizeCode: flashSizeToCode(spec.flashSize ?? 0x400000), appendSha256: true,
  });
}
