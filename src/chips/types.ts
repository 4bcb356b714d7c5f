/** Chip descriptors: pure data about each ESP32-family chip. No imports, browser-safe. */

export type ChipName =
  | 'esp32'
  | 'esp32s2'
  | 'esp32s3'
  | 'esp32c2'
  | 'esp32c3'
  | 'esp32c5'
  | 'esp32c6'
  | 'esp32h2'
  | 'esp32p4';

export type Architecture = 'xtensa' | 'riscv32';

/** A half-open address range [start, end). */
export interface AddressRange {
  readonly start: number;
  readonly end: number;
}

/**
 * How the same SRAM byte is seen on the instruction bus and the data bus.
 * - `offset`: instruction address = data address + offset (C3: 0x700000, S3: 0x6F0000).
 * - `reversed`: ESP32's word-reversed alias: the data word at D maps to the instruction word at
 *   iramEnd - 4 - (D - dramStart), i.e. the order of 32-bit words is mirrored.
 * - `unified`: the same address on both buses (C6, H2, C5, P4).
 */
export type SramAlias =
  | { readonly kind: 'offset'; readonly offset: number; readonly dram: AddressRange; readonly iram: AddressRange }
  | { readonly kind: 'reversed'; readonly dram: AddressRange; readonly iram: AddressRange }
  | { readonly kind: 'unified'; readonly sram: AddressRange };

/** Where OpenOCD places its flash stubs and scratch memory on this chip. */
export interface StubPlacement {
  /** The work area OpenOCD's target config declares (backed up and restored around a run). */
  readonly workArea: AddressRange;
  readonly iramOrigin: number;
  readonly iramLength: number;
  readonly dramOrigin: number;
  readonly dramLength: number;
}

/** A ROM function at a fixed jump-table address, with its C prototype. */
export interface RomFunction {
  readonly name: string;
  readonly address: number;
  readonly prototype: string;
}

/** A cache the ROM can suspend around SPI1 use, and how to tell it is enabled. */
export interface RomCacheFacts {
  readonly cache: 'icache' | 'dcache';
  /** Register whose `enableMask` bit says the cache is enabled (suspend it only then). */
  readonly enableRegister: number;
  readonly enableMask: number;
  /** Suspends the cache; returns the autoload state to hand back to `resume`. */
  readonly suspend: RomFunction;
  readonly resume: RomFunction;
  /**
   * The ROM's suspend returns before the cache is idle (ESP32-S3 ROM bug): poll `address` until
   * `(value & mask) === idle`.
   */
  readonly idlePoll?: { readonly address: number; readonly mask: number; readonly idle: number };
}

/**
 * ROM flash facts for calling ROM functions through a debugger with no compiled stub: the legacy
 * read function, the ROM data pointer (to esp_rom_spiflash_legacy_data_t: chip record at +0,
 * dummy_len_plus[0..2] at +24..+26) and the caches to suspend.
 */
export interface RomFlashFacts {
  /** esp_rom_spiflash_read(u32 src, u32 *dest, i32 len): 0 OK, 1 ERR, 2 TIMEOUT; 4-aligned. */
  readonly spiflashRead: RomFunction;
  /** Address of the word that points to esp_rom_spiflash_legacy_data_t. */
  readonly legacyDataPointer: number;
  /** RAM the pointer must point into before it is followed. */
  readonly legacyDataRange: AddressRange;
  readonly caches: readonly RomCacheFacts[];
  /** bool (void): the eFuse says the flash is octal. */
  readonly octalFlashQuery?: RomFunction;
}

/** SPI_MEM register block offsets (SPI1 = register path to the flash, SPI0 = the cache's side). */
export interface Spi1Facts {
  readonly base: number;
  readonly spi0Base: number;
  readonly reg: {
    readonly cmd: number; readonly addr: number; readonly ctrl: number; readonly ctrl1: number; readonly ctrl2: number;
    readonly clock: number; readonly user: number; readonly user1: number; readonly user2: number;
    readonly mosiDlen: number; readonly misoDlen: number; readonly rdStatus: number; readonly misc: number;
    readonly fsm: number; readonly w0: number; readonly timingCali: number;
    /** S3 only: DDR (octal/DTR) control. */
    readonly ddr?: number;
  };
  /** Bits of SPI0 FSM that read 0 when the cache side of the controller is idle. */
  readonly spi0FsmIdleMask: number;
  /** CTRL bits that select octal phases (S3); 0 where the chip has none. */
  readonly ctrlOctalBits: number;
}

export interface ChipDescriptor {
  readonly name: ChipName;
  /** Marketing name, e.g. "ESP32-C3". */
  readonly displayName: string;
  readonly architecture: Architecture;
  readonly cores: number;
  /** Chip id in the image header (offset 12). */
  readonly imageChipId: number;
  /** JTAG IDCODE of the CPU TAP, where known. */
  readonly jtagIdcode?: number;
  /** Where the 2nd-stage bootloader sits in flash (and so where a merged image's byte 0 sits). */
  readonly bootloaderOffset: number;
  readonly sramAlias: SramAlias;
  /** Flash seen through the cache on the data bus (read-only data). */
  readonly drom: AddressRange;
  /** Flash seen through the cache on the instruction bus (code). */
  readonly irom: AddressRange;
  /**
   * Direct boot (src/image/direct-boot.ts): bytes of flash the ROM maps 1:1 from offset 0 at the
   * start of the IROM and DROM windows when flash 0 starts with the direct-boot magic; undefined
   * where the ROM has no direct boot or it is not known.
   */
  readonly directBootMapBytes?: number;
  /** True where one address window serves both code and data (IROM and DROM cannot be told apart by address). */
  readonly sharedFlashWindow: boolean;
  /** Secure Boot v1 (a 68-byte signature right after the image) exists: the ESP32 only; later chips have v2 alone. */
  readonly secureBootV1: boolean;
  /**
   * The ESP32's ESP-IDF bootloader leaves a flash-mapped segment's last MMU page unmapped when the
   * segment ends fewer than this many bytes into that page, so image builders pad such a segment
   * with zeros to end this many bytes into it: 0x24 on the ESP32, 0 (no such rule) elsewhere.
   */
  readonly flashSegmentMinTail: number;
  /** MMU page sizes the chip supports, largest (the default) first. */
  readonly mmuPageSizes: readonly number[];
  /** Number of MMU table entries for flash, where known. */
  readonly mmuEntries?: number;
  /** Address of the flash MMU table (4 bytes per entry), where known. */
  readonly mmuTable?: number;
  readonly flashSectorSize: number;
  /** ROM address range as OpenOCD puts it in the GDB memory map. */
  readonly rom: AddressRange;
  /** Stub placement, for the chips OpenOCD ships stubs for. */
  readonly stub?: StubPlacement;
  /**
   * ASSIST_DEBUG core-0 monitor enable register (stack-pointer and memory-region monitors), where
   * known: a stub's stack lies outside the interrupted task's bounds, so the monitors are switched
   * off while stubs run and put back afterwards, as OpenOCD does.
   */
  readonly assistDebugMonitor?: number;
  /** ROM flash functions and data for stub-less ROM calls; undefined where not known. */
  readonly romFlash?: RomFlashFacts;
  /** SPI1 register block; undefined where not known. */
  readonly spi1?: Spi1Facts;
}

/** True if `address` lies in [range.start, range.end). */
export function inRange(range: AddressRange, address: number): boolean {
  const a = address >>> 0;
  return a >= range.start && a < range.end;
}

/** `n` and the noun for it: "1 entry", "2 entries", "0 segments" (plural: the noun + "s" unless given). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** Format an address as 0x + 8 hex digits. */
export function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0');
}

/** 0x + 8 hex digits at least, more past 4 GiB: an end or sum that hex32 would wrap (0x100000060, not 0x00000060). */
export function hexWide(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}
