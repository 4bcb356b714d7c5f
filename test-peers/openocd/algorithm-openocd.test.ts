/**
 * The algorithm runner through Debian's OpenOCD (GDB server → JTAG → the simulated ESP32-C3 running
 * the demo firmware): calls of every kind — returns, exceptions, an ebreak inside the routine,
 * timeouts — with the registers and the borrowed RAM bit-exact after each, and the firmware's
 * heartbeat advancing with no self-check failure. The client asks OpenOCD for each halt with
 * `monitor poll` sent while the stub runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { RISCV_GPR_NAMES } from '../../src/target/riscv-registers.js';
import { runUndisturbedOn } from '../../test/algorithm/undisturbed.js';
import { GDB, OPENOCD, missingTools, startChain } from './chain.js';

const skip = missingTools([OPENOCD, GDB]);
const CONTEXT = [...RISCV_GPR_NAMES.slice(1), 'pc', 'mstatus', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch', 'mie', 'misa'];

test('algorithm runner through OpenOCD: 60 calls with the demo firmware running, context bit-exact', { skip, timeout: 300_000 }, async () => {
  const chain = await startChain();
  try {
    const target = await connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 5000, chip: 'esp32c3' });
    try {
      await target.resume();
      await runUndisturbedOn(target, 60, {
        registers: CONTEXT,
        // The stub's code, data, trampoline and stack, and the firmware's own RAM around them.
        ram: [{ start: 0x3fc80000, end: 0x3fc82000 }, { start: 0x3fc84000, end: 0x3fc84100 }],
        spinTimeoutMs: 300,
        checkEvery: 20,
      });
      // The halts were asked for (`monitor poll` while the stub ran) and OpenOCD took it in stride.
      assert.ok(target.haltPolls > 0, 'no monitor poll was sent');
    } finally {
      await target.close();
    }
  } finally {
    await chain.stop();
  }
});
