/**
 * OpenOCD turns every GDB client away when a flash bank fails to probe while it builds the memory
 * map (the way openocd-esp32 #366 locks GDB out). Debian's OpenOCD with the simulator's
 * configuration and one extra bank that cannot probe (a CFI bank where no CFI flash answers): espalgo
 * must say what happened and how to get in, not ask whether this is the GDB port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { GdbConnectError } from '../../src/gdb/errors.js';
import { OPENOCD, missingTools, startChain } from './chain.js';

const skip = missingTools([OPENOCD]);

test('OpenOCD rejecting GDB clients (a flash bank fails to probe): GDB_CONNECT names the rejection, the log lines and the ways in', { skip, timeout: 120_000 }, async () => {
  const chain = await startChain({ openocdCommands: ['flash bank unprobed.flash cfi 0x50000000 0x1000 2 2 esp32c3.cpu'] });
  try {
    await assert.rejects(connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 5000, chip: 'esp32c3' }), (e: unknown) => {
      assert.ok(e instanceof GdbConnectError, String(e));
      assert.match(e.message, /closed it without a reply\. OpenOCD turns every GDB client away like this when a flash bank fails to probe/);
      assert.match(e.message, /-c "gdb_memory_map disable"/);
      assert.doesNotMatch(e.message, /is it running and listening there/);
      return true;
    });
    // What the message quotes is what OpenOCD logged.
    for (let i = 0; i < 100 && !/connection rejected/.test(chain.log()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(chain.log(), /Connect failed\. Consider setting up a gdb-attach event/);
    assert.match(chain.log(), /attempted 'gdb' connection rejected/);
  } finally {
    await chain.stop();
  }
});

test('the same OpenOCD with "gdb_memory_map disable", as the message advises, lets espalgo connect', { skip, timeout: 120_000 }, async () => {
  const chain = await startChain({ openocdCommands: ['flash bank unprobed.flash cfi 0x50000000 0x1000 2 2 esp32c3.cpu', 'gdb_memory_map disable'] });
  try {
    const target = await connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 5000, chip: 'esp32c3' });
    try {
      assert.equal(target.state(), 'halted');
      assert.equal((await target.readMemory(0x3fc80000, 4)).length, 4);
    } finally {
      await target.close();
    }
  } finally {
    await chain.stop();
  }
});
