/* Flash access through the ROM's legacy SPI-flash API, wrapped in a session that keeps the
 * application's state intact. */
#ifndef ESPALGO_FLASH_H
#define ESPALGO_FLASH_H

#include "flash_size.h"
#include "inflate.h"
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
  u8 saved_rom_dummy; /* dummy_len_plus[1] as found */
  u8 jedec_done;      /* jedec holds a report */
  struct jedec_report jedec;
  u32 detected_size;  /* from the clean JEDEC id; 0 when not detected or unknown */
};

/* The ROM data record, or NULL when the pointer at 0x3FCDFFF0 is not a DRAM address
 * (the ROM has not initialised its data yet). */
rom_legacy_data_t *rom_legacy_data(void);

/*
 * Begin a session for flash bytes [0, end): suspend the ICache if it runs, save SPI1, read the
 * JEDEC id when asked (detect) or when end lies beyond the ROM's chip_size (then chip_size is
 * raised for the session if the id says the flash is that large), clear the SPI1 extra dummy
 * (TIMING_CALI, dummy_len_plus[1]) for the ROM calls, and unlock the flash for writes.
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

/* An inflate_sink's put(): programs at `base` + offset; counts calls in *writes when set. */
struct flash_put_target {
  struct flash_session *session;
  u32 base;
  volatile u32 *writes;
};
int flash_put(void *ctx, u32 offset, const u8 *data, u32 len);
/* After an inflater stopped with `ir` (INFLATE_OK: its final block ended): check that exactly
 * sink->limit bytes came out, hand the last piece to the sink, and give STUB_OK or the STUB_E_*
 * code (logged with what was produced). */
int flash_inflate_result(struct inflate_sink *sink, int ir);

/* Checks for a byte range request: alignment of addr/len, end within the 3-byte ROM limit. */
int flash_check_range(u32 addr, u32 len, u32 align);

#endif
