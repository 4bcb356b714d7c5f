/**
 * What the numbers in Espressif OpenOCD's flash messages mean, per stub protocol era, in our own
 * words: the stub error tables of eras A, B and C, era C's flash-map result enum, and the few
 * OpenOCD return codes that show up in the same messages (OpenOCD's ERROR_FAIL is -4, which is
 * not the stub's -4). Pure: no I/O.
 *
 * Rule: a stub number is never shown without its era: "-9 (era B: FLASH_SIZE)".
 */
import type { OpenOcdEra } from './openocd-eras.js';

export type CodeTable = 'stub' | 'map-result';

export interface OpenOcdCodeInfo {
  readonly value: number;
  readonly name: string;
  /** What happened, in plain words. */
  readonly meaning: string;
  /** What to do about it. */
  readonly action: string;
  /** Era A only: the first release whose stub could return it. */
  readonly since?: string;
}

export interface DecodedCode {
  readonly value: number;
  readonly era: OpenOcdEra;
  readonly table: CodeTable;
  /** Undefined when the number is not in that era's table. */
  readonly info?: OpenOcdCodeInfo;
}

const e = (value: number, name: string, meaning: string, action: string, since?: string): OpenOcdCodeInfo =>
  since === undefined ? { value, name, meaning, action } : { value, name, meaning, action, since };

// Meanings shared by the legacy stub (eras A and B).
const FAIL_AB = 'Generic failure. From the flash-mapping query it usually means the stub could not work out the flash size (it read an unknown or garbled flash JEDEC id), because every command except the size query gives up with this code then.';
const INVALID_IMAGE = 'No partition table was found at 0x8000: the first bytes there do not carry the partition magic AA 50. The flash is erased or half-programmed, or the table was moved to another offset.';
const INVALID_IMAGE_DO = 'Flash the bootloader, partition table and app again; if your table is at another offset, tell OpenOCD where the app is: -c "init; halt; esp appimage_offset 0x10000" (your app offset).';
const INVALID_PARTITION = 'A partition listed before the first app partition reaches past the end of the flash size the stub detected. Either the table was made for a bigger flash or the size was detected wrong.';
const INVALID_PARTITION_DO = 'Compare the partition table with the real flash size of the module (espalgo flash-map on a dump or on the merged image shows both); rebuild with the matching flash size.';
const APP_MAGIC = 'The first app partition does not start with an ESP-IDF app image (magic byte 0xE9). Typical for non-IDF firmware (Zephyr, NuttX, Rust, MCUboot before 2025) or a wrong app offset.';
const APP_MAGIC_DO = 'Point OpenOCD at the real app image with -c "init; halt; esp appimage_offset <offset>"; for MCUboot or other boot schemes use a newer OpenOCD (MCUboot support came in 2025) or set breakpoints in RAM only.';

const DEFLATE_DO = 'Retry the write; if it repeats, turn compression off (esp compression off) and report the OpenOCD version.';

/** Era A: releases up to 20240318. 2021 builds knew -1…-5, 2022 builds added -6, 2023 builds -7 and -8. */
export const ERA_A_STUB_ERRORS: readonly OpenOcdCodeInfo[] = [
  e(-1, 'FAIL', FAIL_AB, 'Look for "Failed to get flash size!" nearby: if it is there, the flash id could not be read (see the diagnosis).'),
  e(-2, 'NOT_SUPPORTED', 'The stub does not support this command (stub and OpenOCD out of step).', 'Use the OpenOCD build as released; do not mix stub binaries between versions.'),
  e(-3, 'INFLATE', 'The compressed flash data could not be unpacked by the stub.', DEFLATE_DO),
  e(-4, 'NOT_ENOUGH_DATA', 'The compressed stream ended before the announced amount of data was written.', DEFLATE_DO),
  e(-5, 'TOO_MUCH_DATA', 'The compressed stream held more data than announced.', DEFLATE_DO),
  e(-6, 'INVALID_IMAGE', INVALID_IMAGE, INVALID_IMAGE_DO, '20211220'),
  e(-7, 'INVALID_PARTITION', INVALID_PARTITION, INVALID_PARTITION_DO, '20230221'),
  e(-8, 'INVALID_APP_MAGIC', APP_MAGIC, APP_MAGIC_DO, '20230221'),
];

/** Era B: releases 20240726…20260424 (the #366 build, 20241016, is one). Also the MAP_GET result code. */
export const ERA_B_STUB_ERRORS: readonly OpenOcdCodeInfo[] = [
  e(-1, 'FAIL', 'Generic failure. For commands other than the flash-mapping query it also means the flash size came out as 0.', 'Check the lines around it; if the flash size is 0, see the FLASH_SIZE (-9) advice.'),
  e(-2, 'NOT_SUPPORTED', 'The stub does not support this command (stub and OpenOCD out of step).', 'Use the OpenOCD build as released; do not mix stub binaries between versions.'),
  e(-3, 'INFLATE', 'The compressed flash data could not be unpacked by the stub.', DEFLATE_DO),
  e(-4, 'NOT_ENOUGH_DATA', 'The compressed stream ended before the announced amount of data was written.', DEFLATE_DO),
  e(-5, 'TOO_MUCH_DATA', 'The compressed stream held more data than announced.', DEFLATE_DO),
  e(-6, 'INVALID_IMAGE', INVALID_IMAGE, INVALID_IMAGE_DO),
  e(-7, 'INVALID_PARTITION', INVALID_PARTITION, INVALID_PARTITION_DO),
  e(-8, 'INVALID_APP_MAGIC', 'The first app partition does not start with an ESP-IDF app image (magic byte 0xE9), nor, on 2025 and later builds, with an MCUboot header. Typical for non-IDF firmware (Zephyr, NuttX, Rust) or a wrong app offset.', APP_MAGIC_DO),
  e(-9, 'FLASH_SIZE', 'The stub could not turn the flash JEDEC id into a size (size 0): the id was unknown, or it was read garbled because the application left the SPI1 controller in a state the stub does not undo (extra dummy cycles from PSRAM timing tuning). This check runs before any flash read, so the partition table and app are not involved.', 'See the diagnosis: set ESP_FLASH_SIZE 0 to get GDB connected, probe with espalgo, or use OpenOCD 20260702 or later.'),
  e(-10, 'READ_PARTITION', 'The ROM flash read of a partition-table entry failed.', 'Check the flash wiring and whether the application reconfigured the flash pins; reset the chip and retry.'),
  e(-11, 'READ_APP_SEGMENT', 'Reading a segment header of the app image failed.', 'Check that the app offset points at a complete image; re-flash the app.'),
  e(-12, 'READ_APP_IMAGE_HEADER', 'Reading the app image header failed.', 'Check that the app offset points at a complete image; re-flash the app.'),
];

/** Era C: releases from 20260702 on; the stub's own errors are positive (printed in hex). */
export const ERA_C_STUB_ERRORS: readonly OpenOcdCodeInfo[] = [
  e(0x1, 'FAIL', 'Generic stub failure.', 'Run with -c "esp stub_log on" -d3 to see where the stub stopped.'),
  e(0x2, 'NOT_SUPPORTED', 'The stub does not support this command.', 'Use the OpenOCD build as released; do not mix stub binaries between versions.'),
  e(0x3, 'INFLATE', 'The compressed flash data could not be unpacked by the stub.', DEFLATE_DO),
  e(0x4, 'NOT_ENOUGH_DATA', 'The compressed stream ended before the announced amount of data was written.', DEFLATE_DO),
  e(0x5, 'TOO_MUCH_DATA', 'The compressed stream held more data than announced.', DEFLATE_DO),
  e(0x6, 'TIMEOUT', 'The stub gave up waiting (for data from the host, or for the flash).', 'Retry with a lower adapter speed; check the USB-JTAG connection.'),
  e(0x7, 'FLASH_ENCRYPTION_NOT_ENABLED', 'An encrypted write was asked for, but flash encryption is not enabled on the chip.', 'Drop the encrypt option (esp encrypt_binary no) or enable flash encryption first.'),
  e(0x8, 'INIT_FAILED', 'The stub could not initialise the flash and cache.', 'Reset the chip (reset halt) and retry; collect a stub log (esp stub_log on) if it repeats.'),
  e(0x50, 'PARTITION_NOT_FOUND', 'No ESP-IDF partition table or app partition was found.', 'Tell OpenOCD where the app is: -c "init; halt; esp appimage_offset <offset>".'),
  e(0x100, 'FLASH_ID', 'The flash JEDEC id is unknown or the flash size could not be worked out.', 'Check the module\'s flash; collect a stub log (esp stub_log on) and report the id.'),
  e(0x101, 'FLASH_READ_UNALIGNED', 'A flash read was not 4-byte aligned.', 'Align the address and length to 4 bytes.'),
  e(0x102, 'FLASH_READ', 'The stub\'s read from the flash chip failed.', 'Check the flash wiring and whether the application reconfigured the flash pins; reset and retry.'),
  e(0x103, 'FLASH_WRITE_UNALIGNED', 'A flash write was not 4-byte aligned.', 'Align the address and length to 4 bytes.'),
  e(0x104, 'FLASH_WRITE', 'Writing to (or erasing) the flash chip failed.', 'Check write protection (status register, WP pin) and the flash power; retry.'),
  e(0x1000, 'APPTRACE_CANNOT_SWAP', 'The trace buffer used to move flash data could not be swapped.', 'Retry; lower the adapter speed if it repeats.'),
  e(0x1001, 'APPTRACE_RECV_INVALID_ARG', 'Bad arguments to the trace receive path.', 'Report it with the OpenOCD version; retry after a reset.'),
  e(0x1002, 'APPTRACE_SEND_INVALID_ARG', 'Bad arguments to the trace send path.', 'Report it with the OpenOCD version; retry after a reset.'),
  e(0x1003, 'APPTRACE_DOWN_BUF_FAIL', 'The host-to-target trace buffer could not be obtained.', 'Retry after a reset; lower the adapter speed.'),
  e(0x1004, 'APPTRACE_UP_BUF_FAIL', 'The target-to-host trace buffer could not be obtained.', 'Retry after a reset; lower the adapter speed.'),
  e(0x2000, 'EXCEPTION', 'The stub crashed with a CPU exception.', 'Collect a stub log (-c "esp stub_log on" -d3) and report it; reset the chip before debugging further.'),
];

/** Era C: the result code inside the MAP_GET reply ("result code 0xN"). */
export const ERA_C_MAP_RESULTS: readonly OpenOcdCodeInfo[] = [
  e(1, 'INVALID_FLASH_SIZE', 'The stub could not establish a flash size, so no mapping was attempted.', 'See the diagnosis for a zero flash size.'),
  e(2, 'INVALID_PARTITION', INVALID_PARTITION, INVALID_PARTITION_DO),
  e(3, 'READ_PARTITION', 'Reading the partition table failed.', 'Check the flash wiring and the app offset; reset and retry.'),
  e(4, 'UNKNOWN_PARTITION_MAGIC', INVALID_IMAGE, INVALID_IMAGE_DO),
  e(5, 'INVALID_PROBE', 'The header at the app offset claims sizes beyond the end of the flash.', 'Check the app offset (esp appimage_offset) and re-flash the app.'),
  e(6, 'READ_PROBE', 'Reading the header at the app offset failed.', 'Check the app offset and the flash wiring; reset and retry.'),
  e(7, 'UNKNOWN_PROBE_MAGIC', 'The header at the app offset is neither an ESP app image nor an MCUboot image.', APP_MAGIC_DO),
  e(8, 'INVALID_MCUBOOT', 'The MCUboot program header claims sizes beyond the end of the flash.', 'Check that the MCUboot image is complete and built for this flash size.'),
  e(9, 'READ_MCUBOOT', 'Reading the MCUboot program header failed.', 'Check the flash wiring; reset and retry.'),
  e(10, 'UNKNOWN_MCUBOOT_MAGIC', 'An MCUboot image was found, but its ESP program header has the wrong magic.', 'Rebuild the image with the ESP MCUboot port, or set breakpoints in RAM only.'),
  e(11, 'MCUBOOT_VADDR', 'The MCUboot program header gives DROM/IROM addresses outside the chip\'s flash windows.', 'Check the image was built for this chip.'),
  e(12, 'INVALID_SEGMENT', 'An app segment header claims sizes beyond the end of the flash.', 'Re-flash the app; check the app offset.'),
  e(13, 'READ_SEGMENT', 'Reading an app segment header failed.', 'Check the flash wiring; reset and retry.'),
];

/** OpenOCD's own return codes that appear in the ESP flash messages (never stub codes). */
export const OPENOCD_RETURN_CODES: readonly OpenOcdCodeInfo[] = [
  e(-4, 'ERROR_FAIL', "OpenOCD's generic failure code, passed up by the flash driver after the real error was printed above it. It is not the stub's -4.", 'Read the line before it: that one names the cause.'),
  e(-5, 'ERROR_WAIT', 'An operation was still in progress.', 'Retry the command after a moment.'),
  e(-6, 'ERROR_TIMEOUT_REACHED', 'OpenOCD waited too long.', 'Retry; lower the adapter speed.'),
  e(-7, 'ERROR_NOT_IMPLEMENTED', 'OpenOCD does not implement this here.', 'Use another command or a newer OpenOCD.'),
  e(-302, 'ERROR_TARGET_TIMEOUT', 'The stub did not finish in time (it may hang in the flash or wait on a halted core).', 'Reset the chip (reset halt) and retry; if it repeats, collect -c "esp stub_log on" -d3.'),
  e(-304, 'ERROR_TARGET_NOT_HALTED', 'The CPU was running; flash operations need it halted.', 'Halt first (halt, or reset halt), then retry.'),
  e(-305, 'ERROR_TARGET_FAILURE', 'Talking to the CPU failed (memory or register access).', 'Check the JTAG connection and adapter speed; reset halt and retry.'),
  e(-307, 'ERROR_TARGET_DATA_ABORT', 'A memory access by the debugger faulted.', 'Reset halt and retry; check the work-area settings of the target config.'),
  e(-308, 'ERROR_TARGET_RESOURCE_NOT_AVAILABLE', 'No working area (free RAM) was available to load the stub, or no hardware breakpoint was free.', 'Do not shrink the work area in the target config; reset halt and retry.'),
  e(-313, 'ERROR_TARGET_ALGO_EXIT', 'The stub stopped at an unexpected place (it crashed or was interrupted).', 'Reset halt and retry; collect -c "esp stub_log on" -d3 if it repeats.'),
];

const BY_ERA: Readonly<Record<OpenOcdEra, ReadonlyMap<number, OpenOcdCodeInfo>>> = {
  A: new Map(ERA_A_STUB_ERRORS.map((i) => [i.value, i])),
  B: new Map(ERA_B_STUB_ERRORS.map((i) => [i.value, i])),
  C: new Map(ERA_C_STUB_ERRORS.map((i) => [i.value, i])),
};
const MAP_RESULTS = new Map(ERA_C_MAP_RESULTS.map((i) => [i.value, i]));
const OPENOCD = new Map(OPENOCD_RETURN_CODES.map((i) => [i.value, i]));

/**
 * Old builds printed a negative stub code as an unsigned 32-bit number (-6 as 4294967290).
 * Values from 2^31 to 2^32-1 become negative again; anything else is returned as is.
 */
export function toSigned32(value: number): number {
  if (Number.isInteger(value) && value >= 0x80000000 && value <= 0xffffffff) return value - 0x100000000;
  return value;
}

/** True when `value` looks like a negative number printed unsigned. */
export function isUnsignedNegative(value: number): boolean {
  return toSigned32(value) !== value;
}

/** Decode a stub number in one era. Era C map results need table 'map-result'. */
export function decodeStubCode(value: number, era: OpenOcdEra, table: CodeTable = 'stub'): DecodedCode {
  const v = era === 'C' ? value : toSigned32(value);
  const info = table === 'map-result' ? (era === 'C' ? MAP_RESULTS.get(v) : BY_ERA[era].get(v)) : BY_ERA[era].get(v);
  return info ? { value: v, era, table, info } : { value: v, era, table };
}

/** OpenOCD's own return code (as in "Failed to get flash mappings (-4)!"), or undefined. */
export function decodeOpenOcdCode(value: number): OpenOcdCodeInfo | undefined {
  return OPENOCD.get(toSigned32(value));
}

function numberText(value: number, era: OpenOcdEra): string {
  return era === 'C' && value >= 0 ? `0x${value.toString(16)}` : String(value);
}

/** "-9 (era B: FLASH_SIZE)", "0x100 (era C: FLASH_ID)", "0x1 (era C map result: INVALID_FLASH_SIZE)", "5 (era A: not a known code)". */
export function formatStubCode(d: DecodedCode): string {
  const where = d.table === 'map-result' && d.era === 'C' ? 'era C map result' : `era ${d.era}`;
  return `${numberText(d.value, d.era)} (${where}: ${d.info ? d.info.name : 'not a known code'})`;
}

/** "-4 (OpenOCD ERROR_FAIL, not a stub code)". */
export function formatOpenOcdCode(value: number): string {
  const v = toSigned32(value);
  const info = OPENOCD.get(v);
  return `${v} (OpenOCD ${info ? info.name : 'return code'}, not a stub code)`;
}

/** Every era whose table knows the number (for logs whose era is unknown). */
export function erasKnowing(value: number, table: CodeTable = 'stub'): OpenOcdEra[] {
  return (['A', 'B', 'C'] as const).filter((era) => decodeStubCode(value, era, table).info !== undefined);
}
