/**
 * A stub image: the code and data of a routine to load into target RAM, with the facts the runner
 * needs (entry, link addresses, BSS, stack, and the addresses of its log buffer and trap record).
 * Images come from an ELF (see elf-stub.ts) or from a JSON descriptor of ours.
 */
import type { Architecture } from '../chips/types.js';
import { AlgorithmLoadError } from './errors.js';

export interface StubSegment {
  /** Link (execution) address. Code is linked at its instruction-bus address. */
  readonly address: number;
  readonly bytes: Uint8Array;
  readonly executable: boolean;
}

export interface StubRange {
  readonly address: number;
  readonly size: number;
}

export interface StubSymbols {
  /** A u32 byte count followed by text the stub printed. */
  readonly logBuffer?: StubRange;
  /** 128-byte trap record the stub's trap handler fills (see trap-record.ts). */
  readonly trapRecord?: number;
  /** The stub's own trap entry; mtvec points here during runs. */
  readonly trapEntry?: number;
  /** Optional descriptor at the IRAM origin (magic 0xFEEDFACE for preloaded copies). */
  readonly descriptor?: number;
  /**
   * A buffer inside the image that neither the loader nor the stub zeroes (every user writes it
   * before reading) and the host may fill directly (restored with the image's RAM when it is
   * unloaded, so no backup of its own per call).
   */
  readonly scratch?: StubRange;
  /**
   * RAM inside the image that the loader does not clear (the scratch buffer and state its users set
   * up themselves) and, loaded with `claimOnDemand`, does not back up either: a caller that knows
   * what each call writes backs up just that part first (`WorkAreaAllocator.cover`), so a session
   * borrows only what its calls use.
   */
  readonly onDemand?: StubRange;
  /**
   * Named parts of the image's RAM that callers claim by name when a call will use them (the
   * flasher stub's decoder state per inflater, say). What a name means is the stub's business.
   */
  readonly regions?: Readonly<Record<string, StubRange>>;
}

export interface StubImage {
  readonly name: string;
  readonly architecture: Architecture;
  readonly entry: number;
  readonly segments: readonly StubSegment[];
  /** Zero-initialised ranges (BSS); the loader clears them, except the scratch buffer. */
  readonly bss: readonly StubRange[];
  /** Stack the routine needs (bytes). */
  readonly stackSize: number;
  readonly symbols: StubSymbols;
  /** Link-time memory the stub was built for, when its linker script says. */
  readonly iram?: StubRange;
  readonly dram?: StubRange;
}

/** The JSON form of a stub image, as committed next to prebuilt stubs. */
export interface StubImageJson {
  readonly format: 'espalgo-stub-image';
  readonly version: 1;
  readonly name: string;
  readonly architecture: Architecture;
  readonly entry: number;
  readonly stackSize: number;
  readonly segments: readonly { address: number; executable: boolean; base64: string }[];
  readonly bss: readonly StubRange[];
  readonly symbols: StubSymbols;
  readonly iram?: StubRange;
  readonly dram?: StubRange;
}

export function stubImageToJson(image: StubImage): StubImageJson {
  return {
    format: 'espalgo-stub-image',
    version: 1,
    name: image.name,
    architecture: image.architecture,
    entry: image.entry,
    stackSize: image.stackSize,
    segments: image.segments.map((s) => ({ address: s.address, executable: s.executable, base64: toBase64(s.bytes) })),
    bss: image.bss,
    symbols: image.symbols,
    ...(image.iram ? { iram: image.iram } : {}),
    ...(image.dram ? { dram: image.dram } : {}),
  };
}

export function stubImageFromJson(value: unknown): StubImage {
  const json = value as Partial<StubImageJson> | null;
  if (!json || typeof json !== 'object' || json.format !== 'espalgo-stub-image' || json.version !== 1) {
    throw new AlgorithmLoadError('not an espalgo stub image descriptor (expected format "espalgo-stub-image", version 1)');
  }
  const name = typeof json.name === 'string' ? json.name : 'stub';
  const bad = (what: string) => new AlgorithmLoadError(`stub image "${name}": ${what}`);
  if (json.name !== undefined && typeof json.name !== 'string') throw bad('"name" must be a string');
  if (!isU32(json.entry) || !Array.isArray(json.segments) || json.segments.length === 0) throw bad('missing entry or segments');
  const architecture = json.architecture ?? 'riscv32';
  if (architecture !== 'riscv32' && architecture !== 'xtensa') {
    throw bad(`architecture ${JSON.stringify(json.architecture)} is neither "riscv32" nor "xtensa"`);
  }
  if (json.stackSize !== undefined && !(isU32(json.stackSize) && json.stackSize > 0)) throw bad('stackSize must be a positive number of bytes');
  const segments = json.segments.map((s: unknown, i): StubSegment => {
    const seg = s as Partial<StubImageJson['segments'][number]> | null;
    if (!seg || !isU32(seg.address) || typeof seg.base64 !== 'string' || !/^[A-Za-z0-9+/\s]*=*\s*$/.test(seg.base64)) {
      throw bad(`segment ${i} needs a numeric "address" and its bytes as a "base64" string`);
    }
    return { address: seg.address >>> 0, executable: !!seg.executable, bytes: fromBase64(seg.base64) };
  });
  if (json.bss !== undefined && !Array.isArray(json.bss)) throw bad('"bss" must be a list of {address, size}');
  const bss = (json.bss ?? []).map((b: unknown, i) => {
    const range = b as Partial<StubRange> | null;
    if (!range || !isU32(range.address) || !isU32(range.size)) throw bad(`bss range ${i} needs numeric "address" and "size"`);
    return { address: range.address >>> 0, size: range.size };
  });
  if (json.symbols !== undefined && (typeof json.symbols !== 'object' || json.symbols === null || Array.isArray(json.symbols))) throw bad('"symbols" must be an object');
  checkSymbols(json.symbols ?? {}, bad);
  for (const key of ['iram', 'dram'] as const) {
    if (json[key] !== undefined && !isRange(json[key])) throw bad(`"${key}" must be {address, size}`);
  }
  return {
    name,
    architecture,
    entry: json.entry >>> 0,
    stackSize: json.stackSize ?? 2048,
    segments,
    bss,
    symbols: json.symbols ?? {},
    ...(json.iram ? { iram: json.iram } : {}),
    ...(json.dram ? { dram: json.dram } : {}),
  };
}

const SYMBOL_ADDRESSES = ['trapRecord', 'trapEntry', 'descriptor'] as const;
const SYMBOL_RANGES = ['logBuffer', 'scratch', 'onDemand'] as const;

/**
 * The symbols the runner uses, each of the shape it reads (an address, or {address, size}): a
 * wrong one is named here, not found later as a write to address 0 in the middle of a run.
 */
function checkSymbols(symbols: object, bad: (what: string) => AlgorithmLoadError): void {
  const s = symbols as Record<string, unknown>;
  for (const key of SYMBOL_ADDRESSES) {
    if (s[key] !== undefined && !isU32(s[key])) throw bad(`symbols.${key} must be an address (a number)`);
  }
  for (const key of SYMBOL_RANGES) {
    if (s[key] !== undefined && !isRange(s[key])) throw bad(`symbols.${key} must be {address, size}`);
  }
  if (s.regions === undefined) return;
  if (typeof s.regions !== 'object' || s.regions === null || Array.isArray(s.regions)) throw bad('symbols.regions must be an object of {address, size}');
  for (const [name, range] of Object.entries(s.regions)) {
    if (!isRange(range)) throw bad(`symbols.regions.${name} must be {address, size}`);
  }
}

function isRange(value: unknown): value is StubRange {
  const range = value as Partial<StubRange> | null;
  return typeof range === 'object' && range !== null && isU32(range.address) && isU32(range.size);
}

function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Lowest and highest (exclusive) link address the image occupies, BSS included. */
export function imageExtent(image: StubImage): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const s of image.segments) {
    start = Math.min(start, s.address);
    end = Math.max(end, s.address + s.bytes.length);
  }
  for (const b of image.bss) {
    start = Math.min(start, b.address);
    end = Math.max(end, b.address + b.size);
  }
  return { start, end };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return out;
}

function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (B64.indexOf(clean[i]!) << 18) |
      (B64.indexOf(clean[i + 1] ?? 'A') << 12) |
      (Math.max(0, B64.indexOf(clean[i + 2] ?? 'A')) << 6) |
      Math.max(0, B64.indexOf(clean[i + 3] ?? 'A'));
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
