/** An ELF file given where flash contents belong: the usual mix-up of app.elf and app.bin. */
import { basename } from 'node:path';
import { isElfFile } from '../../image/elf.js';
import { CliInputError } from './exit-codes.js';

/**
 * Refuse an ELF file where bytes for the flash belong (nothing on the chip boots an ELF from
 * flash), naming the command that builds the image to use instead; `then` says what to do with it.
 */
export function refuseElfAsFlashData(file: string, data: Uint8Array, then: string): void {
  if (!isElfFile(data)) return;
  const bin = basename(file).replace(/\.elf$/i, '') + '.bin';
  throw new CliInputError(
    'ELF_NOT_FLASH_DATA',
    `${file} is an ELF file (a linked program), not flash contents: the chip never runs an ELF from flash. Build its app image first (espalgo image elf2image ${file} --chip CHIP, which writes ${bin}), then ${then}`,
  );
}
