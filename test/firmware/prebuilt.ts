/** Loads the committed firmware outputs (firmware/build/) for the firmware tests. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_DIR = join(ROOT, 'firmware', 'build');

export function readBuild(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(BUILD_DIR, name)));
}

export interface ManifestApp {
  readonly partition: string;
  readonly offset: number;
  readonly app: string;
  readonly version: string;
}

export interface ManifestLayout {
  readonly file: string;
  readonly layout: string;
  readonly csv: string;
  readonly headerFlashSize: number;
  readonly tableOffset: number;
  readonly apps: readonly ManifestApp[];
  readonly otaSelected?: string;
}

export interface Manifest {
  readonly chip: string;
  readonly files: readonly { readonly name: string; readonly size: number; readonly sha256: string }[];
  readonly layouts: readonly ManifestLayout[];
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(BUILD_DIR, 'manifest.json'), 'utf8')) as Manifest;
}

/** Partition tables as firmware/README.md specifies them: [label, type, subtype, offset, size]. */
export type Row = readonly [string, number, number, number, number];
const MiB = 0x100000;
export const EXPECTED_LAYOUTS: Readonly<Record<string, { tableOffset: number; headerFlashSize: number; rows: readonly Row[] }>> = {
  'demo-micropython-4MB.bin': {
    tableOffset: 0x8000,
    headerFlashSize: 4 * MiB,
    rows: [
      ['nvs', 1, 0x02, 0x9000, 0x6000],
      ['phy_init', 1, 0x01, 0xf000, 0x1000],
      ['factory', 0, 0x00, 0x10000, 0x1f0000],
      ['vfs', 1, 0x81, 0x200000, 0x200000],
    ],
  },
  'demo-micropython-32MB-header.bin': {
    tableOffset: 0x8000,
    headerFlashSize: 32 * MiB,
    rows: [
      ['nvs', 1, 0x02, 0x9000, 0x6000],
      ['phy_init', 1, 0x01, 0xf000, 0x1000],
      ['factory', 0, 0x00, 0x10000, 0x1f0000],
      ['vfs', 1, 0x81, 0x200000, 0x1e00000],
    ],
  },
  'demo-ota.bin': {
    tableOffset: 0x8000,
    headerFlashSize: 4 * MiB,
    rows: [
      ['nvs', 1, 0x02, 0x9000, 0x4000],
      ['otadata', 1, 0x00, 0xd000, 0x2000],
      ['phy_init', 1, 0x01, 0xf000, 0x1000],
      ['ota_0', 0, 0x10, 0x10000, 0x80000],
      ['ota_1', 0, 0x11, 0x90000, 0x80000],
      ['vfs', 1, 0x81, 0x110000, 0x2f0000],
    ],
  },
  'demo-table-0xc000.bin': {
    tableOffset: 0xc000,
    headerFlashSize: 4 * MiB,
    rows: [
      ['nvs', 1, 0x02, 0xd000, 0x3000],
      ['factory', 0, 0x00, 0x10000, 0x1f0000],
      ['vfs', 1, 0x81, 0x200000, 0x200000],
    ],
  },
};
