/* Flash access through the ROM's legacy SPI-flash API, wrapped in a session that keeps the
 * application's state intact. */
#ifndef ESPALGO_FLASH_H
#define ESPALGO_FLASH_H

#include "spi1.h"

struct flash_session {
  rom_legacy_data_t *rom;
  struct spi1_state spi1;
  rom_flashchip_t saved_chip;
  u32 cache_autoload;
  u8 cache_suspended;
  u8 chip_changed;
  u8 modified;        /* flash was written or erased: the ICache is invalidated at the end */
  u8 unlocked;
  u8 begun;
  u32 detected_size;  /* from the JEDEC id; 0 when not detected or unknown */
  u32 detected_id;
};

/* The ROM data record, or NULL when the pointer at 0x3FCDFFF0 is not a DRAM address
 * (the ROM has not initialised its data yet). */
rom_legacy_data_t *rom_legacy_data(void);

/* Flash size for a JEDEC capacity byte (our table, whole JEDEC range); 0 = unknown. */
u32 flash_size_from_capacity(u32 capacity);

/*
 * Begin a session for flash bytes [0, end): suspend the ICache if it runs, save SPI1, and when
 * end lies beyond the ROM's chip_size, detect the real size from the JEDEC id and raise chip_size
 * for the session. detect != 0 detects the size in any case. for_write unlocks the flash.
 * Call flash_end() whatever flash_begin() returned. With STUB_E_ROM_DATA the cache is suspended
 * and SPI1 saved (s->rom is NULL), so SPI1 transactions of our own are still possible.
 */
int flash_begin(struct flash_session *s, u32 end, int detect, int for_write);
void flash_end(struct flash_session *s);

/* ROM wrappers returning STUB_OK or STUB_E_ROM_*; addresses, lengths, buffers 4-aligned. */
int flash_read(struct flash_session *s, u32 addr, void *dest, u32 len);
int flash_write(struct flash_session *s, u32 addr, const void *src, u32 len);
/* Erase [addr, addr+len), both 4 KiB aligned: sectors up to a 64 KiB boundary, blocks, sectors. */
int flash_erase(struct flash_session *s, u32 addr, u32 len);

/* Checks for a byte range request: alignment of addr/len, end within the 3-byte ROM limit. */
int flash_check_range(u32 addr, u32 len, u32 align);

#endif
