/** Image fixtures built with the project's own builders. */
import { esp32, esp32c3, esp32c6, esp32s3 } from '../../../src/chips/index.js';
import { buildAppDescriptor } from '../../../src/image/app-desc.js';
import { buildBootloaderDescriptor } from '../../../src/image/bootloader-desc.js';
import { buildImage } from '../../../src/image/image-build.js';
import type { BuildSegment } from '../../../src/image/types.js';

export function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

/** DROM data starting with an app descriptor. */
export function dromData(n = 0x400, project = 'demo'): Uint8Array {
  const d = filled(n, 1);
  d.set(buildAppDescriptor({ version: '1.2.3', projectName: project, idfVer: 'v5.3.1', date: 'Jan  1 2025', time: '12:00:00', mmuPageSizeLog2: 16 }), 0);
  return d;
}

/** ESP32 app, IDF order: DROM, DRAM, IRAM, PAD, IROM. */
export function esp32AppSegments(): BuildSegment[] {
  const drom: BuildSegment = { loadAddress: 0x3f400020, data: dromData(0x1000) };
  const dram: BuildSegment = { loadAddress: 0x3ffb0000, data: filled(0x200, 2) };
  const iram: BuildSegment = { loadAddress: 0x40080000, data: filled(0x400, 3) };
  // position after IRAM: 24 + (8+0x1000) + (8+0x200) + (8+0x400) = 0x1630; IROM header at pad end
  const posAfterIram = 24 + 8 + 0x1000 + 8 + 0x200 + 8 + 0x400;
  const iromAddr = 0x400e0000 + posAfterIram + 16 + 0x100; // leaves a 0x100-byte padding segment
  const pad = ((iromAddr - posAfterIram - 16) % 0x10000 + 0x10000) % 0x10000;
  return [drom, dram, iram, { loadAddress: 0, data: new Uint8Array(pad) }, { loadAddress: iromAddr, data: filled(0x800, 4) }];
}

export function esp32App(appendSha256 = true): Uint8Array {
  return buildImage({ chip: esp32, entry: 0x40080200, segments: esp32AppSegments(), appendSha256, flashSizeCode: 2, spiSpeed: 0xf });
}

/** ESP32-C6 app: DROM(0x42010020), RAM, RAM, IROM(0x42000020 + page), LP RAM — shared flash window. */
export function c6App(): Uint8Array {
  const segments: BuildSegment[] = [
    { loadAddress: 0x42010020, data: dromData(0x300) },
    { loadAddress: 0x40800000, data: filled(0x100, 5) },
    { loadAddress: 0x40810000, data: filled(0x80, 6) },
  ];
  let pos = 24 + 8 + 0x300 + 8 + 0x100 + 8 + 0x80;
  const irom = 0x42000020;
  const pad = ((irom - pos - 16) % 0x10000 + 0x10000) % 0x10000;
  segments.push({ loadAddress: 0, data: new Uint8Array(pad) });
  pos += 8 + pad;
  segments.push({ loadAddress: irom, data: filled(0x200, 7) });
  segments.push({ loadAddress: 0x50000000, data: filled(0x40, 8) });
  return buildImage({ chip: esp32c6, entry: 0x42000020, segments });
}

/** ESP32-C3 bootloader: DRAM (with descriptor), IRAM, IRAM. RAM only. */
export function c3Bootloader(): Uint8Array {
  const dram = filled(0x200, 9);
  dram.set(buildBootloaderDescriptor({ version: 1, idfVer: 'v5.3.1', dateTime: 'Jan  1 2025 12:00:00' }), 0);
  return buildImage({
    chip: esp32c3,
    entry: 0x403cc710,
    segments: [
      { loadAddress: 0x3fcd5710, data: dram },
      { loadAddress: 0x403cc710, data: filled(0x300, 10) },
      { loadAddress: 0x403ce710, data: filled(0x100, 11) },
    ],
  });
}

/** ESP32-S3 app with an RTC fast segment after IROM. */
export function s3AppWithRtc(): Uint8Array {
  const segs: BuildSegment[] = [{ loadAddress: 0x3c000020, data: dromData(0x100) }];
  let pos = 24 + 8 + 0x100;
  const irom = 0x42010020;
  const pad = ((irom - pos - 16) % 0x10000 + 0x10000) % 0x10000;
  segs.push({ loadAddress: 0, data: new Uint8Array(pad) });
  pos += 8 + pad;
  segs.push({ loadAddress: irom, data: filled(0x100, 12) });
  segs.push({ loadAddress: 0x600fe000, data: filled(0x20, 13) });
  segs.push({ loadAddress: 0x50000000, data: filled(0x10, 14) });
  return buildImage({ chip: esp32s3, entry: 0x42010020, segments: segs });
}
