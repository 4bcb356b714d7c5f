/**
 * The caller's overrides of what a probe or a session would find out — the flash size, where the
 * partition table is, which app to map — and the rules they must keep, for the library and the CLI
 * alike. A value no chip can have would otherwise reach the stub and come back as an unrelated stub
 * error, or as a report that quietly used something else.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { hex32 } from '../chips/types.js';
import { FlashError } from './errors.js';

/** The smallest flash a bootloader, a partition table and one app fit in: one 64 KiB MMU page. */
export const MIN_FLASH_SIZE = 0x10000;
/** The largest flash size taken: 1 GiB. */
export const MAX_FLASH_SIZE = 0x40000000;

/** A flash chip's size: a power of two from 64 KiB to 1 GiB. */
export function isFlashSize(size: number): boolean {
  return Number.isInteger(size) && size >= MIN_FLASH_SIZE && size <= MAX_FLASH_SIZE && (size & (size - 1)) === 0;
}

/**
 * Why a partition table cannot sit at `offset` (0, or off a 4 KiB flash sector), said of the
 * option `what` given as `shown`; undefined where it can.
 */
export function tableOffsetProblem(offset: number, what: string, shown: string): string | undefined {
  return offset === 0 || offset % 0x1000 !== 0 ? `${what} ${shown} cannot hold a partition table: it starts on a 4 KiB flash sector after the bootloader (ESP-IDF's default 0x8000)` : undefined;
}

/** Why an app image cannot start at `offset` on `chip` (off its smallest MMU page); undefined where it can. */
export function appOffsetProblem(offset: number, chip: ChipDescriptor, what: string): string | undefined {
  const page = Math.min(...chip.mmuPageSizes);
  return offset % page === 0 ? undefined : `${what} ${hex32(offset)} is not a multiple of 0x${page.toString(16)}: an app image starts on a ${page / 1024} KiB MMU page`;
}

export interface FlashOverrides {
  readonly flashSize?: number;
  readonly tableOffset?: number;
  readonly appOffset?: number;
}

/** Throws FLASH_BAD_OPTION, naming the option, where an override breaks its rule. */
export function checkFlashOverrides(options: FlashOverrides, chip: ChipDescriptor): void {
  const bad = (message: string, action: string): never => {
    throw new FlashError('FLASH_BAD_OPTION', message, { action });
  };
  for (const name of ['flashSize', 'tableOffset', 'appOffset'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      bad(`${name} ${value} is not a 32-bit flash offset or size`, 'Give a whole number from 0 to 0xFFFFFFFF');
    }
  }
  if (options.flashSize !== undefined && !isFlashSize(options.flashSize)) {
    bad(`flashSize ${options.flashSize} is not a flash size`, 'Give a power of two from 64 KiB to 1 GiB, e.g. 0x400000 for 4 MiB');
  }
  const table = options.tableOffset === undefined ? undefined : tableOffsetProblem(options.tableOffset, 'tableOffset', hex32(options.tableOffset));
  if (table) bad(table, 'Give the offset the bootloader reads the table from, or leave it out to have it searched');
  const app = options.appOffset === undefined ? undefined : appOffsetProblem(options.appOffset, chip, 'appOffset');
  if (app) bad(app, "Give the offset of the app's partition, or leave it out to map the app that boots");
}
