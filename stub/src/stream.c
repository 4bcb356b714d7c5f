/*
 * STREAM_WRITE: program data the host keeps putting into a ring buffer while the stub runs.
 * STREAM_WRITE_DEFLATED: the same with a raw DEFLATE stream in the ring, inflated by the ROM's
 * tinfl_decompress into the inflate window (the first inflate_window bytes of stub_scratch; the
 * ring must not overlap it) and programmed from there; it ends when the stream's final block does. Its byte
 * counts (host_written, stub_consumed) count stream bytes; `total` is the flash bytes it must
 * produce.
 *
 * Control block (u32 words; the host zeroes it before the call):
 *   0 host_written   bytes the host has put into the ring so far (host writes, only grows)
 *   1 stub_consumed  bytes the stub has programmed so far (stub writes)
 *   2 stub_status    1 running, 2 done, or a negative STUB_E_* code (stub writes)
 *   3 host_command   1 = abort (host writes)
 *   4 idle_max       longest run of idle polls seen (stub writes; diagnostic)
 *   5 writes         ROM write calls made (stub writes)
 *   6 inflate_window STREAM_WRITE_DEFLATED's window in bytes: a power of two from 4 KiB to 32 KiB,
 *                    at least the compressor's; 0 = 32 KiB (host writes)
 * Byte i of the stream lives at ring[i % ring_size]. The host may write ring bytes from
 * stub_consumed up to stub_consumed + ring_size, then raises host_written. The host erased the
 * range beforehand. The stub returns after `total` bytes, on a protocol violation, on abort, or
 * when host_written did not move for `poll_limit` polls (0 = the default below).
 */
#include "flash.h"
#include "inflate.h"

#define STREAM_RUNNING 1u
#define STREAM_DONE 2u
#define STREAM_ABORT 1u
#define DEFAULT_POLL_LIMIT 0x4000000u
#define MAX_WRITE 0x8000u

struct stream_control {
  volatile u32 host_written;
  volatile u32 stub_consumed;
  volatile u32 stub_status;
  volatile u32 host_command;
  volatile u32 idle_max;
  volatile u32 writes;
  volatile u32 inflate_window;
};

_Static_assert(sizeof(struct stream_control) == 28, "STREAM_CONTROL_SIZE in stub-protocol.ts");

/* Nothing to program yet: `pause` (the Zihintpause hint; a plain fence on the ESP32-C3) tells a
 * simulator that this hart is only waiting, so it can let the host run; the next poll comes first
 * when the hart runs again. An idle poll is a few cycles on the chip, hence the large default
 * limit (~2^26 polls: seconds at 160 MHz). */
static void idle_pause(void)
{
  __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory");
}

/* Wait until the host has announced ring bytes past `consumed` (at most `limit` in all). STUB_OK
 * with *n > 0 contiguous bytes (a multiple of `align`) at ring offset *at, or an error. */
static int ring_next(struct stream_control *c, u32 consumed, u32 limit, u32 ring_size, u32 align, u32 poll_limit,
                     u32 *at, u32 *n)
{
  u32 idle = 0;
  for (;;) {
    if (c->host_command == STREAM_ABORT) return STUB_E_STREAM_ABORTED;
    u32 written = c->host_written;
    if (written > limit || written < consumed || written - consumed > ring_size) {
      log_kv("stream host_written", written);
      log_kv("consumed", consumed);
      return STUB_E_STREAM_PROTOCOL;
    }
    u32 k = (written - consumed) & ~(align - 1);
    *at = consumed % ring_size;
    if (k > ring_size - *at) k = ring_size - *at;
    if (k > MAX_WRITE) k = MAX_WRITE;
    if (k) {
      *n = k;
      return STUB_OK;
    }
    if (++idle > c->idle_max) c->idle_max = idle;
    if (idle >= poll_limit) return STUB_E_STREAM_TIMEOUT;
    idle_pause();
  }
}

static int stream_loop(struct flash_session *s, u32 addr, u32 total, const u8 *ring, u32 ring_size,
                       struct stream_control *c, u32 poll_limit)
{
  u32 consumed = 0, at, n;
  while (consumed < total) {
    int rc = ring_next(c, consumed, total, ring_size, 4, poll_limit, &at, &n);
    if (rc) return rc;
    rc = flash_write(s, addr + consumed, ring + at, n);
    c->writes = c->writes + 1;
    if (rc) return rc;
    consumed += n;
    c->stub_consumed = consumed;
  }
  return STUB_OK;
}

static int inflate_loop(struct flash_session *s, u32 addr, u32 total, const u8 *ring, u32 ring_size,
                        struct stream_control *c, u32 poll_limit, u32 window_size)
{
  struct flash_put_target target = {s, addr, &c->writes};
  struct inflate_sink sink = {stub_scratch, window_size, total, 0, 0, flash_put, &target, 0};
  u32 consumed = 0, at, n, used;
  inflate_rom_begin(&sink);
  for (;;) {
    int rc = ring_next(c, consumed, 0xFFFFFFFFu, ring_size, 1, poll_limit, &at, &n);
    if (rc) return rc;
    int ir = inflate_rom_feed(ring + at, n, &used, 1, &sink);
    consumed += used;
    c->stub_consumed = consumed;
    if (ir != INFLATE_OK) return flash_inflate_result(&sink, ir == INFLATE_DONE ? INFLATE_OK : ir);
  }
}

static int stream_command(u32 addr, u32 total, u32 ring, u32 ring_size, u32 control, u32 poll_limit, int deflated)
{
  int rc = flash_check_range(addr, total, 4);
  if (rc) return rc;
  if (!ring || !control || !IS_ALIGNED(ring, 4) || !IS_ALIGNED(control, 4) || ring_size < 4 || !IS_ALIGNED(ring_size, 4))
    return STUB_E_BAD_ARGUMENT;
  struct stream_control *c = (struct stream_control *)control;
  u32 window_size = inflate_window_size(c->inflate_window);
  if (deflated && (!window_size || (ring < (u32)stub_scratch + window_size && ring + ring_size > (u32)stub_scratch)))
    return STUB_E_BAD_ARGUMENT;
  c->stub_consumed = 0;
  c->idle_max = 0;
  c->writes = 0;
  c->stub_status = STREAM_RUNNING;
  struct flash_session s;
  rc = flash_begin(&s, addr + total, 0, 1);
  if (!poll_limit) poll_limit = DEFAULT_POLL_LIMIT;
  if (rc == STUB_OK)
    rc = deflated ? inflate_loop(&s, addr, total, (const u8 *)ring, ring_size, c, poll_limit, window_size)
                  : stream_loop(&s, addr, total, (const u8 *)ring, ring_size, c, poll_limit);
  flash_end(&s);
  c->stub_status = rc == STUB_OK ? STREAM_DONE : (u32)rc;
  return rc;
}

int cmd_stream_write(u32 addr, u32 total, u32 ring, u32 ring_size, u32 control, u32 poll_limit)
{
  return stream_command(addr, total, ring, ring_size, control, poll_limit, 0);
}

int cmd_stream_write_deflated(u32 addr, u32 total, u32 ring, u32 ring_size, u32 control, u32 poll_limit)
{
  return stream_command(addr, total, ring, ring_size, control, poll_limit, 1);
}
