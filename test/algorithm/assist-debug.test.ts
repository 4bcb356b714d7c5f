// The chip's ASSIST_DEBUG monitors are off while a stub or an on-board function runs, and exactly as
// the program left them afterwards (the stack-pointer monitor would trip on the stub's own stack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { esp32c3 } from '../../src/chips/index.js';
import { AlgorithmRunner, DEBUG_STUBS_ENTRY_FIRST, locateDebugStubs } from '../../src/algorithm/index.js';
import { parseElf } from '../../src/image/elf.js';
import type { Target } from '../../src/target/types.js';
import { bootDemo, demoStub, FIRMWARE_ELF } from './sim-fixture.js';

const MONITOR = esp32c3.assistDebugMonitor!;
const ARMED = 0x00000300; // SP_SPILL_MIN_ENA | SP_SPILL_MAX_ENA: ESP-IDF's hardware stack guard

const u32 = async (t: Target, address: number) => new DataView((await t.readMemory(address, 4)).buffer).getUint32(0, true);

/** The target, noting the monitor register at each resume (the stub starts running then). */
function watchingResumes(inner: Target): { target: Target; seen: number[] } {
  const seen: number[] = [];
  const target = new Proxy(inner, {
    get(t, key, receiver) {
      if (key === 'resume') {
        return async (...args: Parameters<Target['resume']>) => {
          seen.push(await u32(t, MONITOR));
          return t.resume(...args);
        };
      }
      const value = Reflect.get(t, key, receiver);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
  return { target, seen };
}

test('a stub call and an on-board call run with the ASSIST_DEBUG monitors off and give them back as they were', async () => {
  assert.equal(MONITOR, 0x600ce000);
  const sim = bootDemo();
  try {
    await new Promise((r) => setTimeout(r, 10));
    await sim.target.halt();
    await sim.target.writeMemory(MONITOR, Uint8Array.of(ARMED & 0xff, ARMED >> 8, 0, 0));
    const { target, seen } = watchingResumes(sim.target);
    const runner = new AlgorithmRunner(target, { chip: esp32c3 });
    assert.equal((await runner.call(demoStub(), { args: [1, 2, 3, 4, 5, 6, 7] })).value, 28);
    const { table } = await locateDebugStubs(sim.target, { elf: parseElf(new Uint8Array(readFileSync(FIRMWARE_ELF))) });
    await runner.callOnboard(table, table.entries[DEBUG_STUBS_ENTRY_FIRST]!, [1, 2, 3]);
    assert.deepEqual(seen, [0, 0], 'off for both runs');
    assert.equal(await u32(sim.target, MONITOR), ARMED, 'as the program left it');
  } finally {
    await sim.close();
  }
});
