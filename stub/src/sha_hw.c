/* SHA-256 through the SHA accelerator at 0x6003B000 (ESP32-C3 TRM, SHA chapter). */
#include "sha_hw.h"
#include "sha256.h"
#include "stub.h"

/* Built -O2 whatever the stub's default: push_block is the hot loop of plan and verify. */
#pragma GCC optimize("O2")

#define SHA_BASE 0x6003B000u
#define SHA_MODE (SHA_BASE + 0x00u)
#define SHA_START (SHA_BASE + 0x10u)
#define SHA_CONTINUE (SHA_BASE + 0x14u)
#define SHA_BUSY (SHA_BASE + 0x18u)
#define SHA_H (SHA_BASE + 0x40u)
#define SHA_M (SHA_BASE + 0x80u)
#define SHA_MODE_SHA256 2u

#define SYSTEM_PERIP_CLK_EN1 0x600C0014u
#define SYSTEM_PERIP_RST_EN1 0x600C001Cu
#define SHA_CLOCK_BIT (1u << 2)
/* SHA, DS and HMAC resets: any of them holds the SHA accelerator in reset. */
#define SHA_RESET_BITS ((1u << 2) | (1u << 4) | (1u << 5))

/* Polls of SHA_BUSY before giving up on a calculation of the program's (a DMA-SHA run of 63
 * blocks takes a few thousand cycles). */
#define BUSY_POLLS 200000u

static int wait_idle(void)
{
  for (u32 i = 0; i < BUSY_POLLS; i++)
    if (!(REG32(SHA_BUSY) & 1u)) return 0;
  return -1;
}

int sha_hw_borrow(struct sha_hw_borrowed *b)
{
  b->clk_en1 = REG32(SYSTEM_PERIP_CLK_EN1);
  b->rst_en1 = REG32(SYSTEM_PERIP_RST_EN1);
  b->live = (b->clk_en1 & SHA_CLOCK_BIT) && !(b->rst_en1 & SHA_RESET_BITS);
  if (b->live) {
    if (wait_idle()) return -1;
    b->mode = REG32(SHA_MODE);
    for (u32 i = 0; i < 8; i++) b->h[i] = REG32(SHA_H + 4 * i);
    for (u32 i = 0; i < 16; i++) b->m[i] = REG32(SHA_M + 4 * i);
  } else {
    REG32(SYSTEM_PERIP_CLK_EN1) = b->clk_en1 | SHA_CLOCK_BIT;
    REG32(SYSTEM_PERIP_RST_EN1) = b->rst_en1 & ~SHA_RESET_BITS;
  }
  return 0;
}

void sha_hw_give_back(const struct sha_hw_borrowed *b)
{
  wait_idle();
  if (b->live) {
    REG32(SHA_MODE) = b->mode;
    for (u32 i = 0; i < 8; i++) REG32(SHA_H + 4 * i) = b->h[i];
    for (u32 i = 0; i < 16; i++) REG32(SHA_M + 4 * i) = b->m[i];
  } else {
    /* Reset first (it clears what the stub left in the block), then the clock gate. */
    REG32(SYSTEM_PERIP_RST_EN1) = b->rst_en1;
    REG32(SYSTEM_PERIP_CLK_EN1) = b->clk_en1;
  }
}

/* One block into the accelerator: message bytes in memory order, as words. */
static void push_block(struct sha_hw_ctx *c, const u32 *words)
{
  wait_idle();
#pragma GCC unroll 16
  for (u32 i = 0; i < 16; i++) REG32(SHA_M + 4 * i) = words[i];
  REG32(c->started ? SHA_CONTINUE : SHA_START) = 1;
  c->started = 1;
}

void sha_hw_init(struct sha_hw_ctx *c)
{
  c->total = 0;
  c->fill = 0;
  c->started = 0;
  REG32(SHA_MODE) = SHA_MODE_SHA256;
}

void sha_hw_update(struct sha_hw_ctx *c, const u8 *data, u32 len)
{
  c->total += len;
  u8 *block = (u8 *)c->block;
  while (len) {
    if (c->fill == 0 && len >= 64 && IS_ALIGNED(data, 4)) {
      push_block(c, (const u32 *)data);
      data += 64;
      len -= 64;
      continue;
    }
    u32 n = 64 - c->fill < len ? 64 - c->fill : len;
    memcpy(block + c->fill, data, n);
    c->fill += n;
    data += n;
    len -= n;
    if (c->fill == 64) {
      push_block(c, c->block);
      c->fill = 0;
    }
  }
}

static void push_pending(void *ctx)
{
  struct sha_hw_ctx *c = ctx;
  push_block(c, c->block);
}

void sha_hw_final(struct sha_hw_ctx *c, u8 digest[32])
{
  sha256_pad((u8 *)c->block, c->fill, c->total >> 29, c->total << 3, push_pending, c);
  wait_idle();
  /* H holds the state words byte-swapped: stored as words they are the digest's bytes. */
  for (u32 i = 0; i < 8; i++) {
    u32 w = REG32(SHA_H + 4 * i);
    digest[4 * i] = (u8)w;
    digest[4 * i + 1] = (u8)(w >> 8);
    digest[4 * i + 2] = (u8)(w >> 16);
    digest[4 * i + 3] = (u8)(w >> 24);
  }
}
