/* READ, WRITE, WRITE_DEFLATED, ERASE, ERASE_CHECK and SHA256: flash ranges through the ROM. */
#include "flash.h"
#include "inflate.h"
#include "sha256.h"
#include "sha_hw.h"

u8 stub_scratch[SCRATCH_SIZE] __attribute__((aligned(16), section(".scratch")));

#define READ_CHUNK 0x1000u

int cmd_read(u32 addr, u32 len, u32 dest)
{
  int rc = flash_check_range(addr, len, 4);
  if (rc) return rc;
  if (!IS_ALIGNED(dest, 4) || (len && !dest)) return STUB_E_BAD_ARGUMENT;
  struct flash_session s;
  rc = flash_begin(&s, addr + len, 0, 0);
  if (rc == STUB_OK) rc = flash_read(&s, addr, (void *)dest, len);
  flash_end(&s);
  return rc;
}

/*
 * `count` pieces of `piece` bytes, `stride` apart from addr, back to back at dest: what a search
 * on every sector boundary looks at, in one call instead of one per piece.
 */
int cmd_read_strided(u32 addr, u32 piece, u32 dest, u32 stride, u32 count)
{
  if (!piece || !count || stride < piece || !IS_ALIGNED(stride, 4) || !IS_ALIGNED(dest, 4) || !dest) return STUB_E_BAD_ARGUMENT;
  if (count - 1 > ROM_ADDRESS_LIMIT / stride) return STUB_E_BEYOND_16MB;
  int rc = flash_check_range(addr, stride * (count - 1) + piece, 4);
  if (rc) return rc;
  struct flash_session s;
  rc = flash_begin(&s, addr + stride * (count - 1) + piece, 0, 0);
  for (u32 i = 0; rc == STUB_OK && i < count; i++) rc = flash_read(&s, addr + i * stride, (u8 *)dest + i * piece, piece);
  flash_end(&s);
  return rc;
}

int cmd_write(u32 addr, u32 len, u32 src)
{
  int rc = flash_check_range(addr, len, 4);
  if (rc) return rc;
  if (!IS_ALIGNED(src, 4) || (len && !src)) return STUB_E_BAD_ARGUMENT;
  struct flash_session s;
  rc = flash_begin(&s, addr + len, 0, 1);
  if (rc == STUB_OK) rc = flash_write(&s, addr, (const void *)src, len);
  flash_end(&s);
  return rc;
}

int cmd_erase(u32 addr, u32 len)
{
  int rc = flash_check_range(addr, len, SECTOR_SIZE);
  if (rc) return rc;
  struct flash_session s;
  rc = flash_begin(&s, addr + len, 0, 1);
  if (rc == STUB_OK) rc = flash_erase(&s, addr, len);
  flash_end(&s);
  return rc;
}

/* Index of the first word of w[0..words) that is not 0xFFFFFFFF, or `words`. Eight words per test
 * (ANDed together) while they are all erased: the hot loop of ERASE_CHECK and of every survey. */
__attribute__((optimize("O2"))) static u32 first_unerased_word(const u32 *w, u32 words)
{
  u32 i = 0;
  for (; i + 8 <= words; i += 8)
    if ((w[i] & w[i + 1] & w[i + 2] & w[i + 3] & w[i + 4] & w[i + 5] & w[i + 6] & w[i + 7]) != 0xFFFFFFFFu) break;
  while (i < words && w[i] == 0xFFFFFFFFu) i++;
  return i;
}

/* 0 when [addr, addr+len) is all 0xFF, else 1 + the offset of the first other byte. */
int cmd_erase_check(u32 addr, u32 len)
{
  int rc = flash_check_range(addr, len, 4);
  if (rc) return rc;
  struct flash_session s;
  rc = flash_begin(&s, addr + len, 0, 0);
  for (u32 done = 0; rc == STUB_OK && done < len;) {
    u32 n = len - done < READ_CHUNK ? len - done : READ_CHUNK;
    rc = flash_read(&s, addr + done, stub_scratch, n);
    if (rc) break;
    u32 i = first_unerased_word((const u32 *)stub_scratch, n / 4);
    if (i < n / 4) {
      u32 at = 4 * i;
      while (stub_scratch[at] == 0xFF) at++;
      rc = (int)(done + at + 1);
      break;
    }
    done += n;
  }
  flash_end(&s);
  return rc;
}

/* SHA256: one digest of [addr, addr+len), or with `piece` one digest per piece of that many bytes
 * (the last one shorter), written one after another. The flash is read once either way. The
 * hashing is done by the chip's SHA accelerator, borrowed and given back (sha_hw.c); while a
 * calculation of the program's keeps it busy, in software (sha256.c). */
int cmd_sha256(u32 addr, u32 len, u32 digest_addr, u32 piece)
{
  if (!digest_addr || !IS_ALIGNED(digest_addr, 4)) return STUB_E_BAD_ARGUMENT;
  if (!IS_ALIGNED(addr, 4) || !IS_ALIGNED(piece, 4)) return STUB_E_BAD_ARGUMENT;
  if (!piece || piece > len) piece = len;
  int rc = flash_check_range(addr, (len + 3u) & ~3u, 4);
  if (rc) return rc;
  struct sha_hw_borrowed borrowed;
  int hw = sha_hw_borrow(&borrowed) == 0;
  log_kv("sha_hw", (u32)hw);
  struct sha_hw_ctx hctx;
  struct sha256_ctx sctx;
  struct flash_session s;
  rc = flash_begin(&s, addr + ((len + 3u) & ~3u), 0, 0);
  u8 *out = (u8 *)digest_addr;
  u32 done = 0;
  do {
    u32 end = len - done < piece ? len : done + piece;
    if (hw) sha_hw_init(&hctx);
    else sha256_init(&sctx);
    while (rc == STUB_OK && done < end) {
      u32 n = end - done < READ_CHUNK ? end - done : READ_CHUNK;
      rc = flash_read(&s, addr + done, stub_scratch, (n + 3u) & ~3u);
      if (rc == STUB_OK && hw) sha_hw_update(&hctx, stub_scratch, n);
      else if (rc == STUB_OK) sha256_update(&sctx, stub_scratch, n);
      done += n;
    }
    if (rc != STUB_OK) break;
    if (hw) sha_hw_final(&hctx, out);
    else sha256_final(&sctx, out);
    out += 32;
  } while (done < len);
  if (hw) sha_hw_give_back(&borrowed);
  flash_end(&s);
  return rc;
}

/* WRITE_DEFLATED: inflate into the window (the first `window` bytes of stub_scratch, 0 = 32 KiB)
 * with the ROM's tinfl or, with WRITE_DEFLATED_OWN_INFLATER, our own; program every 4 KiB. */
int cmd_write_deflated(u32 addr, u32 compressed_len, u32 src, u32 uncompressed_len, u32 flags, u32 window)
{
  int rc = flash_check_range(addr, uncompressed_len, 4);
  if (rc) return rc;
  u32 window_size = inflate_window_size(window);
  if ((compressed_len && !src) || !window_size) return STUB_E_BAD_ARGUMENT;
  struct flash_session s;
  rc = flash_begin(&s, addr + uncompressed_len, 0, 1);
  if (rc == STUB_OK) {
    struct flash_put_target target = {&s, addr, 0};
    struct inflate_sink sink = {stub_scratch, window_size, uncompressed_len, 0, 0, flash_put, &target, 0};
    int ir = flags & WRITE_DEFLATED_OWN_INFLATER ? inflate_raw((const u8 *)src, compressed_len, &sink)
                                                 : inflate_raw_rom((const u8 *)src, compressed_len, &sink);
    rc = flash_inflate_result(&sink, ir);
  }
  flash_end(&s);
  return rc;
}
