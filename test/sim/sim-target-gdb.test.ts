import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim } from '../../src/cli/commands/sim.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { buildFlash, IROM_CODE, COUNTER_ADDR } from './esp32c3/fixture.js';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('espalgo sim --gdb: the simulated chip served over RSP on 127.0.0.1 (memory, registers, breakpoint)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-sim-'));
  const file = join(dir, 'flash.bin');
  writeFileSync(file, buildFlash().flash);
  let out = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (out += t), outBytes: () => assert.fail('no bytes on stdout'), color: false, columns: 80, errColor: false, errColumns: 80, outIsTTY: false };
  const running = await startSim({ flash: file, gdb: 0, scenario: 'issue-366' }, io);
  try {
    assert.match(out, /partition table at 0x00008000; no otadata partition: booting the factory app "factory" at 0x00010000\n/);
    assert.match(out, /GDB server listening on 127\.0\.0\.1:\d+/);
    const remote = await connectRemote('127.0.0.1', running.gdb!.port, { timeoutMs: 3000 });
    try {
      await remote.halt(2000);
      const pc = await remote.readRegister('pc');
      assert.ok(pc >= IROM_CODE && pc < IROM_CODE + 20, `pc 0x${pc.toString(16)} in the app loop`);
      assert.equal((await remote.readMemory(COUNTER_ADDR, 4)).length, 4);
      // The scenario's SPI1 state is visible over the wire: USER has USR_DUMMY (bit 29).
      const user = await remote.readMemory(0x60002018, 4);
      assert.equal(user[3]! & 0x20, 0x20);
      await remote.addBreakpoint(IROM_CODE + 12, 'software');
      await remote.resume();
      const stop = await remote.waitForHalt(3000);
      assert.equal(stop.pc, IROM_CODE + 12);
      await remote.removeBreakpoint(IROM_CODE + 12, 'software');
    } finally {
      await remote.close();
    }
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
