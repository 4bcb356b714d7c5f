/*
 * Entry and dispatch. The host calls stub_main(command, a1..a6) with sp at the top of a stack
 * it allocated, mtvec at stub_trap_entry and interrupts masked; the return value goes back in a0.
 */
#include "stub.h"

/* At the IRAM origin, first in .text. idf_key 0 marks a copy loaded over JTAG, so it is never
 * mistaken for the copy an application may carry (key 0x5C3A9F5A). */
struct stub_descriptor {
  u32 magic;
  u32 version;
  u32 idf_key;
  u32 protocol;
  u32 commands;
};

__attribute__((section(".stub_desc"), used)) const struct stub_descriptor stub_descriptor = {
  .magic = 0xFEEDFACEu,
  .version = 1,
  .idf_key = 0,
  .protocol = STUB_PROTOCOL_VERSION,
  .commands = CMD_COUNT,
};

extern u32 _bss_start[];
extern u32 _bss_end[];

int stub_main(u32 command, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5, u32 a6)
{
  for (volatile u32 *p = _bss_start; p < _bss_end; p++) *p = 0;

  switch (command) {
  case CMD_PING: return (int)STUB_PING_REPLY;
  case CMD_FLASH_INFO: return cmd_flash_info(a1);
  case CMD_READ: return cmd_read(a1, a2, a3);
  case CMD_WRITE: return cmd_write(a1, a2, a3);
  case CMD_WRITE_DEFLATED: return cmd_write_deflated(a1, a2, a3, a4, a5, a6);
  case CMD_ERASE: return cmd_erase(a1, a2);
  case CMD_ERASE_CHECK: return cmd_erase_check(a1, a2);
  case CMD_MAP_GET: return cmd_map_get(a1, a2, a3);
  case CMD_SHA256: return cmd_sha256(a1, a2, a3, a4);
  case CMD_STREAM_WRITE: return cmd_stream_write(a1, a2, a3, a4, a5, a6);
  case CMD_STREAM_WRITE_DEFLATED: return cmd_stream_write_deflated(a1, a2, a3, a4, a5, a6);
  case CMD_READ_STRIDED: return cmd_read_strided(a1, a2, a3, a4, a5);
  default:
    log_kv("bad command", command);
    return STUB_E_BAD_COMMAND;
  }
}
