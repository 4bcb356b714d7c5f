/**
 * Write a Simple Boot image (`esptool elf2image --ram-only-header`; the layout is described in
 * simple-boot.ts): the RAM pieces as an ESP image whose header counts only them, their checksum,
 * no SHA-256; then, for each flash piece from the highest load address down, a zero padding
 * segment and the piece, so that its data lands at a flash offset ≡ its address (mod the MMU
 * page) once the file is written at the chip's bootloader offset. On the ESP32 a flash piece
 * ending fewer than 0x24 bytes into a page of the file gets zeros up to 0x24 (flashSegmentMinTail).
 *
 * Byte for byte what esptool v4.12.0 writes, with two exceptions where esptool writes nothing or
 * something broken: where its padding rule lands a segment 8 bytes short of alignment (esptool
 * stops on an assertion) this writes the next valid padding; and esptool writes the ELF's SHA-256
 * at file offset 0xB0 whatever lies there (in such an image, the RAM segments), where this writes
 * it into the app descriptor (see elf2image's elfSha256InAppDesc).
 */
import { ImageFormatError } from './errors.js';
import { buildImage } from './image-build.js';
import { MAX_SEGMENTS, SEGMENT_HEADER_SIZE } from './image-header.js';
import { concatBytes, writeU32 } from './bytes.js';
import { simpleBootPaddingLength } from './simple-boot.js';
import type { ElfLoadablePiece } from './elf2image.js';
import { withMinTail } from './elf2image-layout.js';
import type { ChipDescriptor } from '../chips/types.js';
import type { BuildImageSpec } from './types.js';

/** `ram` in the order the header counts them (imageOrder's); `flash` in any order. */
export function buildRamOnlyHeaderImage(
  ram: readonly ElfLoadablePiece[],
  flashPieces: readonly ElfLoadablePiece[],
  header: Omit<BuildImageSpec, 'segments' | 'appendSha256'>,
  page: number,
  chip: ChipDescriptor,
  fromSections: boolean,
): Uint8Array {
  const flashOffset = chip.bootloaderOffset;
  if (ram.length === 0 || ram.length > MAX_SEGMENTS) {
    throw new ImageFormatError(
      'IMAGE_BUILD',
      `a RAM-only header counts the RAM segments the ROM loads, 1 to ${MAX_SEGMENTS}, but the ELF has ${ram.length}; ${ram.length === 0 ? 'the ROM would have nothing to run' : 'merge sections in the linker script'}`,
      { expected: `1..${MAX_SEGMENTS}`, found: ram.length },
    );
  }
  const visible = buildImage({ ...header, segments: ram.map((p) => ({ loadAddress: p.address, data: p.data })), appendSha256: false });
  // Highest address first (the order the linker scripts place them in); from sections, esptool
  // keeps the app descriptor's piece for last.
  const flash = [...flashPieces].sort((a, b) => b.address - a.address);
  const desc = fromSections ? flash.findIndex((p) => p.origin === 'section .flash.appdesc') : -1;
  if (desc >= 0) flash.push(...flash.splice(desc, 1));
  const parts: Uint8Array[] = [visible];
  let pos = visible.length;
  for (const p of flash) {
    const pad = simpleBootPaddingLength(pos, p.address, page, flashOffset);
    // The ESP32's tail rule counted, as esptool counts it here, from the file's start.
    const data = withMinTail(p.data, pos + SEGMENT_HEADER_SIZE + pad, page, chip);
    const len = (data.length + 3) & ~3;
    const out = new Uint8Array(2 * SEGMENT_HEADER_SIZE + pad + len);
    writeU32(out, 0, 0);
    writeU32(out, 4, pad);
    writeU32(out, SEGMENT_HEADER_SIZE + pad, p.address);
    writeU32(out, SEGMENT_HEADER_SIZE + pad + 4, len);
    out.set(data, 2 * SEGMENT_HEADER_SIZE + pad);
    parts.push(out);
    pos += out.length;
  }
  return concatBytes(parts);
}
