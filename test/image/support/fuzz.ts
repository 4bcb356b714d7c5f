/**
 * Mutation fuzzing of every parser: valid inputs get bit flips, truncation, random length fields
 * and random bytes; each parser must return a result or throw an ImageFormatError, never anything else.
 */
import { esp32c3, esp32c6, CHIPS } from '../../../src/chips/index.js';
import { ImageFormatError } from '../../../src/image/errors.js';
import { parseImage } from '../../../src/image/image.js';
import { parsePartitionTable, buildPartitionTable } from '../../../src/image/partition-table.js';
import { parsePartitionCsv } from '../../../src/image/partition-csv.js';
import { buildOtadata, parseOtadata, selectBootApp } from '../../../src/image/otadata.js';
import { parseMcubootHeader, buildMcubootHeader } from '../../../src/image/mcuboot.js';
import { parseElf } from '../../../src/image/elf.js';
import { elf2image } from '../../../src/image/elf2image.js';
import { parseAppDescriptor } from '../../../src/image/app-desc.js';
import { c3Bootloader, c6App, esp32App, filled, s3AppWithRtc } from './fixtures.js';
import { writeTestElf } from './elf-writer.js';
import { prng, randBytes, randInt } from './prng.js';

const CSV = `# Name, Type, SubType, Offset, Size, Flags
nvs, data, nvs, , 0x4000,
otadata, data, ota, , 0x2000,
phy_init, data, phy, , 4K,
ota_0, app, ota_0, , 1M,
ota_1, app, ota_1, 0x110000, 1M, encrypted
vfs, data, fat, , 0x1B10000, readonly
`;

function bases(): { images: Uint8Array[]; tables: Uint8Array[]; elfs: Uint8Array[]; other: Uint8Array[] } {
  const entries = parsePartitionCsv(CSV).entries;
  return {
    images: [esp32App(), esp32App(false), c6App(), c3Bootloader(), s3AppWithRtc()],
    tables: [buildPartitionTable(entries), buildPartitionTable(entries, { md5: false, size: 0x1000 })],
    elfs: [
      writeTestElf({
        entry: 0x42000200,
        segments: [
          { vaddr: 0x42000200, data: filled(0x80, 1) },
          { vaddr: 0x3c010020, data: filled(0x100, 2), flags: 4 },
          { vaddr: 0x3fc80000, data: filled(0x20, 3), flags: 6 },
        ],
        sections: [{ name: '.text', addr: 0x42000020, data: filled(0x80, 1), flags: 6 }],
        symbols: [{ name: 'main', value: 0x42000020 }, { name: 'x', value: 1 }],
      }),
    ],
    other: [buildOtadata({ seq: 3, secondCopy: { seq: 4 } }), buildMcubootHeader({ loadAddress: 0, headerSize: 32, protectedTlvSize: 0, imageSize: 100, flags: 0, version: { major: 1, minor: 0, revision: 0, build: 0 } })],
  };
}

const INTERESTING = [0, 1, 3, 4, 7, 8, 15, 16, 17, 24, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];

function mutate(r: () => number, src: Uint8Array): Uint8Array {
  let b = src.slice();
  const ops = 1 + randInt(r, 4);
  for (let k = 0; k < ops && b.length > 0; k++) {
    switch (randInt(r, 6)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + randInt(r, 8); i < n; i++) b[randInt(r, b.length)]! ^= 1 << randInt(r, 8);
        break;
      case 1: // truncation
        b = b.slice(0, randInt(r, b.length + 1));
        break;
      case 2: {
        // random length/address field (u32 at a 4-aligned offset, biased to the first 0x100 bytes)
        const span = Math.max(1, Math.min(b.length - 3, r() < 0.7 ? 0x100 : b.length - 3));
        const at = randInt(r, span) & ~3;
        const v = r() < 0.5 ? INTERESTING[randInt(r, INTERESTING.length)]! : Math.floor(r() * 2 ** 32);
        if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
        break;
      }
      case 3: // random bytes run
        {
          const at = randInt(r, b.length);
          b.set(randBytes(r, Math.min(1 + randInt(r, 32), b.length - at)), at);
        }
        break;
      case 4: // single byte to an interesting value
        b[randInt(r, b.length)] = INTERESTING[randInt(r, INTERESTING.length)]! & 0xff;
        break;
      default: // extend with junk
        {
          const tail = r() < 0.5 ? new Uint8Array(randInt(r, 4096)).fill(0xff) : randBytes(r, randInt(r, 256));
          const n = new Uint8Array(b.length + tail.length);
          n.set(b);
          n.set(tail, b.length);
          b = n;
        }
    }
  }
  return b;
}

function mutateText(r: () => number, text: string): string {
  const chars = [...text];
  const alphabet = ',# \n0x1KMabdfnopstuv_:-9';
  for (let i = 0, n = 1 + randInt(r, 6); i < n; i++) {
    const at = randInt(r, chars.length + 1);
    const op = randInt(r, 3);
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, alphabet[randInt(r, alphabet.length)]!);
    else chars[at] = alphabet[randInt(r, alphabet.length)]!;
  }
  return chars.join('');
}

export interface FuzzReport {
  cases: number;
  results: number;
  typedErrors: number;
  codes: Map<string, number>;
  failures: string[];
  /** The slowest single parser call (for spotting pathological inputs; never asserted on). */
  slowest: { what: string; ms: number; size: number };
}

/** Run `cases` cases from `seed`; collects (up to 10) non-ImageFormatError throws as failures. */
export function runFuzz(cases: number, seed: number): FuzzReport {
  const r = prng(seed);
  const b = bases();
  const report: FuzzReport = { cases, results: 0, typedErrors: 0, codes: new Map(), failures: [], slowest: { what: '', ms: 0, size: 0 } };
  const guard = (what: string, input: Uint8Array | string, fn: () => void): void => {
    const t0 = performance.now();
    try {
      fn();
      report.results++;
    } catch (e) {
      if (e instanceof ImageFormatError) {
        report.typedErrors++;
        report.codes.set(e.code, (report.codes.get(e.code) ?? 0) + 1);
        if (typeof e.message !== 'string' || e.message.length < 10) report.failures.push(`${what}: empty message for ${e.code}`);
      } else if (report.failures.length < 10) {
        const sample = typeof input === 'string' ? JSON.stringify(input.slice(0, 200)) : `${input.length} bytes`;
        report.failures.push(`${what}: ${String(e)} (${e instanceof Error ? e.stack?.split('\n')[1]?.trim() : ''}) input ${sample}`);
      }
    } finally {
      const ms = performance.now() - t0;
      if (ms > report.slowest.ms) report.slowest = { what, ms, size: input.length };
    }
  };
  for (let i = 0; i < cases; i++) {
    const kind = randInt(r, 10);
    if (kind < 4) {
      const img = mutate(r, b.images[randInt(r, b.images.length)]!);
      const verify = (['none', 'checksum', 'full'] as const)[randInt(r, 3)]!;
      const chip = r() < 0.2 ? CHIPS[randInt(r, CHIPS.length)] : undefined;
      guard('parseImage', img, () => {
        const p = parseImage(img, { verify, ...(chip ? { chip } : {}) });
        if (p.length > img.length) throw new Error(`image length ${p.length} > buffer ${img.length}`);
        for (const s of p.segments) if (s.dataOffset + s.length > img.length) throw new Error(`segment ${s.index} past the end`);
        if (p.checksum.offset % 16 !== 15) throw new Error('checksum offset not 15 mod 16');
      });
    } else if (kind < 6) {
      const t = mutate(r, b.tables[randInt(r, b.tables.length)]!);
      const ota = r() < 0.5 ? mutate(r, b.other[0]!) : undefined;
      guard('parsePartitionTable', t, () => {
        const table = parsePartitionTable(t, r() < 0.5 ? { flashSize: 0x400000 } : {});
        guard('selectBootApp', ota ?? t, () => {
          const s = selectBootApp(table, ota);
          if (!s.reason) throw new Error('no reason');
        });
      });
    } else if (kind === 6) {
      const text = mutateText(r, CSV);
      guard('parsePartitionCsv', text, () => void parsePartitionCsv(text));
    } else if (kind < 9) {
      const e = mutate(r, b.elfs[0]!);
      guard('parseElf', e, () => {
        const elf = parseElf(e);
        guard('elf2image', e, () => void parseImage(elf2image(elf, r() < 0.5 ? esp32c3 : esp32c6, { source: r() < 0.5 ? 'segments' : 'sections' })));
      });
    } else {
      const o = mutate(r, b.other[randInt(r, b.other.length)]!);
      guard('parseOtadata', o, () => void parseOtadata(o));
      guard('parseMcubootHeader', o, () => void parseMcubootHeader(o));
      guard('parseAppDescriptor', o, () => void parseAppDescriptor(o, randInt(r, 8)));
    }
  }
  return report;
}
