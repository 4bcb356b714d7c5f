/** A synthetic flash image for the simulator tests, made with the project's own image builders. */
import { readFileSync } from 'node:fs';
import { buildImage, buildPartitionTable, buildOtadata, elf2image, parseElf } from '../../../src/image/index.js';
import { esp32c3 } from '../../../src/chips/esp32c3.js';

/** The app's code (at IROM_CODE): a0 = 0x3FC80000; loop: counter at a0 += 1. */
export const LOOP_CODE = [0x3fc80537, 0x00052583, 0x00158593, 0x00b52023, 0xff5ff06f];
export const COUNTER_ADDR = 0x3fc80000;
export const DROM_VADDR = 0x3c000020;
export const DROM_DATA = new Uint8Array(0x100).map((_, i) => (i * 7 + 3) & 0xff);
/** Segment 1's data lands at image offset 0x128, so its vaddr must be ≡ 0x128 mod 64K. */
export const IROM_CODE = 0x42010128;
export const DRAM_ADDR = 0x3fc90000;
export const DRAM_DATA = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);

function words(ws: readonly number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const dv = new DataView(out.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

export interface FixtureOptions {
  readonly tableOffset?: number;
  /** Add ota_0/ota_1 and an otadata selecting ota_1 (seq 2). */
  readonly ota?: boolean;
  readonly flashSize?: number;
  /** Header fields of the app image other than the default (an ESP32-C3 app for any revision). */
  readonly appHeader?: { readonly chipId?: number; readonly minChipRevFull?: number; readonly maxChipRevFull?: number };
}

export function buildFlash(opts: FixtureOptions = {}): { flash: Uint8Array; appOffset: number } {
  const size = opts.flashSize ?? 0x400000;
  const tableOffset = opts.tableOffset ?? 0x8000;
  const flash = new Uint8Array(size).fill(0xff);
  const boot = buildImage({ chip: esp32c3, entry: 0x403ce000, flashSizeCode: 2, spiMode: 'dio', segments: [{ loadAddress: 0x3fcd5710, data: new Uint8Array(16) }] });
  flash.set(boot, 0);
  const app = buildImage({
    chip: esp32c3,
    entry: IROM_CODE,
    flashSizeCode: 2,
    ...opts.appHeader,
    segments: [
      { loadAddress: DROM_VADDR, data: DROM_DATA },
      { loadAddress: IROM_CODE, data: words(LOOP_CODE) },
      { loadAddress: DRAM_ADDR, data: DRAM_DATA },
    ],
  });
  const entries = [
    { type: 1, subtype: 2, offset: 0x9000, size: 0x4000, label: 'nvs' },
    ...(opts.ota ? [{ type: 1, subtype: 0, offset: 0xd000, size: 0x2000, label: 'otadata' }] : []),
    { type: 0, subtype: 0, offset: 0x10000, size: 0x100000, label: 'factory' },
    ...(opts.ota
      ? [
          { type: 0, subtype: 0x10, offset: 0x110000, size: 0x100000, label: 'ota_0' },
          { type: 0, subtype: 0x11, offset: 0x210000, size: 0x100000, label: 'ota_1' },
        ]
      : []),
  ];
  flash.set(buildPartitionTable(entries), tableOffset);
  let appOffset = 0x10000;
  if (opts.ota) {
    flash.set(buildOtadata(2), 0xd000);
    appOffset = 0x210000;
  }
  flash.set(app, appOffset);
  return { flash, appOffset };
}

/** Where the direct-boot program of directBootFlash counts (DRAM, clear of the stub's work area). */
export const DIRECT_COUNTER_ADDR = 0x3fcc0000;

/**
 * A direct-boot flash (src/image/direct-boot.ts): the magic twice, then LOOP_CODE counting at
 * DIRECT_COUNTER_ADDR, and DROM_DATA at 0x1000 to be read through the DROM window.
 */
export function directBootFlash(size = 0x400000): Uint8Array {
  const flash = new Uint8Array(size).fill(0xff);
  flash.set(words([0xaedb041d, 0xaedb041d, 0x3fcc0537, ...LOOP_CODE.slice(1)]), 0);
  flash.set(DROM_DATA, 0x1000);
  return flash;
}

/**
 * A Simple Boot flash (src/image/simple-boot.ts): the demo firmware's ELF made into a RAM-only image
 * with its IROM and DROM segments after the checksum (elf2image --ram-only-header), at flash 0 of
 * an erased 4 MiB flash. No bootloader, no partition table.
 */
export function simpleBootFlash(size = 0x400000): Uint8Array {
  const image = elf2image(parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf'))), esp32c3, { ramOnlyHeader: true });
  const flash = new Uint8Array(size).fill(0xff);
  flash.set(image, 0);
  return flash;
}
