/*
 * espalgo demo firmware: a heartbeat and a self-checking state machine.
 *
 * Each main-loop iteration bumps demo_heartbeat and rewrites one word of a DRAM table while
 * keeping a running checksum. Every DEMO_CHECK_PERIOD iterations it recomputes the checksum
 * from scratch, re-reads a constant table from flash (DROM), checks a .data word and compares
 * a mixing function run from flash (IROM) with its copy in IRAM. Anything that disturbs the
 * program from outside (a debugger that does not restore RAM, a broken flash mapping) shows
 * up in demo_selfcheck_failures and the last_fail_* fields of demo_state.
 */
#include "demo.h"

#ifndef DEMO_VARIANT
#define DEMO_VARIANT 0
#endif

volatile uint32_t demo_heartbeat;
volatile uint32_t demo_selfcheck_failures;
volatile uint32_t demo_selfcheck_runs;
volatile struct demo_state demo_state;
/* Written by the trap handler in start.S. */
volatile struct demo_trap_record demo_trap;
/* In .data: the bootloader must have loaded it. */
volatile uint32_t demo_data_magic = DEMO_DATA_MAGIC;

#define ROM_WORD(i) (((uint32_t)(i) * 0x9E3779B9u) ^ 0xA5A5A5A5u)
#define R4(i) ROM_WORD(i), ROM_WORD((i) + 1), ROM_WORD((i) + 2), ROM_WORD((i) + 3)

/* Constant table in DROM (flash, data bus). Word i = i * 0x9E3779B9 ^ 0xA5A5A5A5. */
__attribute__((used))
const uint32_t demo_rom_table[DEMO_ROM_TABLE_WORDS] = {
  R4(0), R4(4), R4(8), R4(12), R4(16), R4(20), R4(24), R4(28),
};

/* Same function twice: once in flash (IROM), once in IRAM. */
#define MIX_BODY(x, k)                              \
  do {                                              \
    uint32_t v = (x) ^ ((k) * 0x85EBCA6Bu);         \
    v ^= v >> 13;                                   \
    v *= 0xC2B2AE35u;                               \
    v ^= v >> 16;                                   \
    return v + (k);                                 \
  } while (0)

__attribute__((noinline)) uint32_t demo_mix_irom(uint32_t x, uint32_t k) { MIX_BODY(x, k); }

__attribute__((noinline, section(".iram1.text.demo_mix_iram"))) uint32_t demo_mix_iram(uint32_t x, uint32_t k) {
  MIX_BODY(x, k);
}

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

static void record_failure(uint32_t kind, uint32_t expected, uint32_t actual) {
  demo_state.last_fail_kind = kind;
  demo_state.last_fail_iteration = demo_state.iteration;
  demo_state.last_fail_expected = expected;
  demo_state.last_fail_actual = actual;
  demo_selfcheck_failures = demo_selfcheck_failures + 1;
}

static uint32_t table_sum(void) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < DEMO_TABLE_WORDS; i++) sum += demo_state.words[i];
  return sum;
}

static void self_check(void) {
  uint32_t sum = table_sum();
  uint32_t running = demo_state.checksum;
  if (sum != running) {
    record_failure(DEMO_FAIL_CHECKSUM, sum, running);
    demo_state.checksum = sum; /* resynchronise so one disturbance counts once */
  }
  const volatile uint32_t *rom = demo_rom_table;
  for (uint32_t i = 0; i < DEMO_ROM_TABLE_WORDS; i++) {
    uint32_t want = ROM_WORD(i);
    uint32_t got = rom[i];
    if (got != want) {
      record_failure(DEMO_FAIL_ROM_TABLE, want, got);
      break;
    }
  }
  if (demo_data_magic != DEMO_DATA_MAGIC) record_failure(DEMO_FAIL_DATA_MAGIC, DEMO_DATA_MAGIC, demo_data_magic);
  uint32_t it = demo_state.iteration;
  uint32_t a = demo_mix_irom(it, sum);
  uint32_t b = demo_mix_iram(it, sum);
  if (a != b) record_failure(DEMO_FAIL_CODE_MIX, a, b);
  demo_selfcheck_runs = demo_selfcheck_runs + 1;
}

static void state_init(void) {
  uint32_t v = demo_data_magic;
  uint32_t sum = 0;
  for (uint32_t i = 0; i < DEMO_TABLE_WORDS; i++) {
    v = v * 1664525u + 1013904223u;
    demo_state.words[i] = v;
    sum += v;
  }
  demo_state.checksum = sum;
  demo_state.variant = DEMO_VARIANT;
  demo_state.magic = DEMO_STATE_MAGIC;
}

static void step(void) {
  uint32_t it = demo_state.iteration + 1;
  uint32_t i = it % DEMO_TABLE_WORDS;
  uint32_t old = demo_state.words[i];
  uint32_t neu = demo_mix_irom(old, it);
  demo_state.words[i] = neu;
  demo_state.checksum = demo_state.checksum - old + neu;
  demo_state.iteration = it;
  demo_heartbeat = demo_heartbeat + 1;
  if (it % DEMO_CHECK_PERIOD == 0) self_check();
}

int main(void) {
  state_init();
  for (;;) {
    demo_dbg_stubs_poll();
    step();
  }
}
