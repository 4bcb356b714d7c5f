/**
 * From what the ROM-call probe read to the probe report the stub probe gives: the id read as found
 * and cleaned (as a FlashInfo, so the #366 analysis and the size decision are the stub probe's own),
 * the size with its sources, the mappings of the app that boots, and OpenOCD's likely verdict.
 */
import { hex32, type ChipDescriptor } from '../../chips/types.js';
import { SparseFlash, hostLayout, walkLegacyApp, type FlashReader, type HostLayout, type StridedReader } from '../probe-mappings.js';
import { emptyMappings, mappingsFromHost, predictOpenocd, type OpenocdOutcome, type ProbeMappings, type ProbeReport } from '../probe-report.js';
import { analyzeIdRead, decideFlashSize, hostSizeInputs, legacyOpenocdSizeFromCapacity } from '../probe-size.js';
import { FLASH_INFO_FLAGS, JEDEC_CLEARED, decodeJedecId, flashSizeFromCapacity, type FlashInfo } from '../stub-protocol.js';
import { CTRL_WP, TIMING_CALI_CLEAR, USER_DUMMY } from './plan.js';

export interface RomProbeReport extends ProbeReport {
  readonly method: 'rom-call';
  /** ROM functions called (cache suspend/resume, reads). */
  readonly romCalls: number;
}

const USER_OTHER_PHASES = (1 << 30) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24);
const CTRL_MODE_BITS = (1 << 24) | (1 << 23) | (1 << 20) | (1 << 14) | (1 << 13) | (1 << 8) | (1 << 7);

/** The id reads as the stub's FLASH_INFO would report them; undefined when the clean read did not happen. */
export function flashInfoFrom(vars: ReadonlyMap<string, number>, ctrlOctalBits: number): FlashInfo | undefined {
  const v = (k: string) => vars.get(k);
  const naive = v('naiveId');
  const clean = v('cleanId');
  if (naive === undefined || clean === undefined) return undefined;
  const user = v('saved.USER') ?? 0;
  const ctrl = v('saved.CTRL') ?? 0;
  const timing = v('saved.TIMING_CALI') ?? 0;
  const dummy = v('dummyLenPlus1') ?? 0;
  let cleared = 0;
  if (user & USER_DUMMY) cleared |= JEDEC_CLEARED.USR_DUMMY;
  if (user & USER_OTHER_PHASES) cleared |= JEDEC_CLEARED.USER_PHASES;
  if (timing & (1 << 1)) cleared |= JEDEC_CLEARED.TIMING_CALI;
  if (timing & TIMING_CALI_CLEAR & ~(1 << 1)) cleared |= JEDEC_CLEARED.TIMING_EXTRA;
  if (dummy) cleared |= JEDEC_CLEARED.ROM_DUMMY;
  if (ctrl & (CTRL_MODE_BITS | ctrlOctalBits) & ~CTRL_WP) cleared |= JEDEC_CLEARED.CTRL_MODE;
  const naiveId = decodeJedecId(naive);
  const cleanId = decodeJedecId(clean);
  let flags = FLASH_INFO_FLAGS.ROM_DATA;
  if (naiveId.plausible) flags |= FLASH_INFO_FLAGS.NAIVE_PLAUSIBLE;
  if (cleanId.plausible) flags |= FLASH_INFO_FLAGS.CLEAN_PLAUSIBLE;
  if (naiveId.raw !== cleanId.raw) flags |= FLASH_INFO_FLAGS.IDS_DIFFER;
  if ((v('icacheCtrl') ?? 0) & 1) flags |= FLASH_INFO_FLAGS.CACHE_SUSPENDED;
  return {
    flags, naiveId, cleanId,
    found: { user, user1: v('saved.USER1') ?? 0, user2: v('saved.USER2') ?? 0, ctrl, timingCali: timing, romDummyLenPlus1: dummy },
    cleared,
    clearedNames: (Object.keys(JEDEC_CLEARED) as (keyof typeof JEDEC_CLEARED)[]).filter((k) => (cleared & JEDEC_CLEARED[k]) !== 0),
    naiveExtraDummy: dummy,
    capacity: cleanId.capacity,
    size: flashSizeFromCapacity(cleanId.capacity),
    naiveSize: flashSizeFromCapacity(naiveId.capacity),
    romChipSize: v('romChipSize'),
    romDeviceId: v('romDeviceId'),
    romDataPointer: v('romData') ?? 0,
    busyPolls: v('busyPolls') ?? 0,
  };
}

export interface HostReading {
  readonly flash: SparseFlash;
  readonly host: HostLayout | undefined;
  readonly error: string | null;
}

export interface LayoutOptions {
  readonly chip: ChipDescriptor;
  readonly tableOffset?: number;
  readonly appOffset?: number;
  /** OpenOCD's legacy stub takes the first app entry at 0x8000: walk its headers too (when it would get a size). */
  readonly walkLegacyApp: boolean;
}

/** The host logic on flash read through the ROM: table, otadata, boot app, its IROM/DROM segments. */
export async function readLayout(read: FlashReader, limit: number, o: LayoutOptions, strided?: StridedReader): Promise<HostReading> {
  const flash = new SparseFlash(read, limit, strided);
  let host: HostLayout | undefined;
  try {
    host = await hostLayout(flash, { chip: o.chip, ...(o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {}), ...(o.appOffset !== undefined ? { appOffset: o.appOffset } : {}) });
  } catch (error) {
    return { flash, host: undefined, error: (error as Error).message };
  }
  if (o.walkLegacyApp && o.appOffset === undefined) await walkLegacyApp(flash, o.chip, host.appOffset);
  return { flash, host, error: null };
}

export interface ReportInputs {
  readonly where: string;
  readonly chip: ChipDescriptor;
  readonly info: FlashInfo | undefined;
  readonly reading: HostReading | undefined;
  readonly flashSize?: number;
  readonly appOffset?: number;
  /** The flash never went idle before the id read. */
  readonly busyExhausted?: boolean;
  /** Why the probe stopped early, when it did. */
  readonly stopped: string | null;
  readonly notes: readonly string[];
  readonly romCalls: number;
  readonly restored: ProbeReport['restored'];
}

export function legacySizeOf(vars: ReadonlyMap<string, number>): number {
  const naive = vars.get('naiveId');
  return naive === undefined ? 0 : legacyOpenocdSizeFromCapacity((naive >>> 16) & 0xff);
}

export function buildReport(i: ReportInputs): RomProbeReport {
  const notes: string[] = [];
  let degraded = i.stopped !== null;
  if (i.stopped) notes.push(`The ROM-call probe stopped: ${i.stopped}.`);
  const analysis = i.info ? analyzeIdRead(i.info) : undefined;
  if (analysis?.sentence) notes.push(analysis.sentence);
  if (i.busyExhausted) {
    degraded = true;
    notes.push(`The flash stayed busy (status WIP set) for all ${i.info?.busyPolls ?? 'the'} status polls: the application's write or erase never finished, so the id may be wrong; reset the chip or let the application finish, then probe again.`);
  } else if (i.info && i.info.busyPolls > 0) {
    notes.push(`The flash was busy with a write or erase the application had started (${i.info.busyPolls} status polls); espalgo waited before reading the id.`);
  }
  const host = i.reading?.host;
  const size = decideFlashSize({
    ...(i.flashSize !== undefined ? { override: i.flashSize } : {}),
    ...(i.info ? { info: i.info } : {}),
    ...hostSizeInputs(host),
  });
  notes.push(...size.disagreements);
  if (size.bytes === null || (i.info && !i.info.cleanId.plausible)) {
    degraded = true;
    notes.push(size.explanation);
  }
  let mappings: ProbeMappings;
  if (host) {
    mappings = { ...mappingsFromHost(host, host.appOffset !== null ? 'host' : 'none'), stub: null, crossCheck: null, mmuRuns: null };
  } else {
    mappings = emptyMappings(i.reading?.error ?? i.stopped ?? 'the flash was not read');
  }
  if (i.reading?.error) notes.push(`Reading the flash through esp_rom_spiflash_read failed (${i.reading.error}).`);
  if (mappings.source === 'none' || mappings.segments.length === 0) {
    degraded = true;
    const advice = i.appOffset !== undefined
      ? `Check --app-offset ${hex32(i.appOffset)}: no app image with flash segments starts there (the table's app partitions say where the apps are).`
      : 'Pass --app-offset (and --table-offset) to point at the app.';
    if (host) notes.push(`No IROM/DROM mapping: ${mappings.formatNote ?? mappings.choiceReason}. ${advice}`);
  }
  let openocd: OpenocdOutcome | null = null;
  if (analysis && i.reading) {
    const f = i.reading.flash;
    openocd = predictOpenocd({
      naiveId: analysis.naive, legacySize: analysis.legacySize, flash: f.materialize(Math.max(f.extent(), 0x10000)), chip: i.chip,
      ...(i.appOffset !== undefined ? { appOffset: i.appOffset } : {}), bootAppOffset: mappings.appOffset,
    });
  }
  return {
    target: i.where, chip: i.chip.name, method: 'rom-call', degraded,
    id: i.info && analysis ? { naive: i.info.naiveId.id, clean: i.info.cleanId.id, analysis, romChipSize: i.info.romChipSize ?? null } : null,
    size, mappings, openocd, notes: [...notes, ...i.notes], bytesRead: i.reading?.flash.bytesRead ?? 0, restored: i.restored, romCalls: i.romCalls,
  };
}
