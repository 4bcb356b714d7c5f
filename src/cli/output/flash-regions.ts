/** The flash layout of a report as a flat list of regions, shared by the terminal picture and the SVG. */
import { bootloaderFlashEnd, type AppInfo, type FlashMapReport } from '../../image/flash-map/index.js';

export type RegionKind = 'bootloader' | 'table' | 'app' | 'data' | 'other';

export interface Region {
  readonly label: string;
  readonly kind: RegionKind;
  readonly offset: number;
  readonly size: number;
  readonly booting: boolean;
  /** Short description: "app/factory", "data/nvs". */
  readonly detail: string;
}

export function flashRegions(r: FlashMapReport): Region[] {
  const out: Region[] = [];
  if (r.bootloader) {
    const bl = r.bootloader;
    out.push({ label: 'bootloader', kind: 'bootloader', offset: bl.flashOffset, size: bootloaderFlashEnd(bl) - bl.flashOffset, booting: false, detail: bl.signature ? 'bootloader, signed' : 'bootloader' });
  }
  if (r.partitionTable.flashOffset !== null) {
    out.push({ label: 'partition table', kind: 'table', offset: r.partitionTable.flashOffset, size: 0x1000, booting: false, detail: 'partition table' });
  }
  for (const e of r.partitionTable.entries) {
    const kind: RegionKind = e.type === 0 ? 'app' : e.type === 1 ? 'data' : 'other';
    const booting = r.bootApp !== null && r.bootApp.label === e.label && r.bootApp.flashOffset === e.offset;
    out.push({ label: e.label, kind, offset: e.offset, size: e.size, booting, detail: `${e.typeName}/${e.subtypeName}` });
  }
  const boot = r.bootApp;
  if (boot && boot.label === null) {
    // A direct-boot program has no length of its own: it is the window the ROM maps.
    const direct = boot.format === 'direct-boot';
    const mapped = Math.max(0, ...boot.mappings.map((m) => m.flashOffset + m.size)) - boot.flashOffset;
    const size = boot.imageLength ?? (direct && mapped > 0 ? mapped : 0x10000);
    const simple = boot.format === 'simple-boot';
    out.push({ label: direct ? '(direct boot)' : simple ? '(simple boot)' : '(app)', kind: 'app', offset: boot.flashOffset, size, booting: true, detail: direct ? 'program the ROM maps in place' : simple ? 'Simple Boot app (RAM-only header)' : 'app (no table entry)' });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** The span the picture covers: the flash size if known, else whatever reaches furthest. */
export function pictureSpan(r: FlashMapReport, regions: readonly Region[]): number {
  const ends = regions.map((x) => x.offset + x.size);
  const fileEnd = r.placement.baseOffset + r.fileSize;
  return Math.max(r.flashSize.bytes ?? 0, fileEnd, ...ends, 1);
}

export type AppPart = 'header' | 'drom' | 'irom' | 'ram' | 'padding' | 'tail';

/** The pieces of an app image in flash order (header, each segment, checksum/hash tail). */
export function appParts(app: AppInfo): { part: AppPart; offset: number; size: number; segment: number | null }[] {
  const parts: { part: AppPart; offset: number; size: number; segment: number | null }[] = [];
  if (app.segments.length === 0) return parts;
  parts.push({ part: 'header', offset: app.flashOffset, size: 24, segment: null });
  let end = app.flashOffset + 24;
  for (const s of app.segments) {
    const part: AppPart = s.kind === 'drom' || s.kind === 'irom' ? s.kind : s.kind === 'padding' ? 'padding' : 'ram';
    parts.push({ part, offset: s.flashOffset - 8, size: s.size + 8, segment: s.segment });
    end = s.flashOffset + s.size;
  }
  if (app.imageLength !== null) parts.push({ part: 'tail', offset: end, size: app.flashOffset + app.imageLength - end, segment: null });
  return parts;
}
