/**
 * Reads the text of an OpenOCD log and picks out what matters for the ESP flash driver: the
 * version banner, the chip, flash-probe / flash-map / flash-size failures with their numbers,
 * detected flash banks and mappings, GDB connection refusals and a few common adapter errors.
 * Pure: text in, events out. Every event keeps its 1-based line number and the raw line.
 *
 * Lines look like "Warn : Failed to get flash maps (-9)!", or with -d3
 * "Warn : 1435 12843 esp_flash.c:383 esp_algo_flash_get_mappings(): Failed to get flash maps (-9)!".
 */
import { parseOpenOcdBanner, parseOpenOcdVersionMention, type OpenOcdVersion } from './openocd-eras.js';

export type LogLevel = 'error' | 'warning' | 'info' | 'debug' | 'none';

/** Follow-up lines OpenOCD prints after a failed flash-map query. */
export type MapsHint =
  | 'read-flash-size'
  | 'invalid-image'
  | 'invalid-partition'
  | 'app-magic'
  | 'read-partition'
  | 'read-app-segment'
  | 'read-app-header'
  | 'adjust-appimage-offset'
  | 'empty-mapping'
  | 'map-result-text';

export interface LogSource {
  readonly file: string;
  readonly line: number;
  readonly func: string;
}

interface EventBase {
  /** 1-based line number in the log. */
  readonly line: number;
  /** The line as it was (no trailing newline, terminal colour codes removed). */
  readonly raw: string;
  readonly level: LogLevel;
  /** The message without level, debug prefix and target prefix. */
  readonly message: string;
  /** file:line func() of a -d3 log. */
  readonly source?: LogSource;
}

export type LogEventBody =
  | { readonly kind: 'version'; readonly version: OpenOcdVersion; readonly from: 'banner' | 'mention' }
  | { readonly kind: 'chip'; readonly chip: string }
  /** "Failed to get flash maps (N)!" (eras A/B, N = stub code), "…, result code 0xN!" (era C), or without a number. */
  | { readonly kind: 'maps-failed'; readonly style: 'legacy' | 'result-code' | 'no-number'; readonly number?: number; readonly numberText?: string }
  | { readonly kind: 'maps-hint'; readonly hint: MapsHint }
  /** "Failed to get flash mappings (N)!" / "Could not get flash mapping (N)": N is OpenOCD's return code. */
  | { readonly kind: 'mappings-failed'; readonly number?: number; readonly numberText?: string }
  /** Era A: the FLASH_SIZE command returned 0. */
  | { readonly kind: 'flash-size-failed' }
  | { readonly kind: 'probe-failed'; readonly sizeKb: number }
  | { readonly kind: 'flash-bank'; readonly bank: string; readonly sizeKb: number; readonly autoDetected: boolean }
  | { readonly kind: 'flash-mapping'; readonly index: number; readonly flashAddress: number; readonly loadAddress: number; readonly sizeKb: number }
  /** The stub could not be run at all ("Failed to run flasher stub (N)!"): N is OpenOCD's return code. */
  | { readonly kind: 'stub-run-failed'; readonly number: number; readonly numberText: string }
  /** A stub command returned an error: "Failed to erase flash (-1)!" (A/B) or "[stub cmd 0x5] Failed to erase flash: (0x104) …" (C). */
  | { readonly kind: 'stub-op-failed'; readonly operation: string; readonly number: number; readonly numberText: string; readonly format: 'decimal' | 'hex'; readonly command?: number }
  | { readonly kind: 'auto-probe-failed' }
  | { readonly kind: 'gdb-connect-failed' }
  | { readonly kind: 'gdb-rejected' }
  | { readonly kind: 'appimage-offset'; readonly offset?: number }
  | { readonly kind: 'flash-size-setting'; readonly value: string }
  | { readonly kind: 'no-working-area' }
  | { readonly kind: 'not-halted' }
  | { readonly kind: 'adapter-problem' }
  | { readonly kind: 'jtag-chain'; readonly pattern: 'all-ones' | 'all-zeroes' }
  /** Any other "Error:" line. */
  | { readonly kind: 'other-error' };

export type LogEvent = EventBase & LogEventBody;
export type LogEventKind = LogEvent['kind'];

export interface ParsedLog {
  readonly events: readonly LogEvent[];
  /** Number of lines read. */
  readonly lineCount: number;
  /** Lines that carry an OpenOCD level prefix (Info :, Warn :, Error:, Debug:). */
  readonly levelLines: number;
}

const LEVEL = /^\s*(Error|Warn|Info|Debug|User)\s*:\s?/;
const DEBUG_PREFIX = /^(\d+)\s+(\d+)\s+([\w.+-]+\.[ch]):(\d+)\s+([\w$]+)\(\):\s*/;
const TARGET_PREFIX = /^\[([\w.-]+)\]\s*/;
const CHIP = /\b(esp32(?:c61|c2|c3|c5|c6|h21|h2|h4|p4|s2|s3)?)(?:\.(?:cpu\d*|tap\d*|lp\.cpu|flash|irom|drom)\b|(?:-[\w-]+)?\.cfg\b|\]\s)/i;

/**
 * Terminal escape sequences (colour, cursor) that OpenOCD run under an IDE or with a colouring
 * wrapper leaves in a captured log: "\x1b[31mError:\x1b[0m …". They hide the level prefix.
 */
const TERMINAL_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]/g;

/** A number as the log prints it; the patterns take at most 32 bits of it (10 decimal or 8 hex digits). */
const num = (text: string): number => (/^-?0x/i.test(text) ? (text.startsWith('-') ? -parseInt(text.slice(1), 16) : parseInt(text, 16)) : parseInt(text, 10));

type Matcher = (message: string) => LogEventBody | undefined;

const re = (pattern: RegExp, build: (m: RegExpExecArray) => LogEventBody): Matcher => (message) => {
  const m = pattern.exec(message);
  return m ? build(m) : undefined;
};

const HINTS: readonly [RegExp, MapsHint][] = [
  [/^Failed to read flash size!?/i, 'read-flash-size'],
  [/^Application image is invalid/i, 'invalid-image'],
  [/^Invalid partition!/i, 'invalid-partition'],
  [/^Invalid magic number in app image/i, 'app-magic'],
  [/^Failed to read partit+ion table/i, 'read-partition'],
  [/^Failed to read app segment header/i, 'read-app-segment'],
  [/^Failed to read app image header/i, 'read-app-header'],
  [/^Please adjust 'appimage_offset'/i, 'adjust-appimage-offset'],
  [/^(Empty flash mapping!?|No flash mapping)\s*$/i, 'empty-mapping'],
  [/^(Invalid (partition|probe header|MCUboot program header|app segment header)\.|Unknown magic number in |Failed to read (probe header|MCUboot program header)|Invalid DROM\/IROM address)/i, 'map-result-text'],
];

const MATCHERS: readonly Matcher[] = [
  re(/Failed to get flash maps, result code (0x[0-9a-f]{1,8}|-?\d{1,10})\b/i, (m) => ({ kind: 'maps-failed', style: 'result-code', number: num(m[1]!), numberText: m[1]! })),
  re(/Failed to get flash maps \((-?(?:0x[0-9a-f]{1,8}|\d{1,10}))\)/i, (m) => ({ kind: 'maps-failed', style: 'legacy', number: num(m[1]!), numberText: m[1]! })),
  re(/Failed to get flash maps\s*!?\s*$/i, () => ({ kind: 'maps-failed', style: 'no-number' })),
  re(/(?:Failed to get flash mappings|Could not get flash mapping)\s*\((-?\d{1,10})\)/i, (m) => ({ kind: 'mappings-failed', number: num(m[1]!), numberText: m[1]! })),
  re(/Failed to get flash size!?/i, () => ({ kind: 'flash-size-failed' })),
  re(/Failed to probe flash, size (\d+) KB/i, (m) => ({ kind: 'probe-failed', sizeKb: Number(m[1]) })),
  re(/(Auto-detected|Using) flash bank '([^']+)' size (\d+) KB/i, (m) => ({ kind: 'flash-bank', bank: m[2]!, sizeKb: Number(m[3]), autoDetected: m[1]!.toLowerCase().startsWith('auto') })),
  re(/Flash mapping (\d+): (0x[0-9a-f]+) -> (0x[0-9a-f]+), (\d+) KB/i, (m) => ({ kind: 'flash-mapping', index: Number(m[1]), flashAddress: num(m[2]!) >>> 0, loadAddress: num(m[3]!) >>> 0, sizeKb: Number(m[4]) })),
  re(/(?:Failed to run flasher stub|Algorithm run failed|Failed to load stub) \((-?\d{1,10})\)/i, (m) => ({ kind: 'stub-run-failed', number: num(m[1]!), numberText: m[1]! })),
  re(/\[stub cmd (0x[0-9a-f]{1,8})\] ([^:]+): \((0x[0-9a-f]{1,8})\)/i, (m) => ({ kind: 'stub-op-failed', command: num(m[1]!), operation: m[2]!.trim(), number: num(m[3]!), numberText: m[3]!, format: 'hex' })),
  re(/(Failed to (?:check erase flash|erase flash|write flash|read flash|get hash value|set bp|clear bp)) \((-?\d{1,10})\)/i, (m) => ({ kind: 'stub-op-failed', operation: m[1]!, number: num(m[2]!), numberText: m[2]!, format: 'decimal' })),
  re(/auto_probe failed/i, () => ({ kind: 'auto-probe-failed' })),
  re(/Connect failed\. Consider setting up a gdb-attach event/i, () => ({ kind: 'gdb-connect-failed' })),
  re(/attempted 'gdb' connection rejected/i, () => ({ kind: 'gdb-rejected' })),
  re(/\bappimage_offset\s+(0x[0-9a-f]+|-1|\d+)/i, (m) => ({ kind: 'appimage-offset', offset: m[1] === '-1' ? -1 : num(m[1]!) })),
  re(/\bset\s+ESP_FLASH_SIZE\s+("?)([^"\s;]+)\1/, (m) => ({ kind: 'flash-size-setting', value: m[2]! })),
  re(/no working area available/i, () => ({ kind: 'no-working-area' })),
  re(/^Target not halted/i, () => ({ kind: 'not-halted' })),
  re(/JTAG scan chain interrogation failed: all (ones|zeroes)/i, (m) => ({ kind: 'jtag-chain', pattern: m[1]!.toLowerCase() === 'ones' ? 'all-ones' : 'all-zeroes' })),
  re(/(LIBUSB_ERROR|libusb_open\(\) failed|could not find or open device|unable to open (?:ftdi|CMSIS-DAP|esp_usb_jtag)|esp_usb_jtag: could not find)/i, () => ({ kind: 'adapter-problem' })),
];

function levelOf(word: string | undefined): LogLevel {
  switch (word) {
    case 'Error': return 'error';
    case 'Warn': return 'warning';
    case 'Info':
    case 'User': return 'info';
    case 'Debug': return 'debug';
    default: return 'none';
  }
}

/** Split one line into level, source and message. */
export function splitLogLine(raw: string): { level: LogLevel; message: string; source?: LogSource; targetName?: string } {
  let rest = raw;
  const lm = LEVEL.exec(rest);
  const level = levelOf(lm?.[1]);
  if (lm) rest = rest.slice(lm[0].length);
  let source: LogSource | undefined;
  const dm = DEBUG_PREFIX.exec(rest);
  if (dm) {
    source = { file: dm[3]!, line: Number(dm[4]), func: dm[5]! };
    rest = rest.slice(dm[0].length);
  }
  let targetName: string | undefined;
  const tm = TARGET_PREFIX.exec(rest);
  if (tm) {
    targetName = tm[1]!;
    rest = rest.slice(tm[0].length);
  }
  const message = rest.trim();
  return { level, message, ...(source ? { source } : {}), ...(targetName ? { targetName } : {}) };
}

function classify(message: string, level: LogLevel): LogEventBody | undefined {
  for (const [pattern, hint] of HINTS) if (pattern.test(message)) return { kind: 'maps-hint', hint };
  for (const m of MATCHERS) {
    const body = m(message);
    if (body) return body;
  }
  return level === 'error' ? { kind: 'other-error' } : undefined;
}

/** Parse the whole log text. */
export function parseOpenOcdLog(text: string): ParsedLog {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const events: LogEvent[] = [];
  const chipsSeen = new Set<string>();
  let bannerSeen = false;
  let mentionSeen = false;
  let levelLines = 0;
  lines.forEach((written, i) => {
    const raw = written.replace(TERMINAL_ESCAPE, '');
    const line = i + 1;
    const { level, message, source, targetName } = splitLogLine(raw);
    if (level !== 'none') levelLines++;
    const base = { line, raw, level, message, ...(source ? { source } : {}) };
    const banner = parseOpenOcdBanner(raw);
    if (banner) {
      bannerSeen = true;
      events.push({ ...base, kind: 'version', version: banner, from: 'banner' });
      return;
    }
    if (!bannerSeen && !mentionSeen) {
      const mention = parseOpenOcdVersionMention(raw);
      if (mention) {
        mentionSeen = true;
        events.push({ ...base, kind: 'version', version: mention, from: 'mention' });
      }
    }
    const chipMatch = CHIP.exec(targetName ? `[${targetName}] ${message}` : raw);
    if (chipMatch) {
      const chip = chipMatch[1]!.toLowerCase();
      if (!chipsSeen.has(chip)) {
        chipsSeen.add(chip);
        events.push({ ...base, kind: 'chip', chip });
      }
    }
    const body = classify(message, level);
    if (body) events.push({ ...base, ...body } as LogEvent);
  });
  return { events, lineCount: lines.length, levelLines };
}
