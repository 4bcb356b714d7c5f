/**
 * Error codes of espalgo's own flasher stub (stub/src/stub.h), each with a sentence and what to do.
 * Negative return values are errors; 0 is OK; a few commands return positive values (PING, ERASE_CHECK).
 * These are *our* numbers. OpenOCD's stubs use other tables (three eras); never mix them.
 */

export interface StubErrorInfo {
  /** The number the stub returns. */
  readonly value: number;
  /** Stable name, e.g. FLASH_ID. */
  readonly name: string;
  /** What happened, in a sentence. */
  readonly message: string;
  /** What the user can do about it. */
  readonly action: string;
}

export const STUB_OK = 0;

export const STUB_ERRORS: readonly StubErrorInfo[] = [
  { value: -1, name: 'BAD_COMMAND', message: 'The stub does not know this command number.', action: 'Use a stub image built from the same espalgo version as the host code.' },
  { value: -2, name: 'BAD_ARGUMENT', message: 'An argument is invalid: an address, length or buffer is misaligned or missing, or an inflate window is not a power of two from 4 to 32 KiB.', action: 'Align flash addresses and lengths to 4 bytes (4 KiB for erase) and pass every buffer the command needs.' },
  { value: -3, name: 'OUT_OF_RANGE', message: 'The requested range lies beyond the end of the flash chip.', action: 'Check the address and length against the detected flash size (espalgo probe shows it).' },
  { value: -4, name: 'ROM_READ', message: 'The ROM flash read function reported an error.', action: 'Check the flash connection and SPI settings; retry after a reset if the application reconfigured the flash.' },
  { value: -5, name: 'ROM_WRITE', message: 'The ROM flash write function reported an error.', action: 'Make sure the range was erased and is not write-protected; retry, then check the flash power and wiring.' },
  { value: -6, name: 'ROM_ERASE', message: 'The ROM flash erase function reported an error.', action: 'Check that the flash is not write-protected (status register, WP pin) and retry.' },
  { value: -7, name: 'FLASH_ID', message: 'The flash JEDEC id could not be read (all zeros or all ones), even with extra dummy cycles cleared.', action: 'Check that the chip boots from SPI flash and that the flash pins are not used by the application; espalgo probe shows both ids.' },
  { value: -8, name: 'NO_PARTITION_TABLE', message: 'No partition table was found (none at the given offset, or none from 0x8000 to 1 MiB).', action: 'Pass the partition table offset or the application offset explicitly.' },
  { value: -9, name: 'NO_APP', message: 'The partition table lists no application partition.', action: 'Pass the application offset explicitly, or flash a partition table with an app partition.' },
  { value: -10, name: 'BAD_IMAGE_HEADER', message: 'There is no valid ESP application image at the application offset (wrong magic, segment count or segment sizes).', action: 'Check the application offset; non-ESP-IDF images (raw binaries, other boot schemes) need an explicit mapping.' },
  { value: -11, name: 'INFLATE', message: 'The compressed data is not a valid raw DEFLATE stream.', action: 'Compress with raw DEFLATE (no zlib or gzip header) and send the whole stream.' },
  { value: -12, name: 'STREAM_TIMEOUT', message: 'The host stopped feeding the stream buffer and the stub gave up waiting.', action: 'Raise the idle poll limit or check that the debugger can write memory while the CPU runs.' },
  { value: -13, name: 'BEYOND_16MB', message: 'The range reaches beyond 16 MiB, which the ROM flash functions (3-byte addresses) cannot address.', action: 'Keep stub operations below 16 MiB; larger flash needs 4-byte addressing, which this stub does not do.' },
  { value: -14, name: 'UNKNOWN_FLASH_SIZE', message: "The flash JEDEC id was read, but its capacity byte is not in the stub's size table.", action: 'Give the flash size explicitly; report the JEDEC id so the table can learn it.' },
  { value: -15, name: 'ROM_DATA', message: "The ROM's flash data pointer (0x3FCDFFF0) is not initialised, so the ROM flash functions cannot be used.", action: 'Let the chip run through its ROM start-up (reset and halt after boot) before flash operations.' },
  { value: -16, name: 'SIZE_MISMATCH', message: 'The decompressed data did not have the announced length.', action: 'Pass the exact uncompressed length of the data that was compressed.' },
  { value: -17, name: 'ROM_UNLOCK', message: "The ROM could not clear the flash's write protection.", action: 'Check the WP pin and the status register protection bits of the flash.' },
  { value: -18, name: 'STREAM_ABORTED', message: 'The host aborted the stream write.', action: 'None needed if the abort was intended; the range is partly written.' },
  { value: -19, name: 'STREAM_PROTOCOL', message: 'The stream control block was inconsistent (host index beyond the total or more than a ring ahead).', action: 'Use the StubClient stream writer, which follows the ring protocol.' },
  { value: -20, name: 'BAD_PARTITION', message: 'The chosen application partition starts at or beyond the end of the flash.', action: 'Check the partition table against the flash size, or pass the application offset.' },
  { value: -21, name: 'MCUBOOT_LOAD_HEADER', message: "The application is an MCUboot image, but no Espressif load header the stub recognises follows its header: no magic 0xACE637D3 at the header size, a header size below 32, a load header past the flash end, IROM/DROM regions outside the chip's flash windows or at flash offsets that differ from their addresses modulo 64 KiB, or regions that end past the app's partition (the flash, with an app offset given).", action: "Build the image with Espressif's MCUboot port (its load header names the mappings) and check the application offset; else give the mapping by hand." },
];

const BY_VALUE = new Map(STUB_ERRORS.map((e) => [e.value, e]));
const BY_NAME = new Map(STUB_ERRORS.map((e) => [e.name, e]));

/** The table entry for a (negative) return value, or a generic entry for an unknown one. */
export function describeStubError(value: number): StubErrorInfo {
  const v = value | 0;
  return (
    BY_VALUE.get(v) ?? {
      value: v,
      name: 'UNKNOWN',
      message: `The stub returned ${v}, which is not one of espalgo's stub codes.`,
      action: 'Make sure the stub image and the host code come from the same espalgo version.',
    }
  );
}

export function stubErrorByName(name: string): StubErrorInfo | undefined {
  return BY_NAME.get(name);
}

/** True for a return value that is one of the stub's errors (any negative value). */
export function isStubError(value: number): boolean {
  return (value | 0) < 0;
}
