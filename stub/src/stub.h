/*
 * espalgo flasher stub for the ESP32-C3: shared definitions.
 *
 * One image, one entry: stub_main(command, a1..a6). The return value is 0 (OK), a positive
 * command-specific value (PING, ERASE_CHECK), or one of the negative STUB_E_* codes below.
 * The host mirror of every number in this file is src/flash/stub-protocol.ts and
 * src/flash/stub-errors.ts; stub/README.md documents them.
 */
#ifndef ESPALGO_STUB_H
#define ESPALGO_STUB_H

#include "types.h"

typedef unsigned long size_t;

#define STUB_PROTOCOL_VERSION 2u
/* PING answers with this value: 'E','A' and the protocol version. */
#define STUB_PING_REPLY (0x45410000u | STUB_PROTOCOL_VERSION)

/* Command numbers (a0). */
enum stub_command {
  CMD_PING = 0,
  CMD_FLASH_INFO = 1,     /* a1 = result (struct flash_info_result) */
  CMD_READ = 2,           /* a1 = flash addr, a2 = length, a3 = destination */
  CMD_WRITE = 3,          /* a1 = flash addr, a2 = length, a3 = source */
  CMD_WRITE_DEFLATED = 4, /* a1 = flash addr, a2 = compressed length, a3 = source, a4 = uncompressed length,
                           a5 = flags (WRITE_DEFLATED_OWN_INFLATER) */
  CMD_ERASE = 5,          /* a1 = flash addr, a2 = length */
  CMD_ERASE_CHECK = 6,    /* a1 = flash addr, a2 = length */
  CMD_MAP_GET = 7,        /* a1 = table offset (0 = search), a2 = app offset (0 = decide), a3 = result */
  CMD_SHA256 = 8,         /* a1 = flash addr, a2 = length, a3 = digests out, a4 = piece length (0 = one digest) */
  CMD_STREAM_WRITE = 9,   /* a1 = flash addr, a2 = total, a3 = ring, a4 = ring size, a5 = control, a6 = idle poll limit */
  CMD_STREAM_WRITE_DEFLATED = 10, /* as STREAM_WRITE; the ring holds a raw DEFLATE stream, a2 = flash bytes */
  CMD_READ_STRIDED = 11,  /* a1 = first flash addr, a2 = bytes per piece, a3 = destination, a4 = stride, a5 = pieces */
  CMD_COUNT = 12
};

/* Return codes. Keep in step with src/flash/stub-errors.ts. */
#define STUB_OK 0
#define STUB_E_BAD_COMMAND (-1)
#define STUB_E_BAD_ARGUMENT (-2)
#define STUB_E_OUT_OF_RANGE (-3)
#define STUB_E_ROM_READ (-4)
#define STUB_E_ROM_WRITE (-5)
#define STUB_E_ROM_ERASE (-6)
#define STUB_E_FLASH_ID (-7)
#define STUB_E_NO_PARTITION_TABLE (-8)
#define STUB_E_NO_APP (-9)
#define STUB_E_BAD_IMAGE_HEADER (-10)
#define STUB_E_INFLATE (-11)
#define STUB_E_STREAM_TIMEOUT (-12)
#define STUB_E_BEYOND_16MB (-13)
#define STUB_E_UNKNOWN_FLASH_SIZE (-14)
#define STUB_E_ROM_DATA (-15)
#define STUB_E_SIZE_MISMATCH (-16)
#define STUB_E_ROM_UNLOCK (-17)
#define STUB_E_STREAM_ABORTED (-18)
#define STUB_E_STREAM_PROTOCOL (-19)
#define STUB_E_BAD_PARTITION (-20)
#define STUB_E_MCUBOOT_LOAD_HEADER (-21)

/* WRITE_DEFLATED flags (a5). Without OWN_INFLATER the ROM's tinfl_decompress inflates. */
#define WRITE_DEFLATED_OWN_INFLATER 1u

#define SECTOR_SIZE 0x1000u
#define BLOCK_SIZE 0x10000u
#define PAGE_SIZE 0x100u
/* The ROM's legacy flash API sends 3-byte addresses. */
#define ROM_ADDRESS_LIMIT 0x1000000u

#define REG32(addr) (*(volatile u32 *)(addr))
#define IS_ALIGNED(v, a) ((((u32)(v)) & ((a)-1u)) == 0)

/* libc.c */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* log.c: appends to stub_log_buffer (u32 length + text). */
void log_str(const char *s);
void log_hex(u32 value);
void log_kv(const char *key, u32 value); /* "key=0x........ " */
void log_nl(void);

/* Scratch memory shared by the commands (one command runs at a time). */
#define SCRATCH_SIZE 0x10000u
/* Not zeroed on entry (section .scratch): write before reading. */
extern u8 stub_scratch[SCRATCH_SIZE];

/* Command handlers. */
int cmd_flash_info(u32 result_addr);
int cmd_read(u32 addr, u32 len, u32 dest);
int cmd_read_strided(u32 addr, u32 piece, u32 dest, u32 stride, u32 count);
int cmd_write(u32 addr, u32 len, u32 src);
int cmd_write_deflated(u32 addr, u32 compressed_len, u32 src, u32 uncompressed_len, u32 flags, u32 window);
int cmd_erase(u32 addr, u32 len);
int cmd_erase_check(u32 addr, u32 len);
int cmd_map_get(u32 table_offset, u32 app_offset, u32 result_addr);
int cmd_sha256(u32 addr, u32 len, u32 digest_addr, u32 piece);
int cmd_stream_write(u32 addr, u32 total, u32 ring, u32 ring_size, u32 control, u32 poll_limit);
int cmd_stream_write_deflated(u32 addr, u32 total, u32 ring, u32 ring_size, u32 control, u32 poll_limit);

#endif
