/* Flash size from the JEDEC capacity byte: our own table over the whole JEDEC range.
 * Pure; also compiled for the host in the stub's tests (compared with src/flash/stub-protocol.ts). */
#include "flash_size.h"

u32 flash_size_from_capacity(u32 capacity)
{
  capacity &= 0xFFu;
  /* Most vendors: 2^capacity bytes, 0x10 (64 KiB) .. 0x1C (256 MiB). */
  if (capacity >= 0x10 && capacity <= 0x1C) return 1u << capacity;
  /* Micron/ISSI continue after 0x19 with 0x20 = 64 MiB, 0x21 = 128 MiB, 0x22 = 256 MiB. */
  if (capacity >= 0x20 && capacity <= 0x22) return 0x4000000u << (capacity - 0x20);
  /* MXIC 1.8 V and octal parts: 0x32 = 256 KiB .. 0x39 = 32 MiB .. 0x3C = 256 MiB. */
  if (capacity >= 0x32 && capacity <= 0x3C) return 1u << (capacity - 0x20);
  return 0;
}
