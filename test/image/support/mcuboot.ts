/** MCUboot images for tests, laid out as MCUboot's design doc describes and imgtool writes them. */
import { buildMcubootHeader, concatBytes, sha256, sha384, sha512, writeU16, MCUBOOT_BOOT_MAGIC, MCUBOOT_BOOT_MAGIC_ALIGNED_TAIL } from '../../../src/image/index.js';

export type Tlv = readonly [type: number, value: Uint8Array];

export interface McubootSpec {
  /** The image after the header; default 0x100 bytes of 0x5A. */
  readonly payload?: Uint8Array;
  readonly headerSize?: number;
  /** Entries of the protected area (hashed with the image). */
  readonly protectedTlvs?: readonly Tlv[];
  /** The hash TLV written first in the other area; null: none. Default SHA256. */
  readonly hash?: 'SHA256' | 'SHA384' | 'SHA512' | null;
  /** Entries after the hash in the other area. */
  readonly tlvs?: readonly Tlv[];
}

function area(magic: number, entries: readonly Tlv[]): Uint8Array {
  const parts = entries.map(([type, value]) => {
    const head = new Uint8Array(4);
    writeU16(head, 0, type);
    writeU16(head, 2, value.length);
    return concatBytes([head, value]);
  });
  const body = concatBytes(parts);
  const info = new Uint8Array(4);
  writeU16(info, 0, magic);
  writeU16(info, 2, 4 + body.length);
  return concatBytes([info, body]);
}

/** A whole MCUboot image: header, payload, protected TLV area (when any), then the hash and other TLVs. */
export function mcubootImage(spec: McubootSpec = {}): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0x100).fill(0x5a);
  const headerSize = spec.headerSize ?? 0x20;
  const prot = spec.protectedTlvs?.length ? area(0x6908, spec.protectedTlvs) : new Uint8Array(0);
  const header = new Uint8Array(headerSize);
  header.set(buildMcubootHeader({ loadAddress: 0, headerSize, protectedTlvSize: prot.length, imageSize: payload.length, flags: 0, version: { major: 1, minor: 2, revision: 3, build: 4 } }));
  const hashed = concatBytes([header, payload, prot]);
  const hash = spec.hash === undefined ? 'SHA256' : spec.hash;
  const fn = { SHA256: [0x10, sha256], SHA384: [0x11, sha384], SHA512: [0x12, sha512] } as const;
  const entries: Tlv[] = hash ? [[fn[hash][0], fn[hash][1](hashed)]] : [];
  return concatBytes([hashed, area(0x6907, [...entries, ...(spec.tlvs ?? [])])]);
}

/** `image` padded with 0xFF to `slotSize`, ending with the trailer imgtool --pad writes (image_ok 0x01 with `confirm`). */
export function padToSlot(image: Uint8Array, slotSize: number, o: { readonly maxAlign?: 8 | 16 | 32; readonly confirm?: boolean } = {}): Uint8Array {
  const align = o.maxAlign ?? 8;
  const out = new Uint8Array(slotSize).fill(0xff);
  out.set(image);
  const magic = align === 8 ? MCUBOOT_BOOT_MAGIC : concatBytes([Uint8Array.of(align, 0), MCUBOOT_BOOT_MAGIC_ALIGNED_TAIL]);
  out.set(magic, slotSize - 16);
  if (o.confirm) out[slotSize - Math.max(16, align) - align] = 0x01;
  return out;
}
