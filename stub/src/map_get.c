/*
 * MAP_GET: where the application that would boot lives and how it maps into the flash windows.
 *
 * 1. Flash size from the JEDEC id (#366-safe read); unknown size is reported, not fatal.
 * 2. Partition table: at the given offset, or searched at 0x8000 and then every 4 KiB from
 *    0x9000 to 0xFF000 (stopping at the flash end). A candidate counts when its first entry has
 *    magic 0x50AA and points to a 4 KiB-aligned partition after the table.
 * 3. The app, as the 2nd-stage bootloader picks it: the given app offset; else the OTA slot the
 *    highest valid otadata sequence number selects; else factory; else ota_0; else the first app.
 * 4. The image header at the app, and every segment, each ending inside the app's partition (the
 *    flash when no app partition starts at the app offset given): those loading into DROM (0x3C000000-
 *    0x3C800000) or IROM (0x42000000-0x42800000) are recorded in file order, up to 16.
 *    An MCUboot image (magic 0x96F3B83D) instead: Espressif's load header after its header (at
 *    the header size it gives) names one IROM and one DROM region, which must lie inside the
 *    app's partition (or the flash, as above); those are recorded (DROM first),
 *    reason as chosen, flag MCUBOOT. Only the two headers are read.
 * No table (none found, or none at the offset given) and no app offset: a flash that starts with
 * the direct-boot magic twice holds a program the ROM runs in place; its mappings are the ROM's,
 * the first 4 MiB (at most the flash) 1:1 at DROM and IROM: two segments, reason DIRECT_BOOT.
 * Else, a flash whose image at 0 is a Simple Boot app (esptool elf2image --ram-only-header; Zephyr,
 * NuttX) holds an app the ROM loads and runs in place of a bootloader: its header counts only RAM
 * segments, and after its checksum come (padding, flash segment) pairs that the app maps itself;
 * those flash segments are its mappings, reason SIMPLE_BOOT (only the 8-byte headers are read).
 * The result is filled as far as the command got, also when it returns an error.
 */
#include "flash.h"

#define TABLE_DEFAULT 0x8000u
#define TABLE_SEARCH_END 0x100000u
#define TABLE_BYTES 0xC00u
#define ENTRY_SIZE 32u
#define ENTRY_MAGIC 0x50AAu
#define IMAGE_MAGIC 0xE9u
#define IMAGE_HEADER_BYTES 24u
#define MAX_SEGMENTS 16u
#define NONE 0xFFFFFFFFu

#define MAP_TABLE_FOUND (1u << 0)
#define MAP_TABLE_SEARCHED (1u << 1)
#define MAP_OTADATA_VALID (1u << 2)
#define MAP_APP_FOUND (1u << 3)
#define MAP_HEADER_OK (1u << 4)
#define MAP_SEGMENTS_TRUNCATED (1u << 5)
#define MAP_SIZE_DETECTED (1u << 6)
#define MAP_DIRECT_BOOT (1u << 7)
#define MAP_SIMPLE_BOOT (1u << 8)
#define MAP_MCUBOOT (1u << 9)

#define MCUBOOT_MAGIC 0x96F3B83Du
#define MCUBOOT_HEADER_BYTES 32u
#define LOAD_HEADER_MAGIC 0xACE637D3u
#define LOAD_HEADER_BYTES 0x50u

#define DIRECT_BOOT_MAGIC 0xAEDB041Du
#define DIRECT_BOOT_MAP_BYTES 0x400000u
#define DROM_BASE 0x3C000000u
#define DROM_END 0x3C800000u
#define IROM_BASE 0x42000000u
#define IROM_END 0x42800000u

enum app_reason { REASON_NONE, REASON_OVERRIDE, REASON_OTADATA, REASON_FACTORY, REASON_OTA0, REASON_FIRST_APP, REASON_DIRECT_BOOT, REASON_SIMPLE_BOOT };
enum segment_kind { KIND_DROM = 1, KIND_IROM = 2 };

struct map_segment {
  u32 flash_offset; /* offset of the segment's data (after its 8-byte header) */
  u32 vaddr;
  u32 size;
  u32 kind;
};

/* Result layout; mirrored in src/flash/stub-protocol.ts. */
struct map_result {
  u32 struct_size;    /*  0 */
  u32 flags;          /*  4 MAP_* */
  u32 table_offset;   /*  8 NONE if not found */
  u32 app_offset;     /* 12 NONE if not found */
  u32 app_size;       /* 16 partition size, cut at the flash end (app offset override: 0 when no app partition starts there); the span mapped (direct boot); the image end (Simple Boot) */
  u32 reason;         /* 20 enum app_reason */
  u32 ota_seq;        /* 24 highest valid otadata sequence number, 0 = none */
  u32 ota_count;      /* 28 ota_N app partitions in the table */
  u32 flash_size;     /* 32 from the JEDEC id, 0 = unknown */
  u32 rom_chip_size;  /* 36 the ROM's chip_size when the command started */
  u32 problem_offset; /* 40 flash offset of what made the command fail, NONE if nothing */
  u32 segment_count;  /* 44 segments walked (MCUboot: regions recorded) */
  u32 mapped_count;   /* 48 entries in segments[] */
  u8 header[IMAGE_HEADER_BYTES]; /* 52 the raw image header (MCUboot: its first 24 bytes) */
  u32 reserved;       /* 76 */
  struct map_segment segments[MAX_SEGMENTS]; /* 80 */
};

_Static_assert(sizeof(struct map_result) == 336, "MAP_RESULT_SIZE in stub-protocol.ts");

struct partition {
  u32 offset, size;
};

struct table_scan {
  struct partition factory, otadata, first_app, ota[16];
  struct partition given; /* the app partition starting at the app offset given, if any */
  u32 ota_count;
};

static u32 rd32(const u8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((u32)p[3] << 24);
}

/* zlib-style CRC-32 (reflected 0xEDB88320); crc32(0xFFFFFFFF, seq) is the otadata checksum. */
static u32 crc32_le(u32 crc, const u8 *p, u32 len)
{
  crc = ~crc;
  while (len--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/* KIND_DROM or KIND_IROM for an address in a flash window, else 0. */
static u32 window_kind(u32 vaddr)
{
  if (vaddr >= DROM_BASE && vaddr < DROM_END) return KIND_DROM;
  if (vaddr >= IROM_BASE && vaddr < IROM_END) return KIND_IROM;
  return 0;
}

static int table_candidate(struct flash_session *s, u32 at, int *io_error)
{
  u8 e[ENTRY_SIZE];
  *io_error = 0;
  if (flash_read(s, at, e, ENTRY_SIZE) != STUB_OK) {
    *io_error = 1;
    return 0;
  }
  u32 offset = rd32(e + 4);
  return (e[0] | (e[1] << 8)) == ENTRY_MAGIC && IS_ALIGNED(offset, SECTOR_SIZE) && offset >= at + SECTOR_SIZE && rd32(e + 8);
}

static int find_table(struct flash_session *s, u32 given, u32 limit, struct map_result *out)
{
  int io_error;
  if (given) {
    out->problem_offset = given;
    if (given + TABLE_BYTES > limit) return STUB_E_OUT_OF_RANGE;
    if (table_candidate(s, given, &io_error)) return (int)given;
    return io_error ? STUB_E_ROM_READ : STUB_E_NO_PARTITION_TABLE;
  }
  out->flags |= MAP_TABLE_SEARCHED;
  u32 end = limit < TABLE_SEARCH_END ? limit : TABLE_SEARCH_END;
  if (TABLE_DEFAULT + TABLE_BYTES <= end && table_candidate(s, TABLE_DEFAULT, &io_error)) return (int)TABLE_DEFAULT;
  for (u32 at = TABLE_DEFAULT + SECTOR_SIZE; at + TABLE_BYTES <= end; at += SECTOR_SIZE)
    if (table_candidate(s, at, &io_error)) return (int)at;
  return STUB_E_NO_PARTITION_TABLE;
}

static void scan_table(const u8 *t, u32 app_offset, struct table_scan *scan)
{
  memset(scan, 0, sizeof(*scan));
  for (u32 i = 0; i + ENTRY_SIZE <= TABLE_BYTES; i += ENTRY_SIZE) {
    const u8 *e = t + i;
    if ((e[0] | (e[1] << 8)) != ENTRY_MAGIC) break; /* MD5 entry (0xEBEB) or the end */
    u32 type = e[2], subtype = e[3];
    struct partition p = {rd32(e + 4), rd32(e + 8)};
    if (type == 0x00) {
      if (!scan->first_app.size) scan->first_app = p;
      if (app_offset && p.offset == app_offset && !scan->given.size) scan->given = p;
      if (subtype == 0x00) scan->factory = p;
      else if (subtype >= 0x10 && subtype < 0x20) {
        scan->ota[subtype - 0x10] = p;
        scan->ota_count++;
      }
    } else if (type == 0x01 && subtype == 0x00) {
      scan->otadata = p;
    }
  }
}

/* Highest valid otadata sequence number, 0 if none. */
static u32 otadata_seq(struct flash_session *s, const struct partition *otadata)
{
  u32 best = 0;
  for (u32 copy = 0; copy < 2; copy++) {
    u8 e[32];
    if (flash_read(s, otadata->offset + copy * SECTOR_SIZE, e, sizeof e) != STUB_OK) continue;
    u32 seq = rd32(e), state = rd32(e + 24), crc = rd32(e + 28);
    if (seq == NONE || state == 3 || state == 4) continue; /* erased, INVALID, ABORTED */
    if (crc != crc32_le(0xFFFFFFFFu, e, 4)) continue;
    if (seq > best) best = seq;
  }
  return best;
}

static void choose_app(struct flash_session *s, const struct table_scan *t, struct map_result *out, struct partition *app)
{
  if (t->otadata.size >= 2 * SECTOR_SIZE && t->ota_count) {
    u32 seq = otadata_seq(s, &t->otadata);
    if (seq) {
      out->flags |= MAP_OTADATA_VALID;
      out->ota_seq = seq;
      const struct partition *slot = &t->ota[(seq - 1) % t->ota_count];
      if (slot->size) {
        *app = *slot;
        out->reason = REASON_OTADATA;
        return;
      }
    }
  }
  if (t->factory.size) {
    *app = t->factory;
    out->reason = REASON_FACTORY;
  } else if (t->ota[0].size) {
    *app = t->ota[0];
    out->reason = REASON_OTA0;
  } else if (t->first_app.size) {
    *app = t->first_app;
    out->reason = REASON_FIRST_APP;
  }
}

/*
 * The MCUboot image at app (header in out->header): Espressif's load header at app + header size,
 * words: magic, entry, IRAM and DRAM {addr, offset, size}, [LP RTC IRAM and DRAM {addr, offset,
 * size} in the current layout], IROM and DROM {addr, offset from the app, size}. The first layout
 * (current, then earlier) whose non-empty regions lie in their windows at flash offsets equal to
 * their addresses modulo the 64 KiB MMU page, and inside the app's partition (the flash when the
 * app offset was given), one at least, is taken.
 */
static int mcuboot(struct flash_session *s, u32 app, u32 limit, struct map_result *out)
{
  u32 h[LOAD_HEADER_BYTES / 4];
  u32 room = out->app_size ? out->app_size : limit - app; /* bytes from the app to its partition's end, else the flash end */
  u32 at = app + (out->header[8] | (out->header[9] << 8));
  out->flags |= MAP_MCUBOOT;
  out->problem_offset = at;
  if (at < app + MCUBOOT_HEADER_BYTES || at + sizeof h > limit) return STUB_E_MCUBOOT_LOAD_HEADER;
  if (flash_read(s, at, h, sizeof h) != STUB_OK) return STUB_E_ROM_READ;
  if (h[0] != LOAD_HEADER_MAGIC) return STUB_E_MCUBOOT_LOAD_HEADER;
  for (u32 w = 14; w >= 8; w -= 6) {
    u32 n = 0, fits = 1;
    for (u32 kind = KIND_DROM; kind <= KIND_IROM; kind++) {
      const u32 *r = h + w + (kind == KIND_DROM ? 3 : 0);
      u32 vaddr = r[0], offset = app + r[1], size = r[2];
      if (!size) continue;
      if (window_kind(vaddr) != kind || size > (kind == KIND_DROM ? DROM_END : IROM_END) - vaddr || ((vaddr ^ offset) & 0xFFFFu)) fits = 0;
      if (r[1] > room || size > room - r[1]) fits = 0; /* past the partition or flash end (no u32 wrap) */
      out->segments[n++] = (struct map_segment){offset, vaddr, size, kind};
    }
    if (fits && n) {
      out->flags |= MAP_HEADER_OK;
      out->segment_count = out->mapped_count = n;
      out->problem_offset = NONE;
      return STUB_OK;
    }
  }
  memset(out->segments, 0, sizeof out->segments); /* a layout's regions that did not fit */
  return STUB_E_MCUBOOT_LOAD_HEADER;
}

static int walk_image(struct flash_session *s, u32 app, u32 limit, struct map_result *out)
{
  out->problem_offset = app;
  if (app > limit || limit - app < sizeof out->header) return STUB_E_OUT_OF_RANGE; /* no u32 wrap */
  if (flash_read(s, app, out->header, sizeof out->header) != STUB_OK) return STUB_E_ROM_READ;
  if (rd32(out->header) == MCUBOOT_MAGIC) return mcuboot(s, app, limit, out);
  u32 count = out->header[1];
  if (out->header[0] != IMAGE_MAGIC || count == 0 || count > MAX_SEGMENTS) return STUB_E_BAD_IMAGE_HEADER;
  out->flags |= MAP_HEADER_OK;

  u32 end = out->app_size ? app + out->app_size : limit; /* the partition's end (inside the flash), else the flash end */
  u32 at = app + sizeof out->header;
  for (u32 i = 0; i < count; i++) {
    u8 h[8];
    out->problem_offset = at;
    if (at + 8 > end) return STUB_E_BAD_IMAGE_HEADER;
    if (flash_read(s, at, h, 8) != STUB_OK) return STUB_E_ROM_READ;
    u32 vaddr = rd32(h), size = rd32(h + 4);
    if (!IS_ALIGNED(size, 4) || size > end - at - 8) return STUB_E_BAD_IMAGE_HEADER;
    u32 kind = window_kind(vaddr);
    if (kind) {
      if (out->mapped_count < MAX_SEGMENTS) {
        struct map_segment *m = &out->segments[out->mapped_count++];
        m->flash_offset = at + 8;
        m->vaddr = vaddr;
        m->size = size;
        m->kind = kind;
      } else {
        out->flags |= MAP_SEGMENTS_TRUNCATED;
      }
    }
    out->segment_count = i + 1;
    at += 8 + size;
  }
  out->problem_offset = NONE;
  return STUB_OK;
}

/* A program the ROM boots in place (no bootloader, no table): 1 with its two mappings, else 0. */
static int direct_boot(struct flash_session *s, u32 limit, struct map_result *out)
{
  u8 head[8];
  if (limit < sizeof head || flash_read(s, 0, head, sizeof head) != STUB_OK) return 0;
  if (rd32(head) != DIRECT_BOOT_MAGIC || rd32(head + 4) != DIRECT_BOOT_MAGIC) return 0;
  u32 size = limit < DIRECT_BOOT_MAP_BYTES ? limit : DIRECT_BOOT_MAP_BYTES;
  out->flags |= MAP_APP_FOUND | MAP_DIRECT_BOOT;
  out->reason = REASON_DIRECT_BOOT;
  out->app_offset = 0;
  out->app_size = size;
  out->problem_offset = NONE;
  out->segments[0] = (struct map_segment){0, DROM_BASE, size, KIND_DROM};
  out->segments[1] = (struct map_segment){0, IROM_BASE, size, KIND_IROM};
  out->mapped_count = 2;
  return 1;
}

/* Offset just past a RAM-only image at 0 (its checksum, and its SHA-256 when the header says so), or 0 if it is not one. */
static u32 ram_only_image_end(struct flash_session *s, u32 limit, const u8 *head)
{
  u32 count = head[1];
  if (head[0] != IMAGE_MAGIC || count == 0 || count > MAX_SEGMENTS) return 0;
  u32 at = IMAGE_HEADER_BYTES;
  for (u32 i = 0; i < count; i++) {
    u8 h[8];
    if (at + 8 > limit || flash_read(s, at, h, 8) != STUB_OK) return 0;
    u32 size = rd32(h + 4);
    if (window_kind(rd32(h)) || size > limit - at - 8) return 0;
    at += 8 + size;
  }
  return at + (15 - at % 16) + 1 + (head[23] == 1 ? 32 : 0);
}

/* A Simple Boot app at 0: 1 with its flash segments (up to 16), else 0. */
static int simple_boot(struct flash_session *s, u32 limit, struct map_result *out)
{
  if (limit < sizeof out->header || flash_read(s, 0, out->header, sizeof out->header) != STUB_OK) return 0;
  u32 at = ram_only_image_end(s, limit, out->header);
  u32 count = out->header[1], n = 0;
  while (at && n < MAX_SEGMENTS) {
    u8 h[8];
    if (at + 16 > limit || flash_read(s, at, h, 8) != STUB_OK || rd32(h) != 0) break;
    u32 pad = rd32(h + 4);
    if (!IS_ALIGNED(pad, 4) || pad > limit - at - 16) break;
    u32 next = at + 8 + pad;
    if (flash_read(s, next, h, 8) != STUB_OK) break;
    u32 vaddr = rd32(h), size = rd32(h + 4), kind = window_kind(vaddr);
    if (!kind || !size || !IS_ALIGNED(size, 4) || size > limit - next - 8) break;
    out->segments[n++] = (struct map_segment){next + 8, vaddr, size, kind};
    at = next + 8 + size;
  }
  if (!n) {
    memset(out->header, 0, sizeof out->header);
    return 0;
  }
  out->flags |= MAP_APP_FOUND | MAP_HEADER_OK | MAP_SIMPLE_BOOT;
  out->reason = REASON_SIMPLE_BOOT;
  out->app_offset = 0;
  out->app_size = at;
  out->problem_offset = NONE;
  out->segment_count = count + 2 * n;
  out->mapped_count = n;
  return 1;
}

static int map_get(struct flash_session *s, u32 table_offset, u32 app_offset, struct map_result *out)
{
  u32 limit = s->detected_size ? s->detected_size : s->saved_chip.chip_size;
  if (limit > ROM_ADDRESS_LIMIT) limit = ROM_ADDRESS_LIMIT;

  int found = find_table(s, table_offset, limit, out);
  struct table_scan scan;
  memset(&scan, 0, sizeof scan);
  if (found >= 0) {
    out->flags |= MAP_TABLE_FOUND;
    out->table_offset = (u32)found;
    out->problem_offset = NONE;
    if (flash_read(s, (u32)found, stub_scratch, TABLE_BYTES) != STUB_OK) return STUB_E_ROM_READ;
    scan_table(stub_scratch, app_offset, &scan);
    out->ota_count = scan.ota_count;
  } else if (!app_offset) {
    return found == STUB_E_NO_PARTITION_TABLE && (direct_boot(s, limit, out) || simple_boot(s, limit, out)) ? STUB_OK : found;
  }

  struct partition app = {0, 0};
  if (app_offset) {
    app.offset = app_offset;
    /* An app partition starting there bounds the image as the bootloader's would. */
    if (app_offset < limit) app.size = scan.given.size;
    out->reason = REASON_OVERRIDE;
  } else {
    choose_app(s, &scan, out, &app);
    if (!app.size) return STUB_E_NO_APP;
    if (app.offset >= limit) {
      out->app_offset = app.offset;
      out->app_size = app.size;
      out->problem_offset = app.offset;
      return STUB_E_BAD_PARTITION;
    }
  }
  /* The partition, cut at the flash end: one running past it still boots if its image ends inside
     the flash (the bootloader reads only the image), and the walk is bounded by the flash that exists. */
  if (app.size > limit - app.offset) app.size = limit - app.offset;
  out->flags |= MAP_APP_FOUND;
  out->app_offset = app.offset;
  out->app_size = app.size;
  if (!IS_ALIGNED(app.offset, 4)) return STUB_E_BAD_ARGUMENT;
  return walk_image(s, app.offset, limit, out);
}

int cmd_map_get(u32 table_offset, u32 app_offset, u32 result_addr)
{
  if (!result_addr || !IS_ALIGNED(result_addr, 4) || !IS_ALIGNED(table_offset, SECTOR_SIZE)) return STUB_E_BAD_ARGUMENT;
  struct map_result *out = (struct map_result *)result_addr;
  memset(out, 0, sizeof(*out));
  out->struct_size = sizeof(*out);
  out->table_offset = NONE;
  out->app_offset = NONE;
  out->problem_offset = NONE;

  struct flash_session s;
  int rc = flash_begin(&s, 0, 1, 0);
  out->rom_chip_size = s.saved_chip.chip_size;
  if (s.detected_size) {
    out->flags |= MAP_SIZE_DETECTED;
    out->flash_size = s.detected_size;
  }
  if (rc == STUB_OK) rc = map_get(&s, table_offset, app_offset, out);
  flash_end(&s);
  log_kv("map table", out->table_offset);
  log_kv("app", out->app_offset);
  log_kv("reason", out->reason);
  log_kv("mapped", out->mapped_count);
  log_kv("rc", (u32)rc);
  log_nl();
  return rc;
}
