import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { esp32c3 } from '../../src/chips/index.js';
import {
  AlgorithmRunner,
  DEBUG_STUBS_ENTRY_FIRST,
  DebugStubsError,
  locateDebugStubs,
  readDebugStubsTable,
  SemihostingWatcher,
} from '../../src/algorithm/index.js';
import { parseElf } from '../../src/image/elf.js';
import type { SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { bootDemo, FIRMWARE_ELF, firmwareSymbol } from './sim-fixture.js';

const expected = (a: number, b: number, c: number) => ((a * 3 + b * 5 + c * 7) ^ 0x5a5a5a5a) >>> 0;

test('on-board call into the demo firmware through its debug-stubs table (ELF symbol)', async () => {
  const sim = bootDemo();
  try {
    await new Promise((r) => setTimeout(r, 10));
    await sim.target.halt();
    const before = await sim.target.readRegisters();
    const { table, source } = await locateDebugStubs(sim.target, { elf: parseElf(new Uint8Array(readFileSync(FIRMWARE_ELF))) });
    assert.equal(source, 'elf-symbol');
    assert.equal(table.entries[DEBUG_STUBS_ENTRY_FIRST], firmwareSymbol('demo_onboard_sum'));
    const runner = new AlgorithmRunner(sim.target, { chip: esp32c3 });
    for (const [a, b, c] of [[1, 2, 3], [0, 0, 0], [0xffffffff, 7, 0x12345678]] as const) {
      const r = await runner.callOnboard(table, table.entries[DEBUG_STUBS_ENTRY_FIRST]!, [a, b, c], { verifyRestore: true });
      assert.equal(r.value, expected(a, b, c));
    }
    const after = await sim.target.readRegisters();
    after.set('dcsr', before.get('dcsr')!); // cause field: why the hart last halted, read-only to debuggers
    assert.deepEqual(after, before);
  } finally {
    await sim.close();
  }
});

test('the table published by semihosting call 0x102 is found, and the firmware carries on', async () => {
  const sim = bootDemo();
  const watcher = new SemihostingWatcher(sim.target);
  try {
    // Wait until the firmware is past its start-up (which clears .bss, the flag included).
    const heartbeat = async () => new DataView((await sim.target.readMemory(firmwareSymbol('demo_heartbeat'), 4)).buffer).getUint32(0, true);
    const deadline = Date.now() + 2000;
    while ((await heartbeat()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    const flag = new Uint8Array([1, 0, 0, 0]);
    await sim.target.writeMemory(firmwareSymbol('demo_publish_dbg_stubs'), flag); // what an attached debugger would enable
    const located = await locateDebugStubs(sim.target, { watcher, waitMs: 2000 });
    assert.equal(located.source, 'semihosting');
    assert.equal(located.table.address, firmwareSymbol('s_dbg_stubs'));
    assert.deepEqual(watcher.seen, [0x102]);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(sim.target.state(), 'running', 'the watcher resumed the firmware');
    const failures = await sim.target.readMemory(firmwareSymbol('demo_selfcheck_failures'), 4);
    assert.deepEqual([...failures], [0, 0, 0, 0]);
  } finally {
    watcher.close();
    await sim.close();
  }
});

/** The demo firmware booted and halted, for checks that run nothing on it. */
async function withHaltedDemo(check: (sim: SimulatedEsp32c3) => Promise<void>): Promise<void> {
  const sim = bootDemo();
  try {
    await sim.target.halt();
    await check(sim);
  } finally {
    await sim.close();
  }
}

test('a wrong table address is refused with the magic it found', () =>
  withHaltedDemo(async (sim) => {
    await assert.rejects(locateDebugStubs(sim.target, { address: 0x3fc80000 }), (e: unknown) => {
      assert.ok(e instanceof DebugStubsError);
      assert.match(e.message, /magic is 0x[0-9a-f]{8}, expected 0xfeedbeef/);
      assert.match(e.message, /Check the address: the table is the application's s_dbg_stubs/);
      return true;
    });
  }));

test('an address where nothing can be read is "no debug-stubs table" too, not a bare memory error', () =>
  withHaltedDemo(async (sim) => {
    await assert.rejects(locateDebugStubs(sim.target, { address: 0 }), (e: unknown) => {
      assert.ok(e instanceof DebugStubsError, String(e));
      assert.equal(e.code, 'ALGO_DEBUG_STUBS');
      assert.equal(e.address, 0);
      assert.match(e.message, /^no debug-stubs table at 0x00000000: .*nothing is mapped there\. Check the address/);
      return true;
    });
  }));

test('a symbol whose table is not filled in asks whether the ELF is the one the chip runs', () =>
  withHaltedDemo(async (sim) => {
    // RAM that holds no table, as s_dbg_stubs does before start-up or in another build.
    await assert.rejects(readDebugStubsTable(sim.target, 0x3fc80000, 'elf-symbol'), (e: unknown) => {
      assert.ok(e instanceof DebugStubsError);
      assert.match(e.message, /expected 0xfeedbeef\. Check that the ELF is the application the chip runs and that it has started/);
      return true;
    });
  }));
