/** Typed errors of the image layer. Each carries a stable `code`, where it happened and a sentence. */
import { hex32, hexWide } from '../chips/types.js';

export type ImageErrorCode =
  | 'IMAGE_TRUNCATED'
  | 'IMAGE_BAD_MAGIC'
  | 'IMAGE_ESP8266'
  | 'IMAGE_BAD_HEADER'
  | 'IMAGE_BAD_SEGMENT'
  | 'IMAGE_CHECKSUM'
  | 'IMAGE_HASH'
  | 'IMAGE_BUILD'
  | 'DESC_BAD_MAGIC'
  | 'PARTITION_BAD_ENTRY'
  | 'PARTITION_MD5'
  | 'PARTITION_OVERLAP'
  | 'PARTITION_TOO_MANY'
  | 'CSV_SYNTAX'
  | 'CSV_NEEDS_OFFSET'
  | 'OTADATA_TRUNCATED'
  | 'MCUBOOT_BAD_MAGIC'
  | 'MCUBOOT_TRUNCATED'
  | 'ELF_NOT_ELF'
  | 'ELF_CLASS'
  | 'ELF_ENDIAN'
  | 'ELF_TRUNCATED'
  | 'ELF_BAD_HEADER'
  | 'ELF_NO_SEGMENTS'
  | 'ELF_NOT_EXECUTABLE'
  | 'ELF_UNMAPPABLE'
  | 'ELF_LOAD_ADDRESS'
  | 'MERGE_ALIGN'
  | 'MERGE_OVERLAP'
  | 'MERGE_RANGE'
  | 'BYTES_RANGE';

export interface ImageFormatErrorDetails {
  /** Byte offset (in the buffer being parsed) where the problem is. */
  readonly offset?: number;
  readonly expected?: number | string;
  readonly found?: number | string;
  /** 1-based line number, for text formats (CSV). */
  readonly line?: number;
}

export class ImageFormatError extends Error {
  readonly code: ImageErrorCode;
  readonly offset?: number;
  readonly expected?: number | string;
  readonly found?: number | string;
  readonly line?: number;
  constructor(code: ImageErrorCode, message: string, details: ImageFormatErrorDetails = {}) {
    super(message);
    this.name = 'ImageFormatError';
    this.code = code;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.found !== undefined) this.found = details.found;
    if (details.line !== undefined) this.line = details.line;
  }
}

/** True if `e` is an ImageFormatError (optionally with the given code). */
export function isImageFormatError(e: unknown, code?: ImageErrorCode): e is ImageFormatError {
  return e instanceof ImageFormatError && (code === undefined || e.code === code);
}

/** 0x + 8 hex digits. */
export const h32 = hex32;

/** 0x + 8 hex digits at least, more past 4 GiB (hexWide). */
export const hWide = hexWide;

/** 0x + 2 hex digits. */
export function h8(v: number): string {
  return '0x' + (v & 0xff).toString(16).padStart(2, '0');
}

/** 0x + 4 hex digits. */
export function h16(v: number): string {
  return '0x' + (v & 0xffff).toString(16).padStart(4, '0');
}
