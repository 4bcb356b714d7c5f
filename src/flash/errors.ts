/**
 * Typed errors of the flash driver. Each carries a stable code, the flash address involved (when
 * there is one) and a sentence saying what to do about it.
 */
import { hex32 } from '../chips/types.js';

export type FlashErrorCode =
  | 'FLASH_UNALIGNED' // offset or length not aligned as the operation needs
  | 'FLASH_OUT_OF_RANGE' // the range reaches past the flash end (or the stub's 16 MiB limit)
  | 'FLASH_TOO_LARGE' // the data is larger than the flash
  | 'FLASH_EMPTY' // nothing to do (zero length)
  | 'FLASH_NO_PARTITION_TABLE' // a partition was named but the flash holds no readable partition table
  | 'FLASH_NO_SUCH_PARTITION' // the partition table has no partition of that name
  | 'FLASH_NOT_BOOTABLE' // the partition named to boot is not one otadata can select
  | 'FLASH_NO_OTADATA' // an OTA slot was to be selected but the table has no usable otadata partition
  | 'FLASH_UNSUPPORTED_CHIP' // no flasher stub for this chip
  | 'FLASH_SIZE_UNKNOWN' // the flash size could not be detected and none was given
  | 'FLASH_VERIFY_FAILED' // the on-target SHA-256 differs from the host's
  | 'FLASH_NOT_BLANK' // blank check found programmed bytes
  | 'FLASH_TRANSFER' // the data transfer to the stub failed
  | 'FLASH_SESSION' // the session is closed or could not be opened
  | 'FLASH_BAD_OPTION' // an override (flash size, table or app offset) no chip can have
  | 'FLASH_INTERRUPTED'; // the caller's AbortSignal stopped the operation between two stub calls

export class FlashError extends Error {
  readonly code: FlashErrorCode;
  /** Flash offset the error is about, if any. */
  readonly address: number | undefined;
  /** What the user can do about it. */
  readonly action: string;

  constructor(code: FlashErrorCode, private readonly detail: string, options: { address?: number; action: string; cause?: unknown }) {
    // The address is added unless the message already names it.
    const at = options.address !== undefined && !detail.includes(hex32(options.address)) ? ` (at ${hex32(options.address)})` : '';
    super(`${detail}${at}. ${options.action}`, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'FlashError';
    this.code = code;
    this.address = options.address === undefined ? undefined : options.address >>> 0;
    this.action = options.action;
  }

  /** The same error with another action, where the caller knows better what the user can do. */
  withAction(action: string): FlashError {
    return new FlashError(this.code, this.detail, { ...(this.address !== undefined ? { address: this.address } : {}), action, ...(this.cause !== undefined ? { cause: this.cause } : {}) });
  }
}

const INPUT_ERRORS: ReadonlySet<FlashErrorCode> = new Set<FlashErrorCode>([
  'FLASH_UNALIGNED',
  'FLASH_OUT_OF_RANGE',
  'FLASH_TOO_LARGE',
  'FLASH_EMPTY',
  'FLASH_NO_PARTITION_TABLE',
  'FLASH_NO_SUCH_PARTITION',
  'FLASH_NOT_BOOTABLE',
  'FLASH_NO_OTADATA',
  'FLASH_UNSUPPORTED_CHIP',
]);

/** True for errors that mean "the request was wrong" (nothing was touched). */
export function isFlashInputError(error: unknown): error is FlashError {
  return error instanceof FlashError && INPUT_ERRORS.has(error.code);
}
