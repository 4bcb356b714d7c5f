/*
 * Flash sessions and the ROM flash calls.
 *
 * State the stub changes and gives back at flash_end():
 *  - SPI1: ADDR, CTRL, CTRL1, CTRL2, CLOCK, USER, USER1, USER2, MOSI_DLEN, MISO_DLEN, RD_STATUS,
 *    MISC, TIMING_CALI, W0-W15 (saved at begin, restored at end);
 *  - the ICache: suspended with Cache_Suspend_ICache while flash is accessed (only if it was
 *    enabled) and resumed with the autoload state it had; after a write or erase the whole ICache
 *    is invalidated, so the application never executes stale lines;
 *  - the ROM's g_rom_flashchip record: chip_size is raised for the session when the request lies
 *    beyond it and the JEDEC id says the flash is that large, then put back as it was;
 *  - the SPI1 extra dummy: TIMING_CALI's enable and extra-dummy bits and the ROM's
 *    dummy_len_plus[1] are cleared for the session (after the JEDEC id was read with the state as
 *    found) and restored at the end.
 * The MMU table is never touched: all reads go through SPI1, not the cache.
 * Writes and erases call esp_rom_spiflash_unlock, which clears the flash's block-protect bits.
 */
#include "flash.h"

#define EXTMEM_ICACHE_CTRL 0x600C4000u
#define ICACHE_ENABLE 1u
#define DRAM_LOW 0x3FC80000u
#define DRAM_HIGH 0x3FCE0000u

rom_legacy_data_t *rom_legacy_data(void)
{
  u32 p = REG32(ROM_LEGACY_DATA_PTR);
  if (p < DRAM_LOW || p + sizeof(rom_legacy_data_t) > DRAM_HIGH || !IS_ALIGNED(p, 4)) return 0;
  return (rom_legacy_data_t *)p;
}

int flash_check_range(u32 addr, u32 len, u32 align)
{
  if (!IS_ALIGNED(addr, align) || !IS_ALIGNED(len, align)) return STUB_E_BAD_ARGUMENT;
  if (addr > ROM_ADDRESS_LIMIT || len > ROM_ADDRESS_LIMIT - addr) return STUB_E_BEYOND_16MB;
  return STUB_OK;
}

/* The JEDEC id with the SPI1 state as found; sets detected_size. */
static int detect_size(struct flash_session *s)
{
  struct jedec_report *r = &s->jedec;
  spi1_read_jedec(s->rom, r);
  s->jedec_done = 1;
  if (!r->clean_ok || !jedec_id_plausible(r->clean_id)) {
    log_kv("jedec unreadable naive", r->naive_id);
    log_kv("clean", r->clean_id);
    return STUB_E_FLASH_ID;
  }
  s->detected_size = flash_size_from_capacity(r->clean_id >> 16);
  if (s->detected_size == 0) {
    log_kv("unknown capacity id", r->clean_id);
    return STUB_E_UNKNOWN_FLASH_SIZE;
  }
  return STUB_OK;
}

int flash_begin(struct flash_session *s, u32 end, int detect, int for_write)
{
  memset(s, 0, sizeof(*s));
  if (REG32(EXTMEM_ICACHE_CTRL) & ICACHE_ENABLE) {
    s->cache_autoload = Cache_Suspend_ICache();
    s->cache_suspended = 1;
  }
  spi1_save(&s->spi1);
  s->begun = 1;
  s->rom = rom_legacy_data();
  if (!s->rom) {
    if (detect) detect_size(s);
    log_kv("rom data pointer invalid", REG32(ROM_LEGACY_DATA_PTR));
    return STUB_E_ROM_DATA;
  }
  s->saved_chip = s->rom->chip;
  s->saved_rom_dummy = s->rom->dummy_len_plus[1];

  int rc = STUB_OK;
  if (detect || end > s->saved_chip.chip_size) rc = detect_size(s);

  /* The ROM adds dummy_len_plus[1] to every read and the controller adds the TIMING_CALI extra
   * dummy to every SPI1 transaction; ESP32-C3 IDF uses neither, and left-overs shift the data. */
  SPI1_REG(SPI_TIMING_CALI) &= ~(TIMING_CALI_ON | TIMING_CALI_EXTRA_MASK);
  s->rom->dummy_len_plus[1] = 0;

  if (end > s->saved_chip.chip_size) {
    if (rc != STUB_OK) return rc;
    if (end > s->detected_size) {
      log_kv("end", end);
      log_kv("beyond flash size", s->detected_size);
      return STUB_E_OUT_OF_RANGE;
    }
  }
  u32 usable = s->detected_size < ROM_ADDRESS_LIMIT ? s->detected_size : ROM_ADDRESS_LIMIT;
  if (usable > s->saved_chip.chip_size) {
    const rom_flashchip_t *c = &s->saved_chip;
    esp_rom_spiflash_config_param(c->device_id, usable, c->block_size ? c->block_size : BLOCK_SIZE,
                                  c->sector_size ? c->sector_size : SECTOR_SIZE, c->page_size ? c->page_size : PAGE_SIZE,
                                  c->status_mask ? c->status_mask : 0xFFFFu);
    s->chip_changed = 1;
  }
  if (for_write) {
    if (esp_rom_spiflash_unlock() != ROM_SPIFLASH_OK) return STUB_E_ROM_UNLOCK;
    s->unlocked = 1;
  }
  return STUB_OK;
}

void flash_end(struct flash_session *s)
{
  if (!s->begun) return;
  if (s->rom) {
    if (s->chip_changed) {
      const rom_flashchip_t *c = &s->saved_chip;
      esp_rom_spiflash_config_param(c->device_id, c->chip_size, c->block_size, c->sector_size, c->page_size, c->status_mask);
      s->rom->chip = *c; /* exactly as found, whatever config_param normalises */
    }
    s->rom->dummy_len_plus[1] = s->saved_rom_dummy;
  }
  spi1_restore(&s->spi1);
  if (s->cache_suspended) {
    Cache_Resume_ICache(s->cache_autoload);
    if (s->modified) Cache_Invalidate_ICache_All();
  }
}

int flash_read(struct flash_session *s, u32 addr, void *dest, u32 len)
{
  (void)s;
  if (len == 0) return STUB_OK;
  if (esp_rom_spiflash_read(addr, (u32 *)dest, (s32)len) != ROM_SPIFLASH_OK) {
    log_kv("rom read failed at", addr);
    return STUB_E_ROM_READ;
  }
  return STUB_OK;
}

int flash_write(struct flash_session *s, u32 addr, const void *src, u32 len)
{
  if (len == 0) return STUB_OK;
  s->modified = 1;
  if (esp_rom_spiflash_write(addr, (const u32 *)src, (s32)len) != ROM_SPIFLASH_OK) {
    log_kv("rom write failed at", addr);
    return STUB_E_ROM_WRITE;
  }
  return STUB_OK;
}

int flash_erase(struct flash_session *s, u32 addr, u32 len)
{
  u32 end = addr + len;
  while (addr < end) {
    int rc;
    u32 step;
    s->modified = 1;
    if (IS_ALIGNED(addr, BLOCK_SIZE) && end - addr >= BLOCK_SIZE) {
      rc = esp_rom_spiflash_erase_block(addr / BLOCK_SIZE);
      step = BLOCK_SIZE;
    } else {
      rc = esp_rom_spiflash_erase_sector(addr / SECTOR_SIZE);
      step = SECTOR_SIZE;
    }
    if (rc != ROM_SPIFLASH_OK) {
      log_kv("rom erase failed at", addr);
      log_kv("size", step);
      return STUB_E_ROM_ERASE;
    }
    addr += step;
  }
  return STUB_OK;
}

int flash_put(void *ctx, u32 offset, const u8 *data, u32 len)
{
  struct flash_put_target *t = ctx;
  if (t->writes) *t->writes = *t->writes + 1;
  return flash_write(t->session, t->base + offset, data, len);
}

int flash_inflate_result(struct inflate_sink *sink, int ir)
{
  if (ir == INFLATE_OK && sink->total != sink->limit) ir = INFLATE_E_TOO_MUCH;
  if (ir == INFLATE_OK) ir = inflate_finish(sink);
  if (ir == INFLATE_OK) return STUB_OK;
  log_kv("inflate", (u32)ir);
  log_kv("produced", sink->total);
  log_kv("expected", sink->limit);
  if (ir == INFLATE_E_SINK) return sink->sink_error;
  return ir == INFLATE_E_TOO_MUCH ? STUB_E_SIZE_MISMATCH : STUB_E_INFLATE;
}
