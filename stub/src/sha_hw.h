/*
 * SHA-256 on the chip's SHA accelerator (Typical SHA mode: the CPU writes each 64-byte block),
 * borrowed from the program and given back as it was: clock gate and resets in SYSTEM, and, where
 * the program had the block running, its mode, hash state (H) and message (M) registers.
 */
#ifndef ESPALGO_SHA_HW_H
#define ESPALGO_SHA_HW_H

#include "types.h"

struct sha_hw_borrowed {
  u32 clk_en1, rst_en1; /* SYSTEM_PERIP_CLK_EN1 / RST_EN1 as found */
  u32 live;             /* the block was clocked and out of reset: its registers are saved below */
  u32 mode, h[8], m[16];
};

/* Take the accelerator. 0, or -1 when a calculation of the program's (DMA-SHA) keeps it busy:
 * then nothing was changed and the caller hashes in software. */
int sha_hw_borrow(struct sha_hw_borrowed *b);
/* Give it back exactly as sha_hw_borrow found it. */
void sha_hw_give_back(const struct sha_hw_borrowed *b);

/* One SHA-256 on the borrowed accelerator; the padding is done here. */
struct sha_hw_ctx {
  u32 total;   /* bytes hashed */
  u32 fill;    /* bytes waiting in block */
  u32 started; /* a block went in: the next one continues from H */
  u32 block[16];
};

void sha_hw_init(struct sha_hw_ctx *c);
void sha_hw_update(struct sha_hw_ctx *c, const u8 *data, u32 len);
void sha_hw_final(struct sha_hw_ctx *c, u8 digest[32]);

#endif
