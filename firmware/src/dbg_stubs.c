/*
 * ESP-IDF-style debug-stubs table (the layout Espressif's OpenOCD reads) and its publication.
 *
 * s_dbg_stubs: word 0 magic 0xFEEDBEEF, word 1 table size (5 words), word 2 address of the
 * control block, word 3 (ENTRY_FIRST) demo_onboard_sum, word 4 capabilities (0).
 * The table is announced with semihosting call 0x102 only when a debugger has set
 * demo_publish_dbg_stubs to 1: without a debugger that catches ebreak the call would trap.
 */
#include "demo.h"

#define DBG_STUBS_MAGIC 0xFEEDBEEFu
#define DBG_STUBS_ENTRY_MAX 5u
#define DBG_STUBS_MIN_STACK 2048u
#define DBG_STUBS_POOL 1024u
#define SEMIHOSTING_SYS_DBG_STUBS_INIT 0x102u

struct dbg_stubs_ctl {
  uint32_t tramp_addr;
  uint32_t min_stack_addr;
  uint32_t data_alloc;
  uint32_t data_free;
};

void *demo_dbg_data_alloc(uint32_t size);
void demo_dbg_data_free(void *addr);

/* Set to 1 by a debugger to request publication (checked once per main-loop iteration). */
volatile uint32_t demo_publish_dbg_stubs;
/* 1 once the semihosting call returned; its a0 is kept in demo_dbg_stubs_publish_result. */
volatile uint32_t demo_dbg_stubs_published;
volatile uint32_t demo_dbg_stubs_publish_result;

__attribute__((aligned(16))) uint8_t demo_dbg_min_stack[DBG_STUBS_MIN_STACK];
__attribute__((aligned(16))) static uint8_t s_pool[DBG_STUBS_POOL];
static uint32_t s_pool_used;

/* (a*3 + b*5 + c*7) ^ 0x5A5A5A5A, modulo 2^32. Called by debuggers as an on-board function. */
__attribute__((noinline, used)) uint32_t demo_onboard_sum(uint32_t a, uint32_t b, uint32_t c) {
  return (a * 3u + b * 5u + c * 7u) ^ DEMO_ONBOARD_SUM_XOR;
}

/* Bump allocator: 8-byte aligned blocks from a 1 KiB pool; NULL when exhausted. */
__attribute__((noinline, used)) void *demo_dbg_data_alloc(uint32_t size) {
  uint32_t need = (size + 7u) & ~7u;
  if (size == 0 || need > DBG_STUBS_POOL - s_pool_used) return NULL;
  void *p = &s_pool[s_pool_used];
  s_pool_used += need;
  return p;
}

/* Frees everything when given the first block, otherwise only the most recent one. */
__attribute__((noinline, used)) void demo_dbg_data_free(void *addr) {
  uint8_t *p = addr;
  if (p < s_pool || p >= s_pool + s_pool_used) return;
  s_pool_used = (uint32_t)(p - s_pool);
}

__attribute__((used)) struct dbg_stubs_ctl demo_dbg_stubs_ctl = {
  .tramp_addr = (uint32_t)demo_dbg_tramp,
  .min_stack_addr = (uint32_t)demo_dbg_min_stack,
  .data_alloc = (uint32_t)demo_dbg_data_alloc,
  .data_free = (uint32_t)demo_dbg_data_free,
};

/* In DRAM (.data) like ESP-IDF's table, so a debugger may patch entries. */
__attribute__((used, aligned(4))) volatile uint32_t s_dbg_stubs[DBG_STUBS_ENTRY_MAX] = {
  DBG_STUBS_MAGIC,
  DBG_STUBS_ENTRY_MAX,
  (uint32_t)&demo_dbg_stubs_ctl,
  (uint32_t)demo_onboard_sum,
  0,
};

void demo_dbg_stubs_poll(void) {
  if (demo_publish_dbg_stubs == 1u && demo_dbg_stubs_published == 0u) {
    demo_dbg_stubs_publish_result = demo_semihost_call(SEMIHOSTING_SYS_DBG_STUBS_INIT, (uint32_t)s_dbg_stubs);
    demo_dbg_stubs_published = 1u;
  }
}
