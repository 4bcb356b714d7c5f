/**
 * Public types of the firmware image toolkit: ESP app/bootloader images, descriptors, partition
 * tables, otadata, MCUboot headers and ELF files. Pure data shapes, no behaviour.
 */
import type { ChipDescriptor } from '../chips/types.js';

// ---------------------------------------------------------------------------------------------
// Findings (non-fatal problems in something that is still readable)

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface Finding {
  readonly severity: FindingSeverity;
  /** Stable code, e.g. 'PARTITION_OVERLAP', 'PARTITION_MD5', 'PARTITION_APP_ALIGN'. */
  readonly code: string;
  /** One sentence saying what is wrong and where. */
  readonly message: string;
  /** Byte offset (in the parsed buffer, or in flash where stated) the finding refers to. */
  readonly offset?: number;
}

// ---------------------------------------------------------------------------------------------
// ESP image (app and 2nd-stage bootloader)

/** SPI flash mode byte (header offset 2). */
export type SpiModeName = 'qio' | 'qout' | 'dio' | 'dout' | 'fast_read' | 'slow_read';

/**
 * What a segment's load address says about it:
 * - 'drom' / 'irom': flash-mapped data / code (chips with separate windows);
 * - 'flash': flash-mapped on a chip with one shared window (C6, H2, C5, P4); see `flashRole`;
 * - 'dram' / 'iram': internal SRAM on the data / instruction bus;
 * - 'rtc': RTC / LP memory;
 * - 'padding': load address 0 (alignment filler inserted by image tools);
 * - 'unknown': none of the above (or the chip is unknown).
 */
export type SegmentKind = 'drom' | 'irom' | 'flash' | 'dram' | 'iram' | 'rtc' | 'padding' | 'unknown';

export interface ImageSegment {
  /** Position in the image, 0-based. */
  readonly index: number;
  readonly loadAddress: number;
  /** Offset of the 8-byte segment header within the image. */
  readonly headerOffset: number;
  /** Offset of the segment data within the image (headerOffset + 8). */
  readonly dataOffset: number;
  /** Data length in bytes. */
  readonly length: number;
  readonly kind: SegmentKind;
  /**
   * For flash-mapped segments: whether it holds read-only data or code. On shared-window chips
   * this is decided by order (first flash segment = rodata/DROM, later ones = IROM).
   */
  readonly flashRole?: 'drom' | 'irom';
}

export interface ImageHeader {
  /** Always 0xE9 for a parsed image. */
  readonly magic: number;
  readonly segmentCount: number;
  /** Raw SPI mode byte: 0 QIO, 1 QOUT, 2 DIO, 3 DOUT, 4 FAST_READ, 5 SLOW_READ. */
  readonly spiMode: number;
  readonly spiModeName?: SpiModeName;
  /** Raw speed nibble (low nibble of byte 3). Its meaning is chip-specific; see describeSpiSpeed. */
  readonly spiSpeed: number;
  /** Raw size nibble (high nibble of byte 3): 0 = 1 MB … 7 = 128 MB. */
  readonly flashSizeCode: number;
  /** Flash size in bytes for codes 0..7; undefined otherwise. */
  readonly flashSizeBytes?: number;
  readonly entry: number;
  readonly wpPin: number;
  readonly spiPinDrv: readonly [number, number, number];
  readonly chipId: number;
  readonly minChipRev: number;
  readonly minChipRevFull: number;
  readonly maxChipRevFull: number;
  /** 0 or 1: 1 means a SHA-256 follows the checksum. */
  readonly hashAppended: number;
}

export interface ImageChecksum {
  /** Offset of the checksum byte (≡ 15 mod 16). */
  readonly offset: number;
  readonly stored: number;
  /** Present when verification ran ('checksum' or 'full'). */
  readonly computed?: number;
  readonly valid?: boolean;
}

export interface ImageSha256 {
  /** Offset of the 32 stored bytes. */
  readonly offset: number;
  readonly stored: Uint8Array;
  /** Present when verify = 'full'. */
  readonly computed?: Uint8Array;
  readonly valid?: boolean;
}

/** Secure Boot signature material found after the image (reported, not verified). */
export type ImageSignature =
  | {
      /** Secure Boot v1: 4 zero bytes + 64-byte ECDSA signature right after the image. */
      readonly scheme: 'sbv1';
      readonly offset: number;
      readonly length: number;
      readonly signature: Uint8Array;
    }
  | {
      /** Secure Boot v2: signature block sector (blocks of 1216 bytes, magic 0xE7) at the next 4 KiB boundary. */
      readonly scheme: 'sbv2';
      readonly offset: number;
      /** Number of consecutive signature blocks with magic 0xE7 (1..3). */
      readonly blockCount: number;
      /** Version byte of the first block (0x02 = RSA-3072, 0x03 = ECDSA). */
      readonly version: number;
    };

export interface AppDescriptor {
  /** Offset of the descriptor within the image. */
  readonly offset: number;
  readonly magic: number;
  readonly secureVersion: number;
  readonly version: string;
  readonly projectName: string;
  readonly time: string;
  readonly date: string;
  readonly idfVer: string;
  readonly appElfSha256: Uint8Array;
  readonly minEfuseBlkRevFull: number;
  readonly maxEfuseBlkRevFull: number;
  /** log2 of the MMU page size; 0 = not recorded. */
  readonly mmuPageSizeLog2: number;
  /** 1 << mmuPageSizeLog2 when recorded. */
  readonly mmuPageSize?: number;
}

export interface BootloaderDescriptor {
  readonly offset: number;
  readonly magic: number;
  readonly reserved1: number;
  readonly secureVersion: number;
  readonly version: number;
  readonly idfVer: string;
  readonly dateTime: string;
}

export type ImageVerifyLevel = 'none' | 'checksum' | 'full';

export interface ParseImageOptions {
  /** 'none': structure only, segment data untouched; 'checksum': XOR checksum; 'full' (default): checksum and SHA-256. */
  readonly verify?: ImageVerifyLevel;
  /** Chip to classify segments for; default: the chip named by the header's chip id. */
  readonly chip?: ChipDescriptor;
  /** Look for app/bootloader descriptors (default true). Reads only the first bytes of one segment. */
  readonly descriptors?: boolean;
}

export interface EspImage {
  readonly header: ImageHeader;
  readonly segments: readonly ImageSegment[];
  readonly checksum: ImageChecksum;
  readonly sha256?: ImageSha256;
  /** Bytes from the image start through the checksum and the appended hash (if any). */
  readonly length: number;
  readonly appDesc?: AppDescriptor;
  readonly bootloaderDesc?: BootloaderDescriptor;
  readonly chip?: ChipDescriptor;
  readonly signature?: ImageSignature;
  /** True if the image has no flash-mapped segments (runs from RAM only). */
  readonly ramOnly: boolean;
  /**
   * Problems that do not stop parsing: segment length not a multiple of 4, flash segment whose
   * data offset and load address disagree modulo the MMU page, checksum or hash mismatch.
   */
  readonly findings: readonly Finding[];
}

export interface BuildSegment {
  readonly loadAddress: number;
  readonly data: Uint8Array;
}

export interface BuildImageSpec {
  readonly segments: readonly BuildSegment[];
  readonly entry: number;
  /** Header chip id; taken from `chip` if absent; default 0 (ESP32). */
  readonly chipId?: number;
  readonly chip?: ChipDescriptor;
  /** Raw SPI mode byte or name; default 'dio'. */
  readonly spiMode?: number | SpiModeName;
  /** Raw speed nibble; default 0. */
  readonly spiSpeed?: number;
  /** Raw size nibble; default 1 (2 MB). Use flashSizeToCode to convert bytes. */
  readonly flashSizeCode?: number;
  /** Default 0xEE (disabled). */
  readonly wpPin?: number;
  readonly spiPinDrv?: readonly [number, number, number];
  readonly minChipRev?: number;
  readonly minChipRevFull?: number;
  readonly maxChipRevFull?: number;
  /** Append SHA-256 after the checksum (sets hash_appended); default true. */
  readonly appendSha256?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Partition table

export interface PartitionFlags {
  readonly encrypted: boolean;
  readonly readonly: boolean;
  /** The full 32-bit flags word. */
  readonly raw: number;
}

export interface PartitionEntry {
  readonly type: number;
  readonly subtype: number;
  readonly offset: number;
  readonly size: number;
  readonly label: string;
  readonly flags: PartitionFlags;
  /** 'app', 'data', 'bootloader', 'partition_table', or 'custom' / 'unknown'. */
  readonly typeName: string;
  /** e.g. 'factory', 'ota_3', 'nvs', 'fat'; hex string for unknown subtypes. */
  readonly subtypeName: string;
  /** Position in the table, 0-based (absent for entries built by hand). */
  readonly index?: number;
  /** Offset of the 32-byte entry within the table buffer. */
  readonly entryOffset?: number;
}

export interface PartitionTable {
  readonly entries: readonly PartitionEntry[];
  readonly md5?: {
    readonly present: boolean;
    readonly valid: boolean;
    readonly offset?: number;
    readonly stored?: Uint8Array;
    readonly computed?: Uint8Array;
  };
  readonly findings: readonly Finding[];
  /** Bytes of the table actually used (entries + MD5 entry + end marker, if any). */
  readonly byteLength: number;
  /** SBv1 signature at 0xC00 (4 zero bytes + 64-byte signature), when present. */
  readonly signature?: { readonly offset: number; readonly signature: Uint8Array };
}

/** Entry as written by hand or from CSV (names resolved to numbers already). */
export interface PartitionEntryInput {
  readonly type: number;
  readonly subtype: number;
  readonly offset: number;
  readonly size: number;
  readonly label: string;
  readonly flags?: Partial<Pick<PartitionFlags, 'encrypted' | 'readonly'>> & { readonly raw?: number };
}

// ---------------------------------------------------------------------------------------------
// otadata

/** ESP-IDF's esp_ota_img_states_t names; 'unknown' for any other value (the bootloader accepts it, as 'undefined'). */
export type OtaStateName = 'new' | 'pending_verify' | 'valid' | 'invalid' | 'aborted' | 'undefined' | 'unknown';

export interface OtaSelectEntry {
  /** Which copy: 0 (at +0) or 1 (at +0x1000). */
  readonly copy: 0 | 1;
  readonly offset: number;
  readonly seq: number;
  readonly seqLabel: Uint8Array;
  readonly state: number;
  readonly stateName: OtaStateName;
  readonly crc: number;
  readonly computedCrc: number;
  readonly crcValid: boolean;
  /** True if the bootloader would consider this copy (crc ok, seq set, state not invalid/aborted). */
  readonly valid: boolean;
  /** Why the copy is not valid, when it is not. */
  readonly invalidReason?: string;
}

export interface OtaData {
  readonly copies: readonly [OtaSelectEntry, OtaSelectEntry];
  /** The copy the bootloader would use (highest valid seq), if any. */
  readonly active?: OtaSelectEntry;
}

export interface BootSelection {
  /** The app partition the 2nd-stage bootloader would boot; undefined when there is none. */
  readonly entry?: PartitionEntry;
  readonly reason: string;
  readonly otadata?: OtaData;
}

// ---------------------------------------------------------------------------------------------
// MCUboot

export interface McubootHeader {
  readonly magic: number;
  readonly loadAddress: number;
  readonly headerSize: number;
  readonly protectedTlvSize: number;
  readonly imageSize: number;
  readonly flags: number;
  readonly version: { readonly major: number; readonly minor: number; readonly revision: number; readonly build: number };
}

/** One TLV entry after an MCUboot image: {type u16, length u16, value}. */
export interface McubootTlv {
  /** Offset of the entry's 4-byte header in the image. */
  readonly offset: number;
  readonly type: number;
  /** MCUboot's name (image.h without IMAGE_TLV_), 'VENDOR' in the vendor-reserved xxA0..xxFF, else 'UNKNOWN'. */
  readonly name: string;
  readonly length: number;
  /** In the protected area (0x6908), which the image hash covers. */
  readonly protected: boolean;
  readonly value: Uint8Array;
}

/** A hash TLV checked against the bytes it covers: header, image and protected TLV area. */
export interface McubootHashCheck {
  readonly algorithm: 'SHA256' | 'SHA384' | 'SHA512';
  /** Offset of the hash TLV's header. */
  readonly tlvOffset: number;
  /** Bytes 0..coveredLength were hashed. */
  readonly coveredLength: number;
  readonly stored: Uint8Array;
  readonly computed: Uint8Array;
  readonly valid: boolean;
}

/** A signature TLV, named; never verified (no key is given). */
export interface McubootSignature {
  readonly tlvOffset: number;
  readonly type: number;
  /** 'ECDSA P-256', 'RSA-2048 PSS', 'Ed25519', … */
  readonly kind: string;
}

/** image_ok / copy_done in the trailer: 0x01 set, 0xFF unset (erased), anything else bad (MCUboot reads it as not set). */
export interface McubootTrailerFlag {
  readonly offset: number;
  readonly value: number;
  readonly state: 'set' | 'unset' | 'bad';
}

/**
 * The image trailer at the end of a slot (MCUboot's design doc): boot magic in the last 16 bytes,
 * then backwards, each in a max-align-sized field, image_ok, copy_done, swap info, swap size.
 */
export interface McubootTrailer {
  /** Offset of the last 16 bytes, where the boot magic is. */
  readonly magicOffset: number;
  /** 'good': one of MCUboot's two boot magics; 'erased': all 0xFF; 'none': anything else (not a padded slot). */
  readonly magic: 'good' | 'erased' | 'none';
  /** The max write alignment the magic encodes (8, 16 or 32); null when the layout is not decided. */
  readonly maxAlign: number | null;
  /** Why the field layout is not decided; null when it is. */
  readonly undecided: string | null;
  readonly imageOk: McubootTrailerFlag | null;
  readonly copyDone: McubootTrailerFlag | null;
  /** Swap type (low 4 bits: 2 test, 3 perm, 4 revert) and image number (high 4 bits); 0xFF unset. */
  readonly swapInfo: { readonly offset: number; readonly value: number } | null;
  /** Swap size (u32); 0xFFFFFFFF unset. */
  readonly swapSize: { readonly offset: number; readonly value: number } | null;
}

/** What an MCUboot image holds: header, TLVs, hash verdicts, signatures, trailer and findings. */
export interface McubootImage {
  readonly header: McubootHeader;
  /** The TLV entries in file order (protected area first); as far as they could be read. */
  readonly tlvs: readonly McubootTlv[];
  /** Offset just past the TLV areas; null when they could not be read whole. */
  readonly tlvEnd: number | null;
  /** The hash TLVs checked; null when not asked for (or the TLV areas are unreadable). */
  readonly hashChecks: readonly McubootHashCheck[] | null;
  readonly signatures: readonly McubootSignature[];
  /** Null when the file ends with the TLV areas (not padded to a slot) or they are unreadable. */
  readonly trailer: McubootTrailer | null;
  readonly findings: readonly Finding[];
}

// ---------------------------------------------------------------------------------------------
// ELF

export interface ElfProgramHeader {
  readonly index: number;
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly fileSize: number;
  readonly memSize: number;
  readonly flags: number;
  readonly align: number;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* (low nibble of st_info). */
  readonly type: number;
  /** STB_* (high nibble of st_info). */
  readonly bind: number;
  readonly sectionIndex: number;
}

export interface ElfFile {
  readonly bytes: Uint8Array;
  /** ET_* */
  readonly type: number;
  /** EM_*: 0xF3 RISC-V, 0x5E Xtensa. */
  readonly machine: number;
  readonly entry: number;
  readonly flags: number;
  readonly programHeaders: readonly ElfProgramHeader[];
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
}

export interface Elf2ImageOptions {
  /** Default: the chip's largest page; on chips with several, the app descriptor's choice as esptool makes it (defaultMmuPage). */
  readonly mmuPageSize?: number;
  readonly spiMode?: number | SpiModeName;
  readonly spiSpeed?: number;
  readonly flashSizeCode?: number;
  /** Default true. */
  readonly appendSha256?: boolean;
  readonly minChipRevFull?: number;
  /** Default 0xFFFF, no limit (as esptool writes it; 0 would tell esptool the header has no full revision fields). */
  readonly maxChipRevFull?: number;
  /** Take program headers (default) or allocated sections as the source of segments. */
  readonly source?: 'segments' | 'sections';
  /**
   * Write the SHA-256 of the ELF file into app_elf_sha256 of the app descriptor: true (refused
   * when the image has no descriptor), false, or 'auto' (default; where the flash-mapped read-only
   * data starts with a descriptor, as esptool elf2image does).
   */
  readonly elfSha256InAppDesc?: boolean | 'auto';
  /**
   * A Simple Boot image (esptool elf2image --ram-only-header, for Zephyr/NuttX without the
   * ESP-IDF bootloader): the header counts only the RAM segments; the flash segments follow the
   * checksum, each behind a padding segment, aligned for the chip's bootloader offset. No SHA-256
   * (appendSha256 true is refused). Default false.
   */
  readonly ramOnlyHeader?: boolean;
  /**
   * Pad the finished file (after the checksum and the SHA-256) with 0xFF bytes to a multiple of
   * this many bytes (esptool elf2image --pad-to-size), e.g. to fill a partition or a flash
   * sector; the padding is outside the checksum and the SHA-256. A whole number above 0.
   */
  readonly padToSize?: number;
  /**
   * Pad for Secure Boot signing (esptool elf2image --secure-pad / --secure-pad-v2): a zero padding
   * segment (load address 0) after the last segment, before the checksum, so that once signed
   * everything the app maps is covered. 'v2': the image with its SHA-256 ends on an MMU page
   * boundary, where signing puts the signature sector. 'v1' (ESP32 only): the image with its
   * SHA-256 and the 80 bytes signing appends (version word, signature, alignment) ends on one.
   * Refused without the appended SHA-256 and with ramOnlyHeader.
   */
  readonly securePad?: 'v1' | 'v2';
  /**
   * Write the ELF file's SHA-256 at this file offset of the image instead of into the app
   * descriptor (esptool elf2image --elf-sha256-offset). The 32 bytes must lie inside one
   * segment's data and be zeros there; they count in the checksum. Not with ramOnlyHeader, nor
   * with elfSha256InAppDesc true or false.
   */
  readonly elfSha256Offset?: number;
}

// ---------------------------------------------------------------------------------------------
// merge

export interface FlashPart {
  readonly offset: number;
  readonly data: Uint8Array;
  /** Name used in error messages. */
  readonly name?: string;
}

export interface MergeOptions {
  /** Flash offset of output byte 0 (e.g. chip.bootloaderOffset); default 0. */
  readonly baseOffset?: number;
  /** Output size in bytes; default: end of the last part. */
  readonly size?: number;
  /** Fill byte for gaps; default 0xFF. */
  readonly fill?: number;
}
