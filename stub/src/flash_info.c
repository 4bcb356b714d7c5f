/* FLASH_INFO: the JEDEC id read twice (as found / cleaned), the SPI1 state found, the size. */
#include "flash.h"

/* Result layout (all u32, little-endian); mirrored in src/flash/stub-protocol.ts. */
struct flash_info_result {
  u32 struct_size;        /*  0 */
  u32 flags;              /*  4 FLASH_INFO_* */
  u32 naive_id;           /*  8 W0 & 0xFFFFFF as read with the state found; byte 0 = manufacturer */
  u32 clean_id;           /* 12 the same after clearing extra dummy and user phases */
  u32 found_user;         /* 16 SPI1 USER */
  u32 found_user1;        /* 20 SPI1 USER1 */
  u32 found_user2;        /* 24 SPI1 USER2 */
  u32 found_ctrl;         /* 28 SPI1 CTRL */
  u32 found_timing_cali;  /* 32 SPI1 TIMING_CALI */
  u32 found_dummy_plus1;  /* 36 ROM dummy_len_plus[1]; 0xFFFFFFFF if the ROM data is unavailable */
  u32 cleared;            /* 40 JEDEC_CLEARED_* bits */
  u32 naive_dummy;        /* 44 extra dummy cycles the naive read added */
  u32 capacity;           /* 48 capacity byte of the clean id */
  u32 size;               /* 52 size from the clean id; 0 = unknown */
  u32 naive_size;         /* 56 size the naive id would give */
  u32 rom_chip_size;      /* 60 g_rom_flashchip.chip_size; 0xFFFFFFFF if unavailable */
  u32 rom_device_id;      /* 64 g_rom_flashchip.device_id */
  u32 rom_data_ptr;       /* 68 the word at 0x3FCDFFF0 */
  u32 busy_polls;         /* 72 RDSR polls before the flash was idle; 200000 = it never was */
};

_Static_assert(sizeof(struct flash_info_result) == 76, "FLASH_INFO_RESULT_SIZE in stub-protocol.ts");

#define FLASH_INFO_ROM_DATA (1u << 0)
#define FLASH_INFO_NAIVE_PLAUSIBLE (1u << 1)
#define FLASH_INFO_CLEAN_PLAUSIBLE (1u << 2)
#define FLASH_INFO_IDS_DIFFER (1u << 3)
#define FLASH_INFO_CACHE_SUSPENDED (1u << 4)
#define FLASH_INFO_NAIVE_TIMEOUT (1u << 5)
#define FLASH_INFO_CLEAN_TIMEOUT (1u << 6)

int cmd_flash_info(u32 result_addr)
{
  if (!result_addr || !IS_ALIGNED(result_addr, 4)) return STUB_E_BAD_ARGUMENT;
  struct flash_info_result *out = (struct flash_info_result *)result_addr;
  memset(out, 0, sizeof(*out));
  out->struct_size = sizeof(*out);
  out->rom_data_ptr = REG32(ROM_LEGACY_DATA_PTR);
  out->found_dummy_plus1 = 0xFFFFFFFFu;
  out->rom_chip_size = 0xFFFFFFFFu;

  struct flash_session s;
  int rc = flash_begin(&s, 0, 1, 0);
  if (s.jedec_done) {
    /* The id read needs no ROM data; without it there is just no dummy_len_plus to report. */
    const struct jedec_report *r = &s.jedec;
    if (s.rom) out->flags = FLASH_INFO_ROM_DATA;
    if (jedec_id_plausible(r->naive_id)) out->flags |= FLASH_INFO_NAIVE_PLAUSIBLE;
    if (jedec_id_plausible(r->clean_id)) out->flags |= FLASH_INFO_CLEAN_PLAUSIBLE;
    if (r->naive_id != r->clean_id) out->flags |= FLASH_INFO_IDS_DIFFER;
    if (s.cache_suspended) out->flags |= FLASH_INFO_CACHE_SUSPENDED;
    if (!r->naive_ok) out->flags |= FLASH_INFO_NAIVE_TIMEOUT;
    if (!r->clean_ok) out->flags |= FLASH_INFO_CLEAN_TIMEOUT;
    out->naive_id = r->naive_id;
    out->clean_id = r->clean_id;
    out->found_user = r->found_user;
    out->found_user1 = r->found_user1;
    out->found_user2 = r->found_user2;
    out->found_ctrl = r->found_ctrl;
    out->found_timing_cali = r->found_timing_cali;
    out->found_dummy_plus1 = r->found_dummy_plus1;
    out->cleared = r->cleared;
    out->naive_dummy = r->naive_dummy;
    out->busy_polls = r->busy_polls;
    out->capacity = (r->clean_id >> 16) & 0xFFu;
    out->size = flash_size_from_capacity(out->capacity);
    out->naive_size = flash_size_from_capacity(r->naive_id >> 16);
    if (s.rom) {
      out->rom_chip_size = s.saved_chip.chip_size;
      out->rom_device_id = s.saved_chip.device_id;
    }
    log_kv("naive", r->naive_id);
    log_kv("clean", r->clean_id);
    log_kv("cleared", r->cleared);
    log_kv("size", out->size);
    log_nl();
    /* Without ROM data the id and size are still good: FLASH_INFO needs no ROM function. */
    if (rc == STUB_E_ROM_DATA) rc = STUB_OK;
    if (rc == STUB_OK) {
      if (!r->clean_ok || !jedec_id_plausible(r->clean_id)) rc = STUB_E_FLASH_ID;
      else if (out->size == 0) rc = STUB_E_UNKNOWN_FLASH_SIZE;
    }
  }
  flash_end(&s);
  return rc;
}
