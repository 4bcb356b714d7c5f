/*
 * SPI1 state and the JEDEC id read.
 *
 * espressif/openocd-esp32 #366: an application can leave SPI1 with extra dummy cycles (USER
 * dummy phase, TIMING_CALI extra dummy, the ROM's dummy_len_plus[1]); an RDID issued on top of
 * that reads a bit-shifted id and the flash size comes out unknown. We read the id twice: first
 * naively, the way older stubs did (state as found, plus dummy_len_plus[1] as a dummy phase),
 * then with all of that cleared, through the user-command path register by register. Both ids go
 * to the host so it can explain a difference. Every register and the ROM variable are restored.
 */
#include "spi1.h"

static const u16 saved_offsets[SPI1_SAVED_COUNT] = {
  SPI_ADDR, SPI_CTRL, SPI_CTRL1, SPI_CTRL2, SPI_CLOCK, SPI_USER, SPI_USER1, SPI_USER2,
  SPI_MOSI_DLEN, SPI_MISO_DLEN, SPI_RD_STATUS, SPI_MISC, SPI_TIMING_CALI,
  SPI_W0 + 0x00, SPI_W0 + 0x04, SPI_W0 + 0x08, SPI_W0 + 0x0C, SPI_W0 + 0x10, SPI_W0 + 0x14,
  SPI_W0 + 0x18, SPI_W0 + 0x1C, SPI_W0 + 0x20, SPI_W0 + 0x24, SPI_W0 + 0x28, SPI_W0 + 0x2C,
  SPI_W0 + 0x30, SPI_W0 + 0x34, SPI_W0 + 0x38, SPI_W0 + 0x3C,
};

void spi1_save(struct spi1_state *s)
{
  for (int i = 0; i < SPI1_SAVED_COUNT; i++) s->value[i] = SPI1_REG(saved_offsets[i]);
}

void spi1_restore(const struct spi1_state *s)
{
  for (int i = SPI1_SAVED_COUNT - 1; i >= 0; i--) SPI1_REG(saved_offsets[i]) = s->value[i];
}

#define IDLE_POLLS 1000000u

int spi1_wait_idle(void)
{
  for (u32 n = 0; n < IDLE_POLLS; n++) {
    u32 em_state = (REG32(SPI0_BASE + SPI_FSM) >> 4) & 0x7u;
    if (SPI1_REG(SPI_CMD) == 0 && em_state == 0) return 0;
  }
  return -1;
}

/* Start a command and wait for its bits to clear. Returns 1 when it finished. */
static int spi1_run(u32 cmd_bits)
{
  if (spi1_wait_idle() != 0) return 0;
  SPI1_REG(SPI_CMD) = cmd_bits;
  for (u32 n = 0; n < IDLE_POLLS; n++)
    if ((SPI1_REG(SPI_CMD) & cmd_bits) == 0) return 1;
  return 0;
}

int jedec_id_plausible(u32 id)
{
  id &= 0xFFFFFFu;
  return id != 0 && id != 0xFFFFFFu;
}

/* Plain 1-bit SPI, command + MISO bits, no address, no dummy of any kind. */
static void clean_user_command(const struct jedec_report *r, u32 opcode, u32 miso_bits)
{
  SPI1_REG(SPI_TIMING_CALI) = r->found_timing_cali & ~(TIMING_CALI_ON | TIMING_CALI_EXTRA_MASK);
  SPI1_REG(SPI_CTRL) = CTRL_WP;
  SPI1_REG(SPI_USER) = USER_COMMAND | USER_MISO;
  SPI1_REG(SPI_USER1) = r->found_user1 & ~USER1_DUMMY_MASK;
  SPI1_REG(SPI_USER2) = (7u << 28) | opcode;
  SPI1_REG(SPI_MOSI_DLEN) = 0;
  SPI1_REG(SPI_MISO_DLEN) = miso_bits - 1;
}

#define READY_POLLS 200000u

/* Poll RDSR (0x05) until the flash's write-in-progress bit clears (a write or erase the
 * application started). Returns the number of busy polls, or READY_POLLS if it never cleared. */
static u32 wait_flash_ready(const struct jedec_report *r)
{
  clean_user_command(r, 0x05, 8);
  u32 n = 0;
  for (; n < READY_POLLS; n++) {
    SPI1_REG(SPI_W0) = 0;
    if (!spi1_run(CMD_USR)) return READY_POLLS;
    if ((SPI1_REG(SPI_W0) & 1u) == 0) break;
  }
  return n;
}

void spi1_read_jedec(rom_legacy_data_t *rom, struct jedec_report *r)
{
  struct spi1_state saved;
  spi1_save(&saved);
  u32 rom_dummy = rom ? rom->dummy_len_plus[1] : 0;

  r->found_user = SPI1_REG(SPI_USER);
  r->found_user1 = SPI1_REG(SPI_USER1);
  r->found_user2 = SPI1_REG(SPI_USER2);
  r->found_ctrl = SPI1_REG(SPI_CTRL);
  r->found_timing_cali = SPI1_REG(SPI_TIMING_CALI);
  r->found_dummy_plus1 = rom ? rom_dummy : 0xFFFFFFFFu;

  /* 0. A flash still busy with the application's write or erase ignores RDID. */
  r->busy_polls = wait_flash_ready(r);
  spi1_restore(&saved);

  /* 1. Naive: the hard-wired RDID with the state as found; the ROM's extra dummy added as a
   *    dummy phase, as older stubs did. */
  r->naive_dummy = rom_dummy;
  if (rom_dummy) {
    SPI1_REG(SPI_USER) = r->found_user | USER_DUMMY;
    SPI1_REG(SPI_USER1) = (r->found_user1 & ~USER1_DUMMY_MASK) | ((rom_dummy - 1) & USER1_DUMMY_MASK);
  }
  SPI1_REG(SPI_W0) = 0;
  r->naive_ok = spi1_run(CMD_RDID);
  r->naive_id = SPI1_REG(SPI_W0) & 0xFFFFFFu;
  spi1_restore(&saved);

  /* 2. What the clean read clears. */
  r->cleared = 0;
  if (r->found_user & USER_DUMMY) r->cleared |= JEDEC_CLEARED_USR_DUMMY;
  if (r->found_user & USER_OTHER_PHASES) r->cleared |= JEDEC_CLEARED_USER_PHASES;
  if (r->found_timing_cali & TIMING_CALI_ON) r->cleared |= JEDEC_CLEARED_TIMING_CALI;
  if (r->found_timing_cali & TIMING_CALI_EXTRA_MASK) r->cleared |= JEDEC_CLEARED_TIMING_EXTRA;
  if (rom_dummy) r->cleared |= JEDEC_CLEARED_ROM_DUMMY;
  if (r->found_ctrl & CTRL_MODE_BITS) r->cleared |= JEDEC_CLEARED_CTRL_MODE;

  /* 3. Clean: RDID (0x9F) with 24 MISO bits through the user-command path. */
  if (rom) rom->dummy_len_plus[1] = 0;
  clean_user_command(r, 0x9F, 24);
  SPI1_REG(SPI_W0) = 0;
  r->clean_ok = spi1_run(CMD_USR);
  r->clean_id = SPI1_REG(SPI_W0) & 0xFFFFFFu;

  spi1_restore(&saved);
  if (rom) rom->dummy_len_plus[1] = (u8)rom_dummy;
}
