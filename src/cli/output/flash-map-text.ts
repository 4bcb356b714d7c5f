/** The flash-map report as readable text: facts, tables, the picture, the stub's view, findings. */
import type { AppInfo, BootloaderInfo, FlashMapReport } from '../../image/flash-map/index.js';
import { renderFindings, summaryLine } from './findings-text.js';
import { renderFlashPicture } from './flash-picture.js';
import { counted, formatSize, hex32 } from './format.js';
import type { Style } from './style.js';
import { renderTable, wrapText } from './table.js';

function mappingTable(app: AppInfo, st: Style): string {
  if (app.mappings.length === 0) return `    ${st.dim('no flash mappings (no IROM/DROM segment)')}\n`;
  return renderTable(
    [{ header: 'seg', align: 'right' }, { header: 'kind' }, { header: 'flash offset' }, { header: 'vaddr' }, { header: 'size', align: 'right' }, { header: 'bytes', align: 'right' }],
    app.mappings.map((m) => [m.segment === null ? '–' : String(m.segment), m.kind.toUpperCase(), hex32(m.flashOffset), hex32(m.vaddr), formatSize(m.size), `0x${m.size.toString(16)}`]),
    4,
    st.dim,
  );
}

function appLine(app: AppInfo, st: Style): string {
  const name = app.label !== null ? `"${app.label}" (${app.subtypeName})` : '(not in the table)';
  const what =
    app.format === 'esp-idf'
      ? `ESP-IDF app${app.appDesc?.projectName ? ` ${app.appDesc.projectName}` : ''}${app.appDesc?.version ? ` ${app.appDesc.version}` : ''}, IDF ${app.appDesc?.idfVer || '?'}, entry ${hex32(app.entry ?? 0)}, ${counted(app.segments.length, 'segment')}, image ${formatSize(app.imageLength ?? 0)}`
      : app.note ?? app.format;
  const flags = [app.booting ? st.green('boots') : '', app.firstInTable ? 'first app entry' : ''].filter(Boolean).join(', ');
  return `  ${st.bold(name)} at ${hex32(app.flashOffset)}${flags ? ` [${flags}]` : ''}\n    ${what}\n`;
}

function signedText(sig: BootloaderInfo['signature']): string {
  if (!sig) return '';
  return sig.scheme === 'sbv2'
    ? `, signed: Secure Boot v2 signature sector at ${hex32(sig.flashOffset)}`
    : `, signed: Secure Boot v1 signature at ${hex32(sig.flashOffset)}`;
}

export function renderFlashMapText(r: FlashMapReport, st: Style, columns: number, fileName: string): string {
  const out: string[] = [];
  const kv = (k: string, v: string): void => void out.push(`${st.bold(k.padEnd(12))}${wrapText(v, columns, 12)}\n`);
  out.push(`${st.bold('espalgo flash-map')} ${fileName} ${st.dim(`(${formatSize(r.fileSize)})`)}\n\n`);
  kv('Placement', `${r.placement.kind}, file byte 0 = flash ${hex32(r.placement.baseOffset)}: ${r.placement.decidedBy}`);
  kv('Chip', r.chip.displayName ? `${r.chip.displayName} (${r.chip.decidedBy})` : r.chip.decidedBy);
  const fs = r.flashSize;
  const fits = fs.tableFits === null ? '' : fs.tableFits ? `; the table needs ${formatSize(fs.tableExtent ?? 0)}: fits` : `; the table needs ${formatSize(fs.tableExtent ?? 0)}: ${st.red('does not fit')}`;
  const from = fs.source === 'option' ? '--flash-size' : fs.source === 'jedec' ? "the chip's JEDEC id, read live" : fs.source === 'bootloader-header' ? `the bootloader header, size code ${fs.bootloaderHeaderCode}` : fs.source === 'app-header' ? "the booting app's header" : 'unknown';
  kv('Flash size', fs.bytes === null ? 'unknown (no header states it; give --flash-size)' : `${formatSize(fs.bytes)} (from ${from})${fits}`);
  if (r.bootloader) {
    const d = r.bootloader.descriptor;
    kv('Bootloader', `${hex32(r.bootloader.flashOffset)}, ${formatSize(r.bootloader.length)}, ${counted(r.bootloader.segmentCount, 'segment')}, ${r.bootloader.spiMode.toUpperCase()}${d ? `, IDF ${d.idfVer}, built ${d.dateTime}` : ', no bootloader descriptor'}${signedText(r.bootloader.signature)}`);
  }
  const pt = r.partitionTable;
  kv('Table', pt.flashOffset === null ? pt.decidedBy : `${hex32(pt.flashOffset)}: ${pt.decidedBy}; ${counted(pt.entries.length, 'entry', 'entries')}`);
  kv('Candidates', `${pt.candidates.length ? pt.candidates.map((c) => `${hex32(c.flashOffset)} (${counted(c.entryCount, 'entry', 'entries')}, MD5 ${c.md5})`).join(', ') : 'none'}; ${pt.scan}`);
  kv('Boots', r.bootReason);

  if (pt.entries.length > 0) {
    out.push(`\n${st.bold('Partitions')}\n`);
    out.push(
      renderTable(
        [{ header: '#', align: 'right' }, { header: '' }, { header: 'label' }, { header: 'type' }, { header: 'subtype' }, { header: 'offset' }, { header: 'end' }, { header: 'size', align: 'right' }, { header: 'flags' }],
        pt.entries.map((e) => {
          const boots = r.bootApp?.label === e.label && r.bootApp.flashOffset === e.offset;
          const flags = [e.encrypted ? 'encrypted' : '', e.readonly ? 'readonly' : ''].filter(Boolean).join(',');
          return [String(e.index), boots ? st.green('▶') : '', e.label, e.typeName, e.subtypeName, hex32(e.offset), hex32(e.offset + e.size), formatSize(e.size), flags];
        }),
        2,
        st.dim,
      ),
    );
  }

  if (r.bootApp) {
    out.push(`\n${st.bold('Running app')}\n`);
    out.push(appLine(r.bootApp, st));
    out.push(mappingTable(r.bootApp, st));
  }
  const others = r.apps.filter((a) => !a.booting);
  if (others.length > 0) {
    out.push(`\n${st.bold('Other app slots')}\n`);
    for (const a of others) {
      out.push(appLine(a, st));
      if (a.segments.length > 0) out.push(mappingTable(a, st));
    }
  }
  out.push('\n' + renderFlashPicture(r, st, columns));
  const stub = r.openocdStub;
  out.push(`\n${st.bold("OpenOCD's flash stub")} ${st.dim('(2024 builds, MAP_GET)')}\n`);
  const outcome = !stub.predicted ? st.dim('unknown') : stub.retcode === 0 ? st.green('ok') : st.red(`fails (${stub.retcode})`);
  out.push(`  ${outcome}: ${wrapText(stub.explanation, columns, 4)}\n`);
  out.push(`\n${st.bold('Findings')}\n`);
  out.push(renderFindings(r.findings, st, columns));
  out.push(`\n${summaryLine(r.findings)}\n`);
  return out.join('');
}
