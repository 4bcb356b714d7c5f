/**
 * Turns the events of an OpenOCD log into explanations a user can act on: one per relevant line
 * (what the number means in the era of that OpenOCD, what to do) and an overall diagnosis
 * (openocd-diagnosis.ts). Pure: no I/O.
 */
import { ERA_INFO, OPENOCD_ERAS, describeEraRange, eraOfVersion, stubCommandNameInEra, type EraVerdict, type OpenOcdEra, type OpenOcdVersion } from './openocd-eras.js';
import { decodeOpenOcdCode, decodeStubCode, formatOpenOcdCode, formatStubCode, isUnsignedNegative, toSigned32, type CodeTable, type DecodedCode } from './openocd-errors.js';
import { parseOpenOcdLog, type LogEvent, type LogEventKind, type MapsHint } from './openocd-log.js';
import { diagnose, type Diagnosis } from './openocd-diagnosis.js';

export type { Diagnosis } from './openocd-diagnosis.js';

export interface Explanation {
  readonly line: number;
  readonly raw: string;
  readonly kind: LogEventKind;
  readonly severity: 'error' | 'warning' | 'info';
  /** The number with its era or origin, e.g. "-9 (era B: FLASH_SIZE)" or "-4 (OpenOCD ERROR_FAIL, not a stub code)". */
  readonly code?: string;
  /** Names the number decodes to (one per era when the era is open), e.g. ["FLASH_SIZE"]. */
  readonly codeNames?: readonly string[];
  /** The number as a signed value (4294967290 becomes -6). */
  readonly codeValue?: number;
  /** The era the number was decoded in; undefined when it is OpenOCD's own code or the era is open. */
  readonly era?: OpenOcdEra;
  readonly title: string;
  readonly explanation: string;
  readonly actions: readonly string[];
  /** False when the line reports a problem this tool cannot say anything useful about. */
  readonly explained: boolean;
  /** The line this one adds detail to. */
  readonly relatedTo?: number;
}

export interface EraResolution extends EraVerdict {
  /** Where the era came from: --era, the version banner, the shape of the messages, or nowhere. */
  readonly source: 'option' | 'version' | 'messages' | 'none';
  readonly version?: OpenOcdVersion;
  readonly versionLine?: number;
  /** Message-based evidence that disagrees with the version, if any. */
  readonly conflict?: string;
}

export interface FlashFacts {
  readonly banks: readonly { readonly bank: string; readonly sizeKb: number; readonly line: number }[];
  readonly mappings: readonly { readonly index: number; readonly flashAddress: number; readonly loadAddress: number; readonly sizeKb: number; readonly line: number }[];
}

export interface ExplainReport {
  readonly era: EraResolution;
  readonly chip?: string;
  readonly chipLine?: number;
  readonly facts: FlashFacts;
  readonly explanations: readonly Explanation[];
  readonly diagnoses: readonly Diagnosis[];
  /** Explanations with explained = false. */
  readonly unexplainedCount: number;
}

export interface ExplainOptions {
  /** Decode numbers in this era, whatever the log says. */
  readonly era?: OpenOcdEra;
}

/** Eras the message shapes point to ("result code 0x…" only exists in era C, "Failed to get flash size!" only in era A, …). */
export function eraEvidence(events: readonly LogEvent[]): { era: OpenOcdEra; line: number; why: string }[] {
  const out: { era: OpenOcdEra; line: number; why: string }[] = [];
  events.forEach((ev, i) => {
    if (ev.kind === 'maps-failed' && ev.style === 'result-code') out.push({ era: 'C', line: ev.line, why: 'the "result code 0x…" form of the flash-map failure exists only in era C' });
    else if (ev.kind === 'stub-op-failed' && ev.format === 'hex') out.push({ era: 'C', line: ev.line, why: 'hexadecimal "[stub cmd …]" errors exist only in era C' });
    else if (ev.kind === 'mappings-failed' && /Could not get flash mapping/i.test(ev.message)) out.push({ era: 'C', line: ev.line, why: '"Could not get flash mapping" is era C wording' });
    else if (ev.kind === 'flash-size-failed') out.push({ era: 'A', line: ev.line, why: '"Failed to get flash size!" comes from the FLASH_SIZE command, which only era A has' });
    else if (ev.kind === 'maps-failed' && ev.style === 'legacy' && ev.number !== undefined) {
      if (isUnsignedNegative(ev.number)) out.push({ era: 'A', line: ev.line, why: 'only 2022-era builds printed the stub code unsigned' });
      else if (ev.number <= -9 && ev.number >= -12) out.push({ era: 'B', line: ev.line, why: `stub codes ${ev.number} exist only in era B` });
      const next = events[i + 1];
      if (next && next.kind === 'maps-hint' && next.hint === 'read-flash-size') out.push({ era: 'B', line: next.line, why: '"Failed to read flash size!" after a numbered flash-map failure is era B' });
    }
  });
  return out;
}

export function resolveEra(events: readonly LogEvent[], forced?: OpenOcdEra): EraResolution {
  const vEv = events.find((e) => e.kind === 'version' && e.from === 'banner') ?? events.find((e) => e.kind === 'version');
  const version = vEv && vEv.kind === 'version' ? vEv.version : undefined;
  const vFields = version && vEv ? { version, versionLine: vEv.line } : {};
  const evidence = eraEvidence(events);
  const byMessages = [...new Set(evidence.map((e) => e.era))];
  if (forced) {
    return { era: forced, candidates: [forced], certainty: 'release', source: 'option', reason: `era ${forced} as given with --era (${describeEraRange(forced)}).`, ...vFields };
  }
  if (version) {
    const v = eraOfVersion(version);
    const agreeing = byMessages.filter((e) => v.candidates.includes(e));
    if (v.era) {
      const other = byMessages.filter((e) => e !== v.era);
      return { ...v, source: 'version', ...vFields, ...(other.length ? { conflict: `the messages look like era ${other.join('/')}: ${evidence.find((x) => x.era === other[0])!.why} (line ${evidence.find((x) => x.era === other[0])!.line}); numbers are decoded as era ${v.era}, the version's era — check that the log and the version line belong together` } : {}) };
    }
    if (agreeing.length === 1) {
      const ev = evidence.find((x) => x.era === agreeing[0])!;
      // The version left the era open; the messages decide it, so its advice no longer applies.
      return { era: agreeing[0]!, candidates: agreeing, certainty: 'ambiguous', source: 'messages', reason: `${v.reason} The messages settle it: ${ev.why} (line ${ev.line}).`, ...vFields };
    }
    if (v.certainty === 'not-espressif' && byMessages.length === 1) {
      const ev = evidence.find((x) => x.era === byMessages[0])!;
      return { era: byMessages[0]!, candidates: byMessages, certainty: 'ambiguous', source: 'messages', reason: `${v.reason} The flash messages still look like era ${byMessages[0]}: ${ev.why} (line ${ev.line}).`, ...vFields };
    }
    // Upstream OpenOCD names no era: the numbers are shown for every era the messages allow.
    const candidates = v.candidates.length ? v.candidates : byMessages.length ? byMessages : OPENOCD_ERAS;
    return { ...v, candidates, source: 'version', ...vFields };
  }
  if (byMessages.length === 1) {
    const ev = evidence.find((x) => x.era === byMessages[0])!;
    return { era: byMessages[0]!, candidates: byMessages, certainty: 'ambiguous', source: 'messages', reason: `No OpenOCD version line; ${ev.why} (line ${ev.line}).` };
  }
  return { candidates: byMessages.length ? byMessages : OPENOCD_ERAS, certainty: 'unknown', source: 'none', reason: 'No OpenOCD version line and no era-specific message: numbers are shown for every era they exist in.', advice: 'Pass --era A|B|C (see espalgo explain --help for the release ranges).' };
}

/** Decode a stub number for the resolved era, or for every candidate era when it is open. */
function decode(value: number, era: EraResolution, table: CodeTable): { decoded: DecodedCode[]; text: string } {
  const eras: readonly OpenOcdEra[] = era.era ? [era.era] : era.candidates.length ? era.candidates : ['A', 'B', 'C'];
  let decoded = eras.map((e) => decodeStubCode(value, e, table));
  if (!era.era) {
    const known = decoded.filter((d) => d.info);
    if (known.length) decoded = known;
  }
  return { decoded, text: decoded.map(formatStubCode).join('; ') };
}

const ESPALGO_PROBE = 'Probe the flash with espalgo instead of OpenOCD\'s stub: espalgo\'s flasher stub reads the JEDEC id both as found and with SPI1\'s extra dummy cycles and user phases cleared, and gives the application\'s SPI1 state back afterwards (the stub exists for ESP32-C3 so far); where the id still cannot be read, give the size with --flash-size.';

const HINT_TEXT: Readonly<Record<MapsHint, string>> = {
  'read-flash-size': 'OpenOCD\'s reading of the result above: the stub found flash size 0, i.e. it could not turn the flash JEDEC id into a size.',
  'invalid-image': 'OpenOCD\'s reading of the result above: no partition table at 0x8000, so no app was found.',
  'invalid-partition': 'OpenOCD\'s reading of the result above: a partition reaches past the detected end of the flash.',
  'app-magic': 'OpenOCD\'s reading of the result above: the app partition does not hold an ESP-IDF app image.',
  'read-partition': 'OpenOCD\'s reading of the result above: the partition table could not be read.',
  'read-app-segment': 'OpenOCD\'s reading of the result above: an app segment header could not be read.',
  'read-app-header': 'OpenOCD\'s reading of the result above: the app image header could not be read.',
  'adjust-appimage-offset': 'OpenOCD\'s standard advice after any flash-map failure. It helps only when the app is not where the partition table search finds it; it does not help with a zero flash size.',
  'empty-mapping': 'The stub found no flash-mapped segments (DROM/IROM) in the app: breakpoints in flash code will be hardware-only.',
  'map-result-text': 'OpenOCD\'s text for the flash-map result code above.',
};

function mapsFailed(ev: Extract<LogEvent, { kind: 'maps-failed' }>, era: EraResolution): Explanation {
  const base = { line: ev.line, raw: ev.raw, kind: ev.kind, severity: 'warning' as const, title: 'The stub could not work out the flash mapping' };
  if (ev.number === undefined) {
    return { ...base, explanation: 'The flash-map query failed; this build prints no code. The lines after it, or a run with -d3, tell why.', actions: ['Re-run with -d3 -l openocd.log and look at the lines right after this one.'], explained: true };
  }
  const table: CodeTable = ev.style === 'result-code' ? 'map-result' : 'stub';
  const value = ev.style === 'result-code' ? ev.number : toSigned32(ev.number);
  const { decoded, text } = decode(value, era, table);
  const unsigned = ev.style === 'legacy' && isUnsignedNegative(ev.number) ? `${ev.numberText} is ${value} printed as an unsigned 32-bit number (builds of 2022 did that). ` : '';
  const known = decoded.filter((d) => d.info);
  const meaning = known.length === 0
    ? `The number is not in the ${decoded.map((d) => `era ${d.era}`).join(' or ')} table.`
    : new Set(known.map((d) => d.info!.meaning)).size === 1 ? known[0]!.info!.meaning
      : known.map((d) => `In era ${d.era}: ${d.info!.meaning}`).join(' ');
  const actions = [...new Set(known.map((d) => d.info!.action))];
  const single = decoded.length === 1 ? { era: decoded[0]!.era } : {};
  const codeNames = [...new Set(known.map((d) => d.info!.name))];
  return { ...base, code: text, codeValue: value, codeNames, ...single, explanation: unsigned + meaning, actions, explained: known.length > 0 };
}

function stubOpFailed(ev: Extract<LogEvent, { kind: 'stub-op-failed' }>, era: EraResolution): Explanation {
  const eraForm: EraResolution = ev.format === 'hex' && !era.era ? { ...era, era: 'C', candidates: ['C'] } : era;
  const { decoded, text } = decode(ev.number, eraForm, 'stub');
  const known = decoded.filter((d) => d.info);
  const cmd = ev.command !== undefined ? stubCommandNameInEra('C', ev.command) : undefined;
  const what = `${ev.operation}${cmd ? ` (stub command ${cmd})` : ''}`;
  return {
    line: ev.line, raw: ev.raw, kind: ev.kind, severity: 'error', code: text, codeValue: decoded[0]!.value,
    codeNames: [...new Set(known.map((d) => d.info!.name))],
    ...(decoded.length === 1 ? { era: decoded[0]!.era } : {}),
    title: `A stub command failed: ${what}`,
    explanation: known.length ? [...new Set(known.map((d) => d.info!.meaning))].join(' ') : 'The stub returned a number this era\'s table does not know.',
    actions: known.length ? [...new Set(known.map((d) => d.info!.action))] : ['Pass --era if the era is wrong; otherwise report the line with the OpenOCD version.'],
    explained: known.length > 0,
  };
}

function openOcdCoded(ev: LogEvent & { number?: number }, title: string, explanation: string, actions: string[], severity: Explanation['severity']): Explanation {
  const n = ev.number;
  const info = n !== undefined ? decodeOpenOcdCode(n) : undefined;
  const extra = info ? ` ${info.meaning}` : '';
  return {
    line: ev.line, raw: ev.raw, kind: ev.kind, severity, title,
    ...(n !== undefined ? { code: formatOpenOcdCode(n), codeValue: toSigned32(n) } : {}),
    explanation: explanation + extra,
    actions: info && !actions.includes(info.action) ? [...actions, info.action] : actions,
    explained: n === undefined || info !== undefined || ev.kind === 'mappings-failed',
  };
}

const simple = (ev: LogEvent, severity: Explanation['severity'], title: string, explanation: string, actions: string[], relatedTo?: number): Explanation =>
  ({ line: ev.line, raw: ev.raw, kind: ev.kind, severity, title, explanation, actions, explained: true, ...(relatedTo !== undefined ? { relatedTo } : {}) });

const GDB_WAYS = 'To connect GDB anyway: -c "set ESP_FLASH_SIZE 0" before the target config (no flash banks at all), or "gdb_memory_map disable", or a gdb-attach event that prepares the target.';

function explainOne(ev: LogEvent, era: EraResolution, lastMaps: number | undefined): Explanation | undefined {
  switch (ev.kind) {
    case 'maps-failed': return mapsFailed(ev, era);
    case 'maps-hint': return simple(ev, 'warning', 'Detail of the flash-map failure', HINT_TEXT[ev.hint], ev.hint === 'adjust-appimage-offset' ? ['Try it only if your app is not at the first app partition: -c "init; halt; esp appimage_offset <offset>".'] : [], lastMaps);
    case 'mappings-failed':
      return openOcdCoded(ev, 'The flash probe got no mapping',
        'The probe passes the failed flash-map query up as OpenOCD\'s own return code. Without a mapping the .irom/.drom banks get size 0, so there are no software breakpoints in flash; GDB can still connect if the flash size is known.',
        [], 'warning');
    case 'flash-size-failed':
      return simple(ev, 'error', 'The stub reported flash size 0', `The FLASH_SIZE stub command (command ${ERA_INFO.A.commands['FLASH_SIZE']} in era A) returned 0: the stub could not turn the flash JEDEC id into a size. In era A every other stub command then fails with -1 (era A: FAIL).`, ['See the diagnosis below.']);
    case 'probe-failed':
      return simple(ev, 'error', `The flash bank could not be probed (size ${ev.sizeKb} KB)`, 'The whole-flash bank takes its size from the stub; with 0 the probe fails. GDB asks OpenOCD to probe every bank when it connects, so this one failure also turns GDB away.', ['Fix the flash size detection (see the diagnosis). ' + GDB_WAYS]);
    case 'stub-run-failed':
      return openOcdCoded(ev, 'The flasher stub could not be run', 'OpenOCD could not load or run its stub on the chip, so no flash operation happened.', ['Reset and halt the chip (reset halt), then retry.'], 'error');
    case 'stub-op-failed': return stubOpFailed(ev, era);
    case 'auto-probe-failed':
      return simple(ev, 'error', 'Probing a flash bank on demand failed', 'OpenOCD probes flash banks when GDB connects or a flash command needs them; this one failed because of the flash error above it.', ['Fix the error reported above this line.']);
    case 'gdb-connect-failed':
      return simple(ev, 'error', 'GDB was turned away', 'GDB\'s connection was dropped because a flash bank could not be probed while OpenOCD built the memory map for GDB. It is a consequence of the flash error, not a GDB problem.', [GDB_WAYS]);
    case 'gdb-rejected':
      return simple(ev, 'error', 'OpenOCD refused a GDB connection', 'OpenOCD would not take this GDB connection: another debugger is still connected to the port, or an earlier attempt failed and the IDE retried.', ['Close other GDB/IDE sessions on this port, restart OpenOCD, and fix any flash error reported earlier.']);
    case 'appimage-offset':
      return simple(ev, 'info', 'The app offset was set by hand', ev.offset === -1 ? 'appimage_offset -1: the stub searches the partition table for the first app (the default).' : `appimage_offset ${ev.offset !== undefined ? `0x${(ev.offset >>> 0).toString(16)}` : ''}: the stub looks for the app image there instead of searching the partition table.`, []);
    case 'flash-size-setting':
      return ev.value === '0'
        ? simple(ev, 'info', 'OpenOCD flash support is off (ESP_FLASH_SIZE 0)', 'No flash banks are created, so nothing is probed and GDB connects; only hardware breakpoints work (2 on ESP32-S3/C3) and OpenOCD cannot program the flash.', [])
        : simple(ev, 'warning', `ESP_FLASH_SIZE ${ev.value} does not set the size`, 'Releases up to 20260424 passed a literal placeholder instead of the number to the flash bank command, so a numeric value breaks it; later ones still overwrite the size with the detected one when probing.', ['Use "set ESP_FLASH_SIZE 0" to switch flash support off, or leave it on auto.']);
    case 'no-working-area':
      return simple(ev, 'error', 'No RAM was free for the stub', 'OpenOCD could not place its stub or buffers in the working area.', ['Keep the working-area settings of the target config as shipped; reset halt and retry.']);
    case 'not-halted':
      return simple(ev, 'error', 'The CPU was not halted', 'Flash operations need a halted CPU.', ['Halt first ("halt" or "reset halt"), then retry.']);
    case 'adapter-problem':
      return simple(ev, 'error', 'The debug adapter could not be opened', 'OpenOCD could not open the USB debug adapter: missing permissions (udev rules on Linux), a wrong driver (Windows), or it is in use by another program.', ['Install the udev rules / driver for the adapter, unplug and replug it, close other programs using it.']);
    case 'jtag-chain':
      return simple(ev, 'error', `No JTAG answer (${ev.pattern})`, 'The JTAG chain returned only ' + (ev.pattern === 'all-ones' ? 'ones' : 'zeroes') + ': the chip is not powered, not connected, held in reset, or the application uses the JTAG pins.', ['Check wiring and power; make sure the application does not reconfigure the JTAG pins; lower the adapter speed.']);
    case 'other-error':
      return { line: ev.line, raw: ev.raw, kind: ev.kind, severity: 'error', title: 'An OpenOCD error this tool does not know', explanation: ev.message, actions: [], explained: false };
    default:
      return undefined;
  }
}

/** Explain parsed events. */
export function explainEvents(events: readonly LogEvent[], options: ExplainOptions = {}): ExplainReport {
  const era = resolveEra(events, options.era);
  const chipEv = events.find((e) => e.kind === 'chip');
  const explanations: Explanation[] = [];
  let lastMaps: number | undefined;
  for (const ev of events) {
    if (ev.kind === 'maps-failed') lastMaps = ev.line;
    const x = explainOne(ev, era, lastMaps);
    if (x) explanations.push(x);
  }
  const facts: FlashFacts = {
    banks: events.flatMap((e) => (e.kind === 'flash-bank' && e.autoDetected ? [{ bank: e.bank, sizeKb: e.sizeKb, line: e.line }] : [])),
    mappings: events.flatMap((e) => (e.kind === 'flash-mapping' ? [{ index: e.index, flashAddress: e.flashAddress, loadAddress: e.loadAddress, sizeKb: e.sizeKb, line: e.line }] : [])),
  };
  const chip = chipEv && chipEv.kind === 'chip' ? { chip: chipEv.chip, chipLine: chipEv.line } : {};
  const diagnoses = diagnose({ events, explanations, era, facts, ...(chip.chip ? { chip: chip.chip } : {}), espalgoProbe: ESPALGO_PROBE });
  return { era, ...chip, facts, explanations, diagnoses, unexplainedCount: explanations.filter((x) => !x.explained).length };
}

/** One OpenOCD run of a log that holds several (each starts with its version banner). */
export interface ExplainRun extends ExplainReport {
  readonly firstLine: number;
  readonly lastLine: number;
}

/**
 * A log's events cut where each OpenOCD run starts (its version banner); lines before the first
 * banner go with the first run. One part when the log has at most one banner.
 */
export function splitRuns(events: readonly LogEvent[]): LogEvent[][] {
  const starts = events.flatMap((e, i) => (e.kind === 'version' && e.from === 'banner' ? [i] : []));
  if (starts.length <= 1) return [[...events]];
  const cuts = [0, ...starts.slice(1)];
  return cuts.map((at, k) => events.slice(at, cuts[k + 1] ?? events.length));
}

/**
 * Parse and explain a log text in one go. A log of several OpenOCD runs (say, one log appended to
 * across restarts, or logs put together) is explained run by run, each number in the era of the
 * OpenOCD that printed it: `runs` lists them; the top-level era and chip are the first run's, the
 * explanations, diagnoses and facts those of all runs.
 */
export function explainOpenOcdLog(text: string, options: ExplainOptions = {}): ExplainReport & { lineCount: number; levelLines: number; runs?: readonly ExplainRun[] } {
  const parsed = parseOpenOcdLog(text);
  const lines = { lineCount: parsed.lineCount, levelLines: parsed.levelLines };
  const parts = splitRuns(parsed.events);
  if (parts.length === 1) return { ...explainEvents(parsed.events, options), ...lines };
  const runs = parts.map((events, k): ExplainRun => ({
    ...explainEvents(events, options),
    firstLine: k === 0 ? 1 : events[0]!.line,
    lastLine: k + 1 < parts.length ? parts[k + 1]![0]!.line - 1 : parsed.lineCount,
  }));
  const first = runs[0]!;
  return {
    era: first.era,
    ...(first.chip !== undefined ? { chip: first.chip, chipLine: first.chipLine! } : {}),
    facts: { banks: runs.flatMap((r) => r.facts.banks), mappings: runs.flatMap((r) => r.facts.mappings) },
    explanations: runs.flatMap((r) => r.explanations),
    diagnoses: runs.flatMap((r) => r.diagnoses),
    unexplainedCount: runs.reduce((n, r) => n + r.unexplainedCount, 0),
    ...lines,
    runs,
  };
}
