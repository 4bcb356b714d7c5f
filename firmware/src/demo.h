/*
 * espalgo demo firmware for the ESP32-C3: shared declarations.
 * Every global named here has a stable symbol name; tests and debuggers look them up in the ELF.
 */
#ifndef DEMO_H
#define DEMO_H

#include <stdint.h>
#include <stddef.h>

#define DEMO_STATE_MAGIC 0xDE3057A7u
#define DEMO_DATA_MAGIC 0x600DDA7Au
#define DEMO_TABLE_WORDS 64u
#define DEMO_CHECK_PERIOD 64u
#define DEMO_ROM_TABLE_WORDS 32u
#define DEMO_ONBOARD_SUM_XOR 0x5A5A5A5Au

/* Why the last self-check failed (demo_state.last_fail_kind). */
enum demo_fail_kind {
  DEMO_FAIL_NONE = 0,
  DEMO_FAIL_CHECKSUM = 1,   /* running checksum != checksum recomputed from the DRAM table */
  DEMO_FAIL_ROM_TABLE = 2,  /* a word of the DROM constant table is not what its formula says */
  DEMO_FAIL_DATA_MAGIC = 3, /* the .data word loaded by the bootloader changed */
  DEMO_FAIL_CODE_MIX = 4,   /* the IROM and IRAM copies of the mixing function disagree */
};

/* Layout documented in firmware/README.md; offsets are part of the interface. */
struct demo_state {
  uint32_t magic;               /* +0  DEMO_STATE_MAGIC once start-up finished */
  uint32_t variant;             /* +4  0 = main build, 1 = OTA slot 1 build */
  uint32_t iteration;           /* +8  main-loop iterations (same as demo_heartbeat) */
  uint32_t checksum;            /* +12 running sum of words[], maintained incrementally */
  uint32_t last_fail_kind;      /* +16 enum demo_fail_kind */
  uint32_t last_fail_iteration; /* +20 */
  uint32_t last_fail_expected;  /* +24 */
  uint32_t last_fail_actual;    /* +28 */
  uint32_t words[DEMO_TABLE_WORDS]; /* +32 */
};

/* Trap record written by the IRAM trap handler (start.S); the handler then spins. */
struct demo_trap_record {
  uint32_t count;  /* +0 */
  uint32_t mcause; /* +4 */
  uint32_t mepc;   /* +8 */
  uint32_t mtval;  /* +12 */
};

extern volatile uint32_t demo_heartbeat;
extern volatile uint32_t demo_selfcheck_failures;
extern volatile uint32_t demo_selfcheck_runs;
extern volatile struct demo_state demo_state;
extern volatile struct demo_trap_record demo_trap;
extern volatile uint32_t demo_publish_dbg_stubs;
extern volatile uint32_t demo_dbg_stubs_published;
extern volatile uint32_t demo_dbg_stubs_publish_result;
extern volatile uint32_t demo_data_magic;

uint32_t demo_onboard_sum(uint32_t a, uint32_t b, uint32_t c);
uint32_t demo_mix_irom(uint32_t x, uint32_t k);
uint32_t demo_mix_iram(uint32_t x, uint32_t k);
void demo_dbg_stubs_poll(void);

/* start.S */
uint32_t demo_semihost_call(uint32_t op, uint32_t arg);
extern uint8_t demo_dbg_tramp[32];

/* Freestanding: gcc may emit calls to these for struct copies and clears. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
