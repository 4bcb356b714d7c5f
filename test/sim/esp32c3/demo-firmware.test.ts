/**
 * Every committed demo flash image boots on the simulated ESP32-C3 the way the ROM and 2nd-stage
 * bootloader would: the firmware's heartbeat advances and its self-check never fails; the OTA
 * image boots the slot otadata selects (ota_1, built as variant 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { firmwareSymbol } from '../../algorithm/sim-fixture.js';

const IMAGES = [
  { file: 'demo-micropython-4MB.bin', variant: 0 },
  { file: 'demo-micropython-32MB-header.bin', variant: 0 },
  { file: 'demo-ota.bin', variant: 1 },
  { file: 'demo-table-0xc000.bin', variant: 0, tableOffset: 0xc000 },
] as const;

for (const image of IMAGES) {
  test(`${image.file} boots and its heartbeat advances with a clean self-check`, async () => {
    const sim = createSimulatedEsp32c3({
      flash: `firmware/build/${image.file}`,
      ...('tableOffset' in image ? { tableOffset: image.tableOffset } : {}),
    });
    const word = async (address: number) => new DataView((await sim.target.readMemory(address, 4)).buffer).getUint32(0, true);
    try {
      const heartbeat = firmwareSymbol('demo_heartbeat');
      const first = await word(heartbeat);
      await new Promise((r) => setTimeout(r, 50));
      const second = await word(heartbeat);
      assert.ok(second > first, `heartbeat ${first} → ${second}`);
      assert.ok((await word(firmwareSymbol('demo_selfcheck_runs'))) > 0, 'the self-check ran');
      assert.equal(await word(firmwareSymbol('demo_selfcheck_failures')), 0);
      assert.equal(await word(firmwareSymbol('demo_state') + 4), image.variant, 'the booted build (demo_state.variant)');
    } finally {
      await sim.close();
    }
  });
}
