/** Number formatting for the commands' output. */
import { counted, hex32 } from '../../chips/types.js';

export { counted, hex32 };

/** Words as a sentence lists them: "a", "a and b", "a, b and c" (`or` for a choice). */
export function listWords(words: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}` : words[0] ?? '';
}

/** Human size: "24 KiB", "1.94 MiB", "32 MiB", "100 B". */
export function formatSize(n: number): string {
  if (n >= 0x100000) {
    const v = n / 0x100000;
    return `${Number.isInteger(v) ? v : v.toFixed(2)} MiB`;
  }
  if (n >= 0x400) {
    const v = n / 0x400;
    return `${Number.isInteger(v) ? v : v.toFixed(1)} KiB`;
  }
  return `${n} B`;
}

/** `text` as one POSIX shell word, for command lines to copy: as is when safe, else in single quotes. */
export function shellWord(text: string): string {
  return /^[\w./@+:=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A time or rate for JSON, to a tenth: 7.4, not 7.354488999999944. */
export function tenths(n: number): number {
  return Number(n.toFixed(1));
}

/** "0x30100 (192.3 KiB)" */
export function hexSize(n: number): string {
  return `0x${n.toString(16)} (${formatSize(n)})`;
}

/**
 * Parse a number from the command line: decimal, 0x hex, or with a size suffix
 * (k/K/KB/KiB = 1024, m/M/MB/MiB = 1024², g/G/GB/GiB = 1024³). Returns undefined if malformed.
 */
export function parseNumber(text: string): number | undefined {
  const m = /^\s*(0x[0-9a-f]+|\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) return undefined;
  const base = m[1]!.toLowerCase().startsWith('0x') ? parseInt(m[1]!, 16) : Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 0x400 : unit === 'm' ? 0x100000 : unit === 'g' ? 0x40000000 : 1;
  const v = base * mult;
  return Number.isSafeInteger(v) ? v : undefined;
}
