/**
 * Flash size for the probe: every source that states one (the JEDEC id read with SPI1 cleaned,
 * the bootloader header's size nibble, the extent of the partition table, the user's override),
 * which one wins, and a sentence for every disagreement. Also the #366 analysis of the id read:
 * which extra dummy cycles the application left in SPI1, what they did to the id, and what a stub
 * that does not clear them (OpenOCD's legacy stub) concludes. Pure: no target access here.
 */
import { counted, hex32 } from '../chips/types.js';
import { flashSizeFromCode } from '../image/image-header.js';
import type { HostLayout } from './probe-mappings.js';
import { FLASH_INFO_FLAGS, type FlashInfo, type JedecId } from './stub-protocol.js';

/** 'app-header': the image header at 0x0 when that image is the app itself (a Simple Boot app). */
export type SizeSourceKind = 'override' | 'jedec' | 'bootloader-header' | 'app-header' | 'partition-table';

export interface SizeSource {
  readonly kind: SizeSourceKind;
  /** Bytes this source states (for the table: the smallest power of two that holds it); null = it states nothing. */
  readonly bytes: number | null;
  /** What the source said, in words ("JEDEC id EF 40 16 (capacity 0x16)"). */
  readonly detail: string;
}

export interface ProbeSize {
  /** The size espalgo uses; null when no source states one. */
  readonly bytes: number | null;
  readonly source: SizeSourceKind | null;
  readonly sources: readonly SizeSource[];
  /** One sentence per disagreement between the sources, saying what it means and what to do. */
  readonly disagreements: readonly string[];
  /** One sentence: where the size came from. */
  readonly explanation: string;
}

/** 4 MiB, 512 KiB, 1.5 GiB … */
export function formatSize(bytes: number): string {
  if (bytes >= 0x40000000 && bytes % 0x40000000 === 0) return `${bytes / 0x40000000} GiB`;
  if (bytes >= 0x100000 && bytes % 0x100000 === 0) return `${bytes / 0x100000} MiB`;
  if (bytes >= 0x400 && bytes % 0x400 === 0) return `${bytes / 0x400} KiB`;
  return counted(bytes, 'byte');
}

/** "EF 40 16": manufacturer, memory type, capacity, as the bytes come off the wire. */
export function formatJedec(id: JedecId): string {
  return [id.manufacturer, id.memoryType, id.capacity].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/**
 * The capacity table of OpenOCD's legacy flasher stub (2024 builds and earlier); 0 = unknown,
 * which makes its MAP_GET fail with -9 and the whole flash probe with "size 0 KB".
 */
export function legacyOpenocdSizeFromCapacity(capacity: number): number {
  const c = capacity & 0xff;
  if (c >= 0x12 && c <= 0x19) return 2 ** c;
  if (c >= 0x20 && c <= 0x22) return 0x4000000 * 2 ** (c - 0x20);
  if (c === 0x39) return 0x2000000;
  return 0;
}

function nextPowerOfTwo(n: number): number {
  let p = 0x10000;
  while (p < n && p < 0x100000000) p *= 2;
  return p;
}

export interface SizeInputs {
  readonly override?: number;
  /** FLASH_INFO, when the stub ran it (also when it failed with the result filled). */
  readonly info?: FlashInfo;
  /** Size nibble of the image header at flash 0x0 (the bootloader's), when one was read. */
  readonly bootloaderSizeCode?: number;
  /** The image at 0x0 is the app itself (Simple Boot), so the size nibble is the app header's. */
  readonly headerIsApp?: boolean;
  /** End of the last partition and its label, when a table was read. */
  readonly tableExtent?: { readonly end: number; readonly label: string };
}

/** What the host's reading of the flash says about its size: the header at 0x0 and the table's extent. */
export function hostSizeInputs(host: HostLayout | undefined): Pick<SizeInputs, 'bootloaderSizeCode' | 'headerIsApp' | 'tableExtent'> {
  if (!host) return {};
  const last = host.entries.length ? host.entries.reduce((a, e) => (e.offset + e.size > a.offset + a.size ? e : a)) : undefined;
  return {
    ...(host.bootloaderSizeCode !== null ? { bootloaderSizeCode: host.bootloaderSizeCode, headerIsApp: host.format === 'simple-boot' } : {}),
    ...(last ? { tableExtent: { end: last.offset + last.size, label: last.label } } : {}),
  };
}

export function decideFlashSize(inputs: SizeInputs): ProbeSize {
  const sources: SizeSource[] = [];
  if (inputs.override !== undefined) sources.push({ kind: 'override', bytes: inputs.override, detail: `--flash-size ${formatSize(inputs.override)}` });
  const info = inputs.info;
  if (info) {
    const id = info.cleanId;
    sources.push(
      !id.plausible
        ? { kind: 'jedec', bytes: null, detail: `JEDEC id unreadable (${formatJedec(id)}: all zeros or all ones, even with SPI1 cleaned)` }
        : info.size
          ? { kind: 'jedec', bytes: info.size, detail: `JEDEC id ${formatJedec(id)} (capacity 0x${id.capacity.toString(16)})` }
          : { kind: 'jedec', bytes: null, detail: `JEDEC id ${formatJedec(id)}: capacity byte 0x${id.capacity.toString(16).padStart(2, '0')} is not in the size table` },
    );
  }
  const headerKind: SizeSourceKind = inputs.headerIsApp ? 'app-header' : 'bootloader-header';
  const headerName = inputs.headerIsApp ? 'app header' : 'bootloader header';
  if (inputs.bootloaderSizeCode !== undefined) {
    const s = flashSizeFromCode(inputs.bootloaderSizeCode);
    const nibble = `${headerName} size nibble ${inputs.bootloaderSizeCode}`;
    sources.push({ kind: headerKind, bytes: s ?? null, detail: s ? `${nibble} = ${formatSize(s)}` : `${nibble} means no size` });
  }
  if (inputs.tableExtent) {
    const { end, label } = inputs.tableExtent;
    sources.push({ kind: 'partition-table', bytes: nextPowerOfTwo(end), detail: `the last partition ("${label}") ends at ${hex32(end)}, so at least ${formatSize(nextPowerOfTwo(end))}` });
  }

  const of = (k: SizeSourceKind) => sources.find((s) => s.kind === k);
  const chosen = ['override', 'jedec', headerKind, 'partition-table']
    .map((k) => of(k as SizeSourceKind))
    .find((s) => s !== undefined && s.bytes !== null);
  const bytes = chosen?.bytes ?? null;
  const disagreements: string[] = [];
  const jedec = of('jedec')?.bytes ?? null;
  const header = of(headerKind)?.bytes ?? null;
  const theHeader = inputs.headerIsApp ? "The app's image header at 0x0" : 'The bootloader header';
  const over = inputs.override;
  if (over !== undefined && jedec !== null && over !== jedec) {
    disagreements.push(`You gave --flash-size ${formatSize(over)} but the flash chip's JEDEC id says ${formatSize(jedec)}; espalgo uses yours, so make sure it is right (a wrong size lets writes wrap or fail).`);
  }
  if (jedec !== null && header !== null && jedec !== header) {
    disagreements.push(
      header > jedec
        ? `${theHeader} says ${formatSize(header)} but the flash chip says ${formatSize(jedec)}: the image was built for a larger module (e.g. a 32 MiB MicroPython build on a ${formatSize(jedec)} board). ${over === undefined ? `espalgo trusts the chip's ${formatSize(jedec)}` : 'espalgo uses your --flash-size'}; an ESP-IDF app built that way stops at start-up ("Detected size … smaller than the size in the binary image header") unless it overrides the size.`
        : `${theHeader} says ${formatSize(header)} but the flash chip has ${formatSize(jedec)}: the application only uses the first ${formatSize(header)} (harmless; rebuild with the right CONFIG_ESPTOOLPY_FLASHSIZE to use the rest).`,
    );
  }
  if (bytes !== null && inputs.tableExtent && inputs.tableExtent.end > bytes) {
    disagreements.push(
      `The partition table reaches ${hex32(inputs.tableExtent.end)} ("${inputs.tableExtent.label}") but the flash is ${formatSize(bytes)}: everything past ${hex32(bytes)} does not exist on this chip, so that partition cannot be used (writes there fail or wrap); flash a table made for ${formatSize(bytes)}.`,
    );
  }

  let explanation: string;
  if (!chosen) {
    explanation = 'No source states the flash size: the id could not be turned into a size and neither an image header at 0x0 nor a partition table was readable. Raw flash access (programming, software flash breakpoints) is unavailable until you pass --flash-size; the mappings are still reported.';
  } else if (chosen.kind === 'override') {
    explanation = `Flash size ${formatSize(bytes!)}, as you gave it (--flash-size).`;
  } else if (chosen.kind === 'jedec') {
    explanation = `Flash size ${formatSize(bytes!)} from the flash chip's own JEDEC id ${formatJedec(info!.cleanId)}, read with SPI1's extra dummy cycles cleared.`;
  } else {
    const why = !info
      ? 'the flasher stub could not read the JEDEC id'
      : !info.cleanId.plausible
        ? `the JEDEC id could not be read (${formatJedec(info.cleanId)})`
        : `the flash answered JEDEC id ${formatJedec(info.cleanId)}, whose capacity byte 0x${info.cleanId.capacity.toString(16).padStart(2, '0')} is not in the size table`;
    explanation = `${why[0]!.toUpperCase()}${why.slice(1)}, so the chip did not tell its size; espalgo uses ${chosen.kind === headerKind ? `the ${headerName}'s ${formatSize(bytes!)}` : `the ${formatSize(bytes!)} the partition table needs`}. Pass --flash-size if that is wrong${info && info.cleanId.plausible ? ', and report the id so the table can learn it' : ''}.`;
  }
  return { bytes, source: chosen?.kind ?? null, sources, disagreements, explanation };
}

// ---- #366: what the application left in SPI1 -----------------------------------------------------

const USER_USR_DUMMY = 1 << 29;
const TIMING_CALI_ENABLE = 1 << 1;

export interface DummySource {
  /** Register field, e.g. "USER.USR_DUMMY". */
  readonly where: string;
  readonly cycles: number;
}

export interface IdReadAnalysis {
  /** As read with SPI1 as found (what OpenOCD's legacy stub reads). */
  readonly naive: string;
  /** As read with the extra dummy cleared. */
  readonly clean: string;
  readonly idsDiffer: boolean;
  /** Extra dummy cycles found in SPI1 / the ROM variable, by field. */
  readonly extraDummy: readonly DummySource[];
  /** Extra dummy cycles the naive read had (what shifts its id). */
  readonly extraDummyCycles: number;
  /** The naive id is the clean one shifted left by the extra dummy cycles (bit-exact where known). */
  readonly shiftExplained: boolean;
  /** Every item the clean read had to reset (stub names: USR_DUMMY, TIMING_CALI, …). */
  readonly cleared: readonly string[];
  /** Status polls the flash was busy for before the id could be read. */
  readonly busyPolls: number;
  /** Size OpenOCD's legacy stub derives from the naive id (0 = none: error -9). */
  readonly legacySize: number;
  /** The sentence: what was found, what a careless stub reads, what espalgo did. Null when SPI1 was clean. */
  readonly sentence: string | null;
}

function cyclesWord(n: number): string {
  return `${counted(n, 'extra dummy cycle')}`;
}

/** Extra dummy cycles in the SPI1 state the stub found. */
export function extraDummySources(info: FlashInfo): DummySource[] {
  const out: DummySource[] = [];
  const f = info.found;
  if (f.user & USER_USR_DUMMY) out.push({ where: 'USER.USR_DUMMY', cycles: (f.user1 & 0x3f) + 1 });
  if (f.timingCali & TIMING_CALI_ENABLE && (f.timingCali >>> 2) & 7) out.push({ where: 'TIMING_CALI.EXTRA_DUMMY_CYCLELEN', cycles: (f.timingCali >>> 2) & 7 });
  if (f.romDummyLenPlus1) out.push({ where: 'ROM g_rom_spiflash_dummy_len_plus[1]', cycles: f.romDummyLenPlus1 });
  return out;
}

/** The id bytes a controller sampling `n` cycles late would see (the unknown trailing bits as 0). */
export function shiftId(id: JedecId, n: number): number[] {
  const bytes = [id.manufacturer, id.memoryType, id.capacity, 0];
  if (n >= 8) return [bytes[1]!, bytes[2]!, 0];
  return [0, 1, 2].map((j) => ((bytes[j]! << n) | (bytes[j + 1]! >>> (8 - n))) & 0xff);
}

/**
 * Dummy cycles the naive read (SPI1 as found, the way OpenOCD's legacy stub reads) really had: the
 * ROM's dummy_len_plus[1], when set, replaces USER1's cycle length under USR_DUMMY; TIMING_CALI adds.
 */
export function naiveDummyCycles(info: FlashInfo): number {
  const f = info.found;
  const user = f.romDummyLenPlus1 ? f.romDummyLenPlus1 : f.user & USER_USR_DUMMY ? (f.user1 & 0x3f) + 1 : 0;
  const timing = f.timingCali & TIMING_CALI_ENABLE ? (f.timingCali >>> 2) & 7 : 0;
  return user + timing;
}

function foundPhrase(extra: readonly DummySource[]): string {
  const inSpi = extra.filter((s) => !s.where.startsWith('ROM'));
  const rom = extra.find((s) => s.where.startsWith('ROM'));
  const spiTotal = inSpi.reduce((a, s) => a + s.cycles, 0);
  const parts: string[] = [];
  if (inSpi.length) parts.push(`SPI1 with ${cyclesWord(spiTotal)} (${inSpi.map((s) => (inSpi.length > 1 ? `${s.where}: ${s.cycles}` : s.where)).join(', ')})`);
  if (rom) parts.push(`the ROM's flash data with ${cyclesWord(rom.cycles)} (g_rom_spiflash_dummy_len_plus[1], added to every read)`);
  return `The application left ${parts.join(' and ')}`;
}

export function analyzeIdRead(info: FlashInfo): IdReadAnalysis {
  const extra = extraDummySources(info);
  const cycles = naiveDummyCycles(info);
  const naive = formatJedec(info.naiveId);
  const clean = formatJedec(info.cleanId);
  const idsDiffer = info.naiveId.raw !== info.cleanId.raw;
  let shiftExplained = false;
  if (idsDiffer && cycles > 0 && cycles < 8) {
    const s = shiftId(info.cleanId, cycles);
    const keep = (0xff << cycles) & 0xff; // the low bits of the last byte come from whatever follows the id
    shiftExplained = s[0] === info.naiveId.manufacturer && s[1] === info.naiveId.memoryType && (s[2]! & keep) === (info.naiveId.capacity & keep);
  }
  const legacySize = legacyOpenocdSizeFromCapacity(info.naiveId.capacity);
  let sentence: string | null = null;
  if (extra.length > 0 || idsDiffer) {
    const it = extra.length > 1 ? 'them' : 'it';
    const found = extra.length > 0 ? foundPhrase(extra) : 'The application left SPI1 in a state that changes the id read';
    const consequence = !idsDiffer
      ? `; it did not change this id read (${naive}), so even a stub that does not clear ${it} gets the size right`
      : legacySize === 0
        ? `; a stub that does not clear ${it} (OpenOCD ≤ 2024) reads ${naive}${shiftExplained ? ` (${clean} shifted by ${counted(cycles, 'bit')})` : ''} and reports flash size 0 (error -9)`
        : `; a stub that does not clear ${it} (OpenOCD ≤ 2024) reads ${naive} and takes the flash for ${formatSize(legacySize)}`;
    sentence = `${found}${consequence}. espalgo cleared ${it} for the ID read and restored ${it}.`;
  }
  return {
    naive, clean, idsDiffer, extraDummy: extra, extraDummyCycles: cycles, shiftExplained,
    cleared: info.clearedNames, busyPolls: info.busyPolls, legacySize, sentence,
  };
}

/** True when the flash never went idle before the id read (the stub gave up waiting). */
export function flashNeverIdle(info: FlashInfo): boolean {
  return info.busyPolls >= 200000 || (info.flags & (FLASH_INFO_FLAGS.NAIVE_TIMEOUT | FLASH_INFO_FLAGS.CLEAN_TIMEOUT)) !== 0;
}
