/**
 * The files of `espalgo flash write|verify FILE [OFFSET] [FILE OFFSET …]`: read, each with its
 * offset, refused when two overlap or when they come in esptool's order (offset first).
 */
import { existsSync } from 'node:fs';
import { CHIPS, chipByImageId } from '../../chips/index.js';
import { hex32 } from '../../chips/types.js';
import { readInputFile } from '../output/command-support.js';
import { refuseElfAsFlashData } from '../output/elf-input.js';
import { CliInputError } from '../output/exit-codes.js';
import { parseNumber } from '../output/format.js';
import { parseImage } from '../../image/image.js';
import { hasPartitionMagic } from '../../image/partition-table.js';
import { DEFAULT_TABLE_OFFSET } from '../../image/flash-map/table-scan.js';

export interface FlashFilePart {
  readonly file: string;
  readonly offset: number;
  readonly data: Uint8Array;
}

/** A flash offset argument: 0x10000, 65536 or 64K. */
export function parseOffset(text: string | undefined, what: string, fallback?: number): number {
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new CliInputError('BAD_ARGUMENT', `${what} is missing`);
  }
  const n = parseNumber(text);
  if (n === undefined) throw new CliInputError('BAD_ARGUMENT', `${what} "${text}" is not a number like 0x10000, 65536 or 64K`);
  if (n > 0xffffffff) throw new CliInputError('BAD_ARGUMENT', `${what} ${text} is past the 32-bit range (at most 0xFFFFFFFF); the stub reaches the first 16 MiB of flash`);
  return n;
}

/** esptool's order (offset, then file): say so, with the command to type, instead of "no such file: 0x10000". */
function checkOrder(action: 'write' | 'verify', args: readonly string[]): void {
  const swapped = (i: number) => {
    const [first, second] = [args[i], args[i + 1]];
    return first !== undefined && second !== undefined && !existsSync(first) && parseNumber(first) !== undefined && existsSync(second);
  };
  if (!swapped(0)) return;
  const fixed: string[] = [];
  for (let i = 0; i + 1 < args.length; i += 2) fixed.push(args[i + 1]!, args[i]!);
  throw new CliInputError('BAD_ARGUMENTS', `the file comes first, then the offset: espalgo flash ${action} ${fixed.join(' ')}`);
}

/** True for an ESP image that maps flash (an app); a bootloader or a merged flash image (bootloader first) runs from RAM. */
function isAppImage(data: Uint8Array): boolean {
  try {
    return !parseImage(data, { verify: 'none', descriptors: false }).ramOnly;
  } catch {
    return false;
  }
}

/**
 * `espalgo flash write app.bin` would put an app at 0x0, over the 2nd-stage bootloader: refused,
 * naming what to give instead. An offset given as 0 is taken as meant.
 */
function refuseAppAtZero(action: 'write' | 'verify', file: string, data: Uint8Array): void {
  if (action !== 'write' || !isAppImage(data)) return;
  throw new CliInputError(
    'BAD_ARGUMENTS',
    `${file} is an app image (it maps flash); at 0x0, the offset used when none is given, it would replace the bootloader. Give its offset (espalgo flash write ${file} 0x10000) or its partition (--partition factory); write 0x0 to mean it`,
  );
}

/**
 * A whole flash file (a chip's bootloader at byte 0 and its partition table where the table sits
 * relative to it) given an offset other than the chip's bootloader offset: the chip would find
 * neither there. Likewise a bootloader alone (any image that runs from RAM: the ROM loads it only
 * from the bootloader offset), say at the ESP32's 0x1000 on a chip whose bootloader sits at 0x0.
 * Written as given (an explicit offset is taken as meant; an OTA or recovery bootloader partition
 * holds one elsewhere), with this warning.
 */
export function misplacedFlashFileWarning(part: FlashFilePart): string | undefined {
  let image;
  try {
    image = parseImage(part.data, { verify: 'none', descriptors: false });
  } catch {
    return undefined;
  }
  const chip = chipByImageId(image.header.chipId);
  if (!image.ramOnly || !chip || part.offset === chip.bootloaderOffset) return undefined;
  const tableAt = DEFAULT_TABLE_OFFSET - chip.bootloaderOffset;
  if (!hasPartitionMagic(part.data.subarray(tableAt))) {
    const theirs = CHIPS.filter((c) => c.bootloaderOffset === part.offset).map((c) => `the ${c.displayName}'s`);
    const whose = theirs.length ? ` (${theirs.join(' and ')} bootloader offset)` : '';
    return `${part.file} is a bootloader image for the ${chip.displayName} (it runs from RAM): the ROM loads it only from ${hex32(chip.bootloaderOffset)}, and nothing starts it at ${hex32(part.offset)}${whose} unless that is an OTA or recovery bootloader partition; written there as given`;
  }
  return `${part.file} is a whole flash file for the ${chip.displayName} (its bootloader at byte 0, its partition table at +${hex32(tableAt)}): it belongs at ${hex32(chip.bootloaderOffset)}, where the ROM reads the bootloader, not at ${hex32(part.offset)}; written there as given`;
}

/** FILE [OFFSET] (offset 0 when left out, but not for an app image), or FILE OFFSET pairs; read and checked for overlaps. */
export function flashFileParts(action: 'write' | 'verify', args: readonly string[]): FlashFilePart[] {
  checkOrder(action, args);
  if (args.length > 2 && args.length % 2 !== 0) {
    throw new CliInputError('BAD_ARGUMENTS', `give FILE OFFSET pairs for more than one file, e.g. espalgo flash ${action} bootloader.bin 0x0 partitions.bin 0x8000 app.bin 0x10000 (the last file has no offset)`);
  }
  const parts: FlashFilePart[] = [];
  for (let i = 0; i < Math.max(1, args.length); i += 2) {
    const file = args[i]!;
    const offset = parseOffset(args[i + 1], `offset of ${file}`, args.length <= 2 ? 0 : undefined);
    const data = readInputFile(file);
    refuseElfAsFlashData(file, data, `${action} that`);
    if (args.length === 1) refuseAppAtZero(action, file, data);
    parts.push({ file, offset, data });
  }
  const sorted = [...parts].sort((a, b) => a.offset - b.offset);
  for (let k = 0; k + 1 < sorted.length; k++) {
    const a = sorted[k]!;
    const b = sorted[k + 1]!;
    if (b.offset < a.offset + a.data.length) {
      throw new CliInputError('BAD_ARGUMENTS', `${a.file} (${hex32(a.offset)}..${hex32(a.offset + a.data.length)}) and ${b.file} (from ${hex32(b.offset)}) overlap; nothing was touched`);
    }
  }
  return parts;
}
