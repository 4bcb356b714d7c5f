/** Plain-text tables with aligned columns (ANSI-aware widths). */
import { visibleLength } from './style.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const gap = Math.max(0, width - visibleLength(s));
  return align === 'right' ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

/** Render rows under headers, two spaces between columns, `indent` spaces before each line. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = 2, header: (s: string) => string = (s) => s): string {
  const widths = columns.map((c, i) => Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[], head = false): string =>
    ' '.repeat(indent) +
    cells
      .map((c, i) => {
        const cell = pad(c, widths[i]!, columns[i]!.align ?? 'left');
        return head ? header(cell) : cell;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header), true), ...rows.map((r) => line(r))].join('\n') + '\n';
}

/** Columns the --help texts are written to. */
export const HELP_WIDTH = 100;

/** A unit that stays on the line of the number before it ("4 MiB", "652 B"). */
const UNIT = /^(?:[KMG]i?B|B|bytes?)[,.;:)]*$/;

/** Wrap `text` to `width` columns, continuation lines indented by `indent`; a number keeps its unit. */
export function wrapText(text: string, width: number, indent: number): string {
  const words: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (words.length && UNIT.test(w) && /\d$/.test(words[words.length - 1]!)) words[words.length - 1] += ` ${w}`;
    else words.push(w);
  }
  const lines: string[] = [];
  let cur = '';
  const max = Math.max(20, width - indent);
  for (const w of words) {
    if (cur && visibleLength(cur) + 1 + visibleLength(w) > max) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.join('\n' + ' '.repeat(indent));
}
