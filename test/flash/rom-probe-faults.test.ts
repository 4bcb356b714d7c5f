/**
 * The ROM-call probe when things go wrong on the simulated ESP32-C3: a ROM read that faults half-way
 * and a ROM data pointer that points nowhere. Each time the report says what happened, SPI1 and the
 * ROM's flash record are bit-exact, the cache is resumed and the firmware carries on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotOnceAdvanced } from './flash-fixture.js';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { romProbe } from '../../src/flash/rom-probe/index.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import type { Target } from '../../src/target/types.js';
import { firmwareSymbol } from '../algorithm/sim-fixture.js';

const FLASH = 'firmware/build/demo-micropython-4MB.bin';
const HEARTBEAT = firmwareSymbol('demo_heartbeat');
const FAILURES = firmwareSymbol('demo_selfcheck_failures');
const ROM_DATA_PTR = 0x3fcdfff0;
const ROM_READ = 0x40000130;
const EXTMEM_AUTOLOAD = 0x600c4040;
const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);

async function state(t: Target) {
  const wasRunning = t.state() === 'running';
  if (wasRunning) await t.halt();
  const ptr = u32(await t.readMemory(ROM_DATA_PTR, 4));
  const s = {
    spi1: await t.readMemory(0x60002000, 0x100),
    record: await t.readMemory(ptr, 28),
    autoload: await t.readMemory(EXTMEM_AUTOLOAD, 4),
    heartbeat: u32(await t.readMemory(HEARTBEAT, 4)),
    failures: u32(await t.readMemory(FAILURES, 4)),
  };
  if (wasRunning) await t.resume();
  return s;
}

/** A target whose `n`-th call of esp_rom_spiflash_read jumps to address 0 instead (an instruction access fault). */
function faultingReads(inner: Target, n: number): Target {
  let reads = 0;
  return new Proxy(inner, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (prop !== 'writeRegisters' || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      return (values: ReadonlyMap<string, number>) => {
        if (values instanceof Map && values.get('a7') === ROM_READ && ++reads === n) {
          const changed = new Map(values);
          changed.set('a7', 0);
          return (value as (v: unknown) => Promise<void>).call(t, changed);
        }
        return (value as (v: unknown) => Promise<void>).call(t, values);
      };
    },
  });
}

test('a ROM read that faults half-way: degraded report naming the fault, chip restored, firmware running', async () => {
  const sim = createSimulatedEsp32c3({ flash: FLASH, scenario: 'issue-366-timing' });
  try {
    await new Promise((r) => setTimeout(r, 20));
    const before = await state(sim.target);
    const r = await romProbe(faultingReads(sim.target, 2), { chip: esp32c3, timeoutMs: 30000 }); // the partition table read
    assert.equal(r.degraded, true);
    assert.equal(r.id!.clean, 0xef4016, 'the id was read before the fault');
    assert.equal(r.size.bytes, 0x400000);
    assert.equal(r.mappings.source, 'none');
    assert.ok(r.notes.some((n) => /esp_rom_spiflash_read failed/.test(n) && /fault/i.test(n)), r.notes.join(' | '));
    assert.equal(r.restored!.registersIntact, true);
    const after = await snapshotOnceAdvanced(() => state(sim.target), (s) => s.heartbeat > before.heartbeat);
    assert.deepEqual(after.spi1, before.spi1);
    assert.deepEqual(after.record, before.record);
    assert.deepEqual(after.autoload, before.autoload, 'the ICache was resumed with its autoload state');
    assert.ok(after.heartbeat > before.heartbeat);
    assert.equal(after.failures, 0);
  } finally {
    await sim.close();
  }
});

test('a ROM data pointer that points nowhere: the probe stops before touching anything and says why', async () => {
  const sim = createSimulatedEsp32c3({ flash: FLASH });
  try {
    await new Promise((r) => setTimeout(r, 20));
    const t = sim.target;
    await t.halt();
    const ptr = await t.readMemory(ROM_DATA_PTR, 4);
    const spi1 = await t.readMemory(0x60002000, 0x100);
    await t.writeMemory(ROM_DATA_PTR, new Uint8Array(4));
    const r = await romProbe(t, { chip: esp32c3, timeoutMs: 30000 });
    assert.equal(t.state(), 'halted', 'a halted target stays halted');
    assert.equal(r.degraded, true);
    assert.equal(r.id, null);
    assert.equal(r.romCalls, 0, 'no ROM function was called');
    assert.ok(r.notes[0]!.startsWith('The ROM-call probe stopped: the ROM data pointer does not point into RAM'), r.notes[0]);
    assert.deepEqual(await t.readMemory(0x60002000, 0x100), spi1);
    await t.writeMemory(ROM_DATA_PTR, ptr);
    const hb = u32(await t.readMemory(HEARTBEAT, 4));
    await t.resume();
    const after = await snapshotOnceAdvanced(() => state(t), (s) => s.heartbeat > hb);
    assert.ok(after.heartbeat > hb);
    assert.equal(after.failures, 0);
  } finally {
    await sim.close();
  }
});
