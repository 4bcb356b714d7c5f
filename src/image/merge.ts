/** Merge flash parts into one binary whose byte 0 sits at `baseOffset` in flash (esptool merge_bin style). */
import { ImageFormatError, h32, hWide } from './errors.js';
import type { FlashPart, MergeOptions } from './types.js';

/** The last flash offset is 0xFFFFFFFF: a part or file may end at 4 GiB, not past it. */
const FOUR_GIB = 0x100000000;
/** Flash is written in 32-bit words: offsets are multiples of this. */
const WORD = 4;

function name(p: FlashPart, i: number): string {
  return `${p.name ? `"${p.name}"` : `part ${i}`} (${h32(p.offset)}..${hWide(p.offset + p.data.length)})`;
}

export function mergeFlash(parts: readonly FlashPart[], options: MergeOptions = {}): Uint8Array {
  const base = options.baseOffset ?? 0;
  const fill = options.fill ?? 0xff;
  if (!Number.isInteger(base) || base < 0 || base >= FOUR_GIB || base % WORD !== 0) {
    throw new ImageFormatError('MERGE_ALIGN', `the merged file's base offset ${Number.isInteger(base) && base >= 0 ? hWide(base) : String(base)} is not a flash offset on a multiple of ${WORD} bytes; flash is written in words`, { expected: WORD, found: base });
  }
  const indexed = parts.map((p, i) => ({ p, i }));
  for (const { p, i } of indexed) {
    if (!Number.isInteger(p.offset) || p.offset < base) {
      throw new ImageFormatError(
        'MERGE_RANGE',
        `${name(p, i)} starts before the merged file's base offset ${h32(base)}`,
        { offset: p.offset, expected: base, found: p.offset },
      );
    }
    if (p.offset % WORD !== 0) {
      throw new ImageFormatError('MERGE_ALIGN', `${name(p, i)} does not start on a multiple of ${WORD} bytes; flash is written in words`, { offset: p.offset, expected: WORD, found: p.offset });
    }
    if (p.offset + p.data.length > FOUR_GIB) {
      throw new ImageFormatError('MERGE_RANGE', `${name(p, i)} runs past 4 GiB, where flash offsets end`, { offset: p.offset, expected: FOUR_GIB, found: p.offset + p.data.length });
    }
  }
  const sorted = [...indexed].sort((a, b) => a.p.offset - b.p.offset || a.i - b.i);
  for (let k = 0; k + 1 < sorted.length; k++) {
    const a = sorted[k]!;
    const b = sorted[k + 1]!;
    if (a.p.data.length > 0 && b.p.data.length > 0 && b.p.offset < a.p.offset + a.p.data.length) {
      throw new ImageFormatError('MERGE_OVERLAP', `${name(a.p, a.i)} and ${name(b.p, b.i)} overlap`, {
        offset: b.p.offset,
        expected: a.p.offset + a.p.data.length,
        found: b.p.offset,
      });
    }
  }
  let end = 0;
  for (const p of parts) end = Math.max(end, p.offset - base + p.data.length);
  const size = options.size ?? end;
  if (size < end) {
    const last = sorted.find(({ p }) => p.offset - base + p.data.length > size)!;
    throw new ImageFormatError(
      'MERGE_RANGE',
      `${name(last.p, last.i)} does not fit in a ${h32(size)}-byte output starting at flash ${h32(base)}`,
      { offset: last.p.offset, expected: size, found: end },
    );
  }
  const out = new Uint8Array(size).fill(fill);
  for (const p of parts) out.set(p.data, p.offset - base);
  return out;
}
