import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';

const DEMO = 'firmware/build/demo-micropython-4MB.bin';

test('--persist sizes the flash as a read-only file does: 4 MiB at least, the image size rounded up, past 16 MiB refused; the file is not padded by a run that changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-sim-'));
  try {
    for (const [length, size] of [[0x40000, 0x400000], [0x200000, 0x400000], [0x500000, 0x800000]] as const) {
      const file = join(dir, `flash-${length}.bin`);
      const bytes = new Uint8Array(length).fill(0xff);
      bytes.set(readFileSync(DEMO).subarray(0, length));
      writeFileSync(file, bytes);
      for (const persist of [false, true]) {
        const sim = createSimulatedEsp32c3({ flash: file, persist, run: false });
        assert.equal(sim.flash.size, size, `${length} bytes, persist ${persist}`);
        await sim.close();
      }
      assert.equal(statSync(file).size, length);
    }
    const huge = join(dir, 'huge.bin');
    writeFileSync(huge, new Uint8Array(0x1100000).fill(0xff));
    for (const persist of [false, true]) {
      assert.throws(() => createSimulatedEsp32c3({ flash: huge, persist, run: false }), /the flash image has 17825792 bytes, more than the 16 MiB flash the simulated ESP32-C3 addresses at most/);
    }
    // A --flash-size smaller than the image is named as the cause.
    assert.throws(() => createSimulatedEsp32c3({ flash: huge, flashSize: 0x100000, run: false }), /more than the 16 MiB flash the simulated/);
    const mid = join(dir, 'mid.bin');
    writeFileSync(mid, new Uint8Array(0x200000).fill(0xff));
    assert.throws(() => createSimulatedEsp32c3({ flash: mid, flashSize: 0x100000, run: false }), /the flash image has 2097152 bytes, more than the 1 MiB flash given \(--flash-size\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a flash file that cannot be read is the simulator\'s error (SIM_FLASH_CONFIG), naming the file and why', () => {
  for (const persist of [false, true]) {
    assert.throws(
      () => createSimulatedEsp32c3({ flash: '/no-such-folder/flash.bin', persist, run: false }),
      (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'SIM_FLASH_CONFIG' && e.message === 'cannot read the flash image /no-such-folder/flash.bin: no such file',
    );
  }
  assert.throws(() => createSimulatedEsp32c3({ flash: tmpdir(), run: false }), (e: unknown) => e instanceof Error && e.message === `cannot read the flash image ${tmpdir()}: it is a folder`);
});
