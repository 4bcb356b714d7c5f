/* The few C library functions the compiler may call; there is no C library in the stub. */
#include "stub.h"

/* Word at a time where both ends are 4-aligned (the stub's structures are), else byte by byte. */
void *memcpy(void *dst, const void *src, size_t n)
{
  u8 *d = dst;
  const u8 *s = src;
  if ((((size_t)d | (size_t)s) & 3u) == 0) {
    for (; n >= 4; n -= 4, d += 4, s += 4) *(u32 *)d = *(const u32 *)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n)
{
  u8 *d = dst;
  if (((size_t)d & 3u) == 0) {
    u32 word = (u8)c * 0x01010101u;
    for (; n >= 4; n -= 4, d += 4) *(u32 *)d = word;
  }
  while (n--) *d++ = (u8)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
  const u8 *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}
