/* SHA-256 (FIPS 180-4), small and portable; also compiled for the host in the stub's tests. */
#ifndef ESPALGO_SHA256_H
#define ESPALGO_SHA256_H

#include "types.h"

struct sha256_ctx {
  u32 state[8];
  u32 total_lo, total_hi; /* bytes hashed */
  u8 block[64];
  u32 fill;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const u8 *data, u32 len);
void sha256_final(struct sha256_ctx *c, u8 digest[32]);
/* The padding of FIPS 180-4 5.1.1 into `block`, which holds `fill` (< 64) message bytes: 0x80,
 * zeros and the message length in bits; `push(ctx)` takes the block each time it is full (once or
 * twice). Shared by the software and the accelerator paths. */
void sha256_pad(u8 block[64], u32 fill, u32 bits_hi, u32 bits_lo, void (*push)(void *ctx), void *ctx);

#endif
