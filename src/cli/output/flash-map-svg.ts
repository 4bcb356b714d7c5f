/** The flash layout as a standalone SVG: partitions on a proportional axis, the running app's segments, the findings. */
import type { FlashMapReport } from '../../image/flash-map/index.js';
import { formatSize, hex32 } from './format.js';
import { appParts, flashRegions, pictureSpan, type AppPart, type RegionKind } from './flash-regions.js';

const FILL: Record<RegionKind, string> = { bootloader: '#4a6fa5', table: '#4a6fa5', app: '#5fa8d3', data: '#e0b040', other: '#b070c0' };
const PART_FILL: Record<AppPart, string> = { header: '#bbbbbb', tail: '#bbbbbb', padding: '#dddddd', ram: '#5fa8d3', drom: '#e0a030', irom: '#2e9e5b' };
const BOOT_FILL = '#2e9e5b';
const SEVERITY_FILL = { error: '#c0392b', warning: '#b9770e', info: '#555555' } as const;

export function escapeXml(s: string): string {
  // Characters XML does not allow (C0 controls but tab and newlines) become "?" first.
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur && cur.length + 1 + w.length > max) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

export function renderFlashMapSvg(r: FlashMapReport, fileName: string): string {
  const W = 960;
  const barX = 400;
  const barW = W - barX - 20;
  const rowH = 22;
  const el: string[] = [];
  const text = (x: number, y: number, s: string, attrs = ''): void => void el.push(`<text x="${x}" y="${y}"${attrs ? ' ' + attrs : ''}>${escapeXml(s)}</text>`);
  const rect = (x: number, y: number, w: number, h: number, fill: string, title: string): void =>
    void el.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(1.5, w).toFixed(1)}" height="${h}" fill="${fill}"><title>${escapeXml(title)}</title></rect>`);

  let y = 28;
  text(16, y, `espalgo flash-map — ${fileName}`, 'font-size="18" font-weight="bold"');
  y += 22;
  const fs = r.flashSize.bytes === null ? 'flash size unknown' : `${formatSize(r.flashSize.bytes)} flash (${r.flashSize.source})`;
  text(16, y, `${r.chip.displayName ?? 'unknown chip'}, ${fs}; file byte 0 = flash ${hex32(r.placement.baseOffset)} (${r.placement.kind})`, 'fill="#444"');
  y += 30;

  const regions = flashRegions(r);
  const span = pictureSpan(r, regions);
  const xOf = (off: number): number => barX + (off / span) * barW;
  text(16, y, 'Flash layout', 'font-weight="bold"');
  text(barX, y, hex32(0), 'fill="#666" font-size="11"');
  text(barX + barW, y, hex32(span), 'fill="#666" font-size="11" text-anchor="end"');
  y += 10;
  for (const x of regions) {
    el.push(`<rect x="${barX}" y="${y}" width="${barW}" height="${rowH - 6}" fill="#f4f4f4"/>`);
    rect(xOf(x.offset), y, (x.size / span) * barW, rowH - 6, x.booting ? BOOT_FILL : FILL[x.kind], `${x.label} ${x.detail} ${hex32(x.offset)}..${hex32(x.offset + x.size)} (${formatSize(x.size)})`);
    text(16, y + 12, `${x.booting ? '▶ ' : ''}${x.label}`, x.booting ? 'font-weight="bold" fill="#2e9e5b"' : '');
    text(170, y + 12, x.detail, 'fill="#666" font-size="11"');
    text(280, y + 12, hex32(x.offset), 'font-family="monospace" font-size="11"');
    text(392, y + 12, formatSize(x.size), 'font-size="11" text-anchor="end"');
    y += rowH;
  }
  el.push(`<rect x="${barX}" y="${y}" width="${barW}" height="6" fill="#f4f4f4"/>`);
  rect(xOf(r.placement.baseOffset), y, (r.fileSize / span) * barW, 6, '#888888', `bytes present in the file: ${formatSize(r.fileSize)}`);
  text(16, y + 7, '(bytes in this file)', 'fill="#666" font-size="11"');
  y += 34;

  const app = r.bootApp;
  const parts = app ? appParts(app) : [];
  if (app && parts.length > 0) {
    const appSpan = Math.max(app.partitionSize ?? 0, app.imageLength ?? 0, 1);
    text(16, y, `Running app ${app.label ?? ''} at ${hex32(app.flashOffset)} — image ${formatSize(app.imageLength ?? 0)}${app.partitionSize !== null ? ` in ${formatSize(app.partitionSize)}` : ''}`, 'font-weight="bold"');
    y += 10;
    el.push(`<rect x="16" y="${y}" width="${W - 36}" height="24" fill="#f4f4f4"/>`);
    for (const p of parts) {
      const x = 16 + ((p.offset - app.flashOffset) / appSpan) * (W - 36);
      rect(x, y, (p.size / appSpan) * (W - 36), 24, PART_FILL[p.part], `${p.part}${p.segment !== null ? ` segment ${p.segment}` : ''} at flash ${hex32(p.offset)}, ${formatSize(p.size)}`);
    }
    y += 40;
    for (const m of app.mappings) {
      rect(16, y - 10, 12, 12, PART_FILL[m.kind], m.kind);
      text(34, y, `${m.kind.toUpperCase()} segment ${m.segment}: flash ${hex32(m.flashOffset)} → ${hex32(m.vaddr)}, ${formatSize(m.size)}`, 'font-family="monospace" font-size="12"');
      y += 18;
    }
    if (app.mappings.length === 0) {
      text(16, y, 'no flash mappings: the app runs from RAM only', 'fill="#666"');
      y += 18;
    }
    y += 16;
  }

  text(16, y, 'Findings', 'font-weight="bold"');
  y += 20;
  if (r.findings.length === 0) {
    text(16, y, 'none', 'fill="#2e9e5b"');
    y += 18;
  }
  for (const f of r.findings) {
    text(16, y, `${f.severity} ${f.code}`, `font-weight="bold" fill="${SEVERITY_FILL[f.severity]}" font-size="12"`);
    y += 16;
    for (const line of wrap(f.message, 130)) {
      text(32, y, line, 'font-size="11" fill="#333"');
      y += 14;
    }
    y += 6;
  }
  const h = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${h}" fill="#ffffff"/>`,
    ...el,
    '</svg>',
    '',
  ].join('\n');
}
