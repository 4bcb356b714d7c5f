/**
 * The overall diagnosis of an OpenOCD log: which known failure the explained lines add up to
 * (the #366 family "flash size 0", no partition table, not an IDF app, …), why, and what to do.
 * Pure: no I/O.
 */
import type { EraResolution, Explanation, FlashFacts } from './explain.js';
import type { LogEvent } from './openocd-log.js';

export type DiagnosisId =
  | 'flash-size-zero'
  | 'no-partition-table'
  | 'partition-beyond-flash'
  | 'not-an-idf-app'
  | 'flash-read-failed'
  | 'stub-not-run'
  | 'mapping-only'
  | 'gdb-refused'
  | 'large-flash-legacy-stub'
  | 'adapter';

export interface Diagnosis {
  readonly id: DiagnosisId;
  readonly title: string;
  readonly summary: string;
  readonly actions: readonly string[];
  readonly confidence: 'high' | 'medium' | 'low';
  /** Log lines that led to it. */
  readonly lines: readonly number[];
}

export interface DiagnoseInput {
  readonly events: readonly LogEvent[];
  readonly explanations: readonly Explanation[];
  readonly era: EraResolution;
  readonly facts: FlashFacts;
  readonly chip?: string;
  /** The sentence recommending espalgo's own probe. */
  readonly espalgoProbe: string;
}

const NAMES = {
  sizeZero: ['FLASH_SIZE', 'INVALID_FLASH_SIZE', 'FLASH_ID'],
  noTable: ['INVALID_IMAGE', 'UNKNOWN_PARTITION_MAGIC', 'PARTITION_NOT_FOUND'],
  beyond: ['INVALID_PARTITION'],
  notApp: ['INVALID_APP_MAGIC', 'UNKNOWN_PROBE_MAGIC', 'INVALID_PROBE', 'INVALID_MCUBOOT', 'UNKNOWN_MCUBOOT_MAGIC', 'MCUBOOT_VADDR', 'INVALID_SEGMENT'],
  read: ['READ_PARTITION', 'READ_APP_SEGMENT', 'READ_APP_IMAGE_HEADER', 'READ_PROBE', 'READ_MCUBOOT', 'READ_SEGMENT', 'FLASH_READ'],
} as const;

const linesNamed = (xs: readonly Explanation[], names: readonly string[]): number[] =>
  xs.filter((x) => x.codeNames?.some((n) => names.includes(n))).map((x) => x.line);

const linesOf = (events: readonly LogEvent[], pred: (e: LogEvent) => boolean): number[] => events.filter(pred).map((e) => e.line);

const uniqSorted = (ns: readonly number[]): number[] => [...new Set(ns)].sort((a, b) => a - b);

/** True when every era the log can belong to uses the legacy stub (eras A and B: 3-byte addresses, no dummy clearing). */
function legacyStub(era: EraResolution): boolean {
  const eras = era.era ? [era.era] : era.candidates;
  return eras.length > 0 && eras.every((c) => c !== 'C');
}

/** "era A", or "era A or B" while the log does not decide between them. */
const eraWords = (era: EraResolution): string => `era ${era.era ?? era.candidates.join(' or ')}`;

function sizeZero(input: DiagnoseInput): Diagnosis | undefined {
  const { events, explanations, era, chip } = input;
  const named = linesNamed(explanations, NAMES.sizeZero);
  const hinted = linesOf(events, (e) => (e.kind === 'maps-hint' && e.hint === 'read-flash-size') || e.kind === 'flash-size-failed' || (e.kind === 'probe-failed' && e.sizeKb === 0));
  if (named.length === 0 && hinted.length === 0) return undefined;
  // Era A: MAP_GET fails with -1 when the size is 0; count that line too.
  const eraAFail = events.some((e) => e.kind === 'flash-size-failed') ? linesNamed(explanations, ['FAIL']) : [];
  const lines = uniqSorted([...named, ...hinted, ...eraAFail]);
  const version = era.version;
  const date = version?.releaseDate;
  const legacy = legacyStub(era);
  const parts: string[] = [
    'OpenOCD\'s flasher stub read the flash chip\'s JEDEC id and could not turn it into a size, so the flash size is 0. That check comes before anything is read from flash: the partition table, the app image and the partition layout are not involved.',
    'With size 0 the whole-flash bank cannot be probed, and because GDB has every bank probed when it connects, GDB is turned away.',
  ];
  const actions: string[] = [
    'Get GDB connected now: start OpenOCD with -c "set ESP_FLASH_SIZE 0" before the target config (e.g. openocd -c "set ESP_FLASH_SIZE 0" -f board/esp32s3-builtin.cfg). The cost: no flash banks, hardware breakpoints only (2 on ESP32-S3), no flashing through OpenOCD.',
    input.espalgoProbe,
  ];
  let confidence: Diagnosis['confidence'] = 'high';
  if (chip === 'esp32s3' && legacy) {
    parts.push('On ESP32-S3 the usual reason is the state the application left the SPI1 controller in. When ESP-IDF tunes the timing of octal PSRAM at 80 MHz (MicroPython\'s SPIRAM_OCT builds, Arduino with PSRAM enabled), it sets extra dummy cycles that flash and PSRAM share. The legacy stub adds its own dummy setting on top and does not clear the tuned one, so the id comes back bit-shifted: either the capacity byte is not in its size table, or, on octal-flash modules, the manufacturer byte is no longer MXIC\'s 0xC2 and the stub rejects it. The same board works with a plain hello_world because nothing is tuned there.');
    actions.push('Use OpenOCD v0.12.0-esp32-20260702 or later: its stub clears ESP-IDF\'s extra-dummy tuning on SPI1 and resets the SPI1 user registers before reading the id (a fix made for exactly this; not yet confirmed on every 32 MB octal board).');
    confidence = 'medium';
  } else if (chip === 'esp32c3' && date !== undefined && date < '20260304') {
    parts.push('On ESP32-C3, builds before 20260304 picked the SPI pins for the id read from the strapping pins, and on some boards (XIAO ESP32-C3 and custom C3 boards) read a wrong id.');
    actions.push('Use OpenOCD v0.12.0-esp32-20260304 or later, which fixed the C3 id read.');
    confidence = 'medium';
  } else if (era.era === 'C') {
    parts.push('Era C stubs do not fail on an unknown id (they fall back to the chip\'s largest size), so a zero size here means the flash could not be initialised or did not answer at all.');
    confidence = 'medium';
  } else if (legacy) {
    parts.push('Likely reasons: a flash chip whose id the legacy size table does not know, or an application that left the SPI1 controller in a state the stub does not undo (extra dummy cycles, octal mode).');
    actions.push('Try OpenOCD v0.12.0-esp32-20260702 or later: its stub reads the id through the ROM, clears SPI1\'s extra dummy cycles, and falls back to the chip\'s largest size for unknown ids.');
    confidence = 'medium';
  }
  actions.push(
    'Not worth trying for this error: a numeric ESP_FLASH_SIZE (broken up to 20260424, and the probe overwrites it with the detected size anyway) and "esp appimage_offset" (the size check runs before the app is looked for).',
    'To report it: run OpenOCD with -c "esp stub_log on" -d3 -l openocd.log and attach that log.',
  );
  return { id: 'flash-size-zero', title: 'The flash size could not be detected (JEDEC id unknown or read garbled)', summary: parts.join(' '), actions, confidence, lines };
}

function named(input: DiagnoseInput, id: DiagnosisId, names: readonly string[], title: string, summary: string, actions: string[]): Diagnosis | undefined {
  const lines = linesNamed(input.explanations, names);
  return lines.length ? { id, title, summary, actions, confidence: 'high', lines: uniqSorted(lines) } : undefined;
}

const APP_OFFSET = 'Tell OpenOCD where the app is: openocd … -c "init; halt; esp appimage_offset 0x10000" (your app\'s offset; espalgo flash-map on a flash dump or merged image lists the partitions and apps).';

/** All diagnoses that apply, most important first. */
export function diagnose(input: DiagnoseInput): Diagnosis[] {
  const { events, facts, era } = input;
  const out: (Diagnosis | undefined)[] = [];
  const zero = sizeZero(input);
  out.push(zero);
  out.push(named(input, 'no-partition-table', NAMES.noTable, 'No partition table where the stub looked',
    'The stub found no partition table at 0x8000, so it could not find the app. Usual causes: erased or half-programmed flash, an app flashed over the table (for example a .bin written at 0x8000), or a partition table moved to another offset.',
    ['Re-flash bootloader, partition table and app together (idf.py flash).', APP_OFFSET]));
  out.push(named(input, 'partition-beyond-flash', NAMES.beyond, 'The partition table does not fit the detected flash',
    'A partition before the first app reaches past the end of the flash size the stub detected: the table was made for a bigger flash, or the size was detected wrong.',
    ['Check the module\'s real flash size against the table (espalgo flash-map shows both); rebuild with the matching flash size.']));
  out.push(named(input, 'not-an-idf-app', NAMES.notApp, 'No ESP-IDF app image where the stub looked',
    'The first app partition (or the given app offset) does not hold an app image the stub understands. Typical for Zephyr, NuttX, Rust or MCUboot firmware, or for a wrong offset.',
    [APP_OFFSET, 'Newer OpenOCD releases (2025 on) also understand MCUboot and simple-boot images.']));
  out.push(named(input, 'flash-read-failed', NAMES.read, 'Reading the flash failed inside the stub',
    'The stub could not read the partition table or app headers from flash.',
    ['Reset the chip (reset halt) and retry; check that the application does not reuse the flash pins.']));
  const notRun = linesOf(events, (e) => e.kind === 'stub-run-failed' || e.kind === 'no-working-area');
  if (notRun.length) out.push({ id: 'stub-not-run', title: 'OpenOCD could not run its flasher stub', summary: 'The stub never ran, so every flash operation and the probe failed before reaching the flash.', actions: ['Reset and halt the chip (reset halt) and retry; keep the target config\'s working area as shipped; lower the adapter speed if timeouts repeat.'], confidence: 'medium', lines: notRun });
  const mapsLines = linesOf(events, (e) => e.kind === 'maps-failed');
  const sizeKnown = facts.banks.some((b) => b.sizeKb > 0);
  if (!zero && mapsLines.length && sizeKnown) {
    out.push({ id: 'mapping-only', title: 'Only the flash mapping is missing', summary: 'The flash size was detected, so GDB can connect and OpenOCD can program the flash. Only the .irom/.drom banks are empty: breakpoints in flash code use the few hardware breakpoints.', actions: [APP_OFFSET], confidence: 'high', lines: mapsLines });
  }
  const gdb = linesOf(events, (e) => e.kind === 'gdb-connect-failed' || e.kind === 'gdb-rejected' || e.kind === 'auto-probe-failed');
  if (gdb.length) {
    const cause = zero ? 'the zero flash size above' : 'the flash error above';
    out.push({ id: 'gdb-refused', title: 'GDB could not attach', summary: `GDB was turned away because of ${cause}: when GDB connects, OpenOCD probes every flash bank for the memory map, and one failing bank aborts the connection.`, actions: ['Fix the cause above; meanwhile connect with -c "set ESP_FLASH_SIZE 0", or "gdb_memory_map disable", or a gdb-attach event.'], confidence: 'high', lines: gdb });
  }
  const big = facts.banks.filter((b) => b.sizeKb > 16384);
  if (big.length && legacyStub(era)) {
    out.push({ id: 'large-flash-legacy-stub', title: 'Flash above 16 MB with the legacy stub', summary: `The flash is ${big[0]!.sizeKb / 1024} MB, but the ${eraWords(era)} stub uses 3-byte flash addresses: erase, write and read above 16 MB probably land in the low 16 MB instead (inferred from the stub's settings, not tested).`, actions: ['Do not program above 16 MB with this OpenOCD; era C (20260702 on) uses 4-byte addressing on ESP32-S3.'], confidence: 'low', lines: big.map((b) => b.line) });
  }
  const adapter = linesOf(events, (e) => e.kind === 'adapter-problem' || e.kind === 'jtag-chain');
  if (adapter.length) out.push({ id: 'adapter', title: 'OpenOCD could not reach the chip', summary: 'The debug adapter or the JTAG connection failed before any flash work started.', actions: ['Fix the adapter/JTAG problem first; flash errors after it are not meaningful.'], confidence: 'high', lines: adapter });
  return out.filter((d): d is Diagnosis => d !== undefined);
}
