/**
 * gdb-multiarch killed while the program runs under `espalgo sim --gdb`, a breakpoint inserted:
 * the server takes the breakpoint out when the connection drops, so the program does not stop at
 * it later with no client to report to (here: at the app entry, after a reset through the reset
 * vector).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { startSim } from '../../src/cli/commands/sim.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { GDB, gdbBatch, missingTools } from '../openocd/chain.js';

const ELF = resolve('firmware/build/espalgo-demo.elf');

test('gdb-multiarch killed during continue leaves no hardware breakpoint behind in sim --gdb', { skip: missingTools([GDB]), timeout: 60_000 }, async () => {
  const running = await startSim({ gdb: 0 }, memoryIo());
  const target = running.sim.target;
  try {
    // The app entry runs only at boot: the breakpoint stays inserted, unhit, until gdb is killed.
    const r = await gdbBatch([`file ${ELF}`, `target remote 127.0.0.1:${running.gdb!.port}`, 'hbreak call_start_cpu0', 'continue'], 3000);
    assert.equal(r.status, null, `gdb was killed while the program ran: ${r.output}`);
    assert.match(r.output, /Hardware assisted breakpoint 1 at 0x42000020/);
    await new Promise((r) => setTimeout(r, 200)); // the server sees the connection drop
    assert.equal(target.state(), 'running');

    // Reset and run through the reset vector, the ROM boot and the app entry.
    await target.halt();
    await target.reset('halt');
    await target.resume();
    await new Promise((r) => setTimeout(r, 300));
    const stop = target.state() === 'halted' ? await target.waitForHalt(1) : undefined;
    assert.equal(stop, undefined, 'the program runs past the app entry');
  } finally {
    await running.close();
  }
});
