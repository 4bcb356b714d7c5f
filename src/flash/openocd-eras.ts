/**
 * The three protocol eras of Espressif's OpenOCD flasher stub, the releases that belong to each,
 * and the parsing of OpenOCD version strings. Pure: no I/O.
 *
 * The numbers a user quotes from an OpenOCD log ("Failed to get flash maps (-9)!") only mean
 * something together with the era of the OpenOCD that printed them.
 */
import { counted } from '../chips/types.js';

export type OpenOcdEra = 'A' | 'B' | 'C';
export const OPENOCD_ERAS: readonly OpenOcdEra[] = ['A', 'B', 'C'];

export interface EraInfo {
  readonly era: OpenOcdEra;
  /** First and last release (YYYYMMDD of the v0.12.0-esp32-YYYYMMDD style tag); undefined = open end. */
  readonly firstRelease?: string;
  readonly lastRelease?: string;
  /** One line: what tells this era apart. */
  readonly summary: string;
  /** How a failed flash-mapping query shows in the log. */
  readonly mapFailureStyle: string;
  /** Stub command numbers of the era (name → number). */
  readonly commands: Readonly<Record<string, number>>;
}

export const ERA_INFO: Readonly<Record<OpenOcdEra, EraInfo>> = {
  A: {
    era: 'A',
    lastRelease: '20240318',
    summary: 'legacy stub with a separate FLASH_SIZE command; stub errors are small negative numbers (-1 to -8)',
    mapFailureStyle: '"Failed to get flash maps (N)!" with N the stub return value; a zero flash size shows as "Failed to get flash size!"',
    commands: { READ: 0, WRITE: 1, ERASE: 2, ERASE_CHECK: 3, FLASH_SIZE: 4, MAP_GET: 5, BP_SET: 6, BP_CLEAR: 7, TEST: 8, WRITE_DEFLATED: 9, CALC_HASH: 10, CLOCK_CONFIGURE: 11 },
  },
  B: {
    era: 'B',
    firstRelease: '20240726',
    lastRelease: '20260424',
    summary: 'legacy stub without FLASH_SIZE: the size comes back inside the MAP_GET result; stub errors -1 to -12',
    mapFailureStyle: '"Failed to get flash maps (N)!" with N the result code inside the MAP_GET reply, followed by a one-line hint',
    commands: { READ: 0, WRITE: 1, ERASE: 2, ERASE_CHECK: 3, MAP_GET: 4, BP_SET: 5, BP_CLEAR: 6, TEST: 7, WRITE_DEFLATED: 8, CALC_HASH: 9, CLOCK_CONFIGURE: 10 },
  },
  C: {
    era: 'C',
    firstRelease: '20260702',
    summary: 'stub built on esp-stub-lib: positive hexadecimal stub errors plus a separate flash-map result enum',
    mapFailureStyle: '"Failed to get flash maps, result code 0xN!" (map-result enum) or "[stub cmd 0xC] …: (0xE) …" (stub error)',
    commands: { TEST1: 0, RECV_FROM_HOST: 1, SEND_TO_HOST: 2, READ: 3, WRITE: 4, ERASE: 5, ERASE_CHECK: 6, MAP_GET: 7, BP_SET: 8, BP_CLEAR: 9, WRITE_DEFLATED: 10, CALC_HASH: 11, CLOCK_CONFIGURE: 12, IDF_BINARY: 13, TEST_ALL: 14 },
  },
};

/** Espressif OpenOCD releases (tag dates), oldest first, with their era. */
export const KNOWN_RELEASES: readonly { readonly date: string; readonly base: string; readonly era: OpenOcdEra }[] = [
  ...['20200309', '20200406', '20200420', '20200526', '20200709', '20201125', '20201202', '20210329', '20210401', '20210429', '20210721', '20210902', '20211111'].map((date) => ({ date, base: '0.10.0', era: 'A' as const })),
  ...['20211220', '20220411', '20220705', '20220706', '20221026'].map((date) => ({ date, base: '0.11.0', era: 'A' as const })),
  ...['20230221', '20230313', '20230412', '20230419', '20230921', '20240318'].map((date) => ({ date, base: '0.12.0', era: 'A' as const })),
  ...['20240726', '20240821', '20241016', '20250226', '20250422', '20250703', '20250707', '20251215', '20260304', '20260424'].map((date) => ({ date, base: '0.12.0', era: 'B' as const })),
  ...['20260702', '20260703'].map((date) => ({ date, base: '0.12.0', era: 'C' as const })),
];

/** The day the FLASH_SIZE command was dropped from the stub (first change of era B), 2024-05-29. */
export const ERA_B_CHANGE_DATE = '20240529';
/** The stub-lib fixes for a shifted JEDEC id read (clear SPI1 extra dummy) reached OpenOCD on this day. */
export const STUB_LIB_ID_FIX_DATE = '20260521';

export interface OpenOcdVersion {
  /** The text the version was taken from. */
  readonly raw: string;
  /** e.g. "0.12.0". */
  readonly base: string;
  /** True for Espressif's fork (a "-esp32-YYYYMMDD" tag). */
  readonly espressif: boolean;
  /** YYYYMMDD of the release tag the build is on or after. */
  readonly releaseDate?: string;
  /** Commits after that tag (a development build); 0 or undefined = the release itself. */
  readonly devCommits?: number;
  /** Abbreviated commit of a development build. */
  readonly commit?: string;
  /** YYYYMMDD of the build, from "(2024-10-16-14:17)". */
  readonly buildDate?: string;
  /** Anything after the tag, e.g. "-dirty" or "_test". */
  readonly suffix?: string;
}

const BANNER = /Open On-Chip Debugger\s+v?(\d+\.\d+\.\d+)(\S*)(?:\s+\((\d{4})-(\d{2})-(\d{2})[^)]*\))?/;
const ESP_TAG = /^-esp32-(\d{8})(?:-(\d+)-g([0-9a-f]{6,40}))?(.*)$/;
/** A version quoted somewhere in the text (issue templates, IDE output): "v0.12.0-esp32-20241016". */
const MENTION = /\bv?(\d+\.\d+\.\d+)(-esp32-\d{8}(?:-\d+-g[0-9a-f]{6,40})?[\w.-]*)/;

function fromParts(raw: string, base: string, rest: string, build?: string): OpenOcdVersion {
  const m = ESP_TAG.exec(rest);
  const buildDate = build !== undefined ? { buildDate: build } : {};
  if (!m) return { raw, base, espressif: false, ...(rest ? { suffix: rest } : {}), ...buildDate };
  const dev = m[2] !== undefined ? Number(m[2]) : 0;
  return {
    raw,
    base,
    espressif: true,
    releaseDate: m[1]!,
    ...(dev > 0 ? { devCommits: dev } : {}),
    ...(m[3] ? { commit: m[3] } : {}),
    ...(m[4] ? { suffix: m[4] } : {}),
    ...buildDate,
  };
}

/** Parse the banner line "Open On-Chip Debugger v0.12.0-esp32-20241016 (2024-10-16-14:17)". */
export function parseOpenOcdBanner(line: string): OpenOcdVersion | undefined {
  const m = BANNER.exec(line);
  if (!m) return undefined;
  const build = m[3] ? `${m[3]}${m[4]}${m[5]}` : undefined;
  return fromParts(m[0].trim(), m[1]!, m[2] ?? '', build);
}

/** Find an Espressif version quoted without the banner ("OpenOCD version: v0.12.0-esp32-20241016"). */
export function parseOpenOcdVersionMention(text: string): OpenOcdVersion | undefined {
  const m = MENTION.exec(text);
  if (!m) return undefined;
  return fromParts(m[0], m[1]!, m[2]!);
}

/** A version string as the user types it: "v0.12.0-esp32-20241016", "0.12.0", or a full banner line. */
export function parseOpenOcdVersion(text: string): OpenOcdVersion | undefined {
  const banner = parseOpenOcdBanner(text);
  if (banner) return banner;
  const t = text.trim();
  const m = /^v?(\d+\.\d+\.\d+)(\S*)$/.exec(t);
  return m ? fromParts(t, m[1]!, m[2] ?? '') : undefined;
}

export type EraCertainty = 'release' | 'development-build' | 'date' | 'ambiguous' | 'not-espressif' | 'unknown';

export interface EraVerdict {
  /** The era when it is certain enough to decode numbers with. */
  readonly era?: OpenOcdEra;
  /** Every era the version could belong to (one when certain). */
  readonly candidates: readonly OpenOcdEra[];
  readonly certainty: EraCertainty;
  /** A sentence saying why. */
  readonly reason: string;
  /** What the user can do when the era is left open (e.g. pass --era); absent once it is decided. */
  readonly advice?: string;
}

export function eraOfDate(date: string): OpenOcdEra[] {
  if (date <= '20240318') return ['A'];
  if (date < '20240726') return date < ERA_B_CHANGE_DATE ? ['A'] : ['A', 'B'];
  if (date <= '20260424') return ['B'];
  if (date < '20260702') return ['B', 'C'];
  return ['C'];
}

function nextRelease(date: string): { date: string; era: OpenOcdEra } | undefined {
  return KNOWN_RELEASES.find((r) => r.date > date);
}

/** Which era a version belongs to, with how sure we are. */
export function eraOfVersion(v: OpenOcdVersion): EraVerdict {
  if (!v.espressif || v.releaseDate === undefined) {
    return {
      candidates: [],
      certainty: 'not-espressif',
      reason: `"${v.raw}" has no -esp32-YYYYMMDD tag: this is upstream OpenOCD (or a self-built tree), which has no ESP flash stub; the flash messages explained here come from Espressif's fork (openocd-esp32).`,
    };
  }
  const d = v.releaseDate;
  const known = KNOWN_RELEASES.find((r) => r.date === d);
  if (!v.devCommits) {
    if (known) return { era: known.era, candidates: [known.era], certainty: 'release', reason: `v${v.base}-esp32-${d} is an era ${known.era} release (${describeEraRange(known.era)}).` };
    const c = eraOfDate(d);
    return c.length === 1
      ? { era: c[0]!, candidates: c, certainty: 'date', reason: `-esp32-${d} is not a release we know; by its date it belongs to era ${c[0]} (${describeEraRange(c[0]!)}).` }
      : { candidates: c, certainty: 'ambiguous', reason: `-esp32-${d} is not a release we know and falls between eras ${c.join(' and ')}.` };
  }
  // A development build: some commits after the tag. The commits lie between this tag and the next release.
  const next = nextRelease(d);
  const tagEra = eraOfDate(d);
  const nextEra = next ? next.era : 'C';
  let c: OpenOcdEra[] = [...new Set([...tagEra, nextEra])].sort();
  if (c.includes('A') && c.includes('B') && v.buildDate !== undefined && v.buildDate < ERA_B_CHANGE_DATE) c = ['A'];
  const what = `a development build ${counted(v.devCommits, 'commit')} after the -esp32-${d} tag${v.buildDate ? `, built ${v.buildDate}` : ''}`;
  return c.length === 1
    ? { era: c[0]!, candidates: c, certainty: 'development-build', reason: `${what}; everything between that tag and the next release is era ${c[0]}.` }
    : { candidates: c, certainty: 'ambiguous', reason: `${what}; the stub protocol changed between that tag and the next release, so it can be era ${c.join(' or ')}.`, advice: 'Pass --era to decide.' };
}

export function describeEraRange(era: OpenOcdEra): string {
  const i = ERA_INFO[era];
  if (i.firstRelease && i.lastRelease) return `releases ${i.firstRelease} to ${i.lastRelease}`;
  if (i.lastRelease) return `releases up to ${i.lastRelease}`;
  return `releases from ${i.firstRelease} on`;
}

/** "A", "b", "era C" → the era; anything else → undefined. */
export function parseEraName(text: string): OpenOcdEra | undefined {
  const m = /^\s*(?:era\s*)?([abc])\s*$/i.exec(text);
  return m ? (m[1]!.toUpperCase() as OpenOcdEra) : undefined;
}

/** The stub command with this number in an era, e.g. (7, 'C') → "MAP_GET". */
export function stubCommandNameInEra(era: OpenOcdEra, value: number): string | undefined {
  const cmds = ERA_INFO[era].commands;
  return Object.keys(cmds).find((k) => cmds[k] === value);
}
