/*
 * The stub log: a u32 byte count followed by up to 1 KiB of text, read by the host after each
 * run. No printf: strings and hex numbers only. Text past the end is dropped. Not zeroed on entry
 * (section .host_records): the host sees to it that the count is 0 when a run starts.
 */
#include "stub.h"

#define LOG_CAPACITY 1024u

struct stub_log {
  u32 length;
  char text[LOG_CAPACITY];
};

struct stub_log stub_log_buffer __attribute__((section(".host_records.stub_log_buffer")));

static void log_char(char c)
{
  if (stub_log_buffer.length < LOG_CAPACITY) stub_log_buffer.text[stub_log_buffer.length++] = c;
}

void log_str(const char *s)
{
  while (*s) log_char(*s++);
}

void log_hex(u32 value)
{
  static const char digits[] = "0123456789abcdef";
  log_str("0x");
  for (int shift = 28; shift >= 0; shift -= 4) log_char(digits[(value >> shift) & 0xF]);
}

void log_kv(const char *key, u32 value)
{
  log_str(key);
  log_char('=');
  log_hex(value);
  log_char(' ');
}

void log_nl(void)
{
  log_char('\n');
}
