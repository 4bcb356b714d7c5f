/**
 * The flash probe: flash id and size (with where the size came from), the mappings of the app that
 * boots, and an account of what the application's SPI1 state would have done to a careless stub
 * (espressif/openocd-esp32 #366). It never fails the user's debug session: whatever cannot be
 * determined is reported with a sentence, and the target is given back as it was found.
 *
 *   const report = await probeFlash(target, { chip: esp32c3 });
 *   console.log(report.size.bytes, report.mappings.segments, report.notes);
 *
 * Steps: open a flash session (stub loaded, RAM backed up); FLASH_INFO (naive and cleaned id);
 * MAP_GET; the host fallback reads the bootloader header, the table, otadata and the app headers
 * through the stub's READ and decodes them with src/image; both are cross-checked. If the stub
 * cannot run at all, the MMU table and the DROM window are read instead (no code runs).
 */
import { AlgorithmError } from '../algorithm/errors.js';
import { TargetDisconnectedError } from '../target/errors.js';
import type { StubImage } from '../algorithm/stub-image.js';
import { esp32c3 } from '../chips/esp32c3.js';
import type { ChipDescriptor } from '../chips/types.js';
import { hex32 } from '../chips/types.js';
import type { Target } from '../target/types.js';
import { checkFlashOverrides } from './overrides.js';
import { probeThroughWindows } from './probe-fallback.js';
import { SparseFlash, crossCheck, hostLayout, hostReadingOf, walkLegacyApp, type HostLayout, type ProbeSegment } from './probe-mappings.js';
import {
  choiceFromStub, emptyMappings, mappingsFromHost, predictOpenocd,
  type OpenocdOutcome, type ProbeId, type ProbeMappings, type ProbeReport,
} from './probe-report.js';
import { analyzeIdRead, decideFlashSize, hostSizeInputs, flashNeverIdle } from './probe-size.js';
import { openFlashSession, type FlashSession } from './session.js';
import type { StubClient } from './stub-client.js';
import { StubError } from './stub-client.js';
import { STUB_ADDRESS_LIMIT, type FlashInfo, type StubFlashMap } from './stub-protocol.js';

export interface ProbeOptions {
  /** Default ESP32-C3 (the chip with a flasher stub). */
  readonly chip?: ChipDescriptor;
  /** The user's flash size (bytes); wins over every detected source, which are still reported. */
  readonly flashSize?: number;
  /** Partition table offset; default: 0x8000, else searched every 4 KiB up to 1 MiB. */
  readonly tableOffset?: number;
  /** App offset; default: the app the 2nd-stage bootloader would boot (otadata-aware). */
  readonly appOffset?: number;
  /** Multiplies the stub timeouts (slow links, simulators). */
  readonly timeoutScale?: number;
  /** Another stub image (tests). */
  readonly image?: StubImage;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** SPI1's register block and the MMU table: what the probe must leave bit-exact (ESP32-C3). */
const WATCHED: Readonly<Record<string, readonly { readonly name: string; readonly address: number; readonly length: number }[]>> = {
  esp32c3: [
    { name: 'SPI1 registers', address: 0x60002000, length: 0x100 },
    { name: 'MMU table', address: 0x600c5000, length: 0x200 },
  ],
};

async function snapshotRegisters(target: Target, chip: ChipDescriptor): Promise<Uint8Array[] | undefined> {
  const blocks = WATCHED[chip.name];
  if (!blocks) return undefined;
  try {
    const out: Uint8Array[] = [];
    for (const b of blocks) out.push(await target.readMemory(b.address, b.length));
    return out;
  } catch {
    return undefined;
  }
}

/** Names of the watched blocks that differ; undefined when they could not be compared. */
function changedBlocks(chip: ChipDescriptor, before: Uint8Array[] | undefined, after: Uint8Array[] | undefined): string[] | undefined {
  if (!before || !after) return undefined;
  const blocks = WATCHED[chip.name]!;
  return blocks.filter((_, i) => before[i]!.some((b, k) => b !== after[i]![k])).map((b) => b.name);
}

/**
 * Probe through a new flash session, or through the cache windows when the stub cannot run. The
 * target is halted once for the whole probe, SPI1 and the MMU are compared before and after, and a
 * target that was running is resumed.
 */
export async function probeFlash(target: Target, options: ProbeOptions = {}): Promise<ProbeReport> {
  const chip = options.chip ?? esp32c3;
  checkFlashOverrides(options, chip); // before the target is touched
  const wasRunning = target.state() === 'running';
  if (target.state() !== 'halted') await target.halt();
  const before = await snapshotRegisters(target, chip);
  // The session gives the stub's RAM back when it closes (inside probeHalted); resume only after the comparison.
  const partial = await probeHalted(target, chip, options).catch(async (error: unknown) => {
    if (wasRunning && target.state() === 'halted') await target.resume().catch(() => undefined);
    throw error;
  });
  // A link that dropped on the way leaves nothing to report on: the stub's RAM was not given back.
  if (target.state() === 'disconnected') throw new TargetDisconnectedError('the probe', 'the link to the target dropped before the probe could finish and give the target back');
  const after = await snapshotRegisters(target, chip);
  const changed = changedBlocks(chip, before, after);
  const notes = [...partial.notes];
  if (changed && changed.length) notes.push(`${changed.join(' and ')} differ after the probe: the application may have been disturbed; reset it if it misbehaves, and report this.`);
  let resumed = false;
  if (wasRunning && target.state() === 'halted') {
    await target.resume();
    resumed = true;
  }
  return { ...partial, notes, restored: { resumed, ramRestored: true, registersCompared: changed !== undefined, registersIntact: changed === undefined ? null : changed.length === 0 } };
}

async function probeHalted(target: Target, chip: ChipDescriptor, options: ProbeOptions): Promise<Omit<ProbeReport, 'restored'>> {
  let session: FlashSession;
  try {
    session = await openFlashSession(target, {
      chip,
      // The probe decides the size itself; this only keeps the session from refusing an unknown id.
      flashSize: options.flashSize ?? STUB_ADDRESS_LIMIT,
      ...(options.timeoutScale !== undefined ? { timeoutScale: options.timeoutScale } : {}),
      ...(options.image ? { image: options.image } : {}),
    });
  } catch (error) {
    return probeWithoutStub(target, chip, options, error);
  }
  try {
    return await probeWithStub(session.stub, target.description, chip, options, session.info);
  } catch (error) {
    if (error instanceof AlgorithmError) {
      await session.close().catch(() => undefined);
      return probeWithoutStub(target, chip, options, error);
    }
    throw error;
  } finally {
    await session.close();
  }
}

/** The probe proper, on a stub that is already loaded (the caller owns the session). */
export async function probeWithStub(
  stub: StubClient,
  where: string,
  chip: ChipDescriptor,
  options: ProbeOptions = {},
  /** FLASH_INFO as the session already read it (the first read sees a busy flash; later ones do not). */
  firstInfo?: FlashInfo,
): Promise<Omit<ProbeReport, 'restored'>> {
  const notes: string[] = [];
  let degraded = false;

  // 1. The id, read as found and cleaned.
  let info: FlashInfo | undefined = firstInfo;
  let idError: string | null = null;
  if (!info) {
    try {
      info = await stub.flashInfo();
    } catch (error) {
      if (!(error instanceof StubError)) throw error;
      info = error.details?.flashInfo;
      idError = error.message;
    }
  }
  const analysis = info ? analyzeIdRead(info) : undefined;
  if (analysis?.sentence) notes.push(analysis.sentence);
  if (info && info.busyPolls > 0) {
    notes.push(flashNeverIdle(info)
      ? 'The flash never finished the write or erase the application had started (status WIP stayed set), so its id could not be read reliably; reset the chip or let the application finish, then probe again.'
      : `The flash was busy with a write or erase the application had started (${info.busyPolls} status polls); espalgo waited for it to finish before reading the id.`);
  }

  // 2. MAP_GET.
  let map: StubFlashMap | undefined;
  let mapError: string | null = null;
  try {
    map = await stub.mapGet({
      ...(options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {}),
      ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
    });
  } catch (error) {
    if (!(error instanceof StubError)) throw error;
    map = error.details?.flashMap;
    mapError = error.message;
  }

  // 3. The host's own reading, through the stub's READ.
  const early = options.flashSize ?? (info?.size || undefined) ?? STUB_ADDRESS_LIMIT;
  const flash = new SparseFlash((o, n) => stub.read(o, n), Math.min(early, STUB_ADDRESS_LIMIT), (o, p, s, n) => stub.readStrided(o, p, s, n));
  let host: HostLayout | undefined;
  let hostError: string | null = null;
  try {
    host = await hostLayout(flash, {
      chip,
      ...(options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {}),
      ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
    });
  } catch (error) {
    if (!(error instanceof StubError || error instanceof RangeError)) throw error;
    hostError = describe(error);
  }

  // 4. Size from every source.
  const size = decideFlashSize({
    ...(options.flashSize !== undefined ? { override: options.flashSize } : {}),
    ...(info ? { info } : {}),
    ...hostSizeInputs(host),
  });
  if (idError) {
    degraded = true;
    notes.push(size.explanation);
  }
  notes.push(...size.disagreements);
  if (size.bytes === null) degraded = true;

  // 5. Mappings: MAP_GET, checked against the host.
  const mappings = chooseMappings(map, mapError, host, hostError);
  if (mappings.source === 'host' && mapError) {
    notes.push(mappings.segments.length
      ? `MAP_GET failed (${mapError}); the mappings come from the host's reading of ${hostReadingOf(mappings.format)}.`
      : `MAP_GET failed (${mapError}); the host's reading of ${hostReadingOf(mappings.format)} finds no mapping either.`);
  }
  if (mappings.crossCheck && !mappings.crossCheck.agree && mappings.source !== 'none' && map && !mapError) notes.push(`${mappings.crossCheck.sentence} ${mappings.crossCheck.differences.join('; ')}.`);
  if (mappings.source === 'none') {
    degraded = true;
    notes.push(`No mapping could be determined (${mapError ?? hostError ?? mappings.formatNote ?? mappings.choiceReason}). Pass --app-offset (and --table-offset) to point at the app, like OpenOCD's "esp appimage_offset".`);
  } else if (mappings.segments.length === 0) {
    degraded = true;
    notes.push(`The app at ${mappings.appOffset === null ? '?' : hex32(mappings.appOffset)} has no IROM/DROM segment${mappings.formatNote ? ` (${mappings.formatNote})` : ''}: a debugger gets no flash mapping and no flash breakpoints there.`);
  }

  // 6. What OpenOCD's legacy stub would have made of it.
  let openocd: OpenocdOutcome | null = null;
  if (info && analysis) {
    if (analysis.legacySize > 0 && options.appOffset === undefined && host) {
      // Its app: the first app entry of the table at 0x8000, whose headers the host may not have walked.
      await walkLegacyApp(flash, chip, host.appOffset);
    }
    openocd = predictOpenocd({
      naiveId: analysis.naive, legacySize: analysis.legacySize, flash: flash.materialize(Math.max(flash.extent(), 0x10000)), chip,
      ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
      bootAppOffset: mappings.appOffset,
    });
  }
  if (hostError) notes.push(`The host fallback could not read the flash (${hostError}).`);
  return {
    target: where,
    chip: chip.name,
    method: 'stub',
    degraded,
    id: info && analysis ? idOf(info, analysis) : null,
    size,
    mappings,
    openocd,
    notes,
    bytesRead: flash.bytesRead,
  };
}

function idOf(info: FlashInfo, analysis: NonNullable<ReturnType<typeof analyzeIdRead>>): ProbeId {
  return { naive: info.naiveId.id, clean: info.cleanId.id, analysis, romChipSize: info.romChipSize ?? null };
}

function stubSegments(map: StubFlashMap): ProbeSegment[] {
  return map.segments.map((s) => ({ segment: null, kind: s.kind, flashOffset: s.flashOffset, vaddr: s.vaddr, size: s.size }));
}

function chooseMappings(map: StubFlashMap | undefined, mapError: string | null, host: HostLayout | undefined, hostError: string | null): ProbeMappings {
  const stub = map ? { ok: mapError === null, reason: map.reason, error: mapError } : null;
  const check = map && host ? crossCheck(map, host, mapError !== null) : null;
  const hostUsable = host !== undefined && host.appOffset !== null && host.segments.length > 0;
  const stubUsable = map !== undefined && mapError === null;
  if (stubUsable && (!hostUsable || check?.agree)) {
    // Agreement: the host's list carries the segment indices.
    const segments = check?.agree && host ? host.segments : stubSegments(map);
    return {
      source: 'stub',
      tableOffset: map.tableOffset ?? null,
      tableNote: host?.tableNote ?? (map.tableSearched ? 'searched by the stub' : 'given'),
      appOffset: map.appOffset ?? null,
      appLabel: host?.appLabel ?? null,
      // The host's words for the choice where it read the flash too (an app offset of 0 given by the
      // user reaches the stub as "choose": it may name the same app for another reason).
      choice: host?.choice ?? choiceFromStub(map.reason),
      choiceReason: host?.choiceReason ?? `chosen by the stub (${map.reason})`,
      format: host?.format ?? stubFormat(map),
      formatNote: host?.formatNote ?? null,
      segments,
      stub, crossCheck: check, mmuRuns: null,
    };
  }
  if (host && (hostUsable || !stubUsable)) {
    const m = mappingsFromHost(host, host.appOffset !== null ? 'host' : 'none');
    return { ...m, stub, crossCheck: check, mmuRuns: null };
  }
  if (stubUsable) {
    return { ...emptyMappings(''), source: 'stub', tableOffset: map.tableOffset ?? null, tableNote: map.tableSearched ? 'searched by the stub' : 'given', appOffset: map.appOffset ?? null, choice: choiceFromStub(map.reason), choiceReason: `chosen by the stub (${map.reason})`, format: stubFormat(map), segments: stubSegments(map), stub, crossCheck: check };
  }
  return { ...emptyMappings(hostError ?? mapError ?? 'nothing readable'), stub };
}

/** What MAP_GET says the app is, for a report without the host's reading. */
function stubFormat(map: StubFlashMap): ProbeMappings['format'] {
  if (map.mcuboot) return 'mcuboot';
  return map.reason === 'direct-boot' || map.reason === 'simple-boot' ? map.reason : 'esp-image';
}

/** The stub could not be loaded or run: report what plain memory reads of the cache windows show. */
export async function probeWithoutStub(target: Target, chip: ChipDescriptor, options: ProbeOptions, cause: unknown): Promise<Omit<ProbeReport, 'restored'>> {
  const why = describe(cause);
  const notes = [`The flasher stub could not run (${why}), so the flash id and the raw flash are unavailable; espalgo read the MMU table and the DROM window instead (no code ran on the chip).`];
  let fallback;
  const haltForRead = target.state() === 'running' && !target.capabilities.memoryWhileRunning;
  try {
    if (haltForRead) await target.halt();
    fallback = await probeThroughWindows(target, chip);
  } catch (error) {
    fallback = { runs: [], appOffset: null, format: null, segments: [], complete: false, note: `Reading the cache windows failed too (${describe(error)}).` };
  } finally {
    if (haltForRead && target.state() === 'halted') await target.resume().catch(() => undefined);
  }
  notes.push(fallback.note);
  const size = decideFlashSize(options.flashSize !== undefined ? { override: options.flashSize } : {});
  notes.push(size.bytes === null
    ? 'Without the stub the flash size is unknown: pass --flash-size to allow raw flash access, and check that the chip is halted in a state where RAM can take code (no memory protection, no watchdog reset under the debugger).'
    : size.explanation);
  const mappings: ProbeMappings = {
    ...emptyMappings(fallback.note),
    source: fallback.segments.length ? 'memory-window' : 'none',
    tableNote: 'not readable without the stub',
    appOffset: fallback.appOffset,
    choice: fallback.appOffset !== null ? 'first-app' : 'none',
    choiceReason: fallback.appOffset !== null ? 'the app the bootloader mapped into the cache (it is running)' : fallback.note,
    format: fallback.format,
    formatNote: fallback.note,
    segments: fallback.segments,
    mmuRuns: fallback.runs,
  };
  if (options.appOffset !== undefined && fallback.appOffset !== null && options.appOffset !== fallback.appOffset) {
    notes.push(`You asked for the app at ${hex32(options.appOffset)}, but only the running app at ${hex32(fallback.appOffset)} is visible through the cache.`);
  }
  return {
    target: target.description, chip: chip.name, method: 'memory-window', degraded: true, id: null, size, mappings,
    openocd: null, notes, bytesRead: 0,
  };
}

