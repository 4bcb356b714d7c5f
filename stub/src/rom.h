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

#endif
