/*
 * Raw DEFLATE decoder (RFC 1951).
 *
 * Huffman codes are canonical (§3.2.2): for each code length we keep how many codes have it, the
 * first code of that length and where its symbols start in a table sorted by (length, symbol).
 * Codes of up to FAST_BITS bits — nearly every symbol of a real stream — are decoded with one
 * lookup of the next input bits; longer ones (and the last bits of the input) one bit at a time,
 * most significant code bit first, checking at each length whether the code read so far falls
 * inside that length's range. A table is only as wide as its longest code (at most FAST_BITS):
 * building it is a good part of the work for blocks of few symbols (runs, padding).
 */
#include "inflate.h"

/* The decoder is the stub's hot loop: optimised for speed (the rest of the stub for size), with
 * its per-symbol helpers inlined so the bit reader stays in registers. */
#pragma GCC optimize("O2")
#define HOT static inline __attribute__((always_inline))
/* A word that may be stored over bytes of the window (and read back as bytes). */
typedef u32 __attribute__((may_alias)) word_alias;

#define MAX_BITS 15
#define FAST_BITS 11
#define FAST_SIZE (1u << FAST_BITS)
#define FAST_SYMBOL_BITS 9

_Static_assert(INFLATE_WINDOW_MIN % INFLATE_CHUNK == 0, "a piece never wraps around the window");

struct huffman {
  u16 count[MAX_BITS + 1];
  u16 first_code[MAX_BITS + 1];
  u16 first_index[MAX_BITS + 1];
  u16 symbol[288];
  /* fast[] is indexed by the next input bits masked with fast_mask (1 << table bits, minus 1). */
  u32 fast_mask;
  /* (length << 9) | symbol for a code of at most the table's bits that the index bits (first bit
   * in bit 0) start with, 0 where the code is longer or unused. */
  u16 fast[FAST_SIZE] __attribute__((aligned(4)));
};

struct bit_reader {
  const u8 *src;
  u32 len, pos;
  u32 buf, have;
  int overrun;
};

/* build() fills every field it later reads, so the tables need not be zeroed on entry: they live
 * in the .scratch section (not cleared by stub_main), which keeps the per-call BSS clearing short. */
static struct huffman lit_codes __attribute__((section(".scratch"))), dist_codes __attribute__((section(".scratch")));

/* Length symbols 257..285 and distance symbols 0..29: base values and extra bits (§3.2.5). */
static const u16 length_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const u8 length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const u16 dist_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const u8 dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* Order in which code-length code lengths are sent (§3.2.7). */
static const u8 clen_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

/* Top the bit buffer up to at least 25 bits while input lasts (never marks an overrun). */
HOT void refill(struct bit_reader *b)
{
  while (b->have <= 24 && b->pos < b->len) {
    b->buf |= (u32)b->src[b->pos++] << b->have;
    b->have += 8;
  }
}

HOT u32 bits(struct bit_reader *b, u32 n)
{
  while (b->have < n) {
    u32 byte = 0;
    if (b->pos < b->len) byte = b->src[b->pos++];
    else b->overrun = 1;
    b->buf |= byte << b->have;
    b->have += 8;
  }
  u32 v = b->buf & ((1u << n) - 1u);
  b->buf >>= n;
  b->have -= n;
  return v;
}

/* Bit-reversed bytes, for turning canonical codes (sent first bit first) into table indexes:
 * entry i is i with its eight bits in the opposite order. */
#define REV2(n) n, n + 2 * 64, n + 1 * 64, n + 3 * 64
#define REV4(n) REV2(n), REV2(n + 2 * 16), REV2(n + 1 * 16), REV2(n + 3 * 16)
#define REV6(n) REV4(n), REV4(n + 2 * 4), REV4(n + 1 * 4), REV4(n + 3 * 4)
static const u8 reversed_byte[256] = {REV6(0), REV6(2), REV6(1), REV6(3)};

/* Build a canonical code from per-symbol lengths. Over-subscribed sets are rejected; incomplete
 * ones are allowed (a code outside the set then fails to decode). */
static int build(struct huffman *h, const u8 *lengths, u32 n)
{
  for (int i = 0; i <= MAX_BITS; i++) h->count[i] = 0;
  for (u32 s = 0; s < n; s++) h->count[lengths[s]]++;
  h->count[0] = 0;
  u32 code = 0, index = 0, longest = 0;
  int left = 1;
  for (int len = 1; len <= MAX_BITS; len++) {
    left = (left << 1) - h->count[len];
    if (left < 0) return INFLATE_E_DATA;
    h->first_code[len] = (u16)code;
    h->first_index[len] = (u16)index;
    code = (code + h->count[len]) << 1;
    index += h->count[len];
    if (h->count[len]) longest = (u32)len;
  }
  u16 next[MAX_BITS + 1];
  for (int len = 0; len <= MAX_BITS; len++) next[len] = h->first_index[len];
  for (u32 s = 0; s < n; s++)
    if (lengths[s]) h->symbol[next[lengths[s]]++] = (u16)s;

  /* The lookup table, as wide as the longest code (at most FAST_BITS): each code, bit-reversed,
   * fills every entry whose low bits it matches. A complete code no longer than the table fills
   * every entry; otherwise the entries it leaves must read 0. */
  u32 table_bits = longest > FAST_BITS ? FAST_BITS : longest ? longest : 1;
  u32 size = 1u << table_bits;
  h->fast_mask = size - 1u;
  if (left != 0 || longest > FAST_BITS)
    for (u32 i = 0; i < size; i += 2) *(word_alias *)&h->fast[i] = 0;
  u32 top = longest < FAST_BITS ? longest : FAST_BITS;
  for (u32 len = 1; len <= top; len++) {
    u32 first = h->first_code[len], base = h->first_index[len], count = h->count[len];
    for (u32 k = 0; k < count; k++) {
      u32 c = first + k;
      u32 reversed = (((u32)reversed_byte[c & 0xff] << 8) | reversed_byte[c >> 8]) >> (16 - len);
      u16 entry = (u16)((len << FAST_SYMBOL_BITS) | h->symbol[base + k]);
      for (u32 at = reversed; at < size; at += 1u << len) h->fast[at] = entry;
    }
  }
  return INFLATE_OK;
}

HOT int decode(struct bit_reader *b, const struct huffman *h)
{
  refill(b);
  u32 entry = h->fast[b->buf & h->fast_mask];
  u32 len = entry >> FAST_SYMBOL_BITS;
  if (entry && len <= b->have) {
    b->buf >>= len;
    b->have -= len;
    return (int)(entry & ((1u << FAST_SYMBOL_BITS) - 1));
  }
  u32 code = 0;
  for (int len = 1; len <= MAX_BITS; len++) {
    code |= bits(b, 1);
    u32 offset = code - h->first_code[len];
    if (offset < h->count[len]) return h->symbol[h->first_index[len] + offset];
    code <<= 1;
  }
  return -1;
}

/* Output reached a piece boundary: hand the piece that just ended to the sink. */
static int piece_done(struct inflate_sink *s)
{
  u32 start = s->total - INFLATE_CHUNK;
  int rc = s->put(s->ctx, start, s->window + (start & (s->window_size - 1)), INFLATE_CHUNK);
  if (rc) {
    s->sink_error = rc;
    return INFLATE_E_SINK;
  }
  s->flushed = s->total;
  return INFLATE_OK;
}

HOT int emit(struct inflate_sink *s, u8 byte)
{
  if (s->total >= s->limit) return INFLATE_E_TOO_MUCH;
  s->window[s->total & (s->window_size - 1)] = byte;
  s->total++;
  if ((s->total & (INFLATE_CHUNK - 1)) == 0) return piece_done(s);
  return INFLATE_OK;
}

/* A match: `length` bytes from `dist` back, as emit() would one by one, with the checks per run of
 * bytes instead of per byte. A run stops at the next piece boundary (the window holds whole
 * pieces, so the destination never wraps inside one) and where the source reaches the window's
 * end, so each run is a plain forward copy between two pointers. Forward, in byte order: when
 * `dist` is shorter than the run, it repeats the bytes it has just written, as LZ77 means. */
static int copy_match(struct inflate_sink *s, u32 length, u32 dist)
{
  u8 *w = s->window;
  while (length) {
    if (s->total >= s->limit) return INFLATE_E_TOO_MUCH;
    u32 n = INFLATE_CHUNK - (s->total & (INFLATE_CHUNK - 1));
    if (n > length) n = length;
    if (n > s->limit - s->total) n = s->limit - s->total;
    u32 from = (s->total - dist) & (s->window_size - 1);
    if (n > s->window_size - from) n = s->window_size - from;
    u8 *to = w + (s->total & (s->window_size - 1));
    const u8 *src = w + from;
    u32 left = n;
    if (dist == 1) {
      /* A run of one byte (zero fill, 0xFF padding): aligned word stores of it. */
      u8 v = *src;
      for (; left && ((unsigned long)to & 3); left--) *to++ = v;
      u32 word = v * 0x01010101u;
      for (; left >= 16; left -= 16, to += 16) {
        ((word_alias *)to)[0] = word;
        ((word_alias *)to)[1] = word;
        ((word_alias *)to)[2] = word;
        ((word_alias *)to)[3] = word;
      }
      for (; left >= 4; left -= 4, to += 4) *(word_alias *)to = word;
      while (left--) *to++ = v;
    } else if ((dist & 3) == 0) {
      /* Source and destination share their alignment, and each word read lies at least four
       * bytes behind the one written (or ahead of it): aligned word copies, same result. */
      for (; left && ((unsigned long)to & 3); left--) *to++ = *src++;
      for (; left >= 4; left -= 4, to += 4, src += 4) *(word_alias *)to = *(const word_alias *)src;
      while (left--) *to++ = *src++;
    } else {
      /* Four at a time where it can (in order, so a short `dist` still repeats correctly). */
      for (; left >= 4; left -= 4, to += 4, src += 4) {
        to[0] = src[0];
        to[1] = src[1];
        to[2] = src[2];
        to[3] = src[3];
      }
      while (left--) *to++ = *src++;
    }
    s->total += n;
    length -= n;
    if ((s->total & (INFLATE_CHUNK - 1)) == 0) {
      int rc = piece_done(s);
      if (rc) return rc;
    }
  }
  return INFLATE_OK;
}

static int stored_block(struct bit_reader *b, struct inflate_sink *s)
{
  /* Skip to the byte boundary: drop the bits left of a partly read byte, give back whole bytes
   * the buffer had read ahead. */
  b->pos -= b->have >> 3;
  b->buf = 0;
  b->have = 0;
  if (b->pos + 4 > b->len) return INFLATE_E_SHORT;
  u32 n = b->src[b->pos] | (b->src[b->pos + 1] << 8);
  u32 check = b->src[b->pos + 2] | (b->src[b->pos + 3] << 8);
  b->pos += 4;
  if ((n ^ 0xFFFFu) != check) return INFLATE_E_DATA;
  if (b->len - b->pos < n) return INFLATE_E_SHORT;
  while (n--) {
    int rc = emit(s, b->src[b->pos++]);
    if (rc) return rc;
  }
  return INFLATE_OK;
}

static int huffman_block(struct bit_reader *b, struct inflate_sink *s)
{
  for (;;) {
    int sym = decode(b, &lit_codes);
    if (b->overrun) return INFLATE_E_SHORT;
    if (sym < 0) return INFLATE_E_DATA;
    if (sym < 256) {
      int rc = emit(s, (u8)sym);
      if (rc) return rc;
      continue;
    }
    if (sym == 256) return INFLATE_OK;
    sym -= 257;
    if (sym >= 29) return INFLATE_E_DATA;
    u32 length = length_base[sym] + bits(b, length_extra[sym]);
    int dsym = decode(b, &dist_codes);
    if (dsym < 0 || dsym >= 30) return INFLATE_E_DATA;
    u32 dist = dist_base[dsym] + bits(b, dist_extra[dsym]);
    if (b->overrun) return INFLATE_E_SHORT;
    if (dist > s->total || dist > s->window_size) return INFLATE_E_DATA;
    int rc = copy_match(s, length, dist);
    if (rc) return rc;
  }
}

static int fixed_codes(void)
{
  u8 lengths[288];
  u32 i = 0;
  for (; i < 144; i++) lengths[i] = 8;
  for (; i < 256; i++) lengths[i] = 9;
  for (; i < 280; i++) lengths[i] = 7;
  for (; i < 288; i++) lengths[i] = 8;
  build(&lit_codes, lengths, 288);
  for (i = 0; i < 30; i++) lengths[i] = 5;
  return build(&dist_codes, lengths, 30);
}

static int dynamic_codes(struct bit_reader *b)
{
  u8 lengths[320];
  u32 nlit = bits(b, 5) + 257, ndist = bits(b, 5) + 1, nclen = bits(b, 4) + 4;
  if (nlit > 286 || ndist > 30) return INFLATE_E_DATA;
  for (u32 i = 0; i < 19; i++) lengths[clen_order[i]] = i < nclen ? (u8)bits(b, 3) : 0;
  if (b->overrun) return INFLATE_E_SHORT;
  if (build(&lit_codes, lengths, 19) != INFLATE_OK) return INFLATE_E_DATA;

  for (u32 i = 0; i < nlit + ndist;) {
    int sym = decode(b, &lit_codes);
    if (b->overrun) return INFLATE_E_SHORT;
    if (sym < 0) return INFLATE_E_DATA;
    if (sym < 16) {
      lengths[i++] = (u8)sym;
      continue;
    }
    u8 value = 0;
    u32 repeat;
    if (sym == 16) {
      if (i == 0) return INFLATE_E_DATA;
      value = lengths[i - 1];
      repeat = 3 + bits(b, 2);
    } else if (sym == 17) {
      repeat = 3 + bits(b, 3);
    } else {
      repeat = 11 + bits(b, 7);
    }
    if (i + repeat > nlit + ndist) return INFLATE_E_DATA;
    while (repeat--) lengths[i++] = value;
  }
  if (lengths[256] == 0) return INFLATE_E_DATA; /* no end-of-block code */
  if (build(&lit_codes, lengths, nlit) != INFLATE_OK) return INFLATE_E_DATA;
  if (build(&dist_codes, lengths + nlit, ndist) != INFLATE_OK) return INFLATE_E_DATA;
  return INFLATE_OK;
}

int inflate_raw(const u8 *src, u32 len, struct inflate_sink *sink)
{
  struct bit_reader b = {src, len, 0, 0, 0, 0};
  sink->total = sink->flushed = 0;
  sink->sink_error = 0;
  for (;;) {
    u32 last = bits(&b, 1);
    u32 type = bits(&b, 2);
    if (b.overrun) return INFLATE_E_SHORT;
    int rc;
    if (type == 0) {
      rc = stored_block(&b, sink);
    } else if (type == 1 || type == 2) {
      rc = type == 1 ? fixed_codes() : dynamic_codes(&b);
      if (rc == INFLATE_OK) rc = huffman_block(&b, sink);
    } else {
      rc = INFLATE_E_DATA;
    }
    if (rc == INFLATE_E_DATA && b.overrun) rc = INFLATE_E_SHORT;
    if (rc) return rc;
    if (last) return INFLATE_OK;
  }
}

int inflate_finish(struct inflate_sink *s)
{
  if (s->flushed == s->total) return INFLATE_OK;
  u32 start = s->flushed;
  int rc = s->put(s->ctx, start, s->window + (start & (s->window_size - 1)), s->total - start);
  if (rc) {
    s->sink_error = rc;
    return INFLATE_E_SINK;
  }
  s->flushed = s->total;
  return INFLATE_OK;
}
