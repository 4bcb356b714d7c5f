/* SHA-256 as FIPS 180-4 specifies it: 64-byte blocks, big-endian words, 64 rounds. */
#include "sha256.h"

static const u32 K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Built -O2 whatever the stub's default: the rounds below are the hot loop of plan and verify. */
#pragma GCC optimize("O2")

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BIG_S0(a) (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22))
#define BIG_S1(e) (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25))
#define SMALL_S0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SMALL_S1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* One round with the working variables named in their rotated order: no copying between rounds. */
#define ROUND(a, b, c, d, e, f, g, h, i)                         \
  do {                                                          \
    u32 t1 = (h) + BIG_S1(e) + CH(e, f, g) + K[i] + w[i];       \
    (d) += t1;                                                  \
    (h) = t1 + BIG_S0(a) + MAJ(a, b, c);                        \
  } while (0)

static void compress(u32 st[8], const u8 *p)
{
  u32 w[64];
  for (int i = 0; i < 16; i++, p += 4) w[i] = ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
  for (int i = 16; i < 64; i++) w[i] = w[i - 16] + SMALL_S0(w[i - 15]) + w[i - 7] + SMALL_S1(w[i - 2]);
  u32 a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  /* Eight rounds per pass, so the names come back round to where they started. */
  for (int i = 0; i < 64; i += 8) {
    ROUND(a, b, c, d, e, f, g, h, i + 0);
    ROUND(h, a, b, c, d, e, f, g, i + 1);
    ROUND(g, h, a, b, c, d, e, f, i + 2);
    ROUND(f, g, h, a, b, c, d, e, i + 3);
    ROUND(e, f, g, h, a, b, c, d, i + 4);
    ROUND(d, e, f, g, h, a, b, c, i + 5);
    ROUND(c, d, e, f, g, h, a, b, i + 6);
    ROUND(b, c, d, e, f, g, h, a, i + 7);
  }
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
  st[4] += e;
  st[5] += f;
  st[6] += g;
  st[7] += h;
}

void sha256_init(struct sha256_ctx *c)
{
  static const u32 iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  for (int i = 0; i < 8; i++) c->state[i] = iv[i];
  c->total_lo = c->total_hi = 0;
  c->fill = 0;
}

void sha256_update(struct sha256_ctx *c, const u8 *data, u32 len)
{
  u32 before = c->total_lo;
  c->total_lo += len;
  if (c->total_lo < before) c->total_hi++;
  while (len) {
    if (c->fill == 0 && len >= 64) {
      compress(c->state, data);
      data += 64;
      len -= 64;
      continue;
    }
    u32 n = 64 - c->fill;
    if (n > len) n = len;
    for (u32 i = 0; i < n; i++) c->block[c->fill + i] = data[i];
    c->fill += n;
    data += n;
    len -= n;
    if (c->fill == 64) {
      compress(c->state, c->block);
      c->fill = 0;
    }
  }
}

void sha256_pad(u8 block[64], u32 fill, u32 bits_hi, u32 bits_lo, void (*push)(void *ctx), void *ctx)
{
  block[fill++] = 0x80;
  if (fill > 56) {
    while (fill < 64) block[fill++] = 0;
    push(ctx);
    fill = 0;
  }
  while (fill < 56) block[fill++] = 0;
  for (u32 i = 0; i < 4; i++) {
    block[56 + i] = (u8)(bits_hi >> (24 - 8 * i));
    block[60 + i] = (u8)(bits_lo >> (24 - 8 * i));
  }
  push(ctx);
}

static void compress_block(void *ctx)
{
  struct sha256_ctx *c = ctx;
  compress(c->state, c->block);
}

void sha256_final(struct sha256_ctx *c, u8 digest[32])
{
  sha256_pad(c->block, c->fill, (c->total_hi << 3) | (c->total_lo >> 29), c->total_lo << 3, compress_block, c);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 4; j++) digest[4 * i + j] = (u8)(c->state[i] >> (24 - 8 * j));
}
