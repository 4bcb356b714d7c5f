/**
 * What a flash probe found, as plain data (numbers, strings, arrays) for text, JSON and tests:
 * the id (naive and cleaned), the size with its sources, the mappings of the app that boots with
 * where they came from, what OpenOCD's legacy stub would have concluded, and sentences saying
 * what happened and what the user can do.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { hex32 } from '../chips/types.js';
import { predictStub } from '../image/flash-map/stub-model.js';
import type { SegmentMapping } from '../image/flash-map/types.js';
import type { MmuRun } from './probe-fallback.js';
import type { AppChoice, CrossCheck, HostLayout, ProbeSegment } from './probe-mappings.js';
import { formatSize, type IdReadAnalysis, type ProbeSize } from './probe-size.js';
import type { AppReason } from './stub-protocol.js';

export type ProbeMethod = 'stub' | 'memory-window' | 'rom-call';
export type MappingSource = 'stub' | 'host' | 'memory-window' | 'none';

export interface ProbeId {
  /** 0xMMTTCC as read with SPI1 as found (what OpenOCD's legacy stub reads). */
  readonly naive: number;
  /** 0xMMTTCC as read with the extra dummy cleared. */
  readonly clean: number;
  readonly analysis: IdReadAnalysis;
  /** The ROM's idea of the flash (g_rom_flashchip), when readable. */
  readonly romChipSize: number | null;
}

export interface ProbeMappings {
  readonly source: MappingSource;
  readonly tableOffset: number | null;
  readonly tableNote: string;
  readonly appOffset: number | null;
  readonly appLabel: string | null;
  readonly choice: AppChoice;
  readonly choiceReason: string;
  readonly format: string | null;
  readonly formatNote: string | null;
  /** Every IROM/DROM segment of the app, in file order. */
  readonly segments: readonly ProbeSegment[];
  /** MAP_GET: ok, or the decoded error; null when it did not run. */
  readonly stub: { readonly ok: boolean; readonly reason: AppReason; readonly error: string | null } | null;
  /** MAP_GET against the host's own reading; null when one of them is missing. */
  readonly crossCheck: CrossCheck | null;
  /** Memory-window fallback only: the runs of flash pages the MMU maps. */
  readonly mmuRuns: readonly MmuRun[] | null;
}

export interface OpenocdOutcome {
  /** The id it reads (SPI1 as the application left it), e.g. "DE 80 2D". */
  readonly id: string;
  /** Size it derives (0 = none). */
  readonly size: number;
  /** MAP_GET result code of the legacy stub (0 ok, -9 size 0, -6 table, -7 entry beyond flash, -8 app magic). */
  readonly retcode: number;
  /** Whether GDB could connect (a zero size aborts GDB's connection; mapping errors do not). */
  readonly gdbConnects: boolean;
  readonly mappings: readonly SegmentMapping[];
  readonly sentence: string;
}

export interface ProbeReport {
  readonly target: string;
  readonly chip: string;
  readonly method: ProbeMethod;
  /** True when something could not be determined the normal way (see notes). */
  readonly degraded: boolean;
  readonly id: ProbeId | null;
  readonly size: ProbeSize;
  readonly mappings: ProbeMappings;
  readonly openocd: OpenocdOutcome | null;
  /** Sentences: what happened and what the user can do, most important first. */
  readonly notes: readonly string[];
  /** Bytes of flash read for the host fallback. */
  readonly bytesRead: number;
  /** How the target was given back: resumed (it was running), RAM restored, SPI1 and MMU compared before/after. */
  readonly restored: {
    readonly resumed: boolean;
    readonly ramRestored: boolean;
    /** False when the chip's registers could not be read (or the chip has no watched blocks). */
    readonly registersCompared: boolean;
    /** SPI1 registers and MMU table bit-exact after the probe; null when not compared. */
    readonly registersIntact: boolean | null;
  } | null;
}

/**
 * What OpenOCD's legacy flasher stub (≤ 2024) would conclude: size from the naive id through its
 * capacity table; MAP_GET fails with -9 on size 0, else reads the table only at 0x8000 and takes
 * the first app entry (otadata ignored). `flash` must hold the table at 0x8000 and that app's headers.
 */
export function predictOpenocd(input: {
  readonly naiveId: string;
  readonly legacySize: number;
  readonly flash: Uint8Array;
  readonly chip: ChipDescriptor;
  readonly appOffset?: number;
  readonly bootAppOffset: number | null;
}): OpenocdOutcome {
  const { naiveId, legacySize } = input;
  if (legacySize === 0) {
    return {
      id: naiveId, size: 0, retcode: -9, gdbConnects: false, mappings: [],
      sentence: `OpenOCD ≤ 2024 would read ${naiveId}, find no size for it, fail MAP_GET with -9 ("Failed to get flash maps (-9)!", "Failed to probe flash, size 0 KB") and GDB would refuse to connect; its workaround "set ESP_FLASH_SIZE 0" gives up flash breakpoints and programming.`,
    };
  }
  const p = predictStub({
    bytes: input.flash, baseOffset: 0, chip: input.chip, flashSize: legacySize, where: 'the flash the probe read',
    ...(input.appOffset !== undefined ? { appOffset: input.appOffset } : {}),
  });
  const wrongApp = p.retcode === 0 && p.appOffset !== null && input.bootAppOffset !== null && p.appOffset !== input.bootAppOffset;
  const sentence = `OpenOCD ≤ 2024 would read ${naiveId}, take the flash for ${formatSize(legacySize)}${
    p.retcode !== 0 ? ` and fail the mapping (${p.explanation}); GDB still connects, but cannot set software breakpoints in flash (hardware ones, hbreak, still work)` : p.predicted ? ` and map ${p.explanation}` : `; ${p.explanation}`
  }${wrongApp ? ` — but the bootloader runs the app at ${hex32(input.bootAppOffset!)}, so its flash breakpoints would land in the wrong app` : ''}.`;
  return { id: naiveId, size: legacySize, retcode: p.retcode, gdbConnects: true, mappings: p.mappings, sentence };
}

/** Map the stub's app-choice reason onto the host's. */
export function choiceFromStub(reason: AppReason): AppChoice {
  return reason === 'none' ? 'none' : reason;
}

export function emptyMappings(note: string): ProbeMappings {
  return {
    source: 'none', tableOffset: null, tableNote: note, appOffset: null, appLabel: null, choice: 'none', choiceReason: note,
    format: null, formatNote: null, segments: [], stub: null, crossCheck: null, mmuRuns: null,
  };
}

export function mappingsFromHost(host: HostLayout, source: MappingSource): Omit<ProbeMappings, 'stub' | 'crossCheck' | 'mmuRuns'> {
  return {
    source, tableOffset: host.tableOffset, tableNote: host.tableNote, appOffset: host.appOffset, appLabel: host.appLabel,
    choice: host.choice, choiceReason: host.choiceReason, format: host.format, formatNote: host.formatNote, segments: host.segments,
  };
}
