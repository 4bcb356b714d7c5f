/** Host-side flash-map analysis: where things sit in an ESP flash file and what a debugger would map. */
export { analyzeFlashMap } from './analyze.js';
export { bootloaderFlashEnd } from './bootloader-extent.js';
export { FlashMapInputError, type FlashMapErrorCode } from './errors.js';
export { DEFAULT_TABLE_OFFSET, scanTables, type FoundTable, type TableScan } from './table-scan.js';
export { flashSizeFromCode } from './codec.js';
export type * from './types.js';
