/*
 * ESP32-C3 ROM functions and data the stub uses. The addresses are jump-table slots valid for
 * every C3 ROM revision; they are bound in stub/esp32c3/rom.ld.
 */
#ifndef ESPALGO_ROM_H
#define ESPALGO_ROM_H

#include "stub.h"

/* Legacy SPI-flash API. Results: 0 OK, 1 error, 2 timeout. */
#define ROM_SPIFLASH_OK 0

typedef struct {
  u32 device_id;   /* JEDEC id as 0x00MMTTCC */
  u32 chip_size;   /* bytes */
  u32 block_size;
  u32 sector_size;
  u32 page_size;
  u32 status_mask;
} rom_flashchip_t;

/* What the pointer at ROM_LEGACY_DATA_PTR points to (28 bytes). */
typedef struct {
  rom_flashchip_t chip;
  u8 dummy_len_plus[3]; /* extra dummy cycles per SPI bus: [0] SPI0, [1] SPI1 */
  u8 sig_matrix;
} rom_legacy_data_t;

#define ROM_LEGACY_DATA_PTR 0x3FCDFFF0u

int esp_rom_spiflash_erase_block(u32 block_num);
int esp_rom_spiflash_erase_sector(u32 sector_num);
int esp_rom_spiflash_write(u32 dest_addr, const u32 *src, s32 len);
int esp_rom_spiflash_read(u32 src_addr, u32 *dest, s32 len);
int esp_rom_spiflash_config_param(u32 device_id, u32 chip_size, u32 block_size, u32 sector_size, u32 page_size,
                                  u32 status_mask);
int esp_rom_spiflash_unlock(void);

u32 Cache_Suspend_ICache(void);
void Cache_Resume_ICache(u32 autoload);
void Cache_Invalidate_ICache_All(void);

/* miniz v1.15 in ROM: tinfl_decompress. The decompressor's state is ~11 KB; tinfl_init is
 * storing 0 in m_state. Output buffer without TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF: a power
 * of two in size, wrapping, also the dictionary. */
#define TINFL_FLAG_HAS_MORE_INPUT 2u
#define TINFL_STATUS_FAILED (-1)
#define TINFL_STATUS_DONE 0
#define TINFL_STATUS_NEEDS_MORE_INPUT 1
#define TINFL_STATUS_HAS_MORE_OUTPUT 2
#define TINFL_DECOMPRESSOR_SIZE 10992u

typedef struct {
  u32 m_state;
  u8 rest[TINFL_DECOMPRESSOR_SIZE - 4];
} tinfl_decompressor;

int tinfl_decompress(tinfl_decompressor *r, const u8 *in_next, size_t *in_size, u8 *out_start, u8 *out_next,
                     size_t *out_size, u32 flags);

#endif
