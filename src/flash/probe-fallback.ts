/**
 * The probe's last resort, for when the flasher stub cannot run at all: read the flash MMU table
 * and, through the DROM window, whatever the cache already maps — plain memory reads, no code
 * runs on the chip. The bootloader maps the running app's pages, and the first DROM page of an
 * ESP-IDF app starts with its image header, so the app's offset and its IROM/DROM segments can
 * usually still be told. Nothing is written; the MMU is only read.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { counted, hex32, inRange } from '../chips/types.js';
import { readU32 } from '../image/bytes.js';
import { IMAGE_HEADER_SIZE, IMAGE_MAGIC, MAX_SEGMENTS, SEGMENT_HEADER_SIZE } from '../image/image-header.js';
import { MCUBOOT_MAGIC } from '../image/mcuboot.js';
import type { Target } from '../target/types.js';
import { readMcubootLoad, type ProbeSegment } from './probe-mappings.js';

/** Where the MMU table of a chip lives and how its entries read (ESP32-C3 today). */
export interface MmuLayout {
  readonly tableAddress: number;
  readonly entries: number;
  readonly pageSize: number;
  /** Bit that marks an entry invalid. */
  readonly invalidBit: number;
  /** Mask of the physical page number. */
  readonly pageMask: number;
}

export const ESP32C3_MMU: MmuLayout = { tableAddress: 0x600c5000, entries: 128, pageSize: 0x10000, invalidBit: 0x100, pageMask: 0xff };

export function mmuLayoutFor(chip: ChipDescriptor): MmuLayout | undefined {
  return chip.name === 'esp32c3' ? ESP32C3_MMU : undefined;
}

/** A run of consecutive MMU entries mapping consecutive flash pages. */
export interface MmuRun {
  readonly firstEntry: number;
  readonly count: number;
  /** Flash offset of the first page. */
  readonly flashOffset: number;
}

export interface WindowFallback {
  readonly runs: readonly MmuRun[];
  /** The app whose header was found at the start of a mapped page, if any. */
  readonly appOffset: number | null;
  readonly format: 'esp-image' | 'mcuboot' | null;
  readonly segments: readonly ProbeSegment[];
  /** True when every segment header could be read through the window. */
  readonly complete: boolean;
  readonly note: string;
}

export async function readMmuTable(target: Target, mmu: MmuLayout): Promise<Uint32Array> {
  const bytes = await target.readMemory(mmu.tableAddress, mmu.entries * 4);
  const out = new Uint32Array(mmu.entries);
  for (let i = 0; i < mmu.entries; i++) out[i] = readU32(bytes, i * 4);
  return out;
}

export function mmuRuns(table: Uint32Array, mmu: MmuLayout): MmuRun[] {
  const runs: MmuRun[] = [];
  for (let i = 0; i < table.length; i++) {
    const e = table[i]!;
    if (e & mmu.invalidBit) continue;
    const page = e & mmu.pageMask;
    const last = runs[runs.length - 1];
    if (last && last.firstEntry + last.count === i && last.flashOffset / mmu.pageSize + last.count === page) {
      runs[runs.length - 1] = { ...last, count: last.count + 1 };
    } else {
      runs.push({ firstEntry: i, count: 1, flashOffset: page * mmu.pageSize });
    }
  }
  return runs;
}

/** Reads flash bytes through the DROM window wherever some MMU entry maps their page. */
class WindowReader {
  constructor(private readonly target: Target, private readonly chip: ChipDescriptor, private readonly table: Uint32Array, private readonly mmu: MmuLayout) {}

  vaddrOf(flash: number): number | undefined {
    const page = Math.floor(flash / this.mmu.pageSize);
    for (let i = 0; i < this.table.length; i++) {
      const e = this.table[i]!;
      if (!(e & this.mmu.invalidBit) && (e & this.mmu.pageMask) === page) return this.chip.drom.start + i * this.mmu.pageSize + (flash % this.mmu.pageSize);
    }
    return undefined;
  }

  async read(flash: number, length: number): Promise<Uint8Array | undefined> {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const v = this.vaddrOf(flash + done);
      if (v === undefined) return undefined;
      const n = Math.min(length - done, this.mmu.pageSize - ((flash + done) % this.mmu.pageSize));
      out.set(await this.target.readMemory(v, n), done);
      done += n;
    }
    return out;
  }
}

/** Find the running app through the cache windows. Never throws for a read the chip refuses. */
export async function probeThroughWindows(target: Target, chip: ChipDescriptor): Promise<WindowFallback> {
  const mmu = mmuLayoutFor(chip);
  const none = (note: string, runs: MmuRun[] = []): WindowFallback => ({ runs, appOffset: null, format: null, segments: [], complete: false, note });
  if (!mmu) return none(`espalgo does not know the MMU of the ${chip.displayName}, so it cannot read the flash through the cache either.`);
  let table: Uint32Array;
  try {
    table = await readMmuTable(target, mmu);
  } catch (error) {
    return none(`The MMU table at ${hex32(mmu.tableAddress)} could not be read (${(error as Error).message}).`);
  }
  const runs = mmuRuns(table, mmu);
  if (runs.length === 0) return none('The MMU maps no flash page: the cache windows show nothing (the app has not started, or runs from RAM).', runs);
  const window = new WindowReader(target, chip, table, mmu);
  const pages = [...new Set(runs.flatMap((r) => Array.from({ length: r.count }, (_, k) => r.flashOffset + k * mmu.pageSize)))].sort((a, b) => a - b);
  for (const page of pages) {
    let head: Uint8Array | undefined;
    try {
      head = await window.read(page, 0x80);
    } catch {
      continue;
    }
    if (!head) continue;
    if (readU32(head, 0) === MCUBOOT_MAGIC) {
      // The flash size is not known here: the regions must end within the flash the MMU can address.
      const limit = { end: (mmu.pageMask + 1) * mmu.pageSize, what: 'the flash the MMU can address' };
      // The load header follows the MCUboot header at the header size it gives: beyond the 0x80 bytes read, read it too.
      const segments = (await readMcubootLoad((at, n) => window.read(at, n), limit.end, page, head, chip, limit)).mappings;
      if (segments) return { runs, appOffset: page, format: 'mcuboot', segments, complete: true, note: `MCUboot image at ${hex32(page)} found through the DROM window; IROM/DROM from its load header.` };
      continue;
    }
    if (head[0] !== IMAGE_MAGIC || head[1]! === 0 || head[1]! > MAX_SEGMENTS) continue;
    const segments: ProbeSegment[] = [];
    let at = page + IMAGE_HEADER_SIZE;
    let complete = true;
    for (let i = 0; i < head[1]!; i++) {
      let h: Uint8Array | undefined;
      try {
        h = await window.read(at, SEGMENT_HEADER_SIZE);
      } catch {
        h = undefined;
      }
      if (!h) {
        complete = false;
        break;
      }
      const vaddr = readU32(h, 0);
      const size = readU32(h, 4);
      const kind = inRange(chip.drom, vaddr) ? 'drom' : inRange(chip.irom, vaddr) ? 'irom' : undefined;
      if (kind) segments.push({ segment: i, kind, flashOffset: (at + SEGMENT_HEADER_SIZE) >>> 0, vaddr, size });
      at += SEGMENT_HEADER_SIZE + size;
    }
    // The header is the app's only if its flash segments are the pages the MMU maps.
    const consistent = segments.length > 0 && segments.every((s) => window.vaddrOf(s.flashOffset) !== undefined);
    if (!consistent) continue;
    return {
      runs,
      appOffset: page,
      format: 'esp-image',
      segments,
      complete,
      note: complete
        ? `App image at ${hex32(page)} found through the DROM window; its segment headers were read through the cache.`
        : `App image at ${hex32(page)} found through the DROM window; some segment headers lie in pages the cache does not map, so the list may be incomplete.`,
    };
  }
  return none(`The MMU maps ${counted(runs.length, 'run')} of flash pages, but no image header starts one of them; only the raw MMU mapping is known.`, runs);
}
