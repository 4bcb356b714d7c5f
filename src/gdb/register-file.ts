/** A remote register file: names to GDB numbers, and the layout of the `g` packet. */
import type { RegisterInfo } from '../target/types.js';
import { canonicalRiscvName } from '../target/riscv-registers.js';
import { TargetRegisterError } from '../target/errors.js';
import { hexToBytes, bytesToHex } from './hex.js';

export class RegisterFile {
  private readonly byName = new Map<string, RegisterInfo>();
  private readonly byNumber = new Map<number, RegisterInfo>();
  /** Bytes in the `g` reply. */
  readonly gLength: number;

  constructor(readonly registers: readonly RegisterInfo[], gLength: number) {
    this.gLength = gLength;
    for (const reg of registers) {
      this.byNumber.set(reg.regnum, reg);
      if (!this.byName.has(reg.name)) this.byName.set(reg.name, reg);
      const canonical = canonicalRiscvName(reg.name);
      if (!this.byName.has(canonical)) this.byName.set(canonical, reg);
    }
  }

  /** The register named `name` (any alias: x8, s0, fp), or undefined. */
  find(name: string): RegisterInfo | undefined {
    return this.byName.get(name) ?? this.byName.get(canonicalRiscvName(name));
  }

  /** Like find, but throws TargetRegisterError naming a few known registers. */
  get(name: string): RegisterInfo {
    const reg = this.find(name);
    if (!reg) {
      const known = this.registers.slice(0, 8).map((r) => r.name).join(', ');
      throw new TargetRegisterError(name, `the target has no such register (it has ${known}, ... ${this.registers.length} in all)`);
    }
    return reg;
  }

  byRegnum(regnum: number): RegisterInfo | undefined {
    return this.byNumber.get(regnum);
  }

  inG(reg: RegisterInfo): boolean {
    return reg.offset !== undefined && reg.offset + Math.ceil(reg.bitsize / 8) <= this.gLength;
  }

  /** Values of the registers in a `g` reply; registers reported as `xx` (unavailable) are left out. */
  decodeG(hex: string): Map<RegisterInfo, number> {
    const whole = hexToBytes(hex.length > this.gLength * 2 ? hex.slice(0, this.gLength * 2) : hex);
    if (whole) return this.decodeGBytes(whole);
    // Some fields are `xx` (unavailable): decode field by field.
    const out = new Map<RegisterInfo, number>();
    for (const reg of this.registers) {
      if (!this.inG(reg)) continue;
      const start = reg.offset! * 2;
      const bytes = hexToBytes(hex.slice(start, start + Math.ceil(reg.bitsize / 8) * 2));
      if (bytes) out.set(reg, leValue(bytes));
    }
    return out;
  }

  /** Values of the registers in a `g` image given as bytes (every field available). */
  decodeGBytes(bytes: Uint8Array): Map<RegisterInfo, number> {
    const out = new Map<RegisterInfo, number>();
    for (const reg of this.registers) {
      if (this.inG(reg)) out.set(reg, leValue(bytes.subarray(reg.offset!, reg.offset! + Math.ceil(reg.bitsize / 8))));
    }
    return out;
  }

  /** Write `value` into a `g` image given as bytes, in place. */
  setInGBytes(bytes: Uint8Array, reg: RegisterInfo, value: number): void {
    bytes.set(leBytes(value, Math.ceil(reg.bitsize / 8)), reg.offset!);
  }

  /** A `g` image with `values` written over `base` (hex of gLength bytes). */
  encodeG(base: string, values: ReadonlyMap<RegisterInfo, number>): string {
    // Field by field, so `xx` (unavailable) fields of the base stay as they are.
    let image = base;
    for (const [reg, value] of values) {
      const start = reg.offset! * 2;
      const size = Math.ceil(reg.bitsize / 8);
      image = image.slice(0, start) + bytesToHex(leBytes(value, size)) + image.slice(start + size * 2);
    }
    return image;
  }
}

/** Little-endian bytes to a number (low 48 bits for wider registers). */
export function leValue(bytes: Uint8Array): number {
  let v = 0;
  for (let i = Math.min(bytes.length, 6) - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
  return v;
}

export function leBytes(value: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = value < 0 ? value >>> 0 : Math.trunc(value);
  for (let i = 0; i < size; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}
