/** Firmware image toolkit: ESP images, descriptors, partition tables, otadata, MCUboot, ELF, merge. */
export type * from './types.js';
export { ImageFormatError, isImageFormatError, type ImageErrorCode, type ImageFormatErrorDetails } from './errors.js';
export {
  readU8, readU16, readU32, writeU8, writeU16, writeU32, readCString, writeCString, slice, requireBytes,
  concatBytes, bytesEqual, toHex,
} from './bytes.js';
export { sha256, sha384, sha512, md5, crc32, romCrc32Le } from './hash.js';
export {
  IMAGE_MAGIC, IMAGE_HEADER_SIZE, SEGMENT_HEADER_SIZE, MAX_SEGMENTS, WP_PIN_DISABLED,
  parseImageHeader, writeImageHeader, looksLikeEsp8266, spiModeName, spiModeCode, flashSizeFromCode,
  flashSizeToCode, describeSpiSpeed, spiSpeedCode, spiSpeedLabels, chipOfHeader, describeChipId,
  formatChipRevision, maxChipRevisionSet, parseChipRevision,
} from './image-header.js';
export { classifyAddress, isFlashKind, isFlashMapped } from './segment-kind.js';
export { parseImage, assertImageValid, segmentData, checksumOffset, xorChecksum, CHECKSUM_SEED } from './image.js';
export { buildImage } from './image-build.js';
export { findSignature, SBV1_SIGNATURE_LENGTH, SBV2_BLOCK_SIZE, SBV2_MAGIC } from './signature.js';
export {
  APP_DESC_MAGIC, APP_DESC_SIZE, parseAppDescriptor, buildAppDescriptor, hasAppDescriptor, type AppDescriptorInput,
} from './app-desc.js';
export {
  BOOTLOADER_DESC_MAGIC, BOOTLOADER_DESC_SIZE, parseBootloaderDescriptor, buildBootloaderDescriptor,
  hasBootloaderDescriptor, type BootloaderDescriptorInput,
} from './bootloader-desc.js';
export {
  PARTITION_MAGIC, PARTITION_MD5_MAGIC, PARTITION_ENTRY_SIZE, PARTITION_TABLE_MAX_LENGTH, PARTITION_MAX_ENTRIES,
  FLAG_ENCRYPTED, FLAG_READONLY, parsePartitionTable, buildPartitionTable, decodePartitionEntry, partitionEntryFromInput,
  hasPartitionMagic, firstAppEntryOffset,
  type ParsePartitionTableOptions, type BuildPartitionTableOptions,
} from './partition-table.js';
export { validatePartitions, APP_ALIGN, DATA_ALIGN, type ValidateOptions } from './partition-validate.js';
export {
  PARTITION_TYPES, APP_SUBTYPES, DATA_SUBTYPES, BOOTLOADER_SUBTYPES, PARTITION_TABLE_SUBTYPES,
  partitionTypeName, partitionSubtypeName, partitionTypeFromName, partitionSubtypeFromName,
} from './partition-names.js';
export {
  parsePartitionCsv, partitionTableToCsv, parseCsvInt, formatCsvSize, type ParsePartitionCsvOptions, type PartitionCsv,
} from './partition-csv.js';
export {
  OTA_STATE, OTA_SELECT_ENTRY_SIZE, OTADATA_SECOND_COPY, OTADATA_SIZE, otaStateName, otaSeqCrc, otaSlotOfSeq, parseOtadata,
  buildOtadata, selectBootApp, type OtadataSpec,
} from './otadata.js';
export {
  MCUBOOT_MAGIC, MCUBOOT_HEADER_SIZE, MCUBOOT_ESP_LOAD_HEADER_MAGIC, MCUBOOT_F_ENCRYPTED, isMcubootImage, mcubootFindings, parseMcubootHeader, parseMcubootImage, buildMcubootHeader,
  decodeMcubootLoadHeader, mcubootLoadHeader, mcubootLoadHeaderOffset, readMcubootLoadHeader, MCUBOOT_ESP_LOAD_HEADER_SIZE, type McubootLoadHeaderReading, type ParseMcubootImageOptions,
} from './mcuboot.js';
export {
  MCUBOOT_TLV_INFO_MAGIC, MCUBOOT_TLV_PROT_INFO_MAGIC, MCUBOOT_TLV_NAMES, mcubootTlvName, isMcubootHashTlv, checkMcubootHash, mcubootSignatures,
} from './mcuboot-tlv.js';
export { MCUBOOT_BOOT_MAGIC, MCUBOOT_BOOT_MAGIC_ALIGNED_TAIL, readMcubootTrailer } from './mcuboot-trailer.js';
export { mergeFlash } from './merge.js';
export { mergedLayoutFindings } from './merge-check.js';
export { DIRECT_BOOT_MAGIC, DIRECT_BOOT_ENTRY_OFFSET, isDirectBootImage, directBootMappings, describeDirectBoot, directBootAppNote, type DirectBootMapping, type DirectBootPlan } from './direct-boot.js';
export {
  parseElf, isElfFile, findSymbol, symbolMap, findSection, elfSectionData, elfSegmentData,
  PT_LOAD, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS, SHT_DYNSYM, SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR,
  PF_X, PF_W, PF_R, EM_XTENSA, EM_RISCV, ET_EXEC, EF_RISCV_RVC, STB_GLOBAL, STT_FUNC,
} from './elf.js';
export { writeElf, type ElfWriteSpec, type ElfWriteSection, type ElfWriteSymbol } from './elf-write.js';
export {
  findSimpleBootSegments, simpleBootPaddingLength, type SimpleBootFlashSegment, type SimpleBootLayout, type SimpleBootOptions,
} from './simple-boot.js';
export { defaultMmuPage, elf2image, elfLoadablePieces, type ElfLoadablePiece, type Elf2ImageGroup } from './elf2image.js';
export * from './flash-map/index.js';
export * from './examples/index.js';
