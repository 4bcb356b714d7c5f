/** Choosing the app the bootloader starts: otadata planned as esp_ota_set_boot_partition plans it, written live, and booted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FlashError } from '../../src/flash/errors.js';
import { readBootState, selectBootPartition } from '../../src/flash/boot-select.js';
import { withFlashSession } from '../../src/flash/session.js';
import { buildOtadata, OTA_STATE, otaSlotOfSeq, parseOtadata, planOtaSelect } from '../../src/image/otadata.js';
import { readFlash } from '../../src/flash/read.js';
import { buildPartitionTable, parsePartitionTable, PARTITION_TABLE_MAX_LENGTH } from '../../src/image/partition-table.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { DEMO_FLASH } from './flash-fixture.js';

const OTA_FLASH = 'firmware/build/demo-ota.bin'; // otadata 0xD000 selects ota_1 (seq 2); ota_0 0x10000, ota_1 0x90000

test('planOtaSelect: copy 0 and seq slot+1 when nothing is valid; the active copy again for its own slot; else the other copy, the smallest seq not below the active one', () => {
  const erased = parseOtadata(buildOtadata(0xffffffff));
  assert.deepEqual((({ copy, seq }) => ({ copy, seq }))(planOtaSelect(erased, 2, 4)), { copy: 0, seq: 3 });
  const seq2 = parseOtadata(buildOtadata(2)); // copy 0, seq 2: slot 1 of 2
  assert.deepEqual((({ copy, seq }) => ({ copy, seq }))(planOtaSelect(seq2, 1, 2)), { copy: 0, seq: 2 });
  assert.deepEqual((({ copy, seq }) => ({ copy, seq }))(planOtaSelect(seq2, 0, 2)), { copy: 1, seq: 3 });
  // Every slot of every count from any active seq: the plan selects the slot and never goes back.
  for (let count = 1; count <= 5; count++) {
    for (let active = 1; active <= 12; active++) {
      const data = parseOtadata(buildOtadata({ seq: 0xffffffff, secondCopy: { seq: active } }));
      for (let slot = 0; slot < count; slot++) {
        const plan = planOtaSelect(data, slot, count);
        assert.equal(otaSlotOfSeq(plan.seq, count), slot, `count ${count}, active ${active}, slot ${slot}`);
        assert.ok(plan.seq >= active && plan.seq < active + count, `seq ${plan.seq} from ${active}`);
        assert.equal(plan.copy, plan.seq === active ? 1 : 0, 'the other copy unless the slot is already selected');
      }
    }
  }
  assert.throws(() => planOtaSelect(seq2, 2, 2), RangeError);
  // ota_seq 0xfffffffe selects ota_1 of 2; ota_0 would need 0xffffffff, which means erased.
  assert.throws(() => planOtaSelect(parseOtadata(buildOtadata(0xfffffffe)), 0, 2), /ota_seq would reach 4294967295/);
});

test('selectBootPartition on the simulator: the next boot starts the chosen app (ota_0, ota_1 with state new, back again), read back and checked', async (t) => {
  const sim = createSimulatedEsp32c3({ flash: readFileSync(OTA_FLASH) });
  t.after(() => sim.close());
  assert.equal(sim.boot.partition?.label, 'ota_1');
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    const r = await selectBootPartition(session, 'ota_0');
    assert.deepEqual(r.change, { kind: 'wrote', copy: 1, offset: 0xe000, seq: 3, state: OTA_STATE.undefined });
    assert.equal(r.before.boot.entry?.label, 'ota_1');
    assert.equal(r.after.boot.entry?.label, 'ota_0');
  });
  assert.equal(sim.reboot().partition?.label, 'ota_0', 'the bootloader starts ota_0');
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    const r = await selectBootPartition(session, 'ota_1', { state: OTA_STATE.new });
    assert.deepEqual(r.change, { kind: 'wrote', copy: 0, offset: 0xd000, seq: 4, state: OTA_STATE.new });
    assert.deepEqual(r.after.otadata?.copies.map((c) => [c.seq, c.stateName]), [[4, 'new'], [3, 'undefined']]);
  });
  assert.equal(sim.reboot().partition?.label, 'ota_1');
});

test('selectBootPartition refuses a data partition, an unknown name, and does nothing for factory without otadata', async (t) => {
  const sim = createSimulatedEsp32c3({ flash: DEMO_FLASH }); // nvs, phy_init, factory, vfs: no otadata
  t.after(() => sim.close());
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    const code = (e: unknown) => (e instanceof FlashError ? e.code : String(e));
    await assert.rejects(selectBootPartition(session, 'vfs'), (e) => code(e) === 'FLASH_NOT_BOOTABLE');
    await assert.rejects(selectBootPartition(session, 'ota_0'), (e) => code(e) === 'FLASH_NO_SUCH_PARTITION');
    const r = await selectBootPartition(session, 'factory');
    assert.deepEqual(r.change, { kind: 'unchanged' });
    const s = await readBootState(session);
    assert.equal(s.otadataEntry, undefined);
    assert.match(s.boot.reason, /no otadata partition: booting the factory app/);
  });
});

test('selectBootPartition refuses, before writing, a slot the bootloader would not start: OTA numbering with a gap (ota_0, ota_1, ota_3)', async (t) => {
  const flash = new Uint8Array(readFileSync(OTA_FLASH));
  const entries = parsePartitionTable(flash.subarray(0x8000, 0x8000 + PARTITION_TABLE_MAX_LENGTH)).entries;
  const gapped = [...entries, { type: 0x00, subtype: 0x13, offset: 0x110000, size: 0x80000, label: 'ota_3' }];
  flash.set(buildPartitionTable(gapped), 0x8000);
  const sim = createSimulatedEsp32c3({ flash });
  t.after(() => sim.close());
  assert.equal(sim.boot.partition?.label, 'ota_1');
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    const otadataBefore = await readFlash(session, 0xd000, 0x2000);
    // An app counts 2 slots and writes ota_seq 3 into copy 1; the bootloader counts 3: (3 - 1) % 3 = 2,
    // no ota_2, so it falls back to ota_1.
    await assert.rejects(selectBootPartition(session, 'ota_0'), (e) => e instanceof FlashError && e.code === 'FLASH_NOT_BOOTABLE' && /ota_seq 3 .*start "ota_1".*nothing was written/.test(e.message));
    assert.deepEqual(await readFlash(session, 0xd000, 0x2000), otadataBefore, 'otadata untouched');
    // ota_1 is selected already: the active copy again, which the bootloader reads the same way.
    const r = await selectBootPartition(session, 'ota_1');
    assert.equal(r.after.boot.entry?.label, 'ota_1');
  });
});

test('readBootState with no partition table: FLASH_NO_PARTITION_TABLE, whose advice fits the ota command (no offset to give instead; a flash without a table has no OTA slots)', async (t) => {
  const sim = createSimulatedEsp32c3({ flash: DEMO_FLASH }); // its table is at 0x8000, not at 0xC000
  t.after(() => sim.close());
  await withFlashSession(sim.target, { timeoutScale: 10 }, async (session) => {
    await assert.rejects(readBootState(session, { tableOffset: 0xc000 }), (e) => e instanceof FlashError && e.code === 'FLASH_NO_PARTITION_TABLE' && e.action === 'Check --table-offset, or if the flash has none (a direct-boot or Simple Boot app), it has no OTA slots: espalgo probe shows what boots');
  });
});
