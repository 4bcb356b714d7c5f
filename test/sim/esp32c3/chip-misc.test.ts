import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { buildFlash, IROM_CODE } from './fixture.js';
import { callRom, SCRATCH } from './rom-call.js';

test('flash rewritten under a mapped IROM page: the hart executes the new code', async () => {
  const sim = createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
  const t = sim.target;
  await t.step(); // decode the page
  assert.equal(await callRom(sim, 'esp_rom_spiflash_erase_sector', [0x10]), 0);
  // ebreak at the app entry (flash 0x10128 ↔ IROM 0x42010128).
  await t.writeMemory(SCRATCH, new Uint8Array([0x73, 0x00, 0x10, 0x00]));
  assert.equal(await callRom(sim, 'esp_rom_spiflash_write', [0x10128, SCRATCH, 4]), 0);
  await t.resume(IROM_CODE);
  const stop = await t.waitForHalt(1000);
  assert.equal(stop.reason, 'breakpoint');
  assert.equal(stop.pc, IROM_CODE);
  await sim.close();
});

test('wdt-running: the watchdog resets the chip while the program runs; reboot keeps running', async () => {
  const sim = createSimulatedEsp32c3({ flash: buildFlash().flash, run: false, scenario: 'wdt-running', sliceInstructions: 200000 });
  const events: string[] = [];
  sim.target.on((e) => events.push(e.type));
  await sim.target.resume();
  for (let i = 0; i < 200 && !events.includes('reset'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(events.includes('reset'), 'a watchdog reset happened');
  assert.equal(sim.chip.rtcCntl.read32(0x38) & 0x3f, 0x10, 'reset cause: RTC watchdog');
  assert.equal(sim.target.state(), 'running');
  await sim.close();
});

test('SYSTIMER counts one tick per 10 instructions; unknown peripherals read 0 and are counted', async () => {
  const sim = createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
  const bus = sim.chip.bus;
  bus.write32(0x60023004, 1 << 30);
  const lo0 = bus.read32(0x60023044);
  for (let i = 0; i < 100; i++) await sim.target.step();
  bus.write32(0x60023004, 1 << 30);
  assert.equal(bus.read32(0x60023004) & (1 << 29), 1 << 29);
  assert.equal(bus.read32(0x60023044) - lo0, 10);
  assert.equal(bus.read32(0x600a0000), 0);
  assert.equal(sim.chip.peripherals.unknownAccesses.get(0x600a0000), 1);
  await sim.close();
});
