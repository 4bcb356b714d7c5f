/** `espalgo image info FILE`: what an ESP app/bootloader image (or a partition table, or an MCUboot image) contains. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { ChipDescriptor } from '../../chips/types.js';
import { CHIP_NAMES } from '../../chips/index.js';
import {
  describeChipId, describeSpiSpeed, findSimpleBootSegments, formatChipRevision, hasPartitionMagic, isElfFile, isImageFormatError, maxChipRevisionSet, isMcubootImage, parseImage, parseMcubootImage, parsePartitionTable,
  toHex, type EspImage, type Finding, type McubootImage, type PartitionTable, type SimpleBootLayout,
} from '../../image/index.js';
import { chipOption, exitTwoOnUsageErrors, imageCommand, readInputFile, runGuarded } from '../output/command-support.js';
import { CliInputError, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { renderFindings, summaryLine } from '../output/findings-text.js';
import { formatSize, hex32 } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle, type Style } from '../output/style.js';
import { renderPartitionTable, renderSegmentTable, renderSimpleBootTable } from '../output/image-tables.js';
import { renderMcuboot } from '../output/mcuboot-text.js';

export interface ImageInfoOptions {
  readonly chip?: string;
  readonly json?: boolean;
  readonly verify?: boolean;
}

type Described =
  | { readonly kind: 'esp-image'; readonly image: EspImage; readonly trailing: number; readonly trailingErased: boolean; readonly simpleBoot?: SimpleBootLayout }
  | { readonly kind: 'partition-table'; readonly table: PartitionTable }
  | { readonly kind: 'mcuboot'; readonly image: McubootImage; readonly length: number };

function describe(bytes: Uint8Array, chip: ChipDescriptor | undefined, verify: boolean): Described {
  if (bytes.length === 0) throw new CliInputError('INPUT_EMPTY', 'the file is empty');
  try {
    if (bytes[0] === 0xe9) {
      const image = parseImage(bytes, { verify: verify ? 'full' : 'none', ...(chip ? { chip } : {}) });
      // A RAM-only image may be a Simple Boot app with its flash segments after the checksum.
      const simpleBoot = image.chip ? findSimpleBootSegments(image, bytes, image.chip) : undefined;
      const end = simpleBoot ? simpleBoot.end : image.length;
      const trailingErased = bytes.subarray(end).every((b) => b === 0xff);
      return { kind: 'esp-image', image, trailing: bytes.length - end, trailingErased, ...(simpleBoot ? { simpleBoot } : {}) };
    }
    if (hasPartitionMagic(bytes)) return { kind: 'partition-table', table: parsePartitionTable(bytes.subarray(0, 0x1000)) };
    if (isMcubootImage(bytes)) return { kind: 'mcuboot', image: parseMcubootImage(bytes, { verify }), length: bytes.length };
  } catch (err) {
    if (isImageFormatError(err)) throw new CliInputError(err.code, `not a readable image: ${err.message}`);
    throw err;
  }
  const b0 = bytes[0]!.toString(16).padStart(2, '0');
  const hint = bytes[0] === 0xff ? ' (erased flash? for a flash dump or merged file use: espalgo flash-map FILE)'
    : isElfFile(bytes) ? ' (this is an ELF file: espalgo image elf2image FILE --chip CHIP builds its app image)' : '';
  throw new CliInputError('NOT_AN_IMAGE', `not an ESP image: byte 0 is 0x${b0}; expected 0xe9 (image), AA 50 (partition table) or an MCUboot header${hint}`);
}

function findingsOf(d: Described): readonly Finding[] {
  return d.kind === 'esp-image' ? [...(d.image.findings ?? []), ...(d.simpleBoot?.findings ?? [])] : d.kind === 'partition-table' ? d.table.findings : d.image.findings;
}

/** JSON on one line, with byte arrays as hex strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));
}

function renderImage(d: Extract<Described, { kind: 'esp-image' }>, st: Style, name: string, columns: number): string {
  const { image, simpleBoot } = d;
  const h = image.header;
  const findings = findingsOf(d);
  const out: string[] = [];
  const kv = (k: string, v: string): void => void out.push(`${st.bold(k.padEnd(14))}${v}\n`);
  const role = simpleBoot ? 'Simple Boot app' : image.appDesc ? 'app image' : image.bootloaderDesc ? 'bootloader image' : !image.chip ? 'image for an unknown chip' : image.ramOnly ? 'bootloader (or RAM-only) image' : 'app image (no app descriptor)';
  out.push(`${st.bold('espalgo image info')} ${name} ${st.dim(`(${formatSize(simpleBoot?.end ?? image.length)} ${role})`)}\n\n`);
  kv('Chip', describeChipId(h.chipId) + (image.chip && image.chip.imageChipId !== h.chipId ? ` — analysed as ${image.chip.displayName}` : ''));
  kv('Entry', hex32(h.entry));
  kv('SPI flash', `${(h.spiModeName ?? `mode ${h.spiMode}`).toUpperCase()}, ${describeSpiSpeed(h.spiSpeed, image.chip)}, ${h.flashSizeBytes !== undefined ? formatSize(h.flashSizeBytes) : `size code ${h.flashSizeCode}`}`);
  kv('Chip revision', `min ${formatChipRevision(h.minChipRevFull)}, max ${maxChipRevisionSet(h.maxChipRevFull) ? formatChipRevision(h.maxChipRevFull) : `any (${h.maxChipRevFull === 0 ? '0' : '0xffff'}: no limit)`}`);
  const cs = image.checksum;
  kv('Checksum', `0x${cs.stored.toString(16).padStart(2, '0')} at ${hex32(cs.offset)}${cs.valid === undefined ? st.dim(' (not verified; use --verify)') : cs.valid ? st.green(' valid') : st.red(` INVALID (computed 0x${(cs.computed ?? 0).toString(16)})`)}`);
  if (image.sha256) {
    const s = image.sha256;
    kv('SHA-256', `${toHex(s.stored)}${s.valid === undefined ? st.dim(' (not verified)') : s.valid ? st.green(' valid') : st.red(' INVALID')}`);
  } else kv('SHA-256', 'none appended');
  const appDesc = image.appDesc ?? simpleBoot?.appDesc;
  if (appDesc) {
    const a = appDesc;
    kv('App', `project "${a.projectName}", version "${a.version}", IDF ${a.idfVer}, built ${a.date} ${a.time}, secure version ${a.secureVersion}${a.mmuPageSize ? `, MMU page ${formatSize(a.mmuPageSize)}` : ''}`);
    kv('ELF SHA-256', toHex(a.appElfSha256));
  }
  if (image.bootloaderDesc) {
    const b = image.bootloaderDesc;
    kv('Bootloader', `version ${b.version}, IDF ${b.idfVer}, built ${b.dateTime}, secure version ${b.secureVersion}`);
  }
  if (image.signature) kv('Signature', image.signature.scheme === 'sbv1' ? `Secure Boot v1 at ${hex32(image.signature.offset)}` : `Secure Boot v2, ${image.signature.blockCount} block(s) at ${hex32(image.signature.offset)}`);
  out.push(`\n${st.bold('Segments')}\n`);
  out.push(renderSegmentTable(image, st));
  if (!image.chip) out.push(`  ${st.dim(`the chip (id 0x${h.chipId.toString(16).padStart(4, '0')}) is not one espalgo knows: segments are not classified (give --chip)`)}\n`);
  else if (simpleBoot) {
    out.push(`\n${st.bold('Simple Boot app')} ${st.dim('(esptool --ram-only-header; Zephyr/NuttX)')}: the ROM loads the ${image.segments.length} RAM segments, the app maps these flash segments itself\n`);
    out.push(`  ${st.dim(`after the checksum, not counted by the header, each behind a zero padding segment; flash offsets for the file at ${hex32(simpleBoot.flashOffset)}, the chip's bootloader offset`)}\n`);
    out.push(renderSimpleBootTable(simpleBoot, st));
  } else if (image.ramOnly) out.push(`  ${st.dim('no flash-mapped segment: runs from RAM only')}\n`);
  if (d.trailing > 0) {
    const what = d.trailingErased
      ? `with ${formatSize(d.trailing)} of 0xFF past the image (erased flash or padding): a flash dump?`
      : `${formatSize(d.trailing)} past the image: a merged flash file?`;
    out.push(`\n${st.dim(`The file continues ${what} Try: espalgo flash-map ${name}`)}\n`);
  }
  out.push(`\n${st.bold('Findings')}\n${renderFindings(findings, st, columns)}\n${summaryLine(findings)}\n`);
  return out.join('');
}

/** The Simple Boot layout for --json: where the file is taken to sit, the flash segments, their findings. */
function simpleBootJson(l: SimpleBootLayout): object {
  return {
    flashOffset: l.flashOffset, mmuPageSize: l.mmuPageSize, end: l.end,
    segments: l.segments.map((s) => ({ kind: s.kind, loadAddress: s.loadAddress, fileOffset: s.dataOffset, flashOffset: s.flashOffset, size: s.length, aligned: s.aligned })),
    findings: l.findings,
    ...(l.appDesc ? { appDesc: l.appDesc } : {}),
  };
}

function renderTableInfo(t: PartitionTable, st: Style, name: string, columns: number): string {
  return `${st.bold('espalgo image info')} ${name} ${st.dim('(partition table)')}\n\n` +
    renderPartitionTable(t.entries, st) +
    `  MD5: ${t.md5?.present ? (t.md5.valid ? st.green('valid') : st.red('INVALID')) : 'none'}\n\n${st.bold('Findings')}\n${renderFindings(t.findings, st, columns)}\n${summaryLine(t.findings)}\n`;
}

/**
 * The JSON of an MCUboot image: `mcuboot` (the header), `tlvs`, `hashChecks` (null without
 * --verify), `signatures` (never verified: `verified: false`), `trailer`, `findings`.
 */
function mcubootJson(m: McubootImage): Record<string, unknown> {
  return {
    mcuboot: m.header, tlvs: m.tlvs, tlvEnd: m.tlvEnd, hashChecks: m.hashChecks,
    signatures: m.signatures.map((s) => ({ ...s, verified: false })), trailer: m.trailer, findings: m.findings,
  };
}

export function runImageInfo(file: string, o: ImageInfoOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    const chip = chipOption(o.chip);
    const bytes = readInputFile(file);
    const d = describe(bytes, chip, o.verify === true);
    const name = basename(file);
    if (o.json) {
      const body = d.kind === 'esp-image' ? { image: d.image, trailingBytes: d.trailing, ...(d.trailing > 0 ? { trailingErased: d.trailingErased } : {}), ...(d.simpleBoot ? { simpleBoot: simpleBootJson(d.simpleBoot) } : {}) } : d.kind === 'partition-table' ? { table: d.table } : mcubootJson(d.image);
      // The chip descriptor is reference data, not a fact about the file: name it only.
      const replacer = d.kind === 'esp-image' ? { image: { ...d.image, chip: d.image.chip?.name ?? null } } : {};
      io.out(toJson({ ok: true, file: name, kind: d.kind, ...body, ...replacer }) + '\n');
    } else {
      const st = makeStyle(io.color);
      io.out(d.kind === 'esp-image' ? renderImage(d, st, name, io.columns) : d.kind === 'partition-table' ? renderTableInfo(d.table, st, name, io.columns) : renderMcuboot(d.image, d.length, st, name, io.columns));
    }
    return findingsOf(d).some((f) => f.severity === 'error') ? EXIT_PROBLEM : EXIT_OK;
  }, o.json === true);
}

const HELP = `
Reads one ESP app or bootloader image (magic 0xE9), a partition table binary (AA 50 …) or an
MCUboot image and prints its header, segments (with what each load address is: DROM, IROM, DRAM,
IRAM, RTC, padding), checksum, SHA-256, app/bootloader descriptor and findings. For an MCUboot
image: its TLVs, the hash TLV (checked with --verify), the signature kind (not verified: no key)
and the trailer of a slot padded by imgtool --pad (image_ok, copy_done, swap info).

Exit codes: 0 fine, 1 a problem found (e.g. --verify finds a bad checksum), 2 bad input.

Examples:
  $ espalgo image info build/app.bin
  $ espalgo image info build/app.bin --verify
  $ espalgo image info build/bootloader/bootloader.bin --chip esp32s3 --json
  $ espalgo image info build/partition_table/partition-table.bin
  $ espalgo image info zephyr.signed.bin --verify
For a merged firmware.bin or a flash dump, use: espalgo flash-map FILE
`;

export function registerImageInfo(program: Command): void {
  const cmd = imageCommand(program)
    .command('info')
    .description('show what an ESP image, partition table or MCUboot image contains')
    .argument('<file>', 'image file')
    .option('--chip <chip>', `classify segments for this chip (${CHIP_NAMES.join(', ')}); default: the header's chip id`)
    .option('--verify', 'check the checksum and SHA-256, or an MCUboot image\'s hash TLV (reads the whole image)')
    .option('--json', 'print the facts as JSON')
    .addHelpText('after', HELP)
    .action((file: string, opts: ImageInfoOptions) => {
      process.exitCode = runImageInfo(file, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
