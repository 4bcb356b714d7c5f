/**
 * The sample images the flash benches write: "firmware" (the demo app padded with erased flash:
 * compresses to under 1 %), "code" (a slice from the middle of the `.text` section of a real
 * compiled program, /usr/bin/openocd when present: ~55 %, as ESP32 application code), "random"
 * (does not compress).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export interface BenchImage {
  readonly name: 'firmware' | 'code' | 'random';
  readonly bytes: Uint8Array;
}

/** The images of `size` bytes, those named in `only` (all when undefined) that can be made here. */
export function benchImages(size: number, only?: readonly string[]): BenchImage[] {
  const out: BenchImage[] = [];
  const app = new Uint8Array(readFileSync('firmware/build/espalgo-demo.bin'));
  const firmware = new Uint8Array(size).fill(0xff);
  firmware.set(app.subarray(0, size));
  out.push({ name: 'firmware', bytes: firmware });
  const code = machineCode(size);
  if (code) out.push({ name: 'code', bytes: code });
  out.push({ name: 'random', bytes: new Uint8Array(randomBytes(size)) });
  return only ? out.filter((i) => only.includes(i.name)) : out;
}

/** `size` bytes from the middle of /usr/bin/openocd's `.text`, or undefined without it. */
export function machineCode(size: number): Uint8Array | undefined {
  const text = existsSync('/usr/bin/openocd') ? elfSection(readFileSync('/usr/bin/openocd'), '.text') : undefined;
  if (!text || text.length < size) return undefined;
  const from = Math.floor((text.length - size) / 2);
  return new Uint8Array(text.subarray(from, from + size));
}

/** The bytes of a section of a little-endian ELF64 file, by name. */
function elfSection(file: Buffer, name: string): Buffer | undefined {
  if (file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2 || file[5] !== 1) return undefined;
  const shoff = Number(file.readBigUInt64LE(0x28));
  const size = file.readUInt16LE(0x3a);
  const count = file.readUInt16LE(0x3c);
  const names = shoff + file.readUInt16LE(0x3e) * size;
  const namesAt = Number(file.readBigUInt64LE(names + 24));
  for (let i = 0; i < count; i++) {
    const h = shoff + i * size;
    const at = namesAt + file.readUInt32LE(h);
    if (file.toString('latin1', at, at + name.length + 1) !== `${name}\0`) continue;
    const offset = Number(file.readBigUInt64LE(h + 24));
    return file.subarray(offset, offset + Number(file.readBigUInt64LE(h + 32)));
  }
  return undefined;
}
