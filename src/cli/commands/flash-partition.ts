/**
 * `espalgo flash … --partition NAME`: the arguments it allows (a FILE for write and verify, nothing
 * for read, erase and blank-check), and what it tells about the data written into the partition.
 */
import { hex32 } from '../../chips/types.js';
import type { NamedPartition } from '../../flash/partition-lookup.js';
import { IMAGE_MAGIC } from '../../image/image-header.js';
import { isMcubootImage } from '../../image/mcuboot.js';
import { readInputFile } from '../output/command-support.js';
import { refuseElfAsFlashData } from '../output/elf-input.js';
import { CliInputError } from '../output/exit-codes.js';
import { formatSize } from '../output/format.js';

export interface FlashFileData {
  readonly file: string;
  readonly data: Uint8Array;
}

/** write/verify --partition NAME: one FILE and no offset. */
export function partitionFile(action: 'write' | 'verify', args: readonly string[], partition: string): FlashFileData {
  if (args.length !== 1) {
    throw new CliInputError('BAD_ARGUMENTS', `with --partition give one FILE and no offset: the partition gives the offset (espalgo flash ${action} ${args[0] ?? 'FILE'} --partition ${partition})`);
  }
  const data = readInputFile(args[0]!);
  refuseElfAsFlashData(args[0]!, data, `${action} that`);
  return { file: args[0]!, data };
}

/** read/erase/blank-check --partition NAME: no offset and size, the partition gives both. */
export function checkNoRange(action: string, args: readonly string[], partition: string): void {
  if (args.length > 0) throw new CliInputError('BAD_ARGUMENTS', `with --partition give no offset or size: the partition gives both (espalgo flash ${action} --partition ${partition} …)`);
}

/** read/erase/blank-check without --partition and without OFFSET SIZE: the two ways to name the range, with examples. */
export function missingRange(action: string, noOffset: boolean): CliInputError {
  const out = action === 'read' ? ' -o nvs.bin' : '';
  return new CliInputError(
    'BAD_ARGUMENT',
    `${noOffset ? 'offset and size are' : 'size is'} missing: give the range (espalgo flash ${action} 0x9000 24K${out}) or a partition of the chip's table (espalgo flash ${action} --partition nvs${out})`,
  );
}

/** Data for an app partition that the 2nd-stage bootloader would not start: a sentence saying so, else undefined. */
export function appPartitionWarning(p: NamedPartition, file: FlashFileData): string | undefined {
  if (p.entry.typeName !== 'app' || file.data[0] === IMAGE_MAGIC || isMcubootImage(file.data)) return undefined;
  const first = file.data[0] === undefined ? 'is empty' : `starts with 0x${file.data[0].toString(16).padStart(2, '0')}`;
  return `${file.file} ${first}, not an ESP app image (magic 0xE9) or an MCUboot image; the bootloader will not start it from app partition "${p.entry.label}" at ${hex32(p.entry.offset)}`;
}

/**
 * A partition flagged encrypted: the stub reads and writes the flash as stored, so on a chip with
 * flash encryption enabled a write puts plaintext where the app reads through decryption, a read
 * gives ciphertext and a verify compares a file with it. A sentence for read, write and verify.
 */
export function encryptedPartitionWarning(p: NamedPartition, action: string): string | undefined {
  if (!p.entry.flags.encrypted || !['read', 'write', 'verify'].includes(action)) return undefined;
  const what = action === 'read' ? 'the bytes read are the flash as stored (ciphertext when flash encryption is enabled)' : action === 'write' ? 'the file is written as it is (espalgo does not encrypt): with flash encryption enabled, give a file already encrypted for this chip' : 'the file is compared with the flash as stored: with flash encryption enabled, give the encrypted file';
  return `partition "${p.entry.label}" at ${hex32(p.entry.offset)} is flagged encrypted; ${what}`;
}

/** "partition ota_0 (1 MiB at 0x00110000)" for text results. */
export function describePartition(p: NamedPartition): string {
  return `partition ${p.entry.label} (${formatSize(p.entry.size)} at ${hex32(p.entry.offset)})`;
}
