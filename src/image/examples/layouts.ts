/**
 * Named example flash layouts, built from the core builders (buildImage, buildPartitionTable,
 * buildOtadata, mergeFlash). Each is deterministic: the same name always gives the same bytes.
 * They feed the tests, `espalgo demo`, `espalgo example-image` and the flash-map benchmark.
 */
import type { ChipDescriptor } from '../../chips/types.js';
import { esp32, esp32c3, esp32s3 } from '../../chips/index.js';
import { mergeFlash } from '../merge.js';
import { buildOtadata } from '../otadata.js';
import { buildPartitionTable } from '../partition-table.js';
import type { FlashPart, PartitionEntryInput } from '../types.js';
import { buildExampleApp, type ExampleAppSpec } from './app-image.js';
import { buildExampleBootloader } from './bootloader-image.js';

export interface ExampleFlash {
  readonly layout: string;
  /** The merged file. */
  readonly bytes: Uint8Array;
  readonly chip: ChipDescriptor;
  /** Flash offset of byte 0 of `bytes`. */
  readonly baseOffset: number;
  readonly tableOffset: number;
  /** Flash size written in the bootloader header. */
  readonly flashSize: number;
  readonly partitions: readonly PartitionEntryInput[];
  /** What was placed where (flash offsets). */
  readonly parts: readonly { readonly name: string; readonly offset: number; readonly length: number }[];
}

export interface ExampleBuildOptions {
  /** Pad the file with 0xFF up to this many bytes (e.g. the whole flash, for a dump-sized file). */
  readonly padTo?: number;
}

export interface ExampleLayout {
  readonly name: string;
  readonly summary: string;
  build(options?: ExampleBuildOptions): ExampleFlash;
}

const KiB = 0x400;
const MiB = 0x100000;
const APP = 0x00;
const DATA = 0x01;
const p = (label: string, type: number, subtype: number, offset: number, size: number): PartitionEntryInput => ({ label, type, subtype, offset, size });

interface LayoutSpec {
  readonly chip: ChipDescriptor;
  readonly flashSize: number;
  readonly tableOffset: number;
  readonly partitions: readonly PartitionEntryInput[];
  /** App images by partition label. */
  readonly apps: Readonly<Record<string, Omit<ExampleAppSpec, 'chip'>>>;
  /** otadata seq to write (omit for erased otadata). */
  readonly otaSeq?: number;
  /** File byte 0 = flash 0 (a dump) instead of the bootloader offset (a merged image). */
  readonly dump?: boolean;
  readonly bootloaderCodeSize?: number;
}

function assemble(layout: string, spec: LayoutSpec, options: ExampleBuildOptions): ExampleFlash {
  const chip = spec.chip;
  const parts: FlashPart[] = [
    { name: 'bootloader', offset: chip.bootloaderOffset, data: buildExampleBootloader({ chip, flashSize: spec.flashSize, ...(spec.bootloaderCodeSize ? { codeSize: spec.bootloaderCodeSize } : {}) }) },
    { name: 'partition-table', offset: spec.tableOffset, data: buildPartitionTable(spec.partitions) },
  ];
  const otadata = spec.partitions.find((e) => e.type === DATA && e.subtype === 0x00);
  if (otadata && spec.otaSeq !== undefined) parts.push({ name: otadata.label, offset: otadata.offset, data: buildOtadata(spec.otaSeq) });
  for (const [label, app] of Object.entries(spec.apps)) {
    const entry = spec.partitions.find((e) => e.label === label);
    if (!entry) throw new Error(`example layout ${layout}: no partition "${label}"`);
    parts.push({ name: label, offset: entry.offset, data: buildExampleApp({ chip, flashSize: spec.flashSize, ...app }) });
  }
  const baseOffset = spec.dump ? 0 : chip.bootloaderOffset;
  const bytes = mergeFlash(parts, { baseOffset, ...(options.padTo !== undefined ? { size: options.padTo } : {}) });
  return {
    layout, bytes, chip, baseOffset, tableOffset: spec.tableOffset, flashSize: spec.flashSize, partitions: spec.partitions,
    parts: parts.map((x) => ({ name: x.name ?? '', offset: x.offset, length: x.data.length })),
  };
}

function layout(name: string, summary: string, spec: LayoutSpec): ExampleLayout {
  return { name, summary, build: (options = {}) => assemble(name, spec, options) };
}

const micropythonApp = { projectName: '', version: '', idfVer: 'v5.2.2', dromSize: 0x20000, iromSize: 0x60000, dramSize: 0x4000, iramSize: 0x10000, seed: 'micropython' };

export const EXAMPLE_LAYOUTS: readonly ExampleLayout[] = [
  layout('micropython', 'ESP32-S3, MicroPython-like: bootloader header says 32 MiB, table at 0x8000 (nvs, phy_init, factory 0x10000, vfs up to 32 MiB); file ends after the app', {
    chip: esp32s3, flashSize: 32 * MiB, tableOffset: 0x8000,
    partitions: [
      p('nvs', DATA, 0x02, 0x9000, 0x6000), p('phy_init', DATA, 0x01, 0xf000, 0x1000),
      p('factory', APP, 0x00, 0x10000, 0x1f0000), p('vfs', DATA, 0x81, 0x200000, 0x1e00000),
    ],
    apps: { factory: micropythonApp },
  }),
  layout('ota', 'ESP32-C3, 4 MB, two OTA slots; otadata selects ota_1 (not the first app entry)', {
    chip: esp32c3, flashSize: 4 * MiB, tableOffset: 0x8000,
    partitions: [
      p('nvs', DATA, 0x02, 0x9000, 0x4000), p('otadata', DATA, 0x00, 0xd000, 0x2000), p('phy_init', DATA, 0x01, 0xf000, 0x1000),
      p('ota_0', APP, 0x10, 0x10000, 0x180000), p('ota_1', APP, 0x11, 0x190000, 0x180000),
    ],
    apps: {
      ota_0: { projectName: 'ota-demo', version: '1.0.0', dromSize: 0x4000, iromSize: 0x14000 },
      ota_1: { projectName: 'ota-demo', version: '1.1.0', dromSize: 0x5000, iromSize: 0x1c000 },
    },
    otaSeq: 2,
  }),
  layout('table-0xc000', 'ESP32-C3, 4 MB, table at 0xC000 (CONFIG_PARTITION_TABLE_OFFSET, as esp-matter builds use); blank otadata boots ota_0', {
    chip: esp32c3, flashSize: 4 * MiB, tableOffset: 0xc000,
    partitions: [
      p('esp_secure_cert', 0x3f, 0x00, 0xd000, 0x2000), p('nvs', DATA, 0x02, 0x10000, 0xc000), p('nvs_keys', DATA, 0x04, 0x1c000, 0x1000),
      p('phy_init', DATA, 0x01, 0x1d000, 0x1000), p('otadata', DATA, 0x00, 0x1e000, 0x2000),
      p('ota_0', APP, 0x10, 0x20000, 0x1e0000), p('ota_1', APP, 0x11, 0x200000, 0x1e0000),
    ],
    apps: { ota_0: { projectName: 'light', version: '1.0.0' } },
  }),
  layout('table-0x10000', 'ESP32, 4 MB, merged from 0x1000, table at 0x10000 (room for a large Secure Boot v1 bootloader), factory at 0x20000', {
    chip: esp32, flashSize: 4 * MiB, tableOffset: 0x10000,
    partitions: [p('nvs', DATA, 0x02, 0x11000, 0x6000), p('phy_init', DATA, 0x01, 0x17000, 0x1000), p('factory', APP, 0x00, 0x20000, 0x100000)],
    apps: { factory: { projectName: 'secure', version: '2.0.0' } },
    bootloaderCodeSize: 0x6000,
  }),
  layout('ram-only', 'ESP32-C3, 4 MB, factory app that runs from RAM only (no IROM/DROM segment)', {
    chip: esp32c3, flashSize: 4 * MiB, tableOffset: 0x8000,
    partitions: [p('nvs', DATA, 0x02, 0x9000, 0x6000), p('phy_init', DATA, 0x01, 0xf000, 0x1000), p('factory', APP, 0x00, 0x10000, 0x100000)],
    apps: { factory: { projectName: 'ram-app', version: '0.1.0', ramOnly: true } },
  }),
  layout('esp32', 'ESP32, 4 MB, merged image whose byte 0 is flash 0x1000 (bootloader), table at 0x8000, factory at 0x10000', {
    chip: esp32, flashSize: 4 * MiB, tableOffset: 0x8000,
    partitions: [p('nvs', DATA, 0x02, 0x9000, 0x6000), p('phy_init', DATA, 0x01, 0xf000, 0x1000), p('factory', APP, 0x00, 0x10000, 0x100000)],
    apps: { factory: { projectName: 'hello_world', version: '1.0.0' } },
  }),
  layout('esp32-dump', 'ESP32, 4 MB, read back from flash 0x0: erased first sector, bootloader at 0x1000', {
    chip: esp32, flashSize: 4 * MiB, tableOffset: 0x8000,
    partitions: [p('nvs', DATA, 0x02, 0x9000, 0x6000), p('phy_init', DATA, 0x01, 0xf000, 0x1000), p('factory', APP, 0x00, 0x10000, 0x100000)],
    apps: { factory: { projectName: 'hello_world', version: '1.0.0' } },
    dump: true,
  }),
  layout('oversize-table', 'ESP32-C3, header says 2 MB but the table reaches 4 MB; a data entry before the app crosses the flash end', {
    chip: esp32c3, flashSize: 2 * MiB, tableOffset: 0x8000,
    partitions: [p('nvs', DATA, 0x02, 0x9000, 0x6000), p('storage', DATA, 0x82, 0x10000, 0x1f0000 + MiB), p('factory', APP, 0x00, 0x300000, 0x100000)],
    apps: { factory: { projectName: 'big', version: '1.0.0' } },
  }),
];

export const EXAMPLE_LAYOUT_NAMES: readonly string[] = EXAMPLE_LAYOUTS.map((l) => l.name);

export function findExampleLayout(name: string): ExampleLayout | undefined {
  return EXAMPLE_LAYOUTS.find((l) => l.name === name);
}

/** Build a named layout; throws with the list of names if unknown. */
export function buildExampleFlash(name: string, options: ExampleBuildOptions = {}): ExampleFlash {
  const l = findExampleLayout(name);
  if (!l) throw new Error(`unknown example layout "${name}"; known: ${EXAMPLE_LAYOUT_NAMES.join(', ')}`);
  return l.build(options);
}

export { KiB, MiB };
