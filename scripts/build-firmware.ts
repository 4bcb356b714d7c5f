/**
 * Builds the demo firmware and its flash images into firmware/build/ (or --out DIR).
 *
 *   npx tsx scripts/build-firmware.ts [--out DIR] [--cc riscv64-unknown-elf-gcc]
 *
 * 1. Compiles firmware/src with the RISC-V cross compiler (rv32imc, -Os, reproducible: no
 *    timestamps, paths relative to the repository) into two ELFs: the main app (version 1.0.0,
 *    variant 0) and the OTA slot-1 app (version 1.0.1, variant 1).
 * 2. Turns them into ESP images with the project's own elf2image.
 * 3. Builds a minimal 2nd-stage bootloader image (never executed; it satisfies tools that look
 *    for one at flash offset 0) with buildImage.
 * 4. Builds partition tables from firmware/partitions/*.csv, otadata, and merges flash images.
 * 5. Writes manifest.json with every file's sha256 and the layouts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esp32c3 } from '../src/chips/index.js';
import { buildBootloaderDescriptor } from '../src/image/bootloader-desc.js';
import { toHex } from '../src/image/bytes.js';
import { parseElf } from '../src/image/elf.js';
import { elf2image } from '../src/image/elf2image.js';
import { sha256 } from '../src/image/hash.js';
import { buildImage } from '../src/image/image-build.js';
import { flashSizeToCode } from '../src/image/image-header.js';
import { mergeFlash } from '../src/image/merge.js';
import { buildOtadata } from '../src/image/otadata.js';
import { parsePartitionCsv } from '../src/image/partition-csv.js';
import { buildPartitionTable } from '../src/image/partition-table.js';
import type { FlashPart, PartitionEntryInput } from '../src/image/types.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FW = 'firmware';
const SOURCES = ['src/start.S', 'src/main.c', 'src/dbg_stubs.c', 'src/app_desc.c'];
const LINKER_SCRIPT = 'demo.ld';

/** Compiler flags; paths are relative to the repository root, the cwd of every compiler run. */
const CFLAGS = [
  '-march=rv32imc', '-mabi=ilp32', '-Os', '-g', '-ffreestanding', '-nostdlib', '-ffunction-sections', '-fdata-sections',
  '-fno-asynchronous-unwind-tables', '-fno-unwind-tables', '-Wall', '-Wextra', '-Werror',
  `-ffile-prefix-map=${ROOT}=.`, `-Wa,--debug-prefix-map=${ROOT}=.`,
];
const LDFLAGS = [`-T${FW}/${LINKER_SCRIPT}`, '-Wl,--gc-sections', '-Wl,--build-id=none', '-lgcc'];

/** The two app builds. Both link to the same addresses (checked below). */
const APPS = [
  { name: 'espalgo-demo', version: '1.0.0', variant: 0 },
  { name: 'espalgo-demo-ota1', version: '1.0.1', variant: 1 },
] as const;
type AppName = (typeof APPS)[number]['name'];

/** SPI settings of every header: DIO, 80 MHz (speed nibble 0xF on the C3). */
const SPI_MODE = 'dio';
const SPI_SPEED = 0xf;
const APP_FLASH_SIZE = 4 * 1024 * 1024;

/** Layouts of the merged flash images. Apps are placed into the partitions named here. */
interface Layout {
  readonly file: string;
  readonly layout: string;
  readonly csv: string;
  readonly tableOffset: number;
  /** Flash size written into the bootloader header. */
  readonly headerFlashSize: number;
  readonly apps: readonly { readonly partition: string; readonly app: AppName }[];
  /** For OTA layouts: which slot otadata selects (sequence number seq selects ota_((seq-1) % slots)). */
  readonly otaSelect?: { readonly slot: number; readonly slots: number };
  readonly note: string;
}

const MiB = 1024 * 1024;
const LAYOUTS: readonly Layout[] = [
  {
    file: 'demo-micropython-4MB.bin', layout: 'micropython-4MiB', csv: 'partitions/micropython-4MiB.csv',
    tableOffset: 0x8000, headerFlashSize: 4 * MiB, apps: [{ partition: 'factory', app: 'espalgo-demo' }],
    note: 'MicroPython-like 4 MiB layout; file ends after the factory app',
  },
  {
    file: 'demo-micropython-32MB-header.bin', layout: 'micropython-32MiB', csv: 'partitions/micropython-32MiB.csv',
    tableOffset: 0x8000, headerFlashSize: 32 * MiB, apps: [{ partition: 'factory', app: 'espalgo-demo' }],
    note: 'bootloader header says 32 MB and vfs reaches 32 MiB; file ends after the factory app',
  },
  {
    file: 'demo-ota.bin', layout: 'ota-4MiB', csv: 'partitions/ota-4MiB.csv',
    tableOffset: 0x8000, headerFlashSize: 4 * MiB,
    apps: [{ partition: 'ota_0', app: 'espalgo-demo' }, { partition: 'ota_1', app: 'espalgo-demo-ota1' }],
    otaSelect: { slot: 1, slots: 2 },
    note: 'otadata selects ota_1 (version 1.0.1, variant 1); ota_0 holds version 1.0.0',
  },
  {
    file: 'demo-table-0xc000.bin', layout: 'table-0xc000-4MiB', csv: 'partitions/table-0xc000-4MiB.csv',
    tableOffset: 0xc000, headerFlashSize: 4 * MiB, apps: [{ partition: 'factory', app: 'espalgo-demo' }],
    note: 'partition table at 0xC000; file ends after the factory app',
  },
];

function parseArgs(argv: readonly string[]): { out: string; cc: string } {
  let out = join(ROOT, FW, 'build');
  let cc = process.env.RISCV_CC ?? 'riscv64-unknown-elf-gcc';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out' && argv[i + 1]) out = resolve(argv[++i]!);
    else if (a === '--cc' && argv[i + 1]) cc = argv[++i]!;
    else throw new Error(`build-firmware: unknown argument "${a}" (use --out DIR, --cc COMPILER)`);
  }
  return { out, cc };
}

function compileApp(cc: string, objDir: string, app: (typeof APPS)[number], elfPath: string): void {
  const defs = [`-DDEMO_VERSION="${app.version}"`, `-DDEMO_VARIANT=${app.variant}`];
  const objects: string[] = [];
  for (const src of SOURCES) {
    const obj = join(objDir, `${app.name}-${src.replace(/[/.]/g, '_')}.o`);
    execFileSync(cc, [...CFLAGS, ...defs, '-c', `${FW}/${src}`, '-o', obj], { cwd: ROOT, stdio: 'inherit' });
    objects.push(obj);
  }
  execFileSync(cc, [...CFLAGS, ...objects, ...LDFLAGS, '-o', elfPath], { cwd: ROOT, stdio: 'inherit' });
}

/** Minimal bootloader: descriptor in DRAM, a `j .` in IRAM (addresses of ESP-IDF's C3 bootloader). */
function buildBootloader(flashSize: number): Uint8Array {
  const desc = buildBootloaderDescriptor({ version: 1, idfVer: 'espalgo-demo-bootloader', dateTime: 'Jan  1 2025 00:00:00' });
  const loop = new Uint8Array([0x6f, 0x00, 0x00, 0x00]); // jal x0, 0
  const entry = 0x403ce710;
  return buildImage({
    chip: esp32c3,
    segments: [
      { loadAddress: 0x3fcd5710, data: desc },
      { loadAddress: entry, data: loop },
    ],
    entry,
    spiMode: SPI_MODE,
    spiSpeed: SPI_SPEED,
    flashSizeCode: flashSizeToCode(flashSize),
    appendSha256: true,
  });
}

function readTable(l: Layout): PartitionEntryInput[] {
  const csv = parsePartitionCsv(readFileSync(join(ROOT, FW, l.csv), 'utf8'), { tableOffset: l.tableOffset, flashSize: l.headerFlashSize });
  const errors = csv.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new Error(`build-firmware: ${l.csv}: ${errors.map((f) => f.message).join('; ')}`);
  return [...csv.entries];
}

function sha256Hex(data: Uint8Array): string {
  return toHex(sha256(data));
}

function main(): void {
  const { out, cc } = parseArgs(process.argv.slice(2));
  mkdirSync(out, { recursive: true });
  const objDir = mkdtempSync(join(tmpdir(), 'espalgo-fw-'));
  const files: Record<string, Uint8Array> = {};
  const images = new Map<AppName, Uint8Array>();
  const symbolMaps = new Map<AppName, string>();
  try {
    for (const app of APPS) {
      const elfPath = join(objDir, `${app.name}.elf`);
      compileApp(cc, objDir, app, elfPath);
      const elfBytes = new Uint8Array(readFileSync(elfPath));
      const elf = parseElf(elfBytes);
      const image = elf2image(elf, esp32c3, {
        spiMode: SPI_MODE, spiSpeed: SPI_SPEED, flashSizeCode: flashSizeToCode(APP_FLASH_SIZE), appendSha256: true,
        elfSha256InAppDesc: true,
      });
      files[`${app.name}.elf`] = elfBytes;
      files[`${app.name}.bin`] = image;
      images.set(app.name, image);
      symbolMaps.set(app.name, elf.symbols.filter((s) => s.name.startsWith('demo_') || s.name === 's_dbg_stubs')
        .map((s) => `${s.name}=${s.value}`).sort().join(','));
    }
  } finally {
    rmSync(objDir, { recursive: true, force: true });
  }
  if (symbolMaps.get('espalgo-demo') !== symbolMaps.get('espalgo-demo-ota1')) {
    throw new Error('build-firmware: the two app builds link demo_* symbols to different addresses; keep them identical');
  }

  const bootloader4 = buildBootloader(4 * MiB);
  files['bootloader.bin'] = bootloader4;

  const manifestFiles: Record<string, unknown>[] = [];
  for (const l of LAYOUTS) {
    const entries = readTable(l);
    const parts: FlashPart[] = [
      { offset: esp32c3.bootloaderOffset, data: buildBootloader(l.headerFlashSize), name: 'bootloader' },
      { offset: l.tableOffset, data: buildPartitionTable(entries), name: 'partition table' },
    ];
    if (l.otaSelect) {
      const otadata = entries.find((e) => e.type === 0x01 && e.subtype === 0x00);
      if (!otadata) throw new Error(`build-firmware: ${l.csv} has no otadata partition`);
      parts.push({ offset: otadata.offset, data: buildOtadata({ seq: l.otaSelect.slot + 1 }), name: 'otadata' });
    }
    const apps = l.apps.map((a) => {
      const entry = entries.find((e) => e.label === a.partition);
      if (!entry) throw new Error(`build-firmware: ${l.csv} has no partition "${a.partition}"`);
      const version = APPS.find((x) => x.name === a.app)!.version;
      parts.push({ offset: entry.offset, data: images.get(a.app)!, name: a.partition });
      return { partition: a.partition, offset: entry.offset, app: `${a.app}.bin`, version };
    });
    const merged = mergeFlash(parts, { baseOffset: esp32c3.bootloaderOffset, fill: 0xff });
    files[l.file] = merged;
    manifestFiles.push({
      file: l.file, layout: l.layout, csv: `${FW}/${l.csv}`, headerFlashSize: l.headerFlashSize,
      tableOffset: l.tableOffset, apps,
      ...(l.otaSelect ? { otaSelected: l.apps[l.otaSelect.slot]!.partition } : {}),
      note: l.note,
    });
  }

  const manifest = {
    chip: 'esp32c3',
    description: 'espalgo demo firmware; rebuild with `npx tsx scripts/build-firmware.ts`',
    files: Object.keys(files).sort().map((name) => ({ name, size: files[name]!.length, sha256: sha256Hex(files[name]!) })),
    layouts: manifestFiles,
  };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(out, name), data);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`build-firmware: wrote ${Object.keys(files).length + 1} files to ${relative(process.cwd(), out) || '.'}`);
}

main();
