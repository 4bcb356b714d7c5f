/**
 * The probe over the GDB remote protocol: the simulated ESP32-C3 served by espalgo's GDB server on
 * 127.0.0.1, probed through RemoteTarget — the same code path as a board behind OpenOCD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeFlash } from '../../src/flash/probe.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { serveSim } from '../gdb/sim-server.js';
import { firmwareSymbol } from '../algorithm/sim-fixture.js';

test('probe through GDB RSP: #366 handled, mappings right, SPI1/MMU intact, firmware resumed', async (t) => {
  const { sim, port } = await serveSim(t, { flash: 'firmware/build/demo-micropython-32MB-header.bin', scenario: 'issue-366' });
  const remote = await connectRemote('127.0.0.1', port, { timeoutMs: 3000, chip: 'esp32c3' });
  try {
    if (remote.state() === 'halted') await remote.resume();
    const heartbeat = firmwareSymbol('demo_heartbeat');
    const beat = async () => new DataView((await sim.target.readMemory(heartbeat, 4)).buffer).getUint32(0, true);
    const before = await beat();
    const r = await probeFlash(remote, { timeoutScale: 10 });
    assert.equal(r.method, 'stub');
    assert.equal(r.id!.naive, 0xde802d);
    assert.equal(r.id!.clean, 0xef4016);
    assert.equal(r.size.bytes, 0x400000);
    assert.deepEqual(r.mappings.segments.map((s) => s.flashOffset), [0x10020, 0x20020]);
    assert.equal(r.mappings.crossCheck!.agree, true);
    assert.equal(r.restored!.registersIntact, true);
    assert.equal(r.restored!.resumed, true);
    assert.equal(remote.state(), 'running');
    await new Promise((res) => setTimeout(res, 30));
    assert.ok((await beat()) > before, 'the firmware runs on');
    assert.equal(new DataView((await sim.target.readMemory(firmwareSymbol('demo_selfcheck_failures'), 4)).buffer).getUint32(0, true), 0);
  } finally {
    await remote.close();
  }
});
