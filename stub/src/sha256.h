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

#endif
