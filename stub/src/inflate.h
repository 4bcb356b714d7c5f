/*
 * Raw DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks. The whole
 * compressed input is in memory; the output goes through a window (a power of two from 4 KiB to
 * 32 KiB, at least the compressor's) and is handed to a sink in 4 KiB pieces (every piece is
 * contiguous in the window). Also compiled for the host in tests.
 */
#ifndef ESPALGO_INFLATE_H
#define ESPALGO_INFLATE_H

#include "types.h"

#define INFLATE_WINDOW_MAX 0x8000u
#define INFLATE_CHUNK 0x1000u
#define INFLATE_WINDOW_MIN INFLATE_CHUNK

#define INFLATE_OK 0
#define INFLATE_DONE 1         /* inflate_rom_feed: the final block ended */
#define INFLATE_E_DATA (-1)     /* corrupt stream */
#define INFLATE_E_SHORT (-2)    /* input ended inside a block */
#define INFLATE_E_TOO_MUCH (-3) /* output would exceed the limit */
#define INFLATE_E_SINK (-4)     /* the sink failed; its code is in sink_error */

struct inflate_sink {
  u8 *window;  /* window_size bytes */
  u32 window_size; /* a power of two, INFLATE_WINDOW_MIN..INFLATE_WINDOW_MAX */
  u32 limit;   /* bytes of output allowed */
  u32 total;   /* bytes produced so far */
  u32 flushed; /* bytes handed to put() so far */
  /* Called with each completed 4 KiB piece and, from inflate_finish, the remainder. */
  int (*put)(void *ctx, u32 offset, const u8 *data, u32 len);
  void *ctx;
  int sink_error;
};

/* The window a deflate command asked for (0: the largest), or 0 when it cannot be one. */
static inline u32 inflate_window_size(u32 asked)
{
  if (!asked) return INFLATE_WINDOW_MAX;
  if (asked < INFLATE_WINDOW_MIN || asked > INFLATE_WINDOW_MAX || (asked & (asked - 1))) return 0;
  return asked;
}

/* Decode src[0..len). Returns INFLATE_OK once the final block ended. */
int inflate_raw(const u8 *src, u32 len, struct inflate_sink *sink);
/* The same through the ROM's tinfl_decompress (inflate_rom.c); pieces are whole multiples of
 * 4 KiB. Errors: INFLATE_E_DATA for anything tinfl rejects (it reads zeros past the input's end,
 * so a short stream fails as corrupt or as too much output). */
int inflate_raw_rom(const u8 *src, u32 len, struct inflate_sink *sink);
/* Piece by piece: begin, then feed each piece of input (more = 0 for the last: tinfl reads zeros
 * past it). *used gets the bytes taken. Returns INFLATE_OK (wants more input), INFLATE_DONE or an
 * error. */
void inflate_rom_begin(struct inflate_sink *sink);
int inflate_rom_feed(const u8 *in, u32 len, u32 *used, int more, struct inflate_sink *sink);
/* Hand the last partial piece to the sink. */
int inflate_finish(struct inflate_sink *sink);

#endif
