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
  if (shiftBits === 0) {
    for (let j = 0; j < count; j++) out[j] = stream[j] ?? 0xff;
    return out;
  }
  for (let j = 0; j < count; j++) {
    let v = 0;
    for (let b = 0; b < 8; b++) v = (v << 1) | streamBit(stream, j * 8 + b + shiftBits, idleBit);
    out[j] = v;
  }
  return out;
}

/** Bit `i` of an MSB-first stream: idle level before it starts, 1s after it ends. */
function streamBit(stream: Uint8Array, i: number, idleBit: number): number {
  if (i < 0) return idleBit;
  const byte = stream[i >> 3];
  if (byte === undefined) return 1;
  return (byte >> (7 - (i & 7))) & 1;
}

/** Bytes the device must provide so that `count` bytes can be sampled with `shiftBits`. */
export function bytesNeeded(count: number, shiftBits: number): number {
  return count + Math.max(0, Math.ceil(shiftBits / 8)) + 1;
}

/**
 * Builds an MSB-first bit stream (what the controller sends after the opcode). Bits are packed
 * into bytes; whole bytes on a byte boundary (the common case: 24-bit address, data) are copied
 * as bytes, so a 64-byte page chunk costs a copy, not 512 bit operations.
 */
export class BitStream {
  private buf = new Uint8Array(64);
  private bitLength = 0;

  push(value: number, bitCount: number): void {
    for (let i = bitCount - 1; i >= 0; i--) this.pushBit(Math.floor(value / 2 ** i) & 1);
  }
  pushBytes(bytes: Uint8Array): void {
    if ((this.bitLength & 7) === 0) {
      this.reserve(this.bitLength + bytes.length * 8);
      this.buf.set(bytes, this.bitLength >> 3);
      this.bitLength += bytes.length * 8;
      return;
    }
    for (const b of bytes) this.push(b, 8);
  }
  pushOnes(bitCount: number): void {
    for (let i = 0; i < bitCount; i++) this.pushBit(1);
  }
  get length(): number {
    return this.bitLength;
  }
  /** Unsigned value of `count` bits from `start` (bits beyond the end read as 1). */
  value(start: number, count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) v = v * 2 + this.bitAt(start + i);
    return v;
  }
  /** Whole bytes from bit `start` on (a trailing partial byte is dropped). */
  bytesFrom(start: number): Uint8Array {
    const n = Math.max(0, Math.floor((this.bitLength - start) / 8));
    if ((start & 7) === 0) return this.buf.slice(start >> 3, (start >> 3) + n);
    const out = new Uint8Array(n);
    for (let j = 0; j < n; j++) out[j] = this.value(start + j * 8, 8);
    return out;
  }

  private bitAt(i: number): number {
    if (i >= this.bitLength) return 1;
    return (this.buf[i >> 3]! >> (7 - (i & 7))) & 1;
  }
  private pushBit(bit: number): void {
    this.reserve(this.bitLength + 1);
    const i = this.bitLength++;
    if (bit) this.buf[i >> 3]! |= 0x80 >> (i & 7);
    else this.buf[i >> 3]! &= ~(0x80 >> (i & 7));
  }
  private reserve(bits: number): void {
    const bytes = (bits + 7) >> 3;
    if (bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(bytes, this.buf.length * 2));
    grown.set(this.buf);
    this.buf = grown;
  }
}
