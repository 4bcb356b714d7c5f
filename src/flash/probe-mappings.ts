/**
 * The host fallback of the probe: find the partition table, choose the app the 2nd-stage
 * bootloader would start (otadata-aware) and list every IROM/DROM segment of it, reading only the
 * few bytes needed through a flash reader (the stub's READ) and decoding them with the image
 * toolkit (src/image), MCUboot images through their Espressif load header as MAP_GET does, and
 * compares the result with the stub's MAP_GET.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { counted, hex32, inRange } from '../chips/types.js';
import { readU16, readU32 } from '../image/bytes.js';
import { IMAGE_HEADER_SIZE, SEGMENT_HEADER_SIZE, MAX_SEGMENTS, IMAGE_MAGIC } from '../image/image-header.js';
import { directBootAppNote, directBootMappings, isDirectBootImage, DIRECT_BOOT_MAGIC } from '../image/direct-boot.js';
import { checksumOffset } from '../image/image.js';
import { MCUBOOT_ESP_LOAD_HEADER_SIZE, MCUBOOT_MAGIC, mcubootLoadHeader, mcubootLoadHeaderOffset, mcubootTlvAreas, parseMcubootHeader, readMcubootLoadHeader, type McubootLoadHeaderReading, type McubootRegionLimit } from '../image/mcuboot.js';
import { isFlashKind, classifyAddress } from '../image/segment-kind.js';
import { simpleBootFlashHeader, simpleBootPaddingHeader, simpleBootPage, simpleBootSegment } from '../image/simple-boot.js';
import { selectBootApp } from '../image/otadata.js';
import { firstAppEntryOffset, hasPartitionMagic, parsePartitionTable, PARTITION_TABLE_MAX_LENGTH } from '../image/partition-table.js';
import type { PartitionEntry } from '../image/types.js';
import type { MappedSegment, StubFlashMap } from './stub-protocol.js';

/** Reads flash bytes (through the stub's READ). */
export type FlashReader = (offset: number, length: number) => Promise<Uint8Array>;
/** Reads `count` pieces of `piece` bytes `stride` apart, back to back (through the stub's READ_STRIDED). */
export type StridedReader = (offset: number, piece: number, stride: number, count: number) => Promise<Uint8Array>;

export const DEFAULT_TABLE_OFFSET = 0x8000;
const SECTOR = 0x1000;
const SEARCH_END = 0x100000;
const OTADATA_BYTES = 0x2000;

/** The flash bytes read so far, so nothing is read twice and a sparse copy can be materialised. */
export class SparseFlash {
  private readonly pieces = new Map<number, Uint8Array>();
  bytesRead = 0;
  constructor(
    private readonly reader: FlashReader,
    readonly limit: number,
    private readonly strided?: StridedReader,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = offset & ~3;
    const end = Math.min(this.limit, (offset + length + 3) & ~3);
    if (end <= start) throw new RangeError(`flash ${hex32(offset)} lies beyond the ${hex32(this.limit)} the probe may read`);
    for (const [at, bytes] of this.pieces) {
      if (at <= offset && offset + length <= at + bytes.length) return bytes.subarray(offset - at, offset - at + length);
    }
    const bytes = await this.reader(start, end - start);
    this.pieces.set(start, bytes);
    this.bytesRead += bytes.length;
    return bytes.subarray(offset - start, Math.min(offset - start + length, bytes.length));
  }

  /**
   * `count` pieces of `piece` bytes at offset, offset + stride, …: in one strided read where the
   * reader offers one; else from one read of the first 64 KiB where they start there (a second or
   * more through a slow link, but one call) and a read per piece beyond it.
   */
  async readEvery(offset: number, piece: number, stride: number, count: number): Promise<Uint8Array[]> {
    const at = (i: number) => offset + i * stride;
    if (count <= 0) return [];
    if (at(count - 1) + piece > this.limit) throw new RangeError(`flash ${hex32(at(count - 1))} lies beyond the ${hex32(this.limit)} the probe may read`);
    if (this.strided) {
      const all = await this.strided(offset, piece, stride, count);
      this.bytesRead += all.length;
      return Array.from({ length: count }, (_, i) => {
        const bytes = all.subarray(i * piece, (i + 1) * piece);
        this.pieces.set(at(i), bytes);
        return bytes;
      });
    }
    const HEAD = 0x10000;
    if (offset < HEAD) await this.read(0, Math.min(this.limit, HEAD));
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(await this.read(at(i), piece));
    return out;
  }

  /** End of the highest range read so far. */
  extent(): number {
    let end = 0;
    for (const [at, bytes] of this.pieces) end = Math.max(end, at + bytes.length);
    return end;
  }

  /** A copy of flash 0..length with every byte read so far and 0xFF elsewhere. */
  materialize(length: number): Uint8Array {
    const out = new Uint8Array(length).fill(0xff);
    for (const [at, bytes] of this.pieces) if (at < length) out.set(bytes.subarray(0, Math.min(bytes.length, length - at)), at);
    return out;
  }
}

export type AppChoice = 'override' | 'otadata' | 'factory' | 'ota_0' | 'first-app' | 'direct-boot' | 'simple-boot' | 'none';

export interface ProbeSegment {
  /** Segment index in the image (MCUboot: 0 = IROM, 1 = DROM of the load header); null when unknown (MAP_GET alone). */
  readonly segment: number | null;
  readonly kind: 'drom' | 'irom';
  /** Flash offset of the segment's data. */
  readonly flashOffset: number;
  readonly vaddr: number;
  readonly size: number;
}

export type AppFormat = 'esp-image' | 'mcuboot' | 'direct-boot' | 'simple-boot' | 'empty' | 'not-an-image' | 'unreadable';

export interface HostLayout {
  /** Size nibble of the bootloader header at flash 0x0, when there is one. */
  readonly bootloaderSizeCode: number | null;
  readonly tableOffset: number | null;
  readonly tableSearched: boolean;
  /** Why there is no table, or how it was found. */
  readonly tableNote: string;
  readonly entries: readonly PartitionEntry[];
  readonly appOffset: number | null;
  readonly appLabel: string | null;
  readonly appPartitionSize: number | null;
  readonly choice: AppChoice;
  /** The bootloader's reasoning in a sentence. */
  readonly choiceReason: string;
  readonly format: AppFormat | null;
  readonly formatNote: string | null;
  /** Every IROM/DROM segment, in file order. */
  readonly segments: readonly ProbeSegment[];
  /** Flash offset of the image end (checksum and hash included; an MCUboot image's TLV areas), when walked. */
  readonly imageEnd: number | null;
}

export interface HostLayoutOptions {
  readonly chip: ChipDescriptor;
  readonly tableOffset?: number;
  readonly appOffset?: number;
}

function tableCandidate(bytes: Uint8Array, at: number): boolean {
  if (bytes.length < 32 || !hasPartitionMagic(bytes)) return false;
  const offset = readU32(bytes, 4);
  return offset % SECTOR === 0 && offset >= at + SECTOR && readU32(bytes, 8) !== 0;
}

/** Where the partition table is: at `given` if it holds one, else at 0x8000, else the first 4 KiB boundary up to 1 MiB that does. */
export async function findTable(flash: SparseFlash, given: number | undefined): Promise<{ offset: number | null; searched: boolean; note: string }> {
  if (given !== undefined) {
    const bytes = await flash.read(given, 32);
    return tableCandidate(bytes, given)
      ? { offset: given, searched: false, note: `given: ${hex32(given)}` }
      : { offset: null, searched: false, note: `no partition table at the given offset ${hex32(given)}` };
  }
  const end = Math.min(flash.limit, SEARCH_END);
  // The default place first, a whole table's worth (the caller reads it next): through a slow link
  // the 64 KiB head costs a second or more, and most flashes have their table here.
  const defaultLength = Math.min(PARTITION_TABLE_MAX_LENGTH, end - DEFAULT_TABLE_OFFSET);
  if (defaultLength >= 32) {
    const dflt = await flash.read(DEFAULT_TABLE_OFFSET, defaultLength);
    if (tableCandidate(dflt.subarray(0, 32), DEFAULT_TABLE_OFFSET)) return { offset: DEFAULT_TABLE_OFFSET, searched: true, note: `found at the default ${hex32(DEFAULT_TABLE_OFFSET)}` };
  }
  const first = DEFAULT_TABLE_OFFSET + SECTOR;
  const count = Math.max(0, Math.floor((end - PARTITION_TABLE_MAX_LENGTH - first) / SECTOR) + 1);
  const heads = await flash.readEvery(first, 32, SECTOR, count);
  for (let i = 0; i < count; i++) {
    const o = first + i * SECTOR;
    if (tableCandidate(heads[i]!, o)) {
      return { offset: o, searched: true, note: `nothing at the default ${hex32(DEFAULT_TABLE_OFFSET)}; found at ${hex32(o)} by searching every 4 KiB up to 1 MiB` };
    }
  }
  return { offset: null, searched: true, note: `no partition table at ${hex32(DEFAULT_TABLE_OFFSET)} or any 4 KiB boundary up to ${hex32(end)}` };
}

function choiceOf(entry: PartitionEntry, usedOtadata: boolean, entries: readonly PartitionEntry[]): AppChoice {
  if (usedOtadata && entry.subtype >= 0x10 && entry.subtype < 0x20) return 'otadata';
  if (entry.subtype === 0x00) return 'factory';
  if (entry.subtype === 0x10 && !entries.some((e) => e.type === 0 && e.subtype === 0x00)) return 'ota_0';
  return 'first-app';
}

export interface WalkedApp {
  readonly format: AppFormat;
  readonly note: string | null;
  readonly segments: ProbeSegment[];
  readonly imageEnd: number | null;
}

/**
 * Flash offset where an MCUboot image ends: after its header and image, the TLV areas that follow
 * (the protected one, then the other), as far as their info headers can be read before `limit`.
 */
async function mcubootImageEnd(flash: SparseFlash, appOffset: number, head: Uint8Array, limit: number): Promise<number> {
  const h = parseMcubootHeader(head);
  let at = appOffset + h.headerSize + h.imageSize;
  for (const [magic] of mcubootTlvAreas(h)) {
    if (at + 4 > limit) break;
    const info = await flash.read(at, 4).catch(() => undefined);
    if (!info || readU16(info, 0) !== magic) continue;
    at += readU16(info, 2);
  }
  return Math.min(at, limit);
}

/**
 * The Espressif load header of the MCUboot image at `appOffset` (`head`: its first bytes), at the
 * header size it gives: from `head` when it reaches that far, else its 0x50 bytes through `read`
 * (undefined: not readable there), below `readableEnd`. Its regions must end by `limit`.
 */
export async function readMcubootLoad(
  read: (offset: number, length: number) => Promise<Uint8Array | undefined>,
  readableEnd: number,
  appOffset: number,
  head: Uint8Array,
  chip: ChipDescriptor,
  limit: McubootRegionLimit,
): Promise<McubootLoadHeaderReading> {
  const at = mcubootLoadHeaderOffset(head);
  if (at === undefined || at + MCUBOOT_ESP_LOAD_HEADER_SIZE <= head.length) return mcubootLoadHeader(head, appOffset, chip, limit);
  const where = `the load header at +0x${at.toString(16)} (flash ${hex32(appOffset + at)})`;
  if (appOffset + at >= readableEnd) return { mappings: null, problem: `${where} lies beyond the end of the flash` };
  try {
    const load = await read(appOffset + at, MCUBOOT_ESP_LOAD_HEADER_SIZE);
    if (!load) return { mappings: null, problem: `${where} could not be read` };
    return readMcubootLoadHeader(load, appOffset, chip, where, limit);
  } catch (error) {
    return { mappings: null, problem: `${where} could not be read: ${(error as Error).message}` };
  }
}

/**
 * Walk the app at `appOffset`: the header, then each segment header (8 bytes each, not the data);
 * an MCUboot image's load header. `limit`: the end of the app's partition, when it has one (the
 * flash end otherwise): segments and MCUboot regions must end by it.
 */
export async function walkApp(flash: SparseFlash, appOffset: number, chip: ChipDescriptor, limit?: number): Promise<WalkedApp> {
  let head: Uint8Array;
  try {
    head = await flash.read(appOffset, 0x80);
  } catch (error) {
    return { format: 'unreadable', note: `cannot read the app at ${hex32(appOffset)}: ${(error as Error).message}`, segments: [], imageEnd: null };
  }
  if (readU32(head, 0) === MCUBOOT_MAGIC) {
    const regionLimit = limit !== undefined && limit < flash.limit ? { end: limit, what: "the app's partition" } : { end: flash.limit, what: 'the flash' };
    const load = await readMcubootLoad((at, n) => flash.read(at, n), flash.limit, appOffset, head, chip, regionLimit);
    const imageEnd = await mcubootImageEnd(flash, appOffset, head, limit ?? flash.limit);
    return load.mappings
      ? { format: 'mcuboot', note: `MCUboot image: IROM/DROM taken from its Espressif load header at ${hex32(appOffset + mcubootLoadHeaderOffset(head)!)}`, segments: load.mappings, imageEnd }
      : { format: 'mcuboot', note: `MCUboot image without a load header espalgo recognises: ${load.problem}; give the mapping by hand`, segments: [], imageEnd };
  }
  if (head[0] !== IMAGE_MAGIC) {
    const erased = head.subarray(0, 32).every((b) => b === 0xff);
    return { format: erased ? 'empty' : 'not-an-image', note: erased ? `flash ${hex32(appOffset)} is erased: no app there` : `byte 0 at ${hex32(appOffset)} is 0x${head[0]!.toString(16).padStart(2, '0')}, not the image magic 0xE9`, segments: [], imageEnd: null };
  }
  const count = head[1]!;
  if (count === 0 || count > MAX_SEGMENTS) return { format: 'not-an-image', note: `the image header at ${hex32(appOffset)} says ${count} segments (1–16 allowed)`, segments: [], imageEnd: null };
  const segments: ProbeSegment[] = [];
  let at = appOffset + IMAGE_HEADER_SIZE;
  const end = limit ?? flash.limit;
  for (let i = 0; i < count; i++) {
    if (at + SEGMENT_HEADER_SIZE > end) return { format: 'not-an-image', note: `segment ${i} header at ${hex32(at)} lies beyond the partition or flash end`, segments, imageEnd: null };
    const h = await flash.read(at, SEGMENT_HEADER_SIZE);
    const vaddr = readU32(h, 0);
    const size = readU32(h, 4);
    if (at + SEGMENT_HEADER_SIZE + size > end) return { format: 'not-an-image', note: `segment ${i} at ${hex32(at)} claims ${hex32(size)} bytes, beyond the partition or flash end`, segments, imageEnd: null };
    const kind = inRange(chip.drom, vaddr) ? 'drom' : inRange(chip.irom, vaddr) ? 'irom' : undefined;
    if (kind) segments.push({ segment: i, kind, flashOffset: (at + SEGMENT_HEADER_SIZE) >>> 0, vaddr, size });
    at += SEGMENT_HEADER_SIZE + size;
  }
  const checksumAt = appOffset + checksumOffset(at - appOffset);
  const imageEnd = checksumAt + 1 + (head[23] === 1 ? 32 : 0);
  return { format: 'esp-image', note: null, segments, imageEnd };
}

/**
 * The Simple Boot app (src/image/simple-boot.ts) at `offset`, the chip's bootloader offset, read
 * header by header: the image header, the RAM segments it counts, then each (padding, flash
 * segment) pair after the checksum — 8 bytes each; the padding's zeros are not read. Undefined
 * when the image there is not a RAM-only image followed by at least one such pair (an ESP-IDF
 * bootloader, erased flash, anything else). Segments are numbered in file order, the hidden
 * padding segments counted, as flash-map numbers them.
 */
export async function walkSimpleBoot(flash: SparseFlash, offset: number, chip: ChipDescriptor): Promise<WalkedApp | undefined> {
  const header = async (at: number): Promise<Uint8Array | undefined> => (at + SEGMENT_HEADER_SIZE <= flash.limit ? flash.read(at, SEGMENT_HEADER_SIZE) : undefined);
  if (offset + IMAGE_HEADER_SIZE > flash.limit) return undefined;
  const head = await flash.read(offset, IMAGE_HEADER_SIZE);
  const count = head[1]!;
  if (head[0] !== IMAGE_MAGIC || count === 0 || count > MAX_SEGMENTS) return undefined;
  let at = offset + IMAGE_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const h = await header(at);
    if (!h || isFlashKind(classifyAddress(chip, readU32(h, 0)))) return undefined;
    at += SEGMENT_HEADER_SIZE + readU32(h, 4);
  }
  at = offset + checksumOffset(at - offset) + 1 + (head[23] === 1 ? 32 : 0);
  const page = simpleBootPage(chip);
  const segments: ProbeSegment[] = [];
  const misaligned: string[] = [];
  for (let pair = 0; pair < MAX_SEGMENTS; pair++) {
    const pad = await header(at);
    const paddingLength = pad && simpleBootPaddingHeader(pad);
    if (paddingLength === undefined) break;
    const next = at + SEGMENT_HEADER_SIZE + paddingLength;
    const h = await header(next);
    const seg = h && simpleBootFlashHeader(h, chip);
    if (!seg || next + SEGMENT_HEADER_SIZE + seg.length > flash.limit) break;
    const s = simpleBootSegment({ paddingOffset: at - offset, paddingLength, headerOffset: next - offset, ...seg }, chip, offset, page);
    const index = count + 2 * pair + 1;
    segments.push({ segment: index, kind: s.kind, flashOffset: s.flashOffset, vaddr: s.loadAddress >>> 0, size: s.length });
    if (!s.aligned) misaligned.push(`segment ${index} (loads at ${hex32(s.loadAddress)}, data at flash ${hex32(s.flashOffset)})`);
    at = s.flashOffset + s.length;
  }
  if (!segments.length) return undefined;
  const note = `Simple Boot app (esptool --ram-only-header; Zephyr/NuttX) at ${hex32(offset)}: the ROM loads the ${counted(count, 'RAM segment')} its header counts, the app maps the ${counted(segments.length, 'flash segment')} after its checksum itself`;
  return {
    format: 'simple-boot',
    note: misaligned.length
      ? `${note}; ${misaligned.join(' and ')} differ${misaligned.length === 1 ? 's' : ''} from ${misaligned.length === 1 ? 'its' : 'their'} load address modulo the 0x${page.toString(16)} MMU page: the app cannot map ${misaligned.length === 1 ? 'it' : 'them'} there`
      : note,
    segments,
    imageEnd: at,
  };
}

/**
 * Walk the first app entry of the table at 0x8000 — where OpenOCD's legacy stub takes its app
 * from — into `flash`, unless it is `skip` (already walked). Whatever cannot be read is left out:
 * the OpenOCD prediction then says what it could not see.
 */
export async function walkLegacyApp(flash: SparseFlash, chip: ChipDescriptor, skip: number | null): Promise<void> {
  try {
    const at = firstAppEntryOffset(await flash.read(DEFAULT_TABLE_OFFSET, PARTITION_TABLE_MAX_LENGTH));
    if (at !== undefined && at < flash.limit && at !== skip) await walkApp(flash, at, chip);
  } catch {
    // left out, as above
  }
}

/** Table, boot choice and mapped segments, read through `flash`. */
export async function hostLayout(flash: SparseFlash, options: HostLayoutOptions): Promise<HostLayout> {
  const head = await flash.read(0, 32);
  const bootloaderSizeCode = head[0] === IMAGE_MAGIC ? head[3]! >>> 4 : null;
  const t = await findTable(flash, options.tableOffset);
  let entries: readonly PartitionEntry[] = [];
  let tableNote = t.note;
  if (t.offset !== null) {
    try {
      entries = parsePartitionTable(await flash.read(t.offset, PARTITION_TABLE_MAX_LENGTH), { tableOffset: t.offset }).entries;
    } catch (error) {
      tableNote = `${t.note}, but it does not decode: ${(error as Error).message}`;
    }
  }
  let appOffset: number | null = null;
  let appEntry: PartitionEntry | undefined;
  let choice: AppChoice = 'none';
  let choiceReason: string;
  if (options.appOffset !== undefined) {
    appOffset = options.appOffset;
    appEntry = entries.find((e) => e.type === 0 && e.offset === appOffset);
    choice = 'override';
    choiceReason = `given app offset ${hex32(appOffset)} (--app-offset)`;
  } else if (entries.length) {
    const otaPart = entries.find((e) => e.type === 0x01 && e.subtype === 0x00);
    let otadata: Uint8Array | undefined;
    if (otaPart && otaPart.offset + OTADATA_BYTES <= flash.limit) otadata = (await flash.read(otaPart.offset, OTADATA_BYTES)).slice();
    const sel = selectBootApp(entries, otadata);
    choiceReason = sel.reason;
    if (sel.entry) {
      appEntry = sel.entry;
      appOffset = sel.entry.offset;
      choice = choiceOf(sel.entry, sel.otadata?.active !== undefined, entries);
    }
  } else {
    choiceReason = 'no partition table, so no app partition to boot; give --app-offset';
  }
  let walked: WalkedApp | null = null;
  const direct = isDirectBootImage(head) && (options.appOffset === 0 || (options.appOffset === undefined && !entries.length)) ? directBootMappings(options.chip, flash.limit) : undefined;
  if (direct) {
    appOffset = 0;
    if (choice !== 'override') {
      choice = 'direct-boot';
      choiceReason = `no partition table, and flash 0x0 starts with the direct-boot magic ${hex32(DIRECT_BOOT_MAGIC)} twice: the ROM boots it in place`;
    }
    walked = {
      format: 'direct-boot',
      note: directBootAppNote(direct),
      segments: direct.mappings.map((m) => ({ segment: null, ...m })),
      imageEnd: null,
    };
  }
  const simpleAt = options.chip.bootloaderOffset;
  const simple = !direct && (options.appOffset === simpleAt || (options.appOffset === undefined && !entries.length))
    ? await walkSimpleBoot(flash, simpleAt, options.chip)
    : undefined;
  if (simple) {
    appOffset = simpleAt;
    if (choice !== 'override') {
      choice = 'simple-boot';
      choiceReason = `no partition table, and the image at ${hex32(simpleAt)} is a Simple Boot app: the ROM loads and runs it, and it maps its flash segments itself`;
    }
    walked = simple;
  } else if (!direct && appOffset !== null) {
    const limit = appEntry ? Math.min(flash.limit, appEntry.offset + appEntry.size) : undefined;
    walked = appOffset < flash.limit
      ? await walkApp(flash, appOffset, options.chip, limit)
      : { format: 'unreadable', note: `the app offset ${hex32(appOffset)} lies beyond the flash the probe can read (${hex32(flash.limit)})`, segments: [], imageEnd: null };
  }
  return {
    bootloaderSizeCode,
    tableOffset: entries.length ? t.offset : null,
    tableSearched: t.searched,
    tableNote,
    entries,
    appOffset,
    appLabel: appEntry?.label ?? null,
    appPartitionSize: appEntry?.size ?? null,
    choice,
    choiceReason,
    format: walked?.format ?? null,
    formatNote: walked?.note ?? null,
    segments: walked?.segments ?? [],
    imageEnd: walked?.imageEnd ?? null,
  };
}

/** What the host read to find the mappings, for sentences ("the host's reading of …"). */
export function hostReadingOf(format: string | null): string {
  if (format === 'direct-boot') return 'flash 0x0 (direct boot)';
  if (format === 'simple-boot') return "the Simple Boot image's segment headers";
  if (format === 'mcuboot') return "the MCUboot image's Espressif load header";
  return 'the table and app headers';
}

// ---- stub vs host --------------------------------------------------------------------------------

export interface CrossCheck {
  readonly agree: boolean;
  /** One line per difference. */
  readonly differences: readonly string[];
  readonly sentence: string;
}

function segLine(s: MappedSegment | ProbeSegment): string {
  return `${s.kind} ${hex32(s.vaddr)} ← flash ${hex32(s.flashOffset)} (${hex32(s.size)} bytes)`;
}

/** Compare MAP_GET (partial when it `failed`: filled as far as it got) with the host's reading. */
export function crossCheck(stub: StubFlashMap | undefined, host: HostLayout, failed = false): CrossCheck {
  if (!stub) return { agree: false, differences: [], sentence: 'The stub gave no mapping; the host reading is all there is.' };
  const d: string[] = [];
  if ((stub.tableOffset ?? null) !== host.tableOffset) d.push(`partition table: stub ${stub.tableOffset === undefined ? 'none' : hex32(stub.tableOffset)}, host ${host.tableOffset === null ? 'none' : hex32(host.tableOffset)}`);
  const stubApp = stub.flags & 8 ? stub.appOffset ?? null : null;
  if (stubApp !== host.appOffset) d.push(`app: stub ${stubApp === null ? 'none' : hex32(stubApp)}, host ${host.appOffset === null ? 'none' : hex32(host.appOffset)}`);
  const n = Math.max(stub.segments.length, host.segments.length);
  for (let i = 0; i < n; i++) {
    const a = stub.segments[i];
    const b = host.segments[i];
    if (a && b && a.kind === b.kind && a.flashOffset === b.flashOffset && a.vaddr === b.vaddr && a.size === b.size) continue;
    d.push(`segment ${i}: stub ${a ? segLine(a) : 'none'}, host ${b ? segLine(b) : 'none'}`);
  }
  const agree = d.length === 0;
  return {
    agree,
    differences: d,
    sentence: agree && failed
      ? `MAP_GET failed (see the notes); up to where it stopped, the host's own reading of ${hostReadingOf(host.format)} agrees with it: same table${host.tableOffset === null ? ' (none)' : ''}, same app.`
      : agree
      ? `The host's own reading of ${hostReadingOf(host.format)} (through the stub's READ) agrees with MAP_GET: same table${host.tableOffset === null ? ' (none)' : ''}, same app, same ${counted(host.segments.length, 'segment')}.`
      : `The host's reading differs from MAP_GET in ${counted(d.length, 'point')}; the report uses ${host.segments.length ? "the host's" : "the stub's"} mappings.`,
  };
}
