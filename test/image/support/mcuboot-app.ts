/** The start of an MCUboot app for the probe tests: the MCUboot header and Espressif's load header after it. */
import { buildMcubootHeader, MCUBOOT_ESP_LOAD_HEADER_MAGIC } from '../../../src/image/mcuboot.js';

/** A region of the load header: address, flash offset from the image start, size. */
export type LoadRegion = readonly [vaddr: number, offset: number, size: number];

export interface McubootAppSpec {
  /** The MCUboot header's header size, where the load header starts; default 0x20. */
  readonly headerSize?: number;
  /** 'current' (LP-RTC fields before IROM/DROM, IROM at word 14) or 'earlier' (IROM at word 8); default current. */
  readonly layout?: 'current' | 'earlier';
  readonly irom?: LoadRegion;
  readonly drom?: LoadRegion;
  /** The load header's magic; default 0xACE637D3. */
  readonly magic?: number;
  /** The MCUboot header's image size; default 0x30000. */
  readonly imageSize?: number;
}

/** IROM 0x42000020 ← +0x10020 (0x1000 bytes), DROM 0x3C020040 ← +0x20040 (0x800 bytes): both line up for an image at a 64 KiB boundary. */
export const IROM: LoadRegion = [0x42000020, 0x10020, 0x1000];
export const DROM: LoadRegion = [0x3c020040, 0x20040, 0x800];

/** Header (padded to its header size) and load header; 0xFF after the fields. */
export function mcubootApp(spec: McubootAppSpec = {}): Uint8Array {
  const headerSize = spec.headerSize ?? 0x20;
  const out = new Uint8Array(Math.max(headerSize, 0x20) + 0x60).fill(0xff);
  out.set(buildMcubootHeader({ loadAddress: 0, headerSize, protectedTlvSize: 0, imageSize: spec.imageSize ?? 0x30000, flags: 0, version: { major: 1, minor: 2, revision: 3, build: 4 } }));
  const words = new Array<number>(20).fill(0);
  words[0] = spec.magic ?? MCUBOOT_ESP_LOAD_HEADER_MAGIC;
  words[1] = 0x42000020; // entry
  const first = spec.layout === 'earlier' ? 8 : 14;
  [...(spec.irom ?? IROM), ...(spec.drom ?? DROM)].forEach((w, i) => (words[first + i] = w));
  const view = new DataView(out.buffer, Math.max(headerSize, 0x20));
  words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
  return out;
}
