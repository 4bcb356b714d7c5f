/*
 * ESP-IDF-style application descriptor (esp_app_desc_t, 256 bytes). The linker script puts
 * .rodata_desc first in DROM, so it sits at image offset 0x20 like in an ESP-IDF app.
 * Date and time are fixed strings so that the build is reproducible.
 */
#include "demo.h"

#ifndef DEMO_VERSION
#define DEMO_VERSION "1.0.0"
#endif

struct demo_app_desc {
  uint32_t magic_word;
  uint32_t secure_version;
  uint32_t reserv1[2];
  char version[32];
  char project_name[32];
  char time[16];
  char date[16];
  char idf_ver[32];
  uint8_t app_elf_sha256[32];
  uint16_t min_efuse_blk_rev_full;
  uint16_t max_efuse_blk_rev_full;
  uint8_t mmu_page_size;
  uint8_t reserv3[3];
  uint32_t reserv2[18];
};

_Static_assert(sizeof(struct demo_app_desc) == 256, "esp_app_desc_t is 256 bytes");

__attribute__((section(".rodata_desc"), used, aligned(16)))
const struct demo_app_desc esp_app_desc = {
  .magic_word = 0xABCD5432u,
  .secure_version = 0,
  .version = DEMO_VERSION,
  .project_name = "espalgo-demo",
  .time = "00:00:00",
  .date = "Jan  1 2025",
  .idf_ver = "espalgo-demo-1",
  .min_efuse_blk_rev_full = 0,
  .max_efuse_blk_rev_full = 99,
  .mmu_page_size = 16, /* log2(64 KiB) */
};
