/**
 * otadata (data/ota partition, 0x2000 bytes): two 32-byte `esp_ota_select_entry_t` copies at +0
 * and +0x1000 — ota_seq u32, seq_label[20], ota_state u32, crc u32 — where crc is the ROM's
 * crc32_le(0xFFFFFFFF, &ota_seq, 4) (= zlib's crc32(seq bytes, 0xFFFFFFFF); seq 1 → 0x4743989A).
 *
 * Boot choice (as the 2nd-stage bootloader makes it): a copy counts if its crc matches, its seq
 * is not 0xFFFFFFFF and its state is neither INVALID nor ABORTED; the highest seq wins and selects
 * ota_[(seq − 1) mod number-of-OTA-app-partitions]. With no valid copy: factory, else ota_0.
 */
import { readU32, writeU32 } from './bytes.js';
import { ImageFormatError, h32 } from './errors.js';
import { romCrc32Le } from './hash.js';
import type { BootSelection, OtaData, OtaSelectEntry, OtaStateName, PartitionEntry, PartitionTable } from './types.js';

export const OTA_SELECT_ENTRY_SIZE = 32;
export const OTADATA_SECOND_COPY = 0x1000;
export const OTADATA_SIZE = 0x2000;

export const OTA_STATE = {
  new: 0x0,
  pending_verify: 0x1,
  valid: 0x2,
  invalid: 0x3,
  aborted: 0x4,
  undefined: 0xffffffff,
} as const;

export function otaStateName(state: number): OtaStateName {
  switch (state >>> 0) {
    case 0:
      return 'new';
    case 1:
      return 'pending_verify';
    case 2:
      return 'valid';
    case 3:
      return 'invalid';
    case 4:
      return 'aborted';
    case 0xffffffff:
      return 'undefined';
    default:
      return 'unknown';
  }
}

/** crc field value for a sequence number. */
export function otaSeqCrc(seq: number): number {
  const b = new Uint8Array(4);
  writeU32(b, 0, seq >>> 0);
  return romCrc32Le(0xffffffff, b);
}

function decodeCopy(bytes: Uint8Array, offset: number, copy: 0 | 1): OtaSelectEntry {
  const seq = readU32(bytes, offset);
  const state = readU32(bytes, offset + 24);
  const crc = readU32(bytes, offset + 28);
  const computedCrc = otaSeqCrc(seq);
  const crcValid = crc === computedCrc;
  const stateName = otaStateName(state);
  let invalidReason: string | undefined;
  if (seq === 0xffffffff) invalidReason = 'ota_seq is 0xffffffff (erased)';
  else if (stateName === 'invalid' || stateName === 'aborted') invalidReason = `ota_state is ${stateName.toUpperCase()}`;
  else if (!crcValid) invalidReason = `crc ${h32(crc)} does not match ${h32(computedCrc)} computed over ota_seq`;
  return {
    copy,
    offset,
    seq,
    seqLabel: bytes.slice(offset + 4, offset + 24),
    state,
    stateName,
    crc,
    computedCrc,
    crcValid,
    valid: invalidReason === undefined,
    ...(invalidReason ? { invalidReason } : {}),
  };
}

/**
 * The OTA slot an ota_seq selects among `otaCount` OTA app partitions: (ota_seq − 1) mod count,
 * computed as the bootloader does in unsigned 32-bit arithmetic (ota_seq 0 wraps to 0xFFFFFFFF).
 */
export function otaSlotOfSeq(seq: number, otaCount: number): number {
  return ((seq - 1) >>> 0) % otaCount;
}

/** Decode both copies. Needs 0x1020 bytes (the whole 0x2000 partition is typical). */
export function parseOtadata(bytes: Uint8Array): OtaData {
  const need = OTADATA_SECOND_COPY + OTA_SELECT_ENTRY_SIZE;
  if (bytes.length < need) {
    throw new ImageFormatError(
      'OTADATA_TRUNCATED',
      `otadata needs ${h32(need)} bytes (copies at +0 and +0x1000) but only ${h32(bytes.length)} are given`,
      { offset: 0, expected: need, found: bytes.length },
    );
  }
  const a = decodeCopy(bytes, 0, 0);
  const b = decodeCopy(bytes, OTADATA_SECOND_COPY, 1);
  let active: OtaSelectEntry | undefined;
  if (a.valid && b.valid) active = b.seq > a.seq ? b : a;
  else if (a.valid) active = a;
  else if (b.valid) active = b;
  return { copies: [a, b], ...(active ? { active } : {}) };
}

export interface OtadataSpec {
  readonly seq: number;
  /** Default 0xFFFFFFFF (UNDEFINED), as esp_ota_set_boot_partition writes without rollback. */
  readonly state?: number;
  /** Contents of copy 1 (at +0x1000); erased when absent. */
  readonly secondCopy?: { readonly seq: number; readonly state?: number };
}

/**
 * Build a 0x2000-byte otadata image: copy 0 holds `seq` (and `state`), copy 1 is erased unless
 * given. seq 0xFFFFFFFF leaves copy 0 erased. Call as buildOtadata(seq, state?) or buildOtadata({seq, state?, secondCopy?}).
 */
export function buildOtadata(spec: number | OtadataSpec, state?: number): Uint8Array {
  const s: OtadataSpec = typeof spec === 'number' ? { seq: spec, ...(state !== undefined ? { state } : {}) } : spec;
  const fields: [string, number | undefined][] = [['seq', s.seq], ['state', s.state], ['secondCopy.seq', s.secondCopy?.seq], ['secondCopy.state', s.secondCopy?.state]];
  for (const [what, n] of fields) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) throw new RangeError(`otadata ${what} ${String(n)} is not a 32-bit unsigned integer`);
  }
  const out = new Uint8Array(OTADATA_SIZE).fill(0xff);
  if (s.seq >>> 0 !== 0xffffffff) out.set(encodeOtaSelectEntry(s.seq, s.state ?? OTA_STATE.undefined), 0);
  if (s.secondCopy) out.set(encodeOtaSelectEntry(s.secondCopy.seq, s.secondCopy.state ?? OTA_STATE.undefined), OTADATA_SECOND_COPY);
  return out;
}

/** One 32-byte copy: ota_seq, seq_label (given, else erased), ota_state, crc over ota_seq. */
export function encodeOtaSelectEntry(seq: number, state: number, seqLabel?: Uint8Array): Uint8Array {
  const out = new Uint8Array(OTA_SELECT_ENTRY_SIZE).fill(0xff);
  writeU32(out, 0, seq >>> 0);
  if (seqLabel) out.set(seqLabel.subarray(0, 20), 4);
  writeU32(out, 24, state >>> 0);
  writeU32(out, 28, otaSeqCrc(seq));
  return out;
}

/**
 * The OTA app partitions an app counts when it selects a slot (esp_ota_set_boot_partition): ota_0,
 * ota_1, … as long as each exists (a gap ends the count).
 */
export function otaAppCount(entries: readonly PartitionEntry[]): number {
  let n = 0;
  while (n < 16 && entries.some((e) => e.type === 0x00 && e.subtype === 0x10 + n)) n++;
  return n;
}

/** What selecting an OTA slot writes: which copy, with which ota_seq (and the state given). */
export interface OtaSelectPlan {
  readonly copy: 0 | 1;
  readonly seq: number;
  /** The copy's seq_label as it was (ESP-IDF rewrites the copy keeping it). */
  readonly seqLabel: Uint8Array;
}

/**
 * The copy and ota_seq that make the bootloader start `slot` of `otaCount`, as an app's
 * esp_ota_set_boot_partition chooses them: no valid copy — copy 0, seq slot + 1; the active copy
 * already selects the slot — that copy again, its seq kept (only the state changes); else the
 * other copy, with the smallest seq ≥ the active one that selects the slot.
 */
export function planOtaSelect(otadata: OtaData, slot: number, otaCount: number): OtaSelectPlan {
  if (!(Number.isInteger(slot) && slot >= 0 && slot < otaCount)) throw new RangeError(`slot ${slot} is not one of the ${otaCount} OTA slots`);
  const active = otadata.active;
  const labelOf = (copy: 0 | 1) => otadata.copies[copy].seqLabel;
  if (!active) return { copy: 0, seq: slot + 1, seqLabel: labelOf(0) };
  if (otaSlotOfSeq(active.seq, otaCount) === slot) return { copy: active.copy, seq: active.seq, seqLabel: labelOf(active.copy) };
  const base = (slot + 1) % otaCount;
  const steps = active.seq > base ? Math.ceil((active.seq - base) / otaCount) : 0;
  const other = active.copy === 0 ? 1 : 0;
  const seq = base + steps * otaCount;
  if (seq >= 0xffffffff) throw new RangeError(`ota_seq would reach ${seq} (0xffffffff means erased); erase otadata first`);
  return { copy: other, seq, seqLabel: labelOf(other) };
}

/** 'the factory app "factory" at 0x00010000', 'the OTA app "ota_1" at 0x00090000'. */
function label(e: PartitionEntry): string {
  const what = e.subtype === 0x00 ? 'the factory app' : e.subtype === 0x20 ? 'the test app' : e.subtype >= 0x10 && e.subtype <= 0x1f ? 'the OTA app' : e.subtypeName;
  return `${what} "${e.label}" at ${h32(e.offset)}`;
}

/** Which app the 2nd-stage bootloader would boot, and why. */
export function selectBootApp(table: PartitionTable | readonly PartitionEntry[], otadataBytes?: Uint8Array): BootSelection {
  const entries = Array.isArray(table) ? (table as readonly PartitionEntry[]) : (table as PartitionTable).entries;
  const apps = entries.filter((e) => e.type === 0x00);
  const factory = apps.find((e) => e.subtype === 0x00);
  const test = apps.find((e) => e.subtype === 0x20);
  // As the bootloader reads the table: every ota_N entry counts, and of two with the same N the
  // later one is kept (it overwrites the slot).
  const ota: (PartitionEntry | undefined)[] = [];
  let otaCount = 0;
  for (const e of apps) {
    if (e.subtype >= 0x10 && e.subtype <= 0x1f) {
      ota[e.subtype - 0x10] = e;
      otaCount++;
    }
  }
  const otadataPart = entries.find((e) => e.type === 0x01 && e.subtype === 0x00);
  /**
   * The bootloader's fallback walk: the chosen slot, then lower ones, factory, then higher ones up
   * to the number of OTA entries (not beyond: with ota_0 and ota_5 only, ota_5 is never tried
   * after a failure), then test.
   */
  const fallback = (start: number, why: string): BootSelection & { otadata?: OtaData } => {
    const tryOrder: (PartitionEntry | undefined)[] = [];
    for (let i = start; i >= 0; i--) tryOrder.push(ota[i]);
    tryOrder.push(factory);
    for (let i = start + 1; i < otaCount; i++) tryOrder.push(ota[i]);
    tryOrder.push(test);
    const first = tryOrder.find((e) => e !== undefined);
    return first
      ? { entry: first, reason: `${why}; that partition does not exist, so the bootloader falls back to ${label(first)}` }
      : apps.length === 0
        ? { reason: `${why}; the table has no app partition to boot` }
        : { reason: `${why}; the bootloader tries only ota_0…ota_${otaCount - 1} (as many slots as OTA entries), factory and test, none of which exists: it boots no app` };
  };
  if (!otadataPart) {
    if (factory) return { entry: factory, reason: `no otadata partition: booting ${label(factory)}` };
    return fallback(-1, 'no otadata partition and no factory app');
  }
  if (otadataPart.size < OTADATA_SIZE) {
    return { reason: `otadata partition "${otadataPart.label}" at ${h32(otadataPart.offset)} has size ${h32(otadataPart.size)}, less than the 0x2000 that holds both copies: the bootloader cannot read it and stops without booting any app` };
  }
  if (!otadataBytes) {
    const entry = factory ?? ota[0];
    return entry
      ? { entry, reason: `otadata not supplied: assuming it is erased, so ${label(entry)}${factory ? '' : ' (there is no factory app)'}` }
      : fallback(-1, 'otadata not supplied and there is neither a factory app nor ota_0');
  }
  const otadata = parseOtadata(otadataBytes);
  const active = otadata.active;
  if (!active || otaCount === 0) {
    const why = !active
      ? `neither otadata copy is valid (${otadata.copies.map((c) => `copy ${c.copy}: ${c.invalidReason ?? 'ok'}`).join('; ')})`
      : 'otadata is set but the table has no OTA app partitions';
    if (factory) return { entry: factory, reason: `${why}: booting ${label(factory)}`, otadata };
    if (ota[0]) return { entry: ota[0], reason: `${why} and there is no factory app: booting ${label(ota[0])}`, otadata };
    return { ...fallback(-1, `${why}, no factory app and no ota_0`), otadata };
  }
  const slot = otaSlotOfSeq(active.seq, otaCount);
  const wrap = active.seq === 0 ? ' (0 − 1 wraps to 0xffffffff: the bootloader counts unsigned)' : '';
  const why = `otadata copy ${active.copy} has the highest valid ota_seq ${active.seq} (state ${active.stateName}); (${active.seq} - 1) mod ${otaCount} OTA partitions = slot ${slot}${wrap}`;
  const entry = ota[slot];
  if (entry) return { entry, reason: `${why}: booting ${label(entry)}`, otadata };
  return { ...fallback(slot, `${why}, but there is no ota_${slot}`), otadata };
}
