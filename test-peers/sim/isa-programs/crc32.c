/* Benchmark: bitwise CRC32 over a 1 MiB buffer filled by an LCG; result in results[0]. */
#include <stdint.h>
extern uint32_t results[256];
static uint8_t buf[1 << 20];
int main(void) {
  uint32_t x = 1;
  for (uint32_t i = 0; i < sizeof buf; i += 4) {
    x = x * 1664525u + 1013904223u;
    *(uint32_t *)(buf + i) = x;
  }
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < sizeof buf; i++) {
    c ^= buf[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
  }
  results[0] = ~c;
  return 0;
}
