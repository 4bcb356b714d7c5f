import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { esp32, esp32c3, esp32c6, esp32p4, esp32s3 } from '../../src/chips/index.js';
import type { ChipDescriptor } from '../../src/chips/types.js';
import type { Elf2ImageOptions, ElfFile } from '../../src/image/types.js';
import { parseElf } from '../../src/image/elf.js';
import { defaultMmuPage, elf2image } from '../../src/image/elf2image.js';
import { parseImage } from '../../src/image/image.js';
import { ImageFormatError } from '../../src/image/errors.js';
import { buildAppDescriptor } from '../../src/image/app-desc.js';
import { buildBootloaderDescriptor } from '../../src/image/bootloader-desc.js';
import { sha256 } from '../../src/image/hash.js';
import { writeTestElf } from './support/elf-writer.js';
import { filled } from './support/fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function c3Elf(): Uint8Array {
  const rodata = filled(0x180, 1);
  rodata.set(buildAppDescriptor({ projectName: 'elfdemo', version: '0.1' }), 0);
  return writeTestElf({
    entry: 0x42000040,
    segments: [
      { vaddr: 0x42000020, data: filled(0x100, 2), flags: 5 }, // .text (IROM)
      { vaddr: 0x3fc80000, data: filled(0x40, 3), flags: 6 }, // .data (DRAM)
      { vaddr: 0x3c010020, data: rodata, flags: 4 }, // .rodata (DROM) in its own page
      { vaddr: 0x40380000, data: filled(0x80, 4), flags: 5 }, // .iram
      { vaddr: 0x40380080, data: filled(0x20, 5), flags: 5 }, // adjacent → merged
      { vaddr: 0x3fc80100, data: new Uint8Array(0), flags: 6, memSize: 0x100 }, // .bss: no file data
      { vaddr: 0x50000000, data: filled(0x10, 6), flags: 6 }, // RTC
    ],
    symbols: [{ name: 'app_main', value: 0x42000040 }],
  });
}

test('ESP32-C3: DROM, then RAM and RTC by address, PAD, IROM; MMU-aligned; entry, header fields, hash', () => {
  const elf = parseElf(c3Elf());
  const img = elf2image(elf, esp32c3, { spiMode: 'dio', spiSpeed: 0xf, flashSizeCode: 2 });
  const p = parseImage(img);
  assert.deepEqual(p.segments.map((s) => s.kind), ['drom', 'dram', 'iram', 'rtc', 'padding', 'irom']);
  assert.deepEqual(p.segments.map((s) => s.loadAddress), [0x3c010020, 0x3fc80000, 0x40380000, 0x50000000, 0, 0x42000020]);
  assert.equal(p.segments[2]!.length, 0xa0, 'adjacent IRAM pieces merged');
  for (const s of p.segments) {
    if (s.kind === 'drom' || s.kind === 'irom') assert.equal(s.dataOffset % 0x10000, s.loadAddress % 0x10000);
  }
  assert.equal(p.header.entry, 0x42000040);
  assert.equal(p.header.chipId, 5);
  assert.equal(p.header.spiMode, 2);
  assert.equal(p.header.spiSpeed, 0xf);
  assert.equal(p.header.flashSizeCode, 2);
  assert.equal(p.header.hashAppended, 1);
  assert.equal(p.sha256?.valid, true);
  assert.equal(p.checksum.valid, true);
  assert.equal(p.appDesc?.projectName, 'elfdemo');
  assert.deepEqual(p.findings, []);
  // deterministic
  assert.deepEqual(elf2image(parseElf(c3Elf()), esp32c3, { spiMode: 'dio', spiSpeed: 0xf, flashSizeCode: 2 }), img);
});

test('sections as the source give the same layout; elf sha256 can go into the app descriptor', () => {
  const rodata = filled(0x100, 1);
  rodata.set(buildAppDescriptor({ projectName: 's' }), 0);
  const bytes = writeTestElf({
    entry: 0x400d0020,
    sections: [
      { name: '.flash.rodata', addr: 0x3f400020, data: rodata, flags: 2 },
      { name: '.dram0.data', addr: 0x3ffb0000, data: filled(0x20, 2), flags: 3 },
      { name: '.iram0.text', addr: 0x40080000, data: filled(0x40, 3), flags: 6 },
      { name: '.flash.text', addr: 0x400d0020, data: filled(0x40, 4), flags: 6 },
      { name: '.debug_info', addr: 0, data: filled(0x40, 5), flags: 0 },
    ],
  });
  const elf = parseElf(bytes);
  const img = elf2image(elf, esp32, { source: 'sections', elfSha256InAppDesc: true });
  const p = parseImage(img);
  assert.deepEqual(p.segments.map((s) => s.kind), ['drom', 'dram', 'iram', 'padding', 'irom']);
  assert.deepEqual([...p.appDesc!.appElfSha256], [...sha256(bytes)]);
});

test('defaults: the ELF SHA-256 goes into a descriptor the app has (false leaves it), max chip revision 0xFFFF', () => {
  const bytes = c3Elf();
  const p = parseImage(elf2image(parseElf(bytes), esp32c3));
  assert.deepEqual([...p.appDesc!.appElfSha256], [...sha256(bytes)]);
  assert.equal(p.header.maxChipRevFull, 0xffff, 'no limit, written as esptool writes it (0 reads to esptool as "no full revision fields")');
  const off = parseImage(elf2image(parseElf(bytes), esp32c3, { elfSha256InAppDesc: false }));
  assert.ok(off.appDesc!.appElfSha256.every((b) => b === 0));
  const noDesc = parseElf(writeTestElf({ entry: 0x42000020, segments: [{ vaddr: 0x42000020, data: filled(0x40, 2), flags: 5 }, { vaddr: 0x3c010020, data: filled(0x100, 1), flags: 4 }] }));
  assert.doesNotThrow(() => elf2image(noDesc, esp32c3), 'auto: an app without a descriptor is built without the hash');
});

test('the same bytes as esptool v4.12.0 elf2image with the same options (the committed demo ELF)', () => {
  // SHA-256 of what `esptool.py --chip esp32c3 elf2image OPTIONS firmware/build/espalgo-demo.elf` wrote
  const elf = parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf')));
  const cases: [string, Parameters<typeof elf2image>[2], string][] = [
    ['-fm dio -fs 2MB', { spiMode: 'dio', flashSizeCode: 1 }, 'a96d7cff56bb3c6af6cd2ee52c0405ee45cf4999c9116e26ab271116e6554ffe'],
    ['-fm qio -ff 80m -fs 4MB --min-rev-full 3 --max-rev-full 199', { spiMode: 'qio', spiSpeed: 0xf, flashSizeCode: 2, minChipRevFull: 3, maxChipRevFull: 199 }, 'ba9acf4a742b90a5aaa5e6eef1c9b7dc04568c1a22068238191e7c8afe96e7d2'],
    ['-fm dout -fs 16MB --dont-append-digest', { spiMode: 'dout', flashSizeCode: 4, appendSha256: false }, 'ab4f28c405a58e2ddcccce3048bb408255179cafbbb3b313ea8e02eddabe0856'],
  ];
  for (const [esptoolOptions, options, expected] of cases) {
    assert.equal(hex(sha256(elf2image(elf, esp32c3, options))), expected, esptoolOptions);
  }
});

test('layout as esptool v4.12.0 elf2image: RAM fills the gap before a flash segment, split if larger; RAM and RTC by address; pieces merged in ELF order', () => {
  // SHA-256 of what `esptool.py --chip CHIP elf2image -fm dio -fs 2MB --use_segments ELF` wrote
  // for these ELFs, written by writeTestElf exactly as here.
  const seg = (vaddr: number, n: number, flags: number, seed: number) => ({ vaddr, data: filled(n, seed), flags });
  const cases: [string, ChipDescriptor, Parameters<typeof writeTestElf>[0], string][] = [
    // 80 KiB of DRAM: its first 0xfef0 bytes fill the gap before IROM, the rest follows it
    ['large RAM', esp32c3, { entry: 0x42010020, segments: [seg(0x3c000020, 0x100, 4, 1), seg(0x3fc80000, 0x14000, 6, 2), seg(0x40380000, 0x100, 7, 3), seg(0x42010020, 0x200, 5, 4)] }, '965241d24222ed8d8aee85bd345fbc3c1243e26d7526a0a05c90299ec402b1d8'],
    // RTC fast memory below DRAM, RTC slow above IRAM: all RAM, in address order, before IROM
    ['ESP32 RTC', esp32, { entry: 0x400d0020, segments: [seg(0x3f400020, 0x100, 4, 1), seg(0x3ff80000, 0x20, 6, 2), seg(0x3ffb0000, 0x40, 6, 3), seg(0x40080000, 0x100, 7, 4), seg(0x400c0000, 0x10, 7, 5), seg(0x400d0020, 0x200, 5, 6), seg(0x50000000, 0x10, 6, 7)] }, '379d291ae00db377058fb60940bc6fcdfed332b98425bb9500ed8b6ed06beb68'],
    // the data would start 0x10 bytes short of its place: padded up to it in the next page
    ['page ahead', esp32c3, { entry: 0x42010138, segments: [seg(0x3c000020, 0x100, 4, 1), seg(0x42010138, 0x200, 5, 2)] }, 'cc103fc1053fdb69b5c3e3a9e0777d3a2b6e0477bc7362694c1a5387ba0b3364'],
    // 0x3fc80010 touches 0x3fc80000 but does not follow it in the ELF: not merged; 6 bytes of IRAM round up to 8 and then touch the next piece
    ['ELF order', esp32c3, { entry: 0x40380000, segments: [seg(0x3fc80000, 0x10, 6, 1), seg(0x3fc80100, 0x10, 6, 2), seg(0x3fc80010, 0x10, 6, 3), seg(0x40380000, 0x6, 7, 4), seg(0x40380008, 0x8, 7, 5)] }, 'ac27121a17a5d8fd55a43f58c0235cc94e936820c9743ae147cf4fe8f3475ffd'],
  ];
  for (const [name, chip, spec, expected] of cases) {
    assert.equal(hex(sha256(elf2image(parseElf(writeTestElf(spec)), chip, { spiMode: 'dio', flashSizeCode: 1 }))), expected, name);
  }
  const large = parseImage(elf2image(parseElf(writeTestElf(cases[0]![2])), esp32c3));
  assert.deepEqual(large.segments.map((s) => [s.loadAddress, s.length]), [[0x3c000020, 0x100], [0x3fc80000, 0xfef0], [0x42010020, 0x200], [0x3fc8fef0, 0x4110], [0x40380000, 0x100]]);
  const elfOrder = parseImage(elf2image(parseElf(writeTestElf(cases[3]![2])), esp32c3));
  assert.deepEqual(elfOrder.segments.map((s) => [s.loadAddress, s.length]), [[0x3fc80000, 0x10], [0x3fc80010, 0x10], [0x3fc80100, 0x10], [0x40380000, 0x10]]);
});

test('ESP32: a flash segment ending fewer than 0x24 bytes into an MMU page is padded to end 0x24 bytes into it, as esptool v4.12.0 does (not on other chips)', () => {
  // SHA-256 of what `esptool.py --chip CHIP elf2image -fm dio -fs 2MB --use_segments [--ram-only-header] ELF`
  // wrote for these ELFs, written by writeTestElf exactly as here.
  const seg = (vaddr: number, n: number, flags: number, seed: number) => ({ vaddr, data: filled(n, seed), flags });
  const cases: [string, ChipDescriptor, Parameters<typeof writeTestElf>[0], boolean, string][] = [
    // DROM ends 8 bytes into the second page
    ['ESP32 DROM 8 bytes in', esp32, { entry: 0x400e0020, segments: [seg(0x3f400020, 0xffe8, 4, 1), seg(0x3ffb0000, 0x40, 6, 2), seg(0x40080000, 0x100, 7, 3), seg(0x400e0020, 0x200, 5, 4)] }, false, '7df91c900539a7cee6ea5cd756e7099d4d4c30d98999523f591c10ea078b8f16'],
    // DROM and IROM both end right on a page boundary
    ['ESP32 on the boundary', esp32, { entry: 0x400e0020, segments: [seg(0x3f400020, 0xffe0, 4, 1), seg(0x3ffb0000, 0x40, 6, 2), seg(0x40080000, 0x100, 7, 3), seg(0x400e0020, 0x1ffe0, 5, 4)] }, false, 'cf459e6c6a9777a9dfee1220cbcb088b6d152ae3698ef2ca3b0c4ea5ab8e1222'],
    // Simple Boot: IROM's data ends 8 bytes into a page of the file
    ['ESP32 RAM-only header', esp32, { entry: 0x40080000, segments: [seg(0x3f400020, 0x100, 4, 1), seg(0x40080000, 0x100, 7, 3), seg(0x400d0020, 0xfe8, 5, 4)] }, true, 'ddc9b91b6dea17c9e3532905ffbd95f2580234f1a1a45615e1631be90db2820b'],
    // the ESP32-S3 has no such rule
    ['ESP32-S3 DROM 8 bytes in', esp32s3, { entry: 0x42010020, segments: [seg(0x3c000020, 0xffe8, 4, 1), seg(0x3fc88000, 0x40, 6, 2), seg(0x40380000, 0x100, 7, 3), seg(0x42010020, 0x200, 5, 4)] }, false, 'a312230de2772cbe20c2fa2d315ecf2541bf5727a553b216e49b326662e69678'],
  ];
  for (const [name, chip, spec, ramOnlyHeader, expected] of cases) {
    const options = { spiMode: 'dio', flashSizeCode: 1, ...(ramOnlyHeader ? { ramOnlyHeader, elfSha256InAppDesc: false } : {}) } as const;
    assert.equal(hex(sha256(elf2image(parseElf(writeTestElf(spec)), chip, options))), expected, name);
  }
  const lengths = (spec: Parameters<typeof writeTestElf>[0], chip: ChipDescriptor) =>
    parseImage(elf2image(parseElf(writeTestElf(spec)), chip)).segments.filter((s) => s.kind === 'drom' || s.kind === 'irom').map((s) => s.length);
  assert.deepEqual(lengths(cases[0]![2], esp32), [0x10004, 0x200], 'DROM: 0xffe8 + 0x1c zeros');
  assert.deepEqual(lengths(cases[1]![2], esp32), [0x10004, 0x20004], 'on the boundary: 0x24 zeros each');
  assert.deepEqual(lengths(cases[3]![2], esp32s3), [0xffe8, 0x200]);
});

test('a bootloader\'s descriptor goes first: .dram0.bootdesc from sections (the same bytes as esptool v4.12.0), the piece starting with it from program headers', () => {
  // An ESP32-C6 bootloader whose descriptor lies above its code, as ESP-IDF links it there.
  const desc = buildBootloaderDescriptor({ idfVer: 'v5.3', dateTime: 'Jan  1 2025 00:00:00' });
  const sections = writeTestElf({
    entry: 0x4086c000,
    sections: [
      { name: '.iram_loader.text', addr: 0x4086c000, data: filled(0x200, 1), flags: 6 },
      { name: '.dram0.bootdesc', addr: 0x4087c000, data: desc, flags: 3 },
      { name: '.dram0.data', addr: 0x4087c050, data: filled(0x30, 2), flags: 3 },
    ],
  });
  // SHA-256 of what `esptool.py --chip esp32c6 elf2image -fm dio -fs 2MB [--ram-only-header] ELF` wrote
  const cases: [string, boolean, string][] = [
    ['', false, '2183d7d7f2bd9a2e1cc8af5ae725439312c859a924ae66d5ba6513e92cf0fc1c'],
    ['--ram-only-header', true, '1f9768080884249ec09cc16d597e9370d6d0cbc992b3f436be89a016ee62c986'],
  ];
  for (const [esptoolOption, ramOnlyHeader, expected] of cases) {
    const img = elf2image(parseElf(sections), esp32c6, { spiMode: 'dio', flashSizeCode: 1, source: 'sections', ramOnlyHeader });
    assert.equal(hex(sha256(img)), expected, esptoolOption);
  }
  const fromSections = parseImage(elf2image(parseElf(sections), esp32c6, { source: 'sections' }));
  assert.deepEqual(fromSections.segments.map((s) => [s.loadAddress, s.length]), [[0x4087c000, 0x80], [0x4086c000, 0x200]], 'descriptor and data merged, first');
  assert.equal(fromSections.bootloaderDesc?.idfVer, 'v5.3');
  const segments = writeTestElf({ entry: 0x4086c000, segments: [{ vaddr: 0x4086c000, data: filled(0x200, 1), flags: 5 }, { vaddr: 0x4087c000, data: desc, flags: 6 }] });
  const fromSegments = parseImage(elf2image(parseElf(segments), esp32c6));
  assert.deepEqual(fromSegments.segments.map((s) => s.loadAddress), [0x4087c000, 0x4086c000]);
});

test('C6 shared window: executable is IROM, the rest DROM; the app descriptor\'s piece first even at a higher address, else address order', () => {
  const rodata = filled(0x100, 1);
  rodata.set(buildAppDescriptor({ projectName: 'c6' }), 0);
  const elf = parseElf(writeTestElf({
    entry: 0x42000020,
    segments: [
      { vaddr: 0x42000020, data: filled(0x100, 2), flags: 5 },
      { vaddr: 0x42010020, data: rodata, flags: 4 },
      { vaddr: 0x40800000, data: filled(0x40, 3), flags: 7 },
    ],
  }));
  const p = parseImage(elf2image(elf, esp32c6));
  assert.deepEqual(p.segments.map((s) => [s.kind, s.flashRole ?? '-', s.loadAddress]), [
    ['flash', 'drom', 0x42010020],
    ['dram', '-', 0x40800000],
    ['padding', '-', 0],
    ['flash', 'irom', 0x42000020],
  ]);
  assert.equal(p.appDesc?.projectName, 'c6');
  // without a descriptor, address order (as esptool --use_segments)
  const plain = parseImage(elf2image(parseElf(writeTestElf({ entry: 0x42000020, segments: [{ vaddr: 0x42000020, data: filled(0x100, 2), flags: 5 }, { vaddr: 0x42010020, data: filled(0x100, 1), flags: 4 }] })), esp32c6));
  assert.deepEqual(plain.segments.map((s) => s.loadAddress), [0x42000020, 0, 0x42010020]);
  // smaller MMU page
  const q = parseImage(elf2image(elf, esp32c6, { mmuPageSize: 0x8000 }));
  for (const s of q.segments.filter((s) => s.kind === 'flash')) assert.equal(s.dataOffset % 0x8000, s.loadAddress % 0x8000);
});

test('RAM-only ELF gives a RAM-only image without padding', () => {
  const elf = parseElf(writeTestElf({ entry: 0x40380000, segments: [{ vaddr: 0x40380000, data: filled(0x40, 1) }, { vaddr: 0x3fc90000, data: filled(0x10, 2), flags: 6 }] }));
  const p = parseImage(elf2image(elf, esp32c3, { appendSha256: false }));
  assert.deepEqual(p.segments.map((s) => s.kind), ['dram', 'iram']);
  assert.equal(p.ramOnly, true);
  assert.equal(p.sha256, undefined);
});

test('elf2image errors', () => {
  const isErr = (code: string) => (e: unknown): boolean => e instanceof ImageFormatError && e.code === code;
  assert.throws(() => elf2image(parseElf(writeTestElf({ segments: [] })), esp32c3), isErr('ELF_NO_SEGMENTS'));
  // an object file (e_type 1, ET_REL), not a linked program
  const object = writeTestElf({ segments: [{ vaddr: 0x3fc80000, data: filled(0x10, 1), flags: 6 }] });
  object[16] = 1;
  assert.throws(() => elf2image(parseElf(object), esp32c3), (e: unknown) => isErr('ELF_NOT_EXECUTABLE')(e) && /a relocatable object file, not 2 = ET_EXEC/.test((e as Error).message));
  // two flash pieces in one MMU page
  const same = parseElf(writeTestElf({ segments: [{ vaddr: 0x42000020, data: filled(0x10, 1) }, { vaddr: 0x42000100, data: filled(0x10, 2) }] }));
  assert.throws(() => elf2image(same, esp32c3), (e: unknown) => isErr('ELF_UNMAPPABLE')(e) && /same 0x10000 MMU page/.test((e as Error).message));
  // overlapping pieces
  const ov = parseElf(writeTestElf({ segments: [{ vaddr: 0x3fc80000, data: filled(0x10, 1), flags: 6 }, { vaddr: 0x3fc80008, data: filled(0x10, 2), flags: 6 }] }));
  assert.throws(() => elf2image(ov, esp32c3), isErr('ELF_UNMAPPABLE'));
  // unaligned flash address
  const un = parseElf(writeTestElf({ segments: [{ vaddr: 0x42000022, data: filled(0x10, 1) }] }));
  assert.throws(() => elf2image(un, esp32c3), isErr('ELF_UNMAPPABLE'));
  // too many segments
  const many = parseElf(writeTestElf({ segments: Array.from({ length: 17 }, (_, i) => ({ vaddr: 0x3fc80000 + i * 0x100, data: filled(0x10, i), flags: 6 })) }));
  assert.throws(() => elf2image(many, esp32c3), isErr('IMAGE_BUILD'));
  assert.throws(() => elf2image(same, esp32c3, { mmuPageSize: 3000 }), isErr('IMAGE_BUILD'));
  // the ELF's SHA-256 asked for, but no app descriptor to hold it: refused, not silently left out
  const noDesc = parseElf(writeTestElf({ segments: [{ vaddr: 0x3c000020, data: filled(0x100, 1), flags: 4 }, { vaddr: 0x42010020, data: filled(0x10, 2), flags: 5 }] }));
  assert.ok(elf2image(noDesc, esp32c3).length > 0, 'without the option the ELF builds');
  assert.throws(() => elf2image(noDesc, esp32c3, { elfSha256InAppDesc: true }), (e: unknown) => isErr('IMAGE_BUILD')(e) && /no app descriptor to write the ELF's SHA-256 into: the flash-mapped read-only data at 0x3c000020 does not start with one/.test((e as Error).message));
  const ramOnly = parseElf(writeTestElf({ segments: [{ vaddr: 0x3fc80000, data: filled(0x10, 1), flags: 6 }] }));
  assert.throws(() => elf2image(ramOnly, esp32c3, { elfSha256InAppDesc: true }), (e: unknown) => isErr('IMAGE_BUILD')(e) && /the ELF has no flash-mapped read-only data \(DROM\)/.test((e as Error).message));
  // a page the chip does not have: the padding would not map, the bootloader would refuse the image
  const c3 = parseElf(c3Elf());
  assert.throws(() => elf2image(c3, esp32c3, { mmuPageSize: 0x8000 }), (e: unknown) => isErr('IMAGE_BUILD')(e) && /the ESP32-C3 has no 32 KiB MMU page; its MMU pages are 64 KiB/.test((e as Error).message));
  assert.ok(elf2image(c3, esp32c3, { mmuPageSize: 0x10000 }).length > 0, 'the chip\'s own page is fine');
  // an ESP32-C3 ELF for the ESP32-C6 (same architecture): its DROM, DRAM and IRAM addresses do not exist there
  assert.throws(() => elf2image(c3, esp32c6), (e: unknown) => isErr('ELF_LOAD_ADDRESS')(e) && /loads at 0x3fc80000\.\.0x3fc80040, which is not RAM, RTC memory or the flash window of the ESP32-C6.*another chip/.test((e as Error).message));
  // a RAM piece that starts in DRAM but runs past its end
  const over = parseElf(writeTestElf({ segments: [{ vaddr: 0x3fcdfff0, data: filled(0x20, 1), flags: 6 }] }));
  assert.throws(() => elf2image(over, esp32c3), isErr('ELF_LOAD_ADDRESS'));
});

test('ramOnlyHeader: the same bytes as esptool v4.12.0 elf2image --ram-only-header (demo ELFs; ESP32 at 0x1000, P4 at 0x2000)', () => {
  // SHA-256 of what `esptool.py --chip CHIP elf2image OPTIONS --ram-only-header --use_segments ELF` wrote
  const demo = parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf')));
  const ota1 = parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo-ota1.elf')));
  const esp32Elf = parseElf(writeTestElf({ machine: 94, entry: 0x400d0040, segments: [
    { vaddr: 0x400d0020, data: filled(0x120, 2), flags: 5 },
    { vaddr: 0x3ffb0000, data: filled(0x40, 3), flags: 6 },
    { vaddr: 0x3f400020, data: filled(0x200, 1), flags: 4 },
    { vaddr: 0x40080000, data: filled(0x84, 4), flags: 5 },
  ] }));
  const p4Elf = parseElf(writeTestElf({ machine: 243, entry: 0x40000040, segments: [
    { vaddr: 0x40000020, data: filled(0x120, 2), flags: 5 },
    { vaddr: 0x4ff00000, data: filled(0x40, 3), flags: 6 },
    { vaddr: 0x40010020, data: filled(0x200, 1), flags: 4 },
  ] }));
  const cases: [string, ElfFile, ChipDescriptor, Parameters<typeof elf2image>[2], string][] = [
    ['esp32c3 -fm dio -fs 2MB, espalgo-demo.elf', demo, esp32c3, { spiMode: 'dio', flashSizeCode: 1 }, 'b2cac6c9906af1a32b300336cc74ae9b4ef69c6efa7c97c029a8342f450cbeff'],
    ['esp32c3 -fm dout -fs 16MB, espalgo-demo.elf', demo, esp32c3, { spiMode: 'dout', flashSizeCode: 4 }, '795ff0fcd8111557fc53b58a78f73602a416bb2bb4c407e8457f9e022edd8f8e'],
    ['esp32c3 -fm dio -fs 2MB, espalgo-demo-ota1.elf', ota1, esp32c3, { spiMode: 'dio', flashSizeCode: 1 }, '6f45aebc6aae6d996ab777f366485d83cecead31662dec71133ba6a5a0408139'],
    ['esp32 -fm dio -fs 2MB, a test ELF', esp32Elf, esp32, {}, 'ca6240ff9b768404083bde6f4c54d5295340350f8fba86e3e21cc6e54b8fece1'],
    ['esp32p4 -fm dio -fs 2MB, a test ELF', p4Elf, esp32p4, {}, 'acf67aaeb481267cdd5d9da9354a42b43063222bd47426ab99869323e66f693b'],
  ];
  for (const [esptoolCommand, elf, chip, options, expected] of cases) {
    for (const source of ['segments', 'sections'] as const) {
      if (source === 'sections' && elf !== demo) continue;
      assert.equal(hex(sha256(elf2image(elf, chip, { ...options, source, ramOnlyHeader: true, elfSha256InAppDesc: false }))), expected, `${esptoolCommand} from ${source}`);
    }
  }
  // Without --use_segments esptool also writes the ELF's SHA-256 at file offset 0xB0, here inside the
  // IRAM segment (and so into the checksum); that is its only difference:
  // `esptool.py --chip esp32c3 elf2image -fm dio -fs 2MB --ram-only-header espalgo-demo.elf`
  const ours = elf2image(demo, esp32c3, { ramOnlyHeader: true, elfSha256InAppDesc: false }).slice();
  const elfHash = sha256(demo.bytes);
  assert.ok(ours.subarray(0xb0, 0xd0).every((b) => b === 0));
  ours.set(elfHash, 0xb0);
  ours[0xef] ^= elfHash.reduce((a, b) => a ^ b, 0);
  assert.equal(hex(sha256(ours)), '3840968273ba55b490655e1c87cb50f279e49387a365160c603a230c919fd6ed');
});

test('ramOnlyHeader: RAM segments counted, no SHA-256; the ELF hash goes into the app descriptor; refusals', () => {
  const demo = parseElf(new Uint8Array(readFileSync('firmware/build/espalgo-demo.elf')));
  const img = elf2image(demo, esp32c3, { ramOnlyHeader: true });
  const p = parseImage(img, { chip: esp32c3 });
  assert.deepEqual(p.segments.map((s) => s.kind), ['dram', 'iram']);
  assert.equal(p.header.hashAppended, 0);
  assert.equal(p.sha256, undefined);
  assert.equal(p.checksum.valid, true);
  assert.ok(img.length > p.length, 'the flash segments follow the checksum');
  // The descriptor is in the DROM segment at file offset 0x20020: its app_elf_sha256 at +144.
  assert.deepEqual([...img.subarray(0x20020 + 144, 0x20020 + 176)], [...sha256(demo.bytes)]);
  assert.throws(() => elf2image(demo, esp32c3, { ramOnlyHeader: true, appendSha256: true }), /carries no SHA-256/);
  const flashOnly = parseElf(writeTestElf({ entry: 0x42000020, segments: [{ vaddr: 0x42000020, data: filled(0x40, 2), flags: 5 }] }));
  assert.throws(() => elf2image(flashOnly, esp32c3, { ramOnlyHeader: true }), /the ROM would have nothing to run/);
});

test('the MMU page, unless given, is the app descriptor\'s on chips with several (esptool v4.12.0 elf2image\'s choice): its mmu_page_size, else the largest page its address less 0x20 is a multiple of', () => {
  // An ESP32-C6 app: .flash.appdesc (descriptor with mmu_page_size log2 = `log2`) at `descAt`, code at 0x42000020.
  const c6App = (descAt: number, log2: number): ElfFile => {
    const rodata = new Uint8Array(0x200);
    rodata.set(buildAppDescriptor({ projectName: 'p', mmuPageSizeLog2: log2 }));
    const code = filled(0x300, 7);
    const dram = filled(0x40, 3);
    return parseElf(writeTestElf({
      entry: 0x42000020,
      segments: [{ vaddr: descAt, data: rodata, flags: 4 }, { vaddr: 0x40800000, data: dram, flags: 6 }, { vaddr: 0x42000020, data: code, flags: 5 }],
      sections: [
        { name: '.flash.appdesc', addr: descAt, data: rodata.subarray(0, 0x100) },
        { name: '.flash.rodata', addr: descAt + 0x100, data: rodata.subarray(0x100) },
        { name: '.dram0.data', addr: 0x40800000, data: dram, flags: 3 },
        { name: '.flash.text', addr: 0x42000020, data: code, flags: 6 },
      ],
    }));
  };
  // SHA-256 of what `esptool.py --chip esp32c6 elf2image -fm dio -fs 2MB ELF` (from sections) wrote for these ELFs.
  const cases: [string, ElfFile, number, string][] = [
    ['mmu_page_size 32 KiB', c6App(0x42020020, 15), 0x8000, '4f1dca046713611e042002aae24be89444dd28d4c464e038452c3505c6452fa7'],
    ['none, descriptor at 0x20 in a 32 KiB page', c6App(0x42028020, 0), 0x8000, '861225160b8a66f18a606552564caeafdceaf8eb808b0b54b5639c684746cfa2'],
    ['none, descriptor at 0x20 in an 8 KiB page', c6App(0x4202a020, 0), 0x2000, '051d74c24c26e47ebdfc3b7f05dba83e1f11af8b0137be339cd36bb26ef00eed'],
  ];
  for (const [name, elf, page, expected] of cases) {
    assert.equal(defaultMmuPage(elf, esp32c6), page, name);
    const built = elf2image(elf, esp32c6, { spiMode: 'dio', flashSizeCode: 1, source: 'sections' });
    assert.equal(hex(sha256(built)), expected, name);
    assert.deepEqual(built, elf2image(elf, esp32c6, { spiMode: 'dio', flashSizeCode: 1, source: 'sections', mmuPageSize: page }), `${name}: as with --mmu-page`);
  }
  // A chip with one page size, or an ELF without the section: the chip's largest page.
  assert.equal(defaultMmuPage(c6App(0x42028020, 15), esp32c3), 0x10000);
  assert.equal(defaultMmuPage(parseElf(c3Elf()), esp32c6), 0x10000);
});

/** Test ELFs for the padding options: an ESP32-C3 and an ESP32 app from program headers, an ESP32-C6 app (32 KiB pages) from sections. */
function padElfs(): { c3: ElfFile; esp32: ElfFile; c6: ElfFile } {
  const seg = (vaddr: number, n: number, flags: number, seed: number) => ({ vaddr, data: filled(n, seed), flags });
  const c3 = writeTestElf({ entry: 0x42010020, segments: [seg(0x3c000020, 0x180, 4, 1), seg(0x3fc80000, 0x840, 6, 3), seg(0x40380000, 0x3000, 7, 4), seg(0x42010020, 0x1230, 5, 2)] });
  // 0x40 zero bytes in the DROM, at file offset 0x120..0x160
  const esp32Elf = writeTestElf({ machine: 94, entry: 0x400d0020, segments: [{ vaddr: 0x3f400020, data: filled(0x200, 1).fill(0, 0x100, 0x140), flags: 4 }, seg(0x3ffb0000, 0x440, 6, 2), seg(0x40080000, 0x2100, 7, 3), seg(0x400d0020, 0x5000, 5, 4)] });
  const rodata = new Uint8Array(0x200);
  rodata.set(buildAppDescriptor({ projectName: 'p6', mmuPageSizeLog2: 15 }));
  const code = filled(0x3300, 7);
  const dram = filled(0x1040, 3);
  const c6 = writeTestElf({
    entry: 0x42000020,
    segments: [{ vaddr: 0x42020020, data: rodata, flags: 4 }, { vaddr: 0x40800000, data: dram, flags: 6 }, { vaddr: 0x42000020, data: code, flags: 5 }],
    sections: [
      { name: '.flash.appdesc', addr: 0x42020020, data: rodata.subarray(0, 0x100) },
      { name: '.flash.rodata', addr: 0x42020120, data: rodata.subarray(0x100) },
      { name: '.dram0.data', addr: 0x40800000, data: dram, flags: 3 },
      { name: '.flash.text', addr: 0x42000020, data: code, flags: 6 },
    ],
  });
  return { c3: parseElf(c3), esp32: parseElf(esp32Elf), c6: parseElf(c6) };
}

test('padToSize and securePad: the same bytes as esptool v4.12.0 elf2image --pad-to-size, --secure-pad-v2, --secure-pad', () => {
  const { c3, esp32: e32, c6 } = padElfs();
  // SHA-256 of what `esptool.py --chip CHIP elf2image -fm dio -fs 2MB OPTIONS ELF` wrote for these ELFs
  // (--use_segments for the ESP32-C3 and ESP32 ones).
  const cases: [string, ElfFile, ChipDescriptor, Elf2ImageOptions, string][] = [
    ['esp32c3 --pad-to-size 64KB', c3, esp32c3, { padToSize: 0x10000 }, '526f1d0b84b1cf91cc4e373da53ea7180dfec1445f0a495fd724b582de47b268'],
    ['esp32c3 --pad-to-size 1MB', c3, esp32c3, { padToSize: 0x100000 }, '3bbdeda199ea5fc97ad16dcc9400aca7ff9a896c79fd4c914849c15064273bca'],
    ['esp32c3 --secure-pad-v2', c3, esp32c3, { securePad: 'v2' }, '0716e02782a05d0247113ecfb76634b1c9b6743791b43e8b9265be9c67586f0d'],
    ['esp32c3 --secure-pad-v2 --pad-to-size 1MB', c3, esp32c3, { securePad: 'v2', padToSize: 0x100000 }, 'ed9e319773707d146920832609669de45a518d06f408a93584afce48c66a0754'],
    ['esp32 --pad-to-size 4KB', e32, esp32, { padToSize: 0x1000 }, '102555821309e7ebe7c23660651bcc84647a03d69b8d52d8f72d0553ed2e4f73'],
    ['esp32 --secure-pad', e32, esp32, { securePad: 'v1' }, 'bc77334d42d7cdad6e16b1d7ef110c2feca2787ae18fbe733a88a5c27e61cb91'],
    ['esp32 --secure-pad-v2', e32, esp32, { securePad: 'v2' }, 'c51b5d1fb810a8d660fbc46f8c60be9c7c741a1c0aadf919bc8b3bdfa3967d5e'],
    ['esp32 --secure-pad --pad-to-size 64KB', e32, esp32, { securePad: 'v1', padToSize: 0x10000 }, '0f5967080004013d529a663bee04adea81f8e8a4bc6f51fa8a8a578b4b82f17b'],
    ['esp32c6 --pad-to-size 32KB', c6, esp32c6, { source: 'sections', padToSize: 0x8000 }, 'aac3475d21ffc48b015c0f60081b982a567c060a7cb0945a3bb0eafbefad54ab'],
    ['esp32c6 --secure-pad-v2 (32 KiB page)', c6, esp32c6, { source: 'sections', securePad: 'v2' }, '39d9bf1c6adb15210205586be22679ee81af54c4b2875253b21283ac0ddd21d0'],
    ['esp32c6 --secure-pad-v2 --pad-to-size 64KB', c6, esp32c6, { source: 'sections', securePad: 'v2', padToSize: 0x10000 }, '39d9bf1c6adb15210205586be22679ee81af54c4b2875253b21283ac0ddd21d0'],
  ];
  for (const [esptoolCommand, elf, chip, options, expected] of cases) {
    assert.equal(hex(sha256(elf2image(elf, chip, { spiMode: 'dio', flashSizeCode: 1, ...(options.source ? {} : { elfSha256InAppDesc: false }), ...options }))), expected, esptoolCommand);
  }
  // The shapes: 0xFF after the SHA-256; a zero padding segment last, before the checksum.
  const plain = elf2image(c3, esp32c3);
  const padded = elf2image(c3, esp32c3, { padToSize: 0x10000 });
  assert.equal(padded.length, 0x20000);
  assert.deepEqual(padded.subarray(0, plain.length), plain);
  assert.ok(padded.subarray(plain.length).every((b) => b === 0xff));
  assert.deepEqual(elf2image(c3, esp32c3, { padToSize: 4 }), plain, 'already a multiple: nothing added');
  const v2 = parseImage(elf2image(c3, esp32c3, { securePad: 'v2' }));
  assert.equal(v2.length % 0x10000, 0, 'v2: ends on the page boundary, where the signature sector goes');
  assert.deepEqual(v2.segments.map((s) => s.loadAddress).slice(0, -1), parseImage(plain).segments.map((s) => s.loadAddress));
  assert.equal(v2.segments.at(-1)!.kind, 'padding');
  assert.equal(v2.sha256?.valid, true);
  const v1 = parseImage(elf2image(e32, esp32, { securePad: 'v1' }));
  assert.equal((v1.length + 80) % 0x10000, 0, 'v1: ends on the boundary once the version word, signature and alignment are appended');
  const c6v2 = parseImage(elf2image(c6, esp32c6, { source: 'sections', securePad: 'v2' }));
  assert.equal(c6v2.length % 0x8000, 0, 'the MMU page of the image, here 32 KiB');
});

test('elfSha256Offset: the ELF\'s SHA-256 at a file offset, the same bytes as esptool v4.12.0 elf2image --elf-sha256-offset; refusals', () => {
  const { esp32: e32, c6 } = padElfs();
  // SHA-256 of what `esptool.py --chip CHIP elf2image -fm dio -fs 2MB OPTIONS ELF` wrote
  const cases: [string, ElfFile, ChipDescriptor, Elf2ImageOptions, string][] = [
    ['esp32 --use_segments --elf-sha256-offset 0x120', e32, esp32, { elfSha256Offset: 0x120 }, 'dc1dea5b4cb567950eaeab5befa2afdf4e248da043ee6da5ee76cb24160288d6'],
    ['esp32 --use_segments --elf-sha256-offset 0x130', e32, esp32, { elfSha256Offset: 0x130 }, '0d4bc6504347215e6f94e99d6487997469d2c6825515c162cea73a6cc9160ee8'],
    ['esp32 --use_segments --elf-sha256-offset 0x120 --secure-pad-v2', e32, esp32, { elfSha256Offset: 0x120, securePad: 'v2' }, 'bdd06a00700bccd43711d6eca74c02f253e3a1bd99b9944821a99a75361c126d'],
    ['esp32c6 --elf-sha256-offset 0xb0 (the descriptor\'s field)', c6, esp32c6, { source: 'sections', elfSha256Offset: 0xb0 }, '406bc5b34414524bd51d9943c362ce0d1c7c287554ddcb22a78c69b54a7dbeeb'],
  ];
  for (const [esptoolCommand, elf, chip, options, expected] of cases) {
    assert.equal(hex(sha256(elf2image(elf, chip, { spiMode: 'dio', flashSizeCode: 1, ...options }))), expected, esptoolCommand);
  }
  const img = elf2image(e32, esp32, { elfSha256Offset: 0x120 });
  assert.deepEqual([...img.subarray(0x120, 0x140)], [...sha256(e32.bytes)]);
  const isBuild = (pattern: RegExp) => (e: unknown): boolean => e instanceof ImageFormatError && e.code === 'IMAGE_BUILD' && pattern.test(e.message);
  // esptool refuses these too
  assert.throws(() => elf2image(e32, esp32, { elfSha256Offset: 0x100 }), isBuild(/the 32 bytes at file offset 0x00000100 \(segment 0, load address 0x3f400020\) are not all zero/));
  assert.throws(() => elf2image(e32, esp32, { elfSha256Offset: 0x20c }), isBuild(/would not lie inside one segment's data: segment 0/));
  // esptool writes the image without the hash for an offset outside every segment's data
  assert.throws(() => elf2image(e32, esp32, { elfSha256Offset: 0x10 }), isBuild(/file offset 0x00000010 for the ELF's SHA-256 is not inside a segment's data/));
  assert.throws(() => elf2image(c6, esp32c6, { elfSha256Offset: 0xb0, elfSha256InAppDesc: true }), isBuild(/either at the given file offset or into the app descriptor/));
  assert.throws(() => elf2image(e32, esp32, { elfSha256Offset: 0x120, ramOnlyHeader: true }), isBuild(/RAM-only header/));
  // A byte off the descriptor's field: esptool writes a shifted hash no tool can check; refused here.
  for (const off of [0xb1, 0xaf, 0x91]) {
    assert.throws(() => elf2image(c6, esp32c6, { source: 'sections', elfSha256Offset: off }), isBuild(/would overlap the app descriptor's app_elf_sha256 field at 0x000000b0 without lining up with it: give --elf-sha256-offset 0x000000b0/), off.toString(16));
  }
});

test('padding refusals: Secure Boot v1 padding on chips other than the ESP32, without the SHA-256, with a RAM-only header; bad sizes', () => {
  const { c3, esp32: e32, c6 } = padElfs();
  const isBuild = (pattern: RegExp) => (e: unknown): boolean => e instanceof ImageFormatError && e.code === 'IMAGE_BUILD' && pattern.test(e.message);
  assert.throws(() => elf2image(c3, esp32c3, { securePad: 'v1' }), isBuild(/Secure Boot v1 padding is for the ESP32 only; the ESP32-C3 has Secure Boot v2 only/));
  assert.throws(() => elf2image(c6, esp32c6, { securePad: 'v1' }), isBuild(/for the ESP32 only/));
  assert.throws(() => elf2image(e32, esp32, { securePad: 'v2', appendSha256: false }), isBuild(/needs the SHA-256 appended/));
  assert.throws(() => elf2image(e32, esp32, { securePad: 'v1', ramOnlyHeader: true }), isBuild(/RAM-only header is not signed/));
  for (const bad of [0, -4096, 1.5, Number.NaN]) assert.throws(() => elf2image(c3, esp32c3, { padToSize: bad }), isBuild(/whole number of bytes above 0/), String(bad));
  // esptool v4.12.0 overwrites the image from byte 2 with 0xFF when it pads an image without the SHA-256; this pads its end.
  const noSha = elf2image(c3, esp32c3, { appendSha256: false });
  const padded = elf2image(c3, esp32c3, { appendSha256: false, padToSize: 0x1000 });
  assert.deepEqual(padded.subarray(0, noSha.length), noSha);
  assert.equal(padded.length % 0x1000, 0);
});
