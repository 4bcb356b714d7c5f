/** The library checks the caller's overrides as the CLI does, before the target is touched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { FlashError } from '../../src/flash/errors.js';
import { checkFlashOverrides } from '../../src/flash/overrides.js';
import { probeFlash } from '../../src/flash/probe.js';
import { openFlashSession } from '../../src/flash/session.js';
import { demoSim } from './flash-fixture.js';

const refused = (pattern: RegExp) => (e: unknown) => e instanceof FlashError && e.code === 'FLASH_BAD_OPTION' && pattern.test(e.message);

test('probeFlash and openFlashSession refuse overrides no chip can have (FLASH_BAD_OPTION), leaving a running program alone', async () => {
  const sim = demoSim({ run: true });
  try {
    const cases: [Parameters<typeof checkFlashOverrides>[0], RegExp][] = [
      [{ tableOffset: 0x123 }, /^tableOffset 0x00000123 cannot hold a partition table: it starts on a 4 KiB flash sector/],
      [{ tableOffset: 0 }, /^tableOffset 0x00000000 cannot hold a partition table/],
      [{ appOffset: 0x123 }, /^appOffset 0x00000123 is not a multiple of 0x10000: an app image starts on a 64 KiB MMU page/],
      [{ flashSize: 3 << 20 }, /^flashSize 3145728 is not a flash size\. Give a power of two from 64 KiB to 1 GiB/],
      [{ flashSize: 0x8000 }, /^flashSize 32768 is not a flash size/],
      [{ appOffset: 1.5 }, /^appOffset 1\.5 is not a 32-bit flash offset or size/],
      [{ tableOffset: 2 ** 32 }, /^tableOffset 4294967296 is not a 32-bit flash offset or size/],
    ];
    for (const [options, pattern] of cases) {
      await assert.rejects(probeFlash(sim.target, options), refused(pattern), JSON.stringify(options));
      assert.equal(sim.target.state(), 'running', `${JSON.stringify(options)}: not halted`);
    }
    await assert.rejects(openFlashSession(sim.target, { flashSize: 12345 }), refused(/^flashSize 12345 is not a flash size/));
    assert.equal(sim.target.state(), 'running');
    // What the rules allow goes through.
    assert.doesNotThrow(() => checkFlashOverrides({ flashSize: 0x400000, tableOffset: 0xc000, appOffset: 0x110000 }, esp32c3));
  } finally {
    await sim.close();
  }
});
