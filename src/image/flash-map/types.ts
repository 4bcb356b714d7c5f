/**
 * The result of a flash-map analysis: plain data (numbers, strings, booleans, arrays) so that it
 * can be printed as a table, drawn, or written out as JSON without conversion.
 */
import type { ChipDescriptor, ChipName } from '../../chips/types.js';
import type { Finding } from '../types.js';

export type FlashMapSeverity = 'error' | 'warning' | 'info';

export interface FlashMapFinding {
  readonly severity: FlashMapSeverity;
  /** Stable code, e.g. 'STUB_TABLE_OFFSET'. */
  readonly code: string;
  /** What is wrong, where, and what to do about it. */
  readonly message: string;
  /** Flash offset the finding refers to, when there is one. */
  readonly flashOffset?: number;
}

export interface AnalyzeFlashMapOptions {
  /** The chip, or its name ("esp32s3", "ESP32-S3"); default: from the bootloader or app header. */
  readonly chip?: string | ChipDescriptor;
  /** Flash offset of byte 0 of the file; default: inferred. */
  readonly baseOffset?: number;
  /** Flash offset of the partition table; default: 0x8000 if valid there, else the one found. */
  readonly tableOffset?: number;
  /** Flash offset of the app to analyse as the booting one (like OpenOCD's `esp appimage_offset`). */
  readonly appOffset?: number;
  /** Flash size in bytes; default: from the bootloader header. */
  readonly flashSize?: number;
  /** Where `flashSize` came from: the user (default) or the chip's JEDEC id, read from a live chip. */
  readonly flashSizeSource?: 'option' | 'jedec';
  /** Also verify checksums and SHA-256 of the images, and the hash TLV of MCUboot apps (reads every image byte; slower). */
  readonly verify?: boolean;
  /**
   * Probe every 4 KiB boundary for partition tables, also inside the partitions of the table
   * found (by default those areas are skipped: the bootloader's table cannot lie inside one).
   */
  readonly scanAllTables?: boolean;
}

/** How the file lines up with flash. */
export type PlacementKind =
  /** byte 0 is the 2nd-stage bootloader (esptool merge_bin, MicroPython firmware.bin) */
  | 'merged'
  /** byte 0 is flash offset 0 (a read-back of the whole flash) */
  | 'flash-dump'
  /** the file is one app image */
  | 'app-image'
  /** the file is a partition table */
  | 'partition-table'
  /** given with baseOffset */
  | 'given'
  /** byte 0 is the direct-boot magic twice: a program the ROM runs in place from flash 0 */
  | 'direct-boot'
  /** byte 0 is a Simple Boot app (esptool --ram-only-header) at the chip's bootloader offset: it boots, no bootloader or table needed */
  | 'simple-boot'
  /** nothing recognisable at the start; assumed to be a dump from offset 0 */
  | 'assumed';

export interface Placement {
  readonly kind: PlacementKind;
  /** Flash offset of file byte 0. */
  readonly baseOffset: number;
  /** One sentence: how this was decided. */
  readonly decidedBy: string;
}

export interface ChipDecision {
  readonly name: ChipName | null;
  readonly displayName: string | null;
  readonly decidedBy: string;
}

export interface FlashSizeInfo {
  /** Flash size in bytes, or null when nothing states it. */
  readonly bytes: number | null;
  /** option: given (--flash-size); jedec: the live chip's JEDEC id (flash-map --target). */
  readonly source: 'option' | 'jedec' | 'bootloader-header' | 'app-header' | 'unknown';
  /** Raw size nibble of the bootloader header, when there is a bootloader. */
  readonly bootloaderHeaderCode: number | null;
  /** End of the last partition (the flash the table needs), or null without a table. */
  readonly tableExtent: number | null;
  /** Whether tableExtent ≤ bytes; null when either is unknown. */
  readonly tableFits: boolean | null;
}

/** An image's checksum and appended SHA-256 checked against its bytes (null: not there to check). */
export interface ImageVerification {
  readonly checksum: boolean | null;
  readonly sha256: boolean | null;
}

export interface BootloaderInfo {
  readonly flashOffset: number;
  readonly chipId: number;
  readonly entry: number;
  readonly segmentCount: number;
  readonly spiMode: string;
  readonly flashSizeCode: number;
  /** Length of the image in bytes (through checksum and hash). */
  readonly length: number;
  readonly descriptor: { readonly version: number; readonly idfVer: string; readonly dateTime: string } | null;
  /** Checksum / SHA-256 verdicts, only when verification was asked for. */
  readonly verification: ImageVerification | null;
  /**
   * Secure Boot signature after the image, which takes flash too: SBv1's 68 bytes right after it,
   * or SBv2's 4 KiB sector at the next 4 KiB boundary (found by its magic; not verified).
   */
  readonly signature: { readonly scheme: 'sbv1' | 'sbv2'; readonly flashOffset: number; readonly length: number } | null;
}

export interface TableCandidate {
  readonly flashOffset: number;
  readonly entryCount: number;
  /** 'valid' | 'invalid' | 'absent' MD5 entry. */
  readonly md5: 'valid' | 'invalid' | 'absent';
}

export interface PartitionRow {
  readonly index: number;
  readonly label: string;
  readonly type: number;
  readonly subtype: number;
  readonly typeName: string;
  readonly subtypeName: string;
  readonly offset: number;
  readonly size: number;
  readonly encrypted: boolean;
  readonly readonly: boolean;
}

export interface PartitionTableInfo {
  /** Flash offset of the table in use, or null if none was found. */
  readonly flashOffset: number | null;
  readonly decidedBy: string;
  /** Which 4 KiB boundaries were probed. */
  readonly scan: string;
  /** Every probed 4 KiB boundary of the file that holds a plausible table. */
  readonly candidates: readonly TableCandidate[];
  readonly entries: readonly PartitionRow[];
}

/** One flash-mapped segment of an app: code or read-only data reached through the cache MMU. */
export interface SegmentMapping {
  /** Segment index in the image (0-based, padding segments counted); null where the ROM maps flash itself (direct boot). */
  readonly segment: number | null;
  readonly kind: 'drom' | 'irom';
  /** Flash offset of the segment data (app offset + data offset in the image). */
  readonly flashOffset: number;
  /** Virtual (cache) address the data appears at. */
  readonly vaddr: number;
  readonly size: number;
}

/** Any segment of an app, for the full picture. */
export interface SegmentRow {
  readonly segment: number;
  readonly kind: string;
  readonly flashOffset: number;
  readonly loadAddress: number;
  readonly size: number;
}

export type AppFormat = 'esp-idf' | 'esp-image' | 'mcuboot' | 'direct-boot' | 'simple-boot' | 'empty' | 'not-an-image' | 'outside-file';

export interface AppInfo {
  /** Partition label, or null for an app not in the table (e.g. given with appOffset). */
  readonly label: string | null;
  readonly subtypeName: string | null;
  readonly flashOffset: number;
  /** Partition size, or null when not from the table. */
  readonly partitionSize: number | null;
  /** True for the app the bootloader would start. */
  readonly booting: boolean;
  /** True for the first app entry of the table (the one OpenOCD's stub picks). */
  readonly firstInTable: boolean;
  readonly format: AppFormat;
  /** Why format is not 'esp-idf', in one sentence. */
  readonly note: string | null;
  readonly chipId: number | null;
  readonly entry: number | null;
  readonly imageLength: number | null;
  readonly appDesc: {
    readonly projectName: string;
    readonly version: string;
    readonly idfVer: string;
    readonly date: string;
    readonly time: string;
    readonly secureVersion: number;
    readonly mmuPageSize: number | null;
  } | null;
  /** Flash-mapped segments in file order. */
  readonly mappings: readonly SegmentMapping[];
  /** Every segment (RAM ones included). */
  readonly segments: readonly SegmentRow[];
  /** Checksum / SHA-256 verdicts, only when verification was asked for. */
  readonly verification: ImageVerification | null;
  /**
   * What the image's own checks find (those of `image info`): segment alignment and load
   * addresses of an ESP image, the header and TLV areas of an MCUboot image and, when
   * verification was asked for, its hash (MCUBOOT_HASH_MISMATCH). An ESP image's checksum and
   * SHA-256 are in `verification`, which stays null for an MCUboot image.
   */
  readonly imageFindings: readonly Finding[];
}

/** What OpenOCD's flash stub (2024 builds, MAP_GET) would do with this flash. */
export interface StubPrediction {
  /** Flash offset of the app the stub would take, or null if it gets none. */
  readonly appOffset: number | null;
  /** Up to two mappings the stub would report (first two flash-mapped segments in file order). */
  readonly mappings: readonly SegmentMapping[];
  /** The stub's result code (0 = ok, −6 table magic, −7 entry beyond flash size, −8 app magic). */
  readonly retcode: number;
  /** False when the bytes lack what the stub would read (the table, the app): no outcome is predicted and retcode says nothing. */
  readonly predicted: boolean;
  readonly explanation: string;
}

export interface FlashMapReport {
  readonly fileSize: number;
  readonly placement: Placement;
  readonly chip: ChipDecision;
  readonly flashSize: FlashSizeInfo;
  readonly bootloader: BootloaderInfo | null;
  readonly partitionTable: PartitionTableInfo;
  /** The app the bootloader would start (null if none could be determined). */
  readonly bootApp: AppInfo | null;
  readonly bootReason: string;
  /** Every app partition of the table in table order (plus the appOffset app if not in it). */
  readonly apps: readonly AppInfo[];
  readonly openocdStub: StubPrediction;
  readonly findings: readonly FlashMapFinding[];
}
