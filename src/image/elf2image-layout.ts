/**
 * The order and placement of elf2image's segments, as esptool elf2image lays them out (and so
 * ESP-IDF's app images look):
 *
 *   - flash-mapped pieces in address order, except that the one holding the app descriptor comes
 *     first (the bootloader reads the descriptor from the image's first segment; it matters on
 *     chips with one flash window, where code may lie below the read-only data): from sections,
 *     the section named `.flash.appdesc`, as esptool does; from program headers, the piece that
 *     starts with the descriptor, where esptool --use_segments keeps address order;
 *   - RAM and RTC pieces in address order, except that the one holding a bootloader descriptor
 *     comes first (a bootloader's descriptor must sit at the start of its first segment): from
 *     sections, the section named `.dram0.bootdesc`, as esptool does; from program headers, the
 *     piece that starts with the descriptor, where esptool --use_segments keeps address order;
 *   - each flash piece in turn: while its data would not sit at its address modulo the MMU page,
 *     the gap is filled, with the next RAM bytes when there are any (a RAM piece larger than the
 *     gap is split: its first part fills the gap, the rest comes later) and more than a segment
 *     header's worth is missing, else with a zero padding segment (load address 0);
 *   - on the ESP32, a flash piece that would end fewer than 0x24 bytes into an MMU page is
 *     padded with zeros to end 0x24 bytes into it (chip.flashSegmentMinTail);
 *   - after the last flash piece, the RAM bytes left.
 *
 * The gap is counted as esptool counts it: when the data would land 8 bytes or more before its
 * place in the page, the filling reaches that place one page further on, not in the same page.
 */
import { SEGMENT_HEADER_SIZE } from './image-header.js';
import { isFlashMapped } from './segment-kind.js';
import { hasAppDescriptor } from './app-desc.js';
import { hasBootloaderDescriptor } from './bootloader-desc.js';
import type { ChipDescriptor } from '../chips/types.js';
import type { ElfLoadablePiece } from './elf2image.js';
import type { BuildSegment } from './types.js';

/** The flash-mapped and the RAM pieces in the order the image holds them (see above). */
export function imageOrder(
  pieces: readonly ElfLoadablePiece[],
  chip: ChipDescriptor,
  source: 'segments' | 'sections',
): { flash: ElfLoadablePiece[]; ram: ElfLoadablePiece[] } {
  // A stable sort: equal addresses keep the ELF's order.
  const sorted = [...pieces].sort((a, b) => a.address - b.address);
  const flash = sorted.filter((p) => isFlashMapped(chip, p.address));
  const ram = sorted.filter((p) => !isFlashMapped(chip, p.address));
  const desc = flash.findIndex((p) => (source === 'sections' ? p.origin === 'section .flash.appdesc' : p.group === 'drom' && hasAppDescriptor(p.data, 0)));
  if (desc > 0) flash.unshift(...flash.splice(desc, 1));
  const boot = ram.findIndex((p) => (source === 'sections' ? p.origin === 'section .dram0.bootdesc' : hasBootloaderDescriptor(p.data, 0)));
  if (boot > 0) ram.unshift(...ram.splice(boot, 1));
  return { flash, ram };
}

/**
 * Data bytes of the segment to write at file offset `pos` so that the next segment's data lands
 * at `address` modulo `page`; 0 when it already does.
 */
export function gapBefore(pos: number, address: number, page: number): number {
  // Bytes from where the next segment's data would start to where it should start, up to a page ahead.
  const ahead = page - (pos % page) + (address % page) - SEGMENT_HEADER_SIZE;
  if (ahead === 0 || ahead === page) return 0;
  // The filling segment has a header of its own.
  const data = ahead - SEGMENT_HEADER_SIZE;
  return data < 0 ? data + page : data;
}

/**
 * A flash piece's data as written with its header at file offset `pos`: zeros appended when the
 * chip's bootloader would otherwise not map the page it ends in (see flashSegmentMinTail).
 */
export function withMinTail(data: Uint8Array, pos: number, page: number, chip: ChipDescriptor): Uint8Array {
  const into = (pos + SEGMENT_HEADER_SIZE + data.length) % page;
  if (into >= chip.flashSegmentMinTail) return data;
  const out = new Uint8Array(data.length + chip.flashSegmentMinTail - into);
  out.set(data);
  return out;
}

/** The image's segments: flash pieces at their place modulo the page, RAM filling the gaps before them, then the rest of RAM. */
export function layOutSegments(
  flash: readonly ElfLoadablePiece[],
  ram: readonly ElfLoadablePiece[],
  firstSegmentAt: number,
  page: number,
  chip: ChipDescriptor,
): BuildSegment[] {
  const left = ram.map((p) => ({ loadAddress: p.address, data: p.data }));
  const out: BuildSegment[] = [];
  let pos = firstSegmentAt;
  const put = (s: BuildSegment) => {
    out.push(s);
    pos += SEGMENT_HEADER_SIZE + ((s.data.length + 3) & ~3);
  };
  for (const p of flash) {
    for (let gap = gapBefore(pos, p.address, page); gap > 0; gap = gapBefore(pos, p.address, page)) {
      const next = left[0];
      if (next === undefined || gap <= SEGMENT_HEADER_SIZE) {
        put({ loadAddress: 0, data: new Uint8Array(gap) });
      } else if (next.data.length <= gap) {
        put(left.shift()!);
      } else {
        put({ loadAddress: next.loadAddress, data: next.data.subarray(0, gap) });
        left[0] = { loadAddress: (next.loadAddress + gap) >>> 0, data: next.data.subarray(gap) };
      }
    }
    put({ loadAddress: p.address, data: withMinTail(p.data, pos, page, chip) });
  }
  for (const s of left) put(s);
  return out;
}
