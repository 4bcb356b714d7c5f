/**
 * The flash layout as a terminal picture: one row per region on a shared proportional axis, then
 * a zoomed bar of the running app showing where each segment sits. Readable without colour:
 * every kind has its own glyph.
 */
import type { FlashMapReport } from '../../image/flash-map/index.js';
import { formatSize, hex32 } from './format.js';
import { appParts, flashRegions, pictureSpan, type AppPart, type RegionKind } from './flash-regions.js';
import type { Style } from './style.js';

const GLYPH: Record<RegionKind, string> = { bootloader: '█', table: '█', app: '▓', data: '▒', other: '░' };
const PART_GLYPH: Record<AppPart, string> = { header: 'h', drom: 'D', irom: 'I', ram: 'r', padding: '.', tail: 'h' };

function cols(offset: number, size: number, span: number, width: number): [number, number] {
  const start = Math.min(width - 1, Math.floor((offset / span) * width));
  const end = Math.max(start + 1, Math.min(width, Math.ceil(((offset + size) / span) * width)));
  return [start, end];
}

function bar(width: number, start: number, end: number, glyph: string, paint: (s: string) => string): string {
  return ' '.repeat(start) + paint(glyph.repeat(end - start)) + ' '.repeat(width - end);
}

export function renderFlashPicture(r: FlashMapReport, st: Style, columns: number): string {
  const regions = flashRegions(r);
  const span = pictureSpan(r, regions);
  const labelW = Math.min(16, Math.max(10, ...regions.map((x) => x.label.length)));
  const width = Math.max(24, Math.min(72, columns - labelW - 28));
  const paintOf = (kind: RegionKind, booting: boolean): ((s: string) => string) =>
    booting ? st.green : kind === 'app' ? st.cyan : kind === 'data' ? st.yellow : kind === 'other' ? st.magenta : st.blue;
  const lines: string[] = [];
  lines.push(st.bold('Flash layout') + st.dim(`  ${hex32(0)}..${hex32(span)} (${formatSize(span)}), one column ≈ ${formatSize(Math.ceil(span / width))}`));
  const row = (marker: string, label: string, offset: number, size: string, cells: string): string =>
    `${marker} ${label.padEnd(labelW).slice(0, labelW)} ${hex32(offset)} ${size.padStart(9)} │${cells}│`;
  for (const x of regions) {
    const [a, b] = cols(x.offset, x.size, span, width);
    const glyph = x.booting ? '█' : GLYPH[x.kind];
    lines.push(row(x.booting ? st.green('▶') : ' ', x.label, x.offset, formatSize(x.size), bar(width, a, b, glyph, paintOf(x.kind, x.booting))));
  }
  const fileStart = r.placement.baseOffset;
  const [fa, fb] = cols(fileStart, r.fileSize, span, width);
  lines.push(row(' ', '(this file)', fileStart, formatSize(r.fileSize), bar(width, fa, fb, '═', st.dim)));
  lines.push(st.dim(`  ▶ boots   █ bootloader/table/running app   ▓ other app   ▒ data   ░ other   ═ bytes present in the file`));

  const app = r.bootApp;
  const parts = app ? appParts(app) : [];
  if (app && parts.length > 0) {
    const appSpan = Math.max(app.partitionSize ?? 0, app.imageLength ?? 0, 1);
    const cells = Array<string>(width).fill(' ');
    const paint = Array<(s: string) => string>(width).fill((s) => s);
    // Paint RAM/padding/header first so flash-mapped segments win where they share a column.
    const order: AppPart[] = ['tail', 'header', 'padding', 'ram', 'drom', 'irom'];
    for (const kind of order) {
      for (const p of parts.filter((q) => q.part === kind)) {
        const [a, b] = cols(p.offset - app.flashOffset, p.size, appSpan, width);
        for (let i = a; i < b; i++) {
          cells[i] = PART_GLYPH[kind];
          paint[i] = kind === 'drom' ? st.yellow : kind === 'irom' ? st.green : kind === 'ram' ? st.cyan : st.dim;
        }
      }
    }
    lines.push('');
    lines.push(
      st.bold(`Running app ${app.label ? `"${app.label}"` : ''} at ${hex32(app.flashOffset)}`) +
        st.dim(`  image ${formatSize(app.imageLength ?? 0)}${app.partitionSize !== null ? ` in a ${formatSize(app.partitionSize)} partition` : ''}, one column ≈ ${formatSize(Math.ceil(appSpan / width))}`),
    );
    lines.push(`  ${' '.repeat(labelW)} ${' '.repeat(20)}│${cells.map((c, i) => paint[i]!(c)).join('')}│`);
    for (const m of app.mappings) {
      lines.push(`    ${m.kind === 'drom' ? st.yellow('D DROM') : st.green('I IROM')} seg ${String(m.segment).padEnd(2)} flash ${hex32(m.flashOffset)} → ${hex32(m.vaddr)}  ${formatSize(m.size)}`);
    }
    lines.push(st.dim('    h header/checksum   r RAM segment (copied at boot)   . padding segment'));
  }
  return lines.join('\n') + '\n';
}
