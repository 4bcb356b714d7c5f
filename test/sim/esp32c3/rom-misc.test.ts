import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { romSymbolTable, ROM_SERVICES } from '../../../src/sim/esp32c3/rom/index.js';
import { buildFlash } from './fixture.js';
import { callRom, SCRATCH, TRAMPOLINE, STACK_TOP } from './rom-call.js';

function newSim() {
  return createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
}

test('crc32_le follows the ROM convention (0 → standard CRC-32)', async () => {
  const sim = newSim();
  await sim.target.writeMemory(SCRATCH, new TextEncoder().encode('123456789'));
  assert.equal(await callRom(sim, 'crc32_le', [0, SCRATCH, 9]), 0xcbf43926);
  await sim.close();
});

test('ets_printf formats into the console', async () => {
  const sim = newSim();
  await sim.target.writeMemory(SCRATCH, new TextEncoder().encode('id=%06x n=%d s=%s%%\n\0'));
  await sim.target.writeMemory(SCRATCH + 0x40, new TextEncoder().encode('ok\0'));
  const n = await callRom(sim, 'ets_printf', [SCRATCH, 0xef40, -5, SCRATCH + 0x40]);
  assert.equal(sim.chip.consoleText, 'id=00ef40 n=-5 s=ok%\n');
  assert.equal(n, sim.chip.consoleText.length);
  await sim.close();
});

test('Cache_Dbus_MMU_Set maps pages and reports bad arguments; ends are ROM variables', async () => {
  const sim = newSim();
  assert.equal(await callRom(sim, 'Cache_Dbus_MMU_Set', [0, 0x3c050000, 0x300000, 64, 2, 0]), 0);
  assert.deepEqual([sim.chip.mmu.entries[5], sim.chip.mmu.entries[6]], [0x30, 0x31]);
  assert.deepEqual(await sim.target.readMemory(0x3c060000, 4), sim.flash.bytes.slice(0x310000, 0x310004));
  assert.equal(await callRom(sim, 'Cache_Dbus_MMU_Set', [0, 0x3c050100, 0x300000, 64, 1, 0]), 2);
  assert.equal(await callRom(sim, 'Cache_Dbus_MMU_Set', [0, 0x3c050000, 0x300000, 32, 1, 0]), 3);
  assert.equal(await callRom(sim, 'Cache_Ibus_MMU_Set', [0, 0x427f0000, 0x300000, 64, 2, 0]), 4);
  await callRom(sim, 'Cache_Set_IDROM_MMU_Size', [0x40, 0x1c0]);
  assert.equal(await callRom(sim, 'Cache_Get_IROM_MMU_End'), 0x40);
  assert.equal(await callRom(sim, 'Cache_Get_DROM_MMU_End'), 0x200);
  // Suspended cache: the windows fault until resumed.
  const autoload = await callRom(sim, 'Cache_Suspend_ICache');
  await assert.rejects(sim.target.readMemory(0x3c000020, 4), /suspended/);
  await callRom(sim, 'Cache_Resume_ICache', [autoload]);
  assert.equal((await sim.target.readMemory(0x3c000020, 4)).length, 4);
  await sim.close();
});

test('an unimplemented ROM function halts the hart with an error naming it', async () => {
  const sim = newSim();
  const t = sim.target;
  await t.writeMemory(TRAMPOLINE, new Uint8Array([0xe7, 0x80, 0x08, 0x00, 0x73, 0x00, 0x10, 0x00]));
  await t.writeRegisters({ pc: TRAMPOLINE, a7: 0x40000110, sp: STACK_TOP - 16 });
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'exception');
  assert.match(t.lastError?.message ?? '', /0x40000110 \(esp_rom_spiflash_write_encrypted\)/);
  await sim.close();
});

test('the ROM symbol table names every service and marks what is implemented', () => {
  const rows = romSymbolTable();
  const read = rows.find((r) => r.name === 'esp_rom_spiflash_read');
  assert.deepEqual(read, { name: 'esp_rom_spiflash_read', address: 0x40000130, implemented: true });
  assert.equal(rows.find((r) => r.name === 'tinfl_decompress')?.implemented, false);
  assert.equal(rows.filter((r) => r.implemented).length, ROM_SERVICES.length);
});
