/*
 * Raw DEFLATE through the ROM's miniz (tinfl_decompress), with the sink contract of inflate.h:
 * the window is tinfl's wrapping output buffer and dictionary; whole 4 KiB pieces go to the
 * sink as soon as they are complete (several at once where they are contiguous in the window),
 * the remainder from inflate_finish. Input may come all at once (inflate_raw_rom) or piece by
 * piece (inflate_rom_begin / inflate_rom_feed, for STREAM_WRITE_DEFLATED).
 */
#include "inflate.h"
#include "rom.h"

/* ~11 KB of decoder state; in .scratch so stub_main does not zero it (tinfl_init does). */
static tinfl_decompressor rom_inflater __attribute__((section(".scratch"), aligned(4)));

static int hand_out_pieces(struct inflate_sink *s)
{
  while (s->total - s->flushed >= INFLATE_CHUNK) {
    u32 at = s->flushed & (s->window_size - 1);
    u32 n = (s->total - s->flushed) & ~(INFLATE_CHUNK - 1);
    if (n > s->window_size - at) n = s->window_size - at;
    int rc = s->put(s->ctx, s->flushed, s->window + at, n);
    if (rc) {
      s->sink_error = rc;
      return INFLATE_E_SINK;
    }
    s->flushed += n;
  }
  return INFLATE_OK;
}

void inflate_rom_begin(struct inflate_sink *sink)
{
  sink->total = sink->flushed = 0;
  sink->sink_error = 0;
  rom_inflater.m_state = 0;
}

int inflate_rom_feed(const u8 *in, u32 len, u32 *used, int more, struct inflate_sink *sink)
{
  *used = 0;
  for (;;) {
    u32 at = sink->total & (sink->window_size - 1);
    size_t in_size = len - *used;
    size_t out_size = sink->window_size - at;
    int status = tinfl_decompress(&rom_inflater, in + *used, &in_size, sink->window, sink->window + at, &out_size,
                                  more ? TINFL_FLAG_HAS_MORE_INPUT : 0);
    *used += in_size;
    if (out_size > sink->limit - sink->total) return INFLATE_E_TOO_MUCH;
    sink->total += out_size;
    int rc = hand_out_pieces(sink);
    if (rc) return rc;
    if (status == TINFL_STATUS_DONE) return INFLATE_DONE;
    if (status == TINFL_STATUS_NEEDS_MORE_INPUT && more) return INFLATE_OK;
    if (status != TINFL_STATUS_HAS_MORE_OUTPUT) return INFLATE_E_DATA;
  }
}

int inflate_raw_rom(const u8 *src, u32 len, struct inflate_sink *sink)
{
  u32 used;
  inflate_rom_begin(sink);
  int rc = inflate_rom_feed(src, len, &used, 0, sink);
  return rc == INFLATE_DONE ? INFLATE_OK : rc;
}
