/**
 * The protocol of espalgo's ESP32-C3 flasher stub (stub/src): command numbers, argument layouts,
 * result structures and their decoders. Pure: no target access here (see stub-client.ts).
 *
 * Calling convention: stub_main(a0 = command, a1..a6); the return value comes back in a0:
 * 0 OK, negative = error (stub-errors.ts), positive = a command-specific value.
 */
import type { MemoryArgument } from '../algorithm/mem-args.js';

export const STUB_PROTOCOL_VERSION = 2;
/** PING's reply: 'E' 'A' and the protocol version. */
export const STUB_PING_REPLY = (0x45410000 | STUB_PROTOCOL_VERSION) >>> 0;

export const STUB_COMMAND = {
  PING: 0,
  FLASH_INFO: 1,
  READ: 2,
  WRITE: 3,
  WRITE_DEFLATED: 4,
  ERASE: 5,
  ERASE_CHECK: 6,
  MAP_GET: 7,
  SHA256: 8,
  STREAM_WRITE: 9,
  STREAM_WRITE_DEFLATED: 10,
  READ_STRIDED: 11,
} as const;
export type StubCommandName = keyof typeof STUB_COMMAND;
export const STUB_COMMAND_COUNT = 12;

export function stubCommandName(value: number): StubCommandName | undefined {
  return (Object.keys(STUB_COMMAND) as StubCommandName[]).find((k) => STUB_COMMAND[k] === value);
}

export const SECTOR_SIZE = 0x1000;
/** The ROM's legacy flash API sends 3-byte addresses: the stub refuses ranges ending above this. */
export const STUB_ADDRESS_LIMIT = 0x1000000;
/**
 * The deflate commands inflate into the first bytes of the stub's scratch buffer, their window: a
 * power of two from INFLATE_WINDOW_MIN to INFLATE_WINDOW_MAX, at least the compressor's (zlib
 * windowBits 12 to 15), named by the call (WRITE_DEFLATED a6, STREAM_WRITE_DEFLATED's control
 * block; 0 = the largest). The rest of the scratch buffer is not touched by them (the host may keep
 * its input there). WRITE uses no scratch at all. A smaller window borrows less of the program's
 * RAM for a little less compression (machine code: ~61 % at 4 KiB, ~58 % at 32 KiB).
 */
export const INFLATE_WINDOW_MIN = 0x1000;
export const INFLATE_WINDOW_MAX = 0x8000;
export const INFLATE_WINDOWS: readonly number[] = [0x1000, 0x2000, 0x4000, 0x8000];

/** Refuse a window the stub would refuse. */
export function checkInflateWindow(window: number): void {
  if (!INFLATE_WINDOWS.includes(window)) throw new RangeError(`inflate window ${window}: use 4096, 8192, 16384 or 32768 bytes`);
}

/** zlib's windowBits for compressing data the stub inflates through `window` bytes. */
export function windowBits(window: number): number {
  checkInflateWindow(window);
  return Math.log2(window);
}
/**
 * What each command writes of the image's on-demand RAM by itself, beyond the buffers the host names
 * in its arguments (READ's destination, a stream's ring): the first bytes of the scratch buffer
 * (ERASE_CHECK and SHA256 read the flash through its first 4 KiB, MAP_GET the partition table
 * through its first 3 KiB, the deflate commands inflate into their window: at most the largest, the
 * call's own in StubCall.window) and, for the deflate commands, the decoder state of the inflater
 * they run (INFLATER_STATE_REGION). src/flash/stub-scratch.ts backs that up before the call.
 */
export const STUB_SCRATCH_USE: Readonly<Record<StubCommandName, number>> = {
  PING: 0,
  FLASH_INFO: 0,
  READ: 0,
  WRITE: 0,
  WRITE_DEFLATED: INFLATE_WINDOW_MAX,
  ERASE: 0,
  ERASE_CHECK: 0x1000,
  MAP_GET: 0xc00,
  SHA256: 0x1000,
  STREAM_WRITE: 0,
  STREAM_WRITE_DEFLATED: INFLATE_WINDOW_MAX,
  READ_STRIDED: 0,
};
/**
 * Which inflater WRITE_DEFLATED runs: the chip ROM's tinfl_decompress (miniz, flags 0) or the
 * stub's own (stub/src/inflate.c). The a5 flag values. STREAM_WRITE_DEFLATED always runs the ROM's.
 */
export type StubInflater = 'rom' | 'stub';
export const WRITE_DEFLATED_FLAGS: Readonly<Record<StubInflater, number>> = { rom: 0, stub: 1 };
/**
 * The image region (StubSymbols.regions, after the scratch buffer) holding each inflater's decoder
 * state: the ROM's tinfl_decompressor (~11 KiB), the stub's own Huffman tables (~9 KiB).
 */
export const INFLATER_STATE_REGION: Readonly<Record<StubInflater, string>> = { rom: 'romInflater', stub: 'inflateTables' };
/** Default idle polls of STREAM_WRITE before STREAM_TIMEOUT (a6 = 0): a poll is a few cycles, so seconds. */
export const STREAM_DEFAULT_POLL_LIMIT = 0x4000000;

/** Digests SHA256 writes for `length` bytes in pieces of `piece` (0 = one). */
export function sha256DigestCount(length: number, piece: number): number {
  return piece > 0 && piece < length ? Math.ceil(length / piece) : 1;
}

/** One call: the user arguments (a0 = command first) and the memory arguments patched into them. */
export interface StubCall {
  readonly command: StubCommandName;
  /** The inflater a deflate command runs (its decoder state is RAM the call writes). */
  readonly inflater?: StubInflater;
  /** A deflate command's inflate window in bytes (RAM the call writes). */
  readonly window?: number;
  readonly args: readonly number[];
  readonly memoryArguments: readonly MemoryArgument[];
}

const u32 = (v: number) => v >>> 0;

// ---- argument layouts --------------------------------------------------------------------------

export const encodeCall = {
  ping: (): StubCall => ({ command: 'PING', args: [STUB_COMMAND.PING], memoryArguments: [] }),
  /** a1 = result buffer (FLASH_INFO_RESULT_SIZE bytes, out). */
  flashInfo: (): StubCall => ({
    command: 'FLASH_INFO',
    args: [STUB_COMMAND.FLASH_INFO, 0],
    memoryArguments: [{ argIndex: 1, size: FLASH_INFO_RESULT_SIZE, output: true }],
  }),
  /**
   * a1 = flash address, a2 = length, a3 = destination buffer (out). All 4-aligned. With `into`, the
   * data lands there (RAM the caller holds, e.g. the stub's scratch buffer) and is not copied back.
   */
  read: (address: number, length: number, into?: number): StubCall => ({
    command: 'READ',
    args: [STUB_COMMAND.READ, u32(address), u32(length), into === undefined ? 0 : u32(into)],
    memoryArguments: into === undefined ? [{ argIndex: 3, size: Math.max(4, length), output: true }] : [],
  }),
  /**
   * a1 = first flash address, a2 = bytes per piece, a3 = destination, a4 = stride, a5 = pieces: the
   * pieces land back to back at `into` (RAM the caller holds), or in a memory argument copied back.
   * All 4-aligned; stride at least the piece.
   */
  readStrided: (address: number, piece: number, stride: number, count: number, into?: number): StubCall => ({
    command: 'READ_STRIDED',
    args: [STUB_COMMAND.READ_STRIDED, u32(address), u32(piece), into === undefined ? 0 : u32(into), u32(stride), u32(count)],
    memoryArguments: into === undefined ? [{ argIndex: 3, size: Math.max(4, piece * count), output: true }] : [],
  }),
  /**
   * a1 = flash address, a2 = length, a3 = source buffer (in). All 4-aligned; the range must be
   * erased. With `staged`, the data is already there (RAM the caller holds and filled) and is not
   * uploaded as a memory argument.
   */
  write: (address: number, data: Uint8Array, staged?: number): StubCall => ({
    command: 'WRITE',
    args: [STUB_COMMAND.WRITE, u32(address), data.length, staged === undefined ? 0 : u32(staged)],
    memoryArguments: staged === undefined ? [{ argIndex: 3, input: data }] : [],
  }),
  /**
   * a1 = flash address, a2 = compressed length, a3 = compressed data (in), a4 = uncompressed length,
   * a5 = inflater flags, a6 = inflate window (bytes). `staged` as for write.
   */
  writeDeflated: (
    address: number,
    compressed: Uint8Array,
    uncompressedLength: number,
    options: { inflater?: StubInflater; staged?: number; window?: number } = {},
  ): StubCall => {
    const { inflater = 'rom', staged, window = INFLATE_WINDOW_MAX } = options;
    checkInflateWindow(window);
    return {
      command: 'WRITE_DEFLATED',
      inflater,
      window,
      args: [STUB_COMMAND.WRITE_DEFLATED, u32(address), compressed.length, staged === undefined ? 0 : u32(staged), u32(uncompressedLength), WRITE_DEFLATED_FLAGS[inflater], window],
      memoryArguments: staged === undefined ? [{ argIndex: 3, input: compressed }] : [],
    };
  },
  /** a1 = flash address, a2 = length; both 4 KiB aligned. 64 KiB blocks where aligned, else sectors. */
  erase: (address: number, length: number): StubCall => ({
    command: 'ERASE',
    args: [STUB_COMMAND.ERASE, u32(address), u32(length)],
    memoryArguments: [],
  }),
  /** a1 = flash address, a2 = length (4-aligned). Returns 0 if blank, else 1 + offset of the first non-0xFF byte. */
  eraseCheck: (address: number, length: number): StubCall => ({
    command: 'ERASE_CHECK',
    args: [STUB_COMMAND.ERASE_CHECK, u32(address), u32(length)],
    memoryArguments: [],
  }),
  /** a1 = partition table offset (0 = search), a2 = app offset (0 = choose like the bootloader), a3 = result (out). */
  mapGet: (tableOffset = 0, appOffset = 0): StubCall => ({
    command: 'MAP_GET',
    args: [STUB_COMMAND.MAP_GET, u32(tableOffset), u32(appOffset), 0],
    memoryArguments: [{ argIndex: 3, size: MAP_RESULT_SIZE, output: true }],
  }),
  /**
   * a1 = flash address (4-aligned), a2 = length (any), a3 = digests (out), a4 = piece length
   * (4-aligned; 0 = one digest of the whole range, else one per piece, the last one shorter).
   */
  sha256: (address: number, length: number, piece = 0): StubCall => ({
    command: 'SHA256',
    args: [STUB_COMMAND.SHA256, u32(address), u32(length), 0, u32(piece)],
    memoryArguments: [{ argIndex: 3, size: 32 * sha256DigestCount(length, piece), output: true }],
  }),
  /**
   * a1 = flash address, a2 = total length, a3 = ring buffer, a4 = ring size, a5 = control block
   * (STREAM_CONTROL_SIZE bytes, as initialStreamControl makes it), a6 = idle poll limit (0 =
   * default). `scratch`: ring and control block in the stub's own scratch buffer (the host writes
   * the control block itself), or undefined to borrow work-area RAM for both. `deflateWindow`:
   * STREAM_WRITE_DEFLATED inflating through a window of that many bytes, the ring carries a raw
   * DEFLATE stream (ROM tinfl) and `total` counts the flash bytes it inflates to; the ring must not
   * overlap the window.
   */
  streamWrite: (address: number, total: number, ringSize: number, pollLimit = 0, scratch?: { ring: number; control: number }, deflateWindow?: number): StubCall => {
    const deflated = deflateWindow !== undefined;
    if (deflated) checkInflateWindow(deflateWindow);
    return {
      command: deflated ? 'STREAM_WRITE_DEFLATED' : 'STREAM_WRITE',
      ...(deflated ? { inflater: 'rom' as const, window: deflateWindow } : {}),
      args: [deflated ? STUB_COMMAND.STREAM_WRITE_DEFLATED : STUB_COMMAND.STREAM_WRITE, u32(address), u32(total), scratch ? u32(scratch.ring) : 0, u32(ringSize), scratch ? u32(scratch.control) : 0, u32(pollLimit)],
      memoryArguments: scratch
        ? []
        : [
            { argIndex: 3, size: ringSize },
            { argIndex: 5, input: initialStreamControl(deflateWindow) }, // read back by the stream writer with the result
          ],
    };
  },
};

// ---- flash size table ------------------------------------------------------------------------

/** Flash size for a JEDEC capacity byte, the stub's table; 0 = unknown. */
export function flashSizeFromCapacity(capacity: number): number {
  const c = capacity & 0xff;
  if (c >= 0x10 && c <= 0x1c) return 2 ** c;
  if (c >= 0x20 && c <= 0x22) return 0x4000000 * 2 ** (c - 0x20);
  if (c >= 0x32 && c <= 0x3c) return 2 ** (c - 0x20);
  return 0;
}

/** A JEDEC id as the stub reports it: W0 & 0xFFFFFF, byte 0 = manufacturer. */
export interface JedecId {
  readonly raw: number;
  readonly manufacturer: number;
  readonly memoryType: number;
  readonly capacity: number;
  /** 0xMMTTCC, as ROM and ESP-IDF print it. */
  readonly id: number;
  /** Neither all zeros nor all ones. */
  readonly plausible: boolean;
}

export function decodeJedecId(raw: number): JedecId {
  const r = raw & 0xffffff;
  const manufacturer = r & 0xff;
  const memoryType = (r >>> 8) & 0xff;
  const capacity = (r >>> 16) & 0xff;
  return { raw: r, manufacturer, memoryType, capacity, id: ((manufacturer << 16) | (memoryType << 8) | capacity) >>> 0, plausible: r !== 0 && r !== 0xffffff };
}

// ---- FLASH_INFO result -------------------------------------------------------------------------

export const FLASH_INFO_RESULT_SIZE = 76;

export const FLASH_INFO_FLAGS = {
  ROM_DATA: 1 << 0,
  NAIVE_PLAUSIBLE: 1 << 1,
  CLEAN_PLAUSIBLE: 1 << 2,
  IDS_DIFFER: 1 << 3,
  CACHE_SUSPENDED: 1 << 4,
  NAIVE_TIMEOUT: 1 << 5,
  CLEAN_TIMEOUT: 1 << 6,
} as const;

/** What the clean JEDEC read had to clear (FlashInfo.cleared). */
export const JEDEC_CLEARED = {
  USR_DUMMY: 1 << 0,
  USER_PHASES: 1 << 1,
  TIMING_CALI: 1 << 2,
  TIMING_EXTRA: 1 << 3,
  ROM_DUMMY: 1 << 4,
  CTRL_MODE: 1 << 5,
} as const;

export interface FlashInfo {
  readonly flags: number;
  /** Read with SPI1 as found plus the ROM's dummy_len_plus[1] (what older stubs read). */
  readonly naiveId: JedecId;
  /** Read with every extra dummy and user phase cleared. */
  readonly cleanId: JedecId;
  readonly found: {
    readonly user: number;
    readonly user1: number;
    readonly user2: number;
    readonly ctrl: number;
    readonly timingCali: number;
    /** undefined when the ROM data was unavailable. */
    readonly romDummyLenPlus1: number | undefined;
  };
  readonly cleared: number;
  readonly clearedNames: readonly (keyof typeof JEDEC_CLEARED)[];
  readonly naiveExtraDummy: number;
  readonly capacity: number;
  /** From the clean id; 0 = unknown. */
  readonly size: number;
  readonly naiveSize: number;
  /** The ROM's g_rom_flashchip; undefined when the ROM data was unavailable. */
  readonly romChipSize: number | undefined;
  readonly romDeviceId: number | undefined;
  readonly romDataPointer: number;
  /** RDSR polls before the flash was idle (an application write/erase in progress); 200000 = never. */
  readonly busyPolls: number;
}

function words(bytes: Uint8Array, minimum: number, what: string): (i: number) => number {
  if (bytes.length < minimum) throw new RangeError(`${what}: ${bytes.length} bytes, expected at least ${minimum}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (offset: number) => view.getUint32(offset, true);
}

export function decodeFlashInfo(bytes: Uint8Array): FlashInfo {
  const w = words(bytes, FLASH_INFO_RESULT_SIZE, 'FLASH_INFO result');
  const flags = w(4);
  const romData = (flags & FLASH_INFO_FLAGS.ROM_DATA) !== 0;
  const cleared = w(40);
  return {
    flags,
    naiveId: decodeJedecId(w(8)),
    cleanId: decodeJedecId(w(12)),
    found: { user: w(16), user1: w(20), user2: w(24), ctrl: w(28), timingCali: w(32), romDummyLenPlus1: romData ? w(36) : undefined },
    cleared,
    clearedNames: (Object.keys(JEDEC_CLEARED) as (keyof typeof JEDEC_CLEARED)[]).filter((k) => (cleared & JEDEC_CLEARED[k]) !== 0),
    naiveExtraDummy: w(44),
    capacity: w(48),
    size: w(52),
    naiveSize: w(56),
    romChipSize: romData ? w(60) : undefined,
    romDeviceId: romData ? w(64) : undefined,
    romDataPointer: w(68),
    busyPolls: w(72),
  };
}

// ---- MAP_GET result ----------------------------------------------------------------------------

export const MAP_RESULT_SIZE = 336;
export const MAP_MAX_SEGMENTS = 16;
const NONE = 0xffffffff;

export const MAP_FLAGS = {
  TABLE_FOUND: 1 << 0,
  TABLE_SEARCHED: 1 << 1,
  OTADATA_VALID: 1 << 2,
  APP_FOUND: 1 << 3,
  HEADER_OK: 1 << 4,
  SEGMENTS_TRUNCATED: 1 << 5,
  SIZE_DETECTED: 1 << 6,
  /** No table; flash 0x0 holds a program the ROM boots in place (reason 'direct-boot'). */
  DIRECT_BOOT: 1 << 7,
  /** No table; flash 0x0 holds a Simple Boot app (reason 'simple-boot'): its flash segments follow its checksum. */
  SIMPLE_BOOT: 1 << 8,
  /** The app is an MCUboot image; with HEADER_OK its IROM/DROM regions come from Espressif's load header after the MCUboot header. */
  MCUBOOT: 1 << 9,
} as const;

/** Why the stub picked the app it reports. */
export const APP_REASONS = ['none', 'override', 'otadata', 'factory', 'ota_0', 'first-app', 'direct-boot', 'simple-boot'] as const;
export type AppReason = (typeof APP_REASONS)[number];

export interface MappedSegment {
  /** Flash offset of the segment's data (after its 8-byte header). */
  readonly flashOffset: number;
  readonly vaddr: number;
  readonly size: number;
  readonly kind: 'drom' | 'irom';
}

export interface StubFlashMap {
  readonly flags: number;
  readonly tableOffset: number | undefined;
  readonly tableSearched: boolean;
  readonly appOffset: number | undefined;
  /** Partition size, cut at the flash end (app offset given: the app partition starting there, 0 when none does); direct boot: the span mapped; Simple Boot: where the image ends. */
  readonly appSize: number;
  readonly reason: AppReason;
  /** Highest valid otadata sequence number; 0 = none. */
  readonly otaSeq: number;
  readonly otaCount: number;
  /** From the JEDEC id; 0 = unknown. */
  readonly flashSize: number;
  readonly romChipSize: number;
  /** Flash offset of whatever made the command fail. */
  readonly problemOffset: number | undefined;
  readonly headerOk: boolean;
  /** The app starts with the MCUboot magic (its mappings, if any, from the Espressif load header). */
  readonly mcuboot: boolean;
  /** The 24-byte image header as read (decode with src/image; an MCUboot image's first 24 bytes). */
  readonly header: Uint8Array;
  /** Segments walked; MCUboot: regions recorded. */
  readonly segmentCount: number;
  readonly segments: readonly MappedSegment[];
  readonly segmentsTruncated: boolean;
}

export function decodeMapResult(bytes: Uint8Array): StubFlashMap {
  const w = words(bytes, MAP_RESULT_SIZE, 'MAP_GET result');
  const flags = w(4);
  const opt = (v: number) => (v === NONE ? undefined : v);
  const mapped = Math.min(w(48), MAP_MAX_SEGMENTS);
  const segments: MappedSegment[] = [];
  for (let i = 0; i < mapped; i++) {
    const o = 80 + i * 16;
    segments.push({ flashOffset: w(o), vaddr: w(o + 4), size: w(o + 8), kind: w(o + 12) === 1 ? 'drom' : 'irom' });
  }
  return {
    flags,
    tableOffset: flags & MAP_FLAGS.TABLE_FOUND ? w(8) : undefined,
    tableSearched: (flags & MAP_FLAGS.TABLE_SEARCHED) !== 0,
    appOffset: flags & MAP_FLAGS.APP_FOUND ? w(12) : opt(w(12)),
    appSize: w(16),
    reason: APP_REASONS[w(20)] ?? 'none',
    otaSeq: w(24),
    otaCount: w(28),
    flashSize: w(32),
    romChipSize: w(36),
    problemOffset: opt(w(40)),
    headerOk: (flags & MAP_FLAGS.HEADER_OK) !== 0,
    mcuboot: (flags & MAP_FLAGS.MCUBOOT) !== 0,
    header: bytes.slice(52, 76),
    segmentCount: w(44),
    segments,
    segmentsTruncated: (flags & MAP_FLAGS.SEGMENTS_TRUNCATED) !== 0,
  };
}

// ---- STREAM_WRITE control block ----------------------------------------------------------------

export const STREAM_CONTROL_SIZE = 28;
export const STREAM_STATUS = { RUNNING: 1, DONE: 2 } as const;
export const STREAM_HOST_ABORT = 1;
export const STREAM_CONTROL_OFFSETS = { hostWritten: 0, stubConsumed: 4, stubStatus: 8, hostCommand: 12, idleMax: 16, writes: 20, inflateWindow: 24 } as const;

/** A control block as a stream starts: zeros, and a deflated stream's window. */
export function initialStreamControl(deflateWindow?: number): Uint8Array {
  const bytes = new Uint8Array(STREAM_CONTROL_SIZE);
  if (deflateWindow !== undefined) new DataView(bytes.buffer).setUint32(STREAM_CONTROL_OFFSETS.inflateWindow, deflateWindow, true);
  return bytes;
}

export interface StreamControl {
  readonly hostWritten: number;
  readonly stubConsumed: number;
  /** 1 running, 2 done, negative = stub error. */
  readonly stubStatus: number;
  readonly hostCommand: number;
  readonly idleMax: number;
  readonly writes: number;
  /** The window a deflated stream inflates through (0 = the largest). */
  readonly inflateWindow: number;
}

export function decodeStreamControl(bytes: Uint8Array): StreamControl {
  const w = words(bytes, STREAM_CONTROL_SIZE, 'STREAM_WRITE control block');
  return { hostWritten: w(0), stubConsumed: w(4), stubStatus: w(8) | 0, hostCommand: w(12), idleMax: w(16), writes: w(20), inflateWindow: w(24) };
}

/** A u32 little-endian word, for writing one control field. */
export function encodeU32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return b;
}
