/**
 * What the SPI controller receives when it samples at a different clock than the one at which
 * the flash starts driving (facts §3.5). `stream` holds the bytes the device drives from its first
 * data clock on (MSB first on the wire); `shiftBits` = (controller clocks − device clocks) × lines.
 *   shiftBits > 0: the first shiftBits bits are lost, later bytes fill in from the device's
 *                  continuation (RDID repeats its id, RDSR repeats the status, reads go on).
 *   shiftBits < 0: the first |shiftBits| bits sampled are the idle line level (1s), then the data.
 */
export function shiftReceived(stream: Uint8Array, shiftBits: number, count: number, idleBit = 1): Uint8Array {
  const out = new Uint8Array(count);
  const bitAt = (i: number): number => {
    if (i < 0) return idleBit;
    const byte = stream[i >> 3];
    if (byte === undefined) return 1;
    return (byte >> (7 - (i & 7))) & 1;
  };
  if (shiftBits === 0) {
    for (let j = 0; j < count; j++) out[j] = stream[j] ?? 0xff;
    return out;
  }
  for (let j = 0; j < count; j++) {
    let v = 0;
    for (let b = 0; b < 8; b++) v = (v << 1) | bitAt(j * 8 + b + shiftBits);
    out[j] = v;
  }
  return out;
}

/** Bytes the device must provide so that `count` bytes can be sampled with `shiftBits`. */
export function bytesNeeded(count: number, shiftBits: number): number {
  return count + Math.max(0, Math.ceil(shiftBits / 8)) + 1;
}

/** Builds an MSB-first bit stream (what the controller sends after the opcode). */
export class BitStream {
  private readonly bits: number[] = [];
  push(value: number, bitCount: number): void {
    for (let i = bitCount - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) & 1);
  }
  pushBytes(bytes: Uint8Array): void {
    for (const b of bytes) this.push(b, 8);
  }
  pushOnes(bitCount: number): void {
    for (let i = 0; i < bitCount; i++) this.bits.push(1);
  }
  get length(): number {
    return this.bits.length;
  }
  /** Unsigned value of `count` bits from `start` (bits beyond the end read as 1). */
  value(start: number, count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) v = v * 2 + (this.bits[start + i] ?? 1);
    return v;
  }
  /** Whole bytes from bit `start` on (a trailing partial byte is dropped). */
  bytesFrom(start: number): Uint8Array {
    const n = Math.max(0, Math.floor((this.bits.length - start) / 8));
    const out = new Uint8Array(n);
    for (let j = 0; j < n; j++) out[j] = this.value(start + j * 8, 8);
    return out;
  }
}
