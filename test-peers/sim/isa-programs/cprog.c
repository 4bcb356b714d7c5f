/* A C program mixing table CRC32, insertion sort, 64-bit arithmetic (libgcc), struct copies,
 * switch tables and recursion; results go to `results`. */
#include <stdint.h>
#include <stddef.h>

extern uint32_t results[256];

void *memcpy(void *d, const void *s, size_t n) {
  uint8_t *dd = d;
  const uint8_t *ss = s;
  while (n--) *dd++ = *ss++;
  return d;
}
void *memset(void *d, int c, size_t n) {
  uint8_t *dd = d;
  while (n--) *dd++ = (uint8_t)c;
  return d;
}

static uint32_t table[256];
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}
static uint32_t crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n--) c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

struct rec { uint32_t a; uint16_t b; int8_t c; uint64_t d; };

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint32_t classify(uint32_t v) {
  switch (v % 9) {
    case 0: return v * 3;
    case 1: return v ^ 0x5a5a;
    case 2: return v >> 3;
    case 3: return v + 1000;
    case 4: return ~v;
    case 5: return v << 2;
    case 6: return v - 77;
    case 7: return v | 0x100;
    default: return v & 0xff;
  }
}

int main(void) {
  static uint8_t buf[4096];
  uint32_t x = 12345;
  for (int i = 0; i < 4096; i++) { x = x * 1103515245u + 12345u; buf[i] = (uint8_t)(x >> 16); }
  crc_init();
  results[0] = crc32(buf, sizeof buf);
  results[1] = crc32((const uint8_t *)"123456789", 9);

  int32_t arr[32];
  for (int i = 0; i < 32; i++) { x = x * 1664525u + 1013904223u; arr[i] = (int32_t)x >> 3; }
  for (int i = 1; i < 32; i++) {
    int32_t v = arr[i];
    int j = i - 1;
    while (j >= 0 && arr[j] > v) { arr[j + 1] = arr[j]; j--; }
    arr[j + 1] = v;
  }
  for (int i = 0; i < 32; i++) results[2 + i] = (uint32_t)arr[i];

  volatile uint64_t a = 0x123456789abcdef0ull, b = 0x0fedcba987ull;
  uint64_t q = a / b, r = a % b;
  int64_t sa = -(int64_t)a;
  volatile int64_t sb = 12345;
  results[34] = (uint32_t)q; results[35] = (uint32_t)(q >> 32);
  results[36] = (uint32_t)r; results[37] = (uint32_t)(r >> 32);
  int64_t sq = sa / sb;
  results[38] = (uint32_t)sq; results[39] = (uint32_t)((uint64_t)sq >> 32);
  uint64_t m = a * b;
  results[40] = (uint32_t)m; results[41] = (uint32_t)(m >> 32);

  struct rec s1 = { 0xabcdef01u, 0x1234, -5, 0x1122334455667788ull }, s2;
  s2 = s1;
  s2.c += 3;
  results[42] = s2.a; results[43] = s2.b; results[44] = (uint32_t)(int32_t)s2.c;
  results[45] = (uint32_t)s2.d; results[46] = (uint32_t)(s2.d >> 32);

  results[47] = (uint32_t)fib(15);
  for (uint32_t i = 0; i < 40; i++) results[48 + i] = classify(i * 2654435761u);
  return 0;
}
