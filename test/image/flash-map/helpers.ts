/** Test helpers: an independent little reader of segment headers, to compute expected mappings. */

export const u32 = (b: Uint8Array, o: number): number =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

export interface RawSegment {
  index: number;
  load: number;
  /** Offset of the data from the image start. */
  dataOffset: number;
  length: number;
}

/** Walk the segment headers of the image at `at` in `file` (no use of the code under test). */
export function rawSegments(file: Uint8Array, at: number): RawSegment[] {
  const count = file[at + 1]!;
  const out: RawSegment[] = [];
  let p = 24;
  for (let i = 0; i < count; i++) {
    const load = u32(file, at + p);
    const length = u32(file, at + p + 4);
    out.push({ index: i, load, dataOffset: p + 8, length });
    p += 8 + length;
  }
  return out;
}

/** Expected mappings: segments whose load address is in [drom) or [irom), with flash offsets. */
export function expectedMappings(
  file: Uint8Array,
  fileOffset: number,
  flashOffset: number,
  drom: [number, number],
  irom: [number, number],
): { segment: number; kind: 'drom' | 'irom'; flashOffset: number; vaddr: number; size: number }[] {
  return rawSegments(file, fileOffset)
    .filter((s) => (s.load >= drom[0] && s.load < drom[1]) || (s.load >= irom[0] && s.load < irom[1]))
    .map((s) => ({
      segment: s.index,
      kind: s.load >= drom[0] && s.load < drom[1] ? ('drom' as const) : ('irom' as const),
      flashOffset: flashOffset + s.dataOffset,
      vaddr: s.load,
      size: s.length,
    }));
}
