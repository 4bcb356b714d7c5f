/**
 * Which app the chip's 2nd-stage bootloader starts, read live (partition table and otadata through
 * the stub), and choosing it: otadata rewritten as an app's esp_ota_set_boot_partition would —
 * the factory app by erasing otadata, an OTA slot by a new ota_seq in one copy's sector.
 */
import { hex32 } from '../chips/types.js';
import { OTA_SELECT_ENTRY_SIZE, OTA_STATE, OTADATA_SECOND_COPY, OTADATA_SIZE, encodeOtaSelectEntry, otaAppCount, parseOtadata, planOtaSelect, selectBootApp, type OtaSelectPlan } from '../image/otadata.js';
import type { BootSelection, OtaData, PartitionEntry } from '../image/types.js';
import { eraseFlash } from './erase.js';
import { FlashError } from './errors.js';
import { readChipPartitionTable, type ChipPartitionTable, type FindPartitionOptions } from './partition-lookup.js';
import type { FlashOperationOptions } from './progress.js';
import { readFlash } from './read.js';
import type { FlashSession } from './session.js';
import { writeFlash } from './write.js';

export interface BootState {
  readonly table: ChipPartitionTable;
  /** The otadata partition (data/ota), when the table has one. */
  readonly otadataEntry: PartitionEntry | undefined;
  /** Its two copies, when it is large enough to hold them. */
  readonly otadata: OtaData | undefined;
  /** The bytes they were read from (both copies, 0x2000). */
  readonly otadataBytes: Uint8Array | undefined;
  /** OTA app partitions counted as an app counts them (ota_0, ota_1, … without a gap). */
  readonly otaCount: number;
  readonly boot: BootSelection;
}

const isOtadata = (e: PartitionEntry) => e.type === 0x01 && e.subtype === 0x00;

export async function readBootState(session: FlashSession, options: FindPartitionOptions & FlashOperationOptions = {}): Promise<BootState> {
  const table = await readChipPartitionTable(session, 'to find the apps and otadata in', options,
    'if the flash has none (a direct-boot or Simple Boot app), it has no OTA slots: espalgo probe shows what boots');
  const otadataEntry = table.entries.find(isOtadata);
  const bytes = otadataEntry && otadataEntry.size >= OTADATA_SIZE ? await readFlash(session, otadataEntry.offset, OTADATA_SIZE, options) : undefined;
  return {
    table,
    otadataEntry,
    otadata: bytes ? parseOtadata(bytes) : undefined,
    otadataBytes: bytes,
    otaCount: otaAppCount(table.entries),
    boot: selectBootApp(table.entries, bytes),
  };
}

export interface BootSelectOptions extends FindPartitionOptions, FlashOperationOptions {
  /** ota_state written with an OTA slot (default UNDEFINED, as an app without rollback writes). */
  readonly state?: number;
}

export type BootSelectChange =
  | { readonly kind: 'erased'; readonly offset: number; readonly length: number }
  | { readonly kind: 'wrote'; readonly copy: 0 | 1; readonly offset: number; readonly seq: number; readonly state: number }
  | { readonly kind: 'unchanged' };

export interface BootSelectResult {
  readonly before: BootState;
  readonly after: BootState;
  readonly change: BootSelectChange;
}

function refuse(code: 'FLASH_NOT_BOOTABLE' | 'FLASH_NO_OTADATA', message: string, action: string, address?: number): never {
  throw new FlashError(code, message, { action, ...(address !== undefined ? { address } : {}) });
}

/** Makes the bootloader start the app partition labelled `label` at the next reset. */
export async function selectBootPartition(session: FlashSession, label: string, options: BootSelectOptions = {}): Promise<BootSelectResult> {
  const before = await readBootState(session, options);
  const { entries } = before.table;
  const apps = entries.filter((e) => e.type === 0x00);
  const target = entries.find((e) => e.label === label);
  const names = apps.map((e) => e.label).join(', ') || 'none';
  if (!target) {
    throw new FlashError('FLASH_NO_SUCH_PARTITION', `the partition table at ${hex32(before.table.tableOffset)} has no partition "${label}"`, { action: `Its app partitions: ${names}` });
  }
  if (target.type !== 0x00) refuse('FLASH_NOT_BOOTABLE', `"${label}" is a ${target.typeName} partition, not an app`, `Its app partitions: ${names}`, target.offset);
  const otadata = before.otadataEntry;
  const slot = target.subtype - 0x10;
  let change: BootSelectChange;
  if (target.subtype === 0x00) {
    // The factory app boots when no otadata copy is valid: esp_ota_set_boot_partition erases it.
    if (!otadata) {
      change = { kind: 'unchanged' };
    } else {
      await eraseFlash(session, otadata.offset, otadata.size, options);
      change = { kind: 'erased', offset: otadata.offset, length: otadata.size };
    }
  } else if (slot >= 0 && slot < 16) {
    if (!otadata || !before.otadata || !before.otadataBytes) {
      refuse('FLASH_NO_OTADATA', otadata ? `the otadata partition "${otadata.label}" is ${otadata.size} bytes, too small for its two copies (0x2000)` : 'the partition table has no otadata partition (data, ota)', 'Without otadata the bootloader starts the factory app, else ota_0; write the app there');
    }
    if (slot >= before.otaCount) {
      refuse('FLASH_NOT_BOOTABLE', `"${label}" is ota_${slot}, but an app counts only ota_0…ota_${before.otaCount - 1} (OTA partitions without a gap), so no ota_seq selects it`, 'Number the OTA partitions from ota_0 without gaps', target.offset);
    }
    let plan: OtaSelectPlan;
    try {
      plan = planOtaSelect(before.otadata, slot, before.otaCount);
    } catch (error) {
      // The only way left: ota_seq would run out of its 32 bits.
      if (error instanceof RangeError) refuse('FLASH_NOT_BOOTABLE', error.message, 'Select the factory app (which erases otadata) or erase otadata, then select the slot', target.offset);
      throw error;
    }
    const state = options.state ?? OTA_STATE.undefined;
    // The copy's sector erased and its 32-byte entry written, the rest of the sector left erased.
    const sector = new Uint8Array(OTADATA_SECOND_COPY).fill(0xff);
    sector.set(encodeOtaSelectEntry(plan.seq, state, plan.seqLabel).subarray(0, OTA_SELECT_ENTRY_SIZE));
    // What the bootloader makes of it, before anything is written: it counts every OTA entry where
    // an app counts ota_0… up to the first gap, so with gaps the two can disagree.
    const planned = before.otadataBytes.slice();
    planned.set(sector, plan.copy * OTADATA_SECOND_COPY);
    const wouldBoot = selectBootApp(entries, planned);
    if (wouldBoot.entry?.offset !== target.offset) {
      refuse('FLASH_NOT_BOOTABLE', `the ota_seq ${plan.seq} an app writes to select "${label}" (ota_${slot} of ota_0…ota_${before.otaCount - 1}) would make the bootloader, which counts every OTA partition, start ${wouldBoot.entry ? `"${wouldBoot.entry.label}"` : 'no app'}: ${wouldBoot.reason}; nothing was written`, 'Number the OTA partitions from ota_0 without gaps (a new partition table)', target.offset);
    }
    const offset = otadata.offset + plan.copy * OTADATA_SECOND_COPY;
    await writeFlash(session, offset, sector, { ...options, skipUnchanged: true, verify: true });
    change = { kind: 'wrote', copy: plan.copy, offset, seq: plan.seq, state };
  } else {
    refuse('FLASH_NOT_BOOTABLE', `"${label}" is the ${target.subtypeName} app; otadata selects only the factory app and OTA slots`, `Its app partitions: ${names}`, target.offset);
  }
  const after = await readBootState(session, options);
  if (after.boot.entry?.offset !== target.offset) {
    throw new FlashError('FLASH_VERIFY_FAILED', `otadata was written, but the bootloader would now start ${after.boot.entry ? `"${after.boot.entry.label}"` : 'no app'}: ${after.boot.reason}`, { action: 'Read otadata back (espalgo flash read --partition otadata) and report it', address: target.offset });
  }
  return { before, after, change };
}
