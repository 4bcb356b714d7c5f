/** Firmware image toolkit: ESP images, descriptors, partition tables, otadata, MCUboot, ELF, merge. */
export type * from './types.js';
export { ImageFormatError, isImageFormatError, type ImageErrorCode, type ImageFormatErrorDetails } from './errors.js';
export {
  readU8, readU16, readU32, writeU8, writeU16, writeU32, readCString, writeCString, slice, requireBytes,
  concatBytes, bytesEqual, toHex,
} from './bytes.js';
export { sha256, md5, crc32, romCrc32Le } from './hash.js';
export {
  IMAGE_MAGIC, IMAGE_HEADER_SIZE, SEGMENT_HEADER_SIZE, MAX_SEGMENTS, WP_PIN_DISABLED,
  parseImageHeader, writeImageHeader, looksLikeEsp8266, spiModeName, spiModeCode, flashSizeFromCode,
  flashSizeToCode, describeSpiSpeed, spiSpeedCode, chipOfHeader, describeChipId,
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
