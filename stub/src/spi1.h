/* SPI1 (SPI_MEM1) register access, state save/restore and the JEDEC id read (#366 handling). */
#ifndef ESPALGO_SPI1_H
#define ESPALGO_SPI1_H

#include "rom.h"

#define SPI1_BASE 0x60002000u
#define SPI0_BASE 0x60003000u

#define SPI_CMD 0x00u
#define SPI_ADDR 0x04u
#define SPI_CTRL 0x08u
#define SPI_CTRL1 0x0Cu
#define SPI_CTRL2 0x10u
#define SPI_CLOCK 0x14u
#define SPI_USER 0x18u
#define SPI_USER1 0x1Cu
#define SPI_USER2 0x20u
#define SPI_MOSI_DLEN 0x24u
#define SPI_MISO_DLEN 0x28u
#define SPI_RD_STATUS 0x2Cu
#define SPI_MISC 0x34u
#define SPI_FSM 0x54u
#define SPI_W0 0x58u
#define SPI_TIMING_CALI 0xA8u

#define SPI1_REG(off) REG32(SPI1_BASE + (off))

#define CMD_USR (1u << 18)
#define CMD_RDID (1u << 28)
#define CTRL_WP (1u << 21)
#define CTRL_MODE_BITS ((1u << 24) | (1u << 23) | (1u << 20) | (1u << 14) | (1u << 13) | (1u << 8) | (1u << 7))
#define USER_COMMAND (1u << 31)
#define USER_ADDR (1u << 30)
#define USER_DUMMY (1u << 29)
#define USER_MISO (1u << 28)
#define USER_MOSI (1u << 27)
#define USER_OTHER_PHASES (USER_ADDR | USER_MOSI | (1u << 26) | (1u << 25) | (1u << 24))
#define USER1_DUMMY_MASK 0x3Fu
#define TIMING_CALI_ON (1u << 1)
#define TIMING_CALI_EXTRA_MASK (0x7u << 2)

/* Every SPI1 register the stub or the ROM flash functions may change (CMD excluded). */
#define SPI1_SAVED_COUNT 29
struct spi1_state {
  u32 value[SPI1_SAVED_COUNT];
};

void spi1_save(struct spi1_state *s);
void spi1_restore(const struct spi1_state *s);
/* Wait until SPI1 has no command running and SPI0 (the cache side) is idle; 0 or -1. */
int spi1_wait_idle(void);

/* What one JEDEC id read found and did. Ids are W0 & 0xFFFFFF: byte 0 = manufacturer. */
struct jedec_report {
  u32 naive_id;           /* read with the state as found (+ ROM dummy_len_plus[1]) */
  u32 clean_id;           /* read with every extra dummy and user phase cleared */
  u32 found_user, found_user1, found_user2, found_ctrl, found_timing_cali;
  u32 found_dummy_plus1;  /* 0xFFFFFFFF when the ROM data pointer is invalid */
  u32 cleared;            /* JEDEC_CLEARED_* bits */
  u32 naive_dummy;        /* extra dummy cycles the naive read added */
  u32 busy_polls;         /* RDSR polls until the flash was idle (200000 = never) */
  int naive_ok, clean_ok; /* the transactions finished */
};

#define JEDEC_CLEARED_USR_DUMMY (1u << 0)
#define JEDEC_CLEARED_USER_PHASES (1u << 1)
#define JEDEC_CLEARED_TIMING_CALI (1u << 2)
#define JEDEC_CLEARED_TIMING_EXTRA (1u << 3)
#define JEDEC_CLEARED_ROM_DUMMY (1u << 4)
#define JEDEC_CLEARED_CTRL_MODE (1u << 5)

/* Waits until the flash is idle (RDSR), reads the id twice (naive, clean) and restores SPI1 and dummy_len_plus[1] afterwards.
 * rom may be NULL. The cache must be suspended by the caller. */
void spi1_read_jedec(rom_legacy_data_t *rom, struct jedec_report *r);

/* An id is plausible when it is neither all zeros nor all ones. */
int jedec_id_plausible(u32 id);

#endif
