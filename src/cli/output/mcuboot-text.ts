/** `image info` on an MCUboot image, as text: header, TLVs, hash, signatures, trailer, findings. */
import { isMcubootHashTlv, MCUBOOT_F_ENCRYPTED, readU32, toHex, type McubootImage, type McubootTlv, type McubootTrailer, type McubootTrailerFlag } from '../../image/index.js';
import { renderFindings, summaryLine } from './findings-text.js';
import { formatSize, hex32 } from './format.js';
import type { Style } from './style.js';

const SWAP_TYPES: Readonly<Record<number, string>> = { 2: 'test', 3: 'perm', 4: 'revert' };

/** What a TLV's value says, for the types whose value is a number or a hash. */
function tlvValue(t: McubootTlv): string {
  if (isMcubootHashTlv(t.type) || t.name === 'KEYHASH' || t.name === 'DECOMP_SHA') return toHex(t.value);
  if ((t.name === 'SEC_CNT' || t.name === 'DECOMP_SIZE' || t.name === 'COMP_DEC_SIZE') && t.length === 4) {
    const v = readU32(t.value, 0);
    return t.name === 'SEC_CNT' ? `security counter ${v} (${hex32(v)})` : `size ${v}`;
  }
  if (t.name === 'SIG_PURE') return 'the signature covers the image itself, not its hash';
  return '';
}

function tlvLines(img: McubootImage, st: Style): string {
  if (img.tlvs.length === 0) return `  ${st.dim('none read')}\n`;
  const h = img.header;
  const start = h.headerSize + h.imageSize;
  const out: string[] = [];
  let area: boolean | undefined;
  for (const t of img.tlvs) {
    if (t.protected !== area) {
      area = t.protected;
      const where = t.protected ? `protected area at ${hex32(start)}, ${h.protectedTlvSize} bytes (covered by the image hash)` : `area at ${hex32(start + h.protectedTlvSize)}${img.tlvEnd !== null ? `, ${img.tlvEnd - start - h.protectedTlvSize} bytes` : ''}`;
      out.push(`  ${st.dim(`${where}:`)}\n`);
    }
    const sig = img.signatures.find((s) => s.tlvOffset === t.offset);
    const what = sig ? `${sig.kind} signature` : tlvValue(t);
    out.push(`    ${hex32(t.offset)}  0x${t.type.toString(16).padStart(4, '0')} ${t.name.padEnd(17)} ${String(t.length).padStart(4)} B${what ? `  ${what}` : ''}\n`);
  }
  return out.join('');
}

function hashLine(img: McubootImage, st: Style): string {
  const hashes = img.tlvs.filter((t) => isMcubootHashTlv(t.type));
  if (hashes.length === 0) return img.tlvs.some((t) => t.name === 'SIG_PURE') ? 'none (a pure signature covers the image instead)' : st.red('none');
  if (img.hashChecks === null && (img.header.flags & MCUBOOT_F_ENCRYPTED) !== 0) return `${hashes.map((t) => t.name).join(', ')} ${st.dim('(not checked: the image is encrypted and its hash covers the plaintext)')}`;
  if (img.hashChecks === null) return `${hashes.map((t) => t.name).join(', ')} ${st.dim('(not verified; use --verify)')}`;
  if (img.hashChecks.length === 0) return `${hashes.map((t) => t.name).join(', ')} ${st.dim('(not checked: malformed)')}`;
  return img.hashChecks
    .map((c) => `${c.algorithm} ${c.valid ? st.green('valid') : st.red(`MISMATCH (computed ${toHex(c.computed)})`)} over ${img.header.protectedTlvSize ? 'the header, image and protected TLVs' : 'the header and image'} (bytes 0..${hex32(c.coveredLength)})`)
    .join('; ');
}

function flagText(name: string, f: McubootTrailerFlag, set: string, unset: string): string {
  const v = `0x${f.value.toString(16).padStart(2, '0')}`;
  return `${name} ${v} ${f.state === 'set' ? `set (${set})` : f.state === 'unset' ? `unset (${unset})` : 'not 0x01 or 0xFF: MCUboot reads it as not set'}`;
}

function trailerLines(t: McubootTrailer | null, tlvEnd: number | null, fileLength: number, st: Style): string {
  if (tlvEnd === null) return `  ${st.dim('not read (the TLV areas are not whole)')}\n`;
  if (t === null) return `  none: the file ends with the TLV areas (not padded to a slot with imgtool --pad)\n`;
  const pad = `${formatSize(fileLength - tlvEnd)} after the TLV areas`;
  if (t.maxAlign === null) return `  ${t.magic === 'good' ? `boot magic at ${hex32(t.magicOffset)}, but ` : ''}${t.undecided} (${pad})\n`;
  const swapInfo = t.swapInfo!;
  const swapType = SWAP_TYPES[swapInfo.value & 0x0f];
  return [
    `  padded to a slot: boot magic at ${hex32(t.magicOffset)}, max alignment ${t.maxAlign} (${pad})`,
    `  ${flagText('image_ok', t.imageOk!, 'confirmed: a permanent upgrade, as imgtool --confirm writes', 'pending test: MCUboot boots it once as a test and reverts it unless the app confirms it')}`,
    `  ${flagText('copy_done', t.copyDone!, 'the swap into this slot completed', 'no swap completed')}`,
    `  swap info 0x${swapInfo.value.toString(16).padStart(2, '0')} ${swapInfo.value === 0xff ? 'unset' : swapType ? `(${swapType} swap of image ${swapInfo.value >> 4})` : '(no swap type MCUboot knows)'}`,
    `  swap size ${t.swapSize!.value === 0xffffffff ? 'unset' : formatSize(t.swapSize!.value)}`,
  ].join('\n') + '\n';
}

export function renderMcuboot(img: McubootImage, fileLength: number, st: Style, name: string, columns: number): string {
  const h = img.header;
  const sigs = img.signatures.length === 0 ? 'none' : img.signatures.map((s) => `${s.kind} ${st.dim('(not verified: no key given)')}`).join('; ');
  return `${st.bold('espalgo image info')} ${name} ${st.dim('(MCUboot image)')}\n\n` +
    `  version ${h.version.major}.${h.version.minor}.${h.version.revision}+${h.version.build}\n  load address ${hex32(h.loadAddress)}\n` +
    `  header ${h.headerSize} bytes, protected TLVs ${h.protectedTlvSize} bytes, image ${formatSize(h.imageSize)}, flags ${hex32(h.flags)}\n` +
    `  hash       ${hashLine(img, st)}\n  signature  ${sigs}\n` +
    `\n${st.bold('TLVs')}\n${tlvLines(img, st)}` +
    `\n${st.bold('Trailer')}\n${trailerLines(img.trailer, img.tlvEnd, fileLength, st)}` +
    `\n${st.bold('Findings')}\n${renderFindings(img.findings, st, columns)}\n${summaryLine(img.findings)}\n`;
}
