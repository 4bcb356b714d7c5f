/** Errors of the flash-map analysis that mean "bad input", not "the flash has a problem". */

export type FlashMapErrorCode = 'FLASHMAP_BAD_OPTION' | 'FLASHMAP_EMPTY_FILE' | 'FLASHMAP_NOT_FLASH';

export class FlashMapInputError extends Error {
  readonly code: FlashMapErrorCode;
  constructor(code: FlashMapErrorCode, message: string) {
    super(message);
    this.name = 'FlashMapInputError';
    this.code = code;
  }
}
