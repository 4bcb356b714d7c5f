/** The tables the image commands print: an image's segments, a partition table's entries. */
import type { EspImage, PartitionEntry, SimpleBootLayout } from '../../image/index.js';
import { formatSize, hex32 } from './format.js';
import type { Style } from './style.js';
import { renderTable } from './table.js';

/** One row per segment: index, kind (DROM/IROM/DRAM/… or padding), load address, file offset, size. */
export function renderSegmentTable(image: EspImage, st: Style): string {
  return renderTable(
    [{ header: '#', align: 'right' }, { header: 'kind' }, { header: 'load address' }, { header: 'file offset' }, { header: 'size', align: 'right' }, { header: 'bytes', align: 'right' }],
    image.segments.map((s) => [String(s.index), s.kind === 'flash' ? `flash (${s.flashRole ?? '?'})` : s.kind, hex32(s.loadAddress), hex32(s.dataOffset), formatSize(s.length), `0x${s.length.toString(16)}`]),
    2, st.dim,
  );
}

/** One row per flash segment hidden after a Simple Boot image: kind, load address, file and flash offset, size. */
export function renderSimpleBootTable(layout: SimpleBootLayout, st: Style): string {
  return renderTable(
    [{ header: 'kind' }, { header: 'load address' }, { header: 'file offset' }, { header: 'flash offset' }, { header: 'size', align: 'right' }, { header: 'bytes', align: 'right' }],
    layout.segments.map((s) => [s.kind, hex32(s.loadAddress), hex32(s.dataOffset), hex32(s.flashOffset), formatSize(s.length), `0x${s.length.toString(16)}`]),
    2, st.dim,
  );
}

/** One row per partition: index, label, type, subtype, offset, size, flags. */
export function renderPartitionTable(entries: readonly PartitionEntry[], st: Style): string {
  return renderTable(
    [{ header: '#', align: 'right' }, { header: 'label' }, { header: 'type' }, { header: 'subtype' }, { header: 'offset' }, { header: 'size', align: 'right' }, { header: 'flags' }],
    entries.map((e, i) => [String(e.index ?? i), e.label, e.typeName, e.subtypeName, hex32(e.offset), formatSize(e.size), [e.flags.encrypted ? 'encrypted' : '', e.flags.readonly ? 'readonly' : ''].filter(Boolean).join(',')]),
    2, st.dim,
  );
}
