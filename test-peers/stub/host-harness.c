/*
 * Host build of the stub's pure parts (SHA-256, raw inflate) for the peer tests:
 *   host-harness sha256 < data            prints the digest in hex
 *   host-harness inflate LIMIT [WINDOW] < deflated   writes the output; exit 0 ok, 10 + (-code) on
 *                                         error, 2 for a window inflate_window_size refuses
 *   host-harness sizes                    prints "capacity size" for every capacity byte
 * Chunks the sink receives are checked: 4 KiB each except the last, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../stub/src/sha256.h"
#include "../../stub/src/inflate.h"
#include "../../stub/src/flash_size.h"

static unsigned char *read_all(size_t *len)
{
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  *len = n;
  return buf;
}

static unsigned expected_offset;

static int put(void *ctx, u32 offset, const u8 *data, u32 len)
{
  (void)ctx;
  if (offset != expected_offset) return -100;
  if (len != INFLATE_CHUNK && (offset + len) % INFLATE_CHUNK == 0) return -101;
  fwrite(data, 1, len, stdout);
  expected_offset += len;
  return 0;
}

int main(int argc, char **argv)
{
  size_t len;
  if (argc >= 2 && strcmp(argv[1], "sha256") == 0) {
    unsigned char *data = read_all(&len);
    struct sha256_ctx c;
    u8 d[32];
    sha256_init(&c);
    /* Feed in uneven pieces to exercise the block buffer. */
    size_t at = 0, step = 1;
    while (at < len) {
      size_t n = len - at < step ? len - at : step;
      sha256_update(&c, data + at, (u32)n);
      at += n;
      step = step * 3 + 1;
    }
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) printf("%02x", d[i]);
    printf("\n");
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "inflate") == 0) {
    unsigned char *data = read_all(&len);
    u32 window_size = inflate_window_size(argc >= 4 ? (u32)strtoul(argv[3], 0, 0) : 0);
    if (!window_size) return 2;
    static u8 window[INFLATE_WINDOW_MAX];
    struct inflate_sink sink = {window, window_size, (u32)strtoul(argv[2], 0, 0), 0, 0, put, 0, 0};
    int rc = inflate_raw(data, (u32)len, &sink);
    if (rc == INFLATE_OK) rc = inflate_finish(&sink);
    fflush(stdout);
    return rc == INFLATE_OK ? 0 : 10 - rc;
  }
  if (argc >= 2 && strcmp(argv[1], "sizes") == 0) {
    for (unsigned c = 0; c < 256; c++) printf("%u %u\n", c, flash_size_from_capacity(c));
    return 0;
  }
  fprintf(stderr, "usage: host-harness sha256 | inflate LIMIT [WINDOW] | sizes\n");
  return 2;
}
