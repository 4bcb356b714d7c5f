/** Where the bootloader's flash ends: its image, and a Secure Boot signature after it when it is signed. */
import type { BootloaderInfo } from './types.js';

export function bootloaderFlashEnd(bl: BootloaderInfo): number {
  return bl.signature ? bl.signature.flashOffset + bl.signature.length : bl.flashOffset + bl.length;
}
