/** Partition type and subtype names (ESP-IDF's gen_esp32part names) in both directions. */

export const PARTITION_TYPES: Readonly<Record<string, number>> = {
  app: 0x00,
  data: 0x01,
  bootloader: 0x02,
  partition_table: 0x03,
};

export const APP_SUBTYPES: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = { factory: 0x00, test: 0x20 };
  for (let i = 0; i < 16; i++) m[`ota_${i}`] = 0x10 + i;
  // ESP-IDF 5.5+: the two TEE app slots (ESP-TEE)
  for (let i = 0; i < 2; i++) m[`tee_${i}`] = 0x30 + i;
  return m;
})();

export const DATA_SUBTYPES: Readonly<Record<string, number>> = {
  ota: 0x00,
  phy: 0x01,
  nvs: 0x02,
  coredump: 0x03,
  nvs_keys: 0x04,
  efuse: 0x05,
  undefined: 0x06,
  esphttpd: 0x80,
  fat: 0x81,
  spiffs: 0x82,
  littlefs: 0x83,
  tee_ota: 0x90, // ESP-IDF 5.5+: which TEE app slot boots
};

export const BOOTLOADER_SUBTYPES: Readonly<Record<string, number>> = { primary: 0x00, ota: 0x01, recovery: 0x02 };
export const PARTITION_TABLE_SUBTYPES: Readonly<Record<string, number>> = { primary: 0x00, ota: 0x01 };

/** `bootloader, primary` (ESP-IDF 5.5+): the 2nd-stage bootloader itself, before the table. */
export function isPrimaryBootloader(e: { readonly type: number; readonly subtype: number }): boolean {
  return e.type === PARTITION_TYPES.bootloader && e.subtype === BOOTLOADER_SUBTYPES.primary;
}

/** `partition_table, primary` (ESP-IDF 5.5+): the sector of the partition table itself. */
export function isPrimaryPartitionTable(e: { readonly type: number; readonly subtype: number }): boolean {
  return e.type === PARTITION_TYPES.partition_table && e.subtype === PARTITION_TABLE_SUBTYPES.primary;
}

function subtypeTable(type: number): Readonly<Record<string, number>> | undefined {
  switch (type) {
    case 0x00:
      return APP_SUBTYPES;
    case 0x01:
      return DATA_SUBTYPES;
    case 0x02:
      return BOOTLOADER_SUBTYPES;
    case 0x03:
      return PARTITION_TABLE_SUBTYPES;
    default:
      return undefined;
  }
}

function hex2(v: number): string {
  return '0x' + v.toString(16).padStart(2, '0');
}

/** 'app', 'data', 'bootloader', 'partition_table', 'custom' (0x40..0xFE) or 'unknown'. */
export function partitionTypeName(type: number): string {
  for (const [name, v] of Object.entries(PARTITION_TYPES)) if (v === type) return name;
  return type >= 0x40 && type <= 0xfe ? 'custom' : 'unknown';
}

/** Subtype name for a type ('factory', 'ota_2', 'nvs', …) or its hex value when it has none. */
export function partitionSubtypeName(type: number, subtype: number): string {
  const table = subtypeTable(type);
  if (table) for (const [name, v] of Object.entries(table)) if (v === subtype) return name;
  return hex2(subtype);
}

/** Type number for a name or number text ('app', 'data', '0x40', '64'); undefined if neither (or 0xFF). */
export function partitionTypeFromName(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (Object.hasOwn(PARTITION_TYPES, t)) return PARTITION_TYPES[t];
  const n = parseByte(t);
  return n === 0xff ? undefined : n; // 0xFF is no type (ESP-IDF takes 0..254)
}

/** Subtype number for a name or number text within a type; undefined if neither. */
export function partitionSubtypeFromName(type: number, text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const table = subtypeTable(type);
  if (table && Object.hasOwn(table, t)) return table[t];
  return parseByte(t);
}

function parseByte(t: string): number | undefined {
  let v: number;
  if (/^0x[0-9a-f]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^[0-9]+$/.test(t)) v = parseInt(t, 10);
  else return undefined;
  return v <= 0xff ? v : undefined;
}
