/** Deterministic filler bytes: the same seed always gives the same bytes (xorshift32). */

export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h || 1;
}

/** `length` pseudo-random bytes from `seed` (a string or a non-zero number). */
export function fillerBytes(length: number, seed: string | number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (typeof seed === 'string' ? seedFrom(seed) : seed >>> 0) || 1;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
    if (i + 1 < length) out[i + 1] = (x >>> 8) & 0xff;
    if (i + 2 < length) out[i + 2] = (x >>> 16) & 0xff;
    if (i + 3 < length) out[i + 3] = (x >>> 24) & 0xff;
  }
  return out;
}
