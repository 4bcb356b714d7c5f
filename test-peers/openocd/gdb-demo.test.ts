/**
 * gdb-multiarch with the demo firmware's symbols, in batch mode, against (a) the simulator's own GDB
 * server and (b) Debian's OpenOCD driving the simulator over JTAG: halt, step, a hardware
 * breakpoint in flash-mapped code (IROM) that is hit, and reading variables of the running firmware.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { startSim } from '../../src/cli/commands/sim.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { GDB, OPENOCD, gdbBatch, missingTools, startChain } from './chain.js';

const ELF = resolve('firmware/build/espalgo-demo.elf');

function script(port: number): string[] {
  return [
    `file ${ELF}`,
    // Flash-mapped code is read-only to GDB: it must use a hardware breakpoint there.
    'mem 0x42000000 0x42800000 ro',
    'mem 0x3c000000 0x3c800000 ro',
    'mem 0x3fc80000 0x3fce0000 rw',
    'mem 0x40380000 0x403e0000 rw',
    `target extended-remote 127.0.0.1:${port}`,
    'print/x $pc',
    'stepi',
    'print/x $pc',
    'print demo_heartbeat',
    'hbreak demo_mix_irom',
    'continue',
    'print/x $pc',
    'print demo_heartbeat',
    'print demo_selfcheck_failures',
    'delete',
    'detach',
  ];
}

function check(output: string): void {
  assert.match(output, /Hardware assisted breakpoint 1 at 0x42000090/, output);
  assert.match(output, /Breakpoint 1, (0x42000090 in )?demo_mix_irom/, output);
  const pcs = [...output.matchAll(/^\$\d+ = 0x([0-9a-f]+)$/gm)].map((m) => parseInt(m[1]!, 16));
  assert.equal(pcs.length, 3, output);
  assert.notEqual(pcs[0], pcs[1], 'stepi moved the pc');
  assert.equal(pcs[2], 0x42000090, 'stopped at the hardware breakpoint in IROM');
  const values = [...output.matchAll(/^\$\d+ = (\d+)$/gm)].map((m) => Number(m[1]));
  assert.equal(values.length, 3, output);
  assert.ok(values[1]! >= values[0]!, 'heartbeat readable and not going backwards');
  assert.equal(values[2], 0, 'self-check failures');
}

const skip = missingTools([GDB, OPENOCD]);

test('gdb-multiarch through the simulator GDB server: hw breakpoint in flash code, variables', { skip, timeout: 60_000 }, async () => {
  const running = await startSim({ gdb: 0 }, memoryIo());
  try {
    await new Promise((r) => setTimeout(r, 50));
    const r = await gdbBatch(script(running.gdb!.port));
    check(r.output);
  } finally {
    await running.close();
  }
});

test('gdb-multiarch through OpenOCD (JTAG to the simulator): hw breakpoint in flash code, variables', { skip, timeout: 120_000 }, async () => {
  const chain = await startChain();
  try {
    const r = await gdbBatch(script(chain.gdbPort));
    check(r.output);
    const noise = chain.log().split('\n').filter((l) => /^(Warn|Error)/.test(l) && !/Prefer GDB command "target extended-remote/.test(l));
    assert.deepEqual(noise, [], 'OpenOCD logged no warnings or errors');
  } finally {
    await chain.stop();
  }
});

test('gdb-multiarch watchpoints through the simulator GDB server: watch, rwatch, awatch on the heartbeat; triggers run out', { skip: missingTools([GDB]), timeout: 60_000 }, async () => {
  const running = await startSim({ gdb: 0 }, memoryIo());
  try {
    const r = await gdbBatch([
      `file ${ELF}`,
      `target extended-remote 127.0.0.1:${running.gdb!.port}`,
      'watch demo_heartbeat',
      'continue',
      'continue',
      'delete',
      'rwatch demo_heartbeat',
      'continue',
      'delete',
      'awatch demo_heartbeat',
      'continue',
      'delete',
      // 8 triggers: eight watchpoints take them all, so a hardware breakpoint cannot be inserted.
      ...['demo_heartbeat', 'demo_selfcheck_failures', 'demo_selfcheck_runs', 'demo_data_magic', 'demo_publish_dbg_stubs',
        'demo_dbg_stubs_published', 'demo_dbg_stubs_publish_result', 'demo_state.checksum'].map((v) => `watch ${v}`),
      'hbreak demo_mix_irom',
      'continue',
      'delete',
      'detach',
    ]);
    const out = r.output;
    const hits = [...out.matchAll(/Hardware watchpoint 1: demo_heartbeat\s+Old value = (\d+)\s+New value = (\d+)/g)];
    assert.equal(hits.length, 2, out);
    for (const [, before, after] of hits) assert.equal(Number(after), Number(before) + 1, 'the store seen: the heartbeat went up by one');
    assert.equal(Number(hits[1]![1]), Number(hits[0]![2]), 'the second hit continues from the first');
    assert.match(out, /Hardware read watchpoint 2: demo_heartbeat\s+Value = \d+/, out);
    assert.match(out, /Hardware access \(read\/write\) watchpoint 3: demo_heartbeat\s+(Value = \d+|Old value = \d+\s+New value = \d+)/, out);
    assert.match(out, /Cannot insert hardware breakpoint 12\.[\s\S]*You may have requested too many hardware breakpoints\/watchpoints/, out);
  } finally {
    await running.close();
  }
});

test('gdb-multiarch stepi through the simulator GDB server from reset and over a ROM function stops after one instruction or one ROM call; an unknown monitor command is an error', { skip: missingTools([GDB]), timeout: 60_000 }, async () => {
  const running = await startSim({ gdb: 0 }, memoryIo());
  try {
    const r = await gdbBatch([
      `file ${ELF}`,
      `target extended-remote 127.0.0.1:${running.gdb!.port}`,
      'monitor reset halt',
      'maintenance flush register-cache',
      'printf "PC=%x\\n", $pc',
      'stepi',
      'printf "PC=%x\\n", $pc',
      'stepi',
      'printf "PC=%x\\n", $pc',
      'stepi',
      'printf "PC=%x\\n", $pc',
      'stepi',
      'printf "PC=%x\\n", $pc',
      // Into a ROM function (ets_delay_us) called from the app's code: stepi comes back to the caller.
      'hbreak demo_mix_irom',
      'continue',
      'delete',
      'set $ra = $pc',
      'set $a0 = 1',
      'set $pc = 0x40000050',
      'stepi',
      'printf "PC=%x\\n", $pc',
      // An unknown monitor command fails where a script can see it (as under OpenOCD).
      'monitor frobnicate',
      'detach',
    ]);
    assert.match(r.output, /unknown monitor command 'frobnicate'[^\n]*\n[\s\S]*Protocol error with Rcmd/, r.output);
    const pcs = [...r.output.matchAll(/^PC=([0-9a-f]+)$/gm)].map((m) => parseInt(m[1]!, 16));
    const entry = running.sim.boot.entry;
    assert.deepEqual(pcs, [0x40000000, 0x40000008, 0x40000004, 0x40000006, entry, 0x42000090], r.output);
  } finally {
    await running.close();
  }
});
