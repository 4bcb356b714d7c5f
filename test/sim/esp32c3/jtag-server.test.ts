// The simulated ESP32-C3 served as a JTAG target (what `espalgo sim --rbb` runs for OpenOCD).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { startSimJtagServer } from '../../../src/sim/esp32c3/jtag-server.js';
import { DM, DMCONTROL, DMSTATUS } from '../../../src/sim/jtag/dm-registers.js';
import { JTAG_IR } from '../../../src/sim/jtag/dtm.js';
import { JtagHost } from '../jtag/jtag-driver.js';
import { open, socketTransport } from '../jtag/socket-transport.js';

test('startSimJtagServer: IDCODE; a Debug Module halt and resume are the SimTarget\'s (its run loop keeps the chip going); close frees the port', async () => {
  const sim = createSimulatedEsp32c3({ flash: 'firmware/build/demo-micropython-4MB.bin', sliceInstructions: 20_000 });
  const server = await startSimJtagServer(sim, { port: 0 });
  const socket = await open(server.port);
  try {
    assert.equal(server.host, '127.0.0.1');
    const host = new JtagHost(socketTransport(socket));
    await host.resetToIdle();
    assert.equal(Number(await host.scanDr(0n, 32)), 0x00005c25, 'the ESP32-C3 IDCODE');
    await host.scanIr(JTAG_IR.DMI);
    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive);
    assert.ok((await host.dmiRead(DM.dmstatus)) & DMSTATUS.allrunning);
    assert.equal(sim.target.state(), 'running');

    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive | DMCONTROL.haltreq);
    assert.ok((await host.dmiRead(DM.dmstatus)) & DMSTATUS.allhalted);
    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive);
    const frozen = sim.chip.hart.instructionsRetired;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sim.chip.hart.instructionsRetired, frozen, 'halted: the run loop leaves the hart alone');

    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive | DMCONTROL.resumereq);
    assert.ok((await host.dmiRead(DM.dmstatus)) & DMSTATUS.allrunning);
    assert.equal(sim.target.state(), 'running', 'the resume went through the SimTarget');
    const deadline = Date.now() + 3000;
    while (sim.chip.hart.instructionsRetired === frozen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(sim.chip.hart.instructionsRetired > frozen, 'the simulator runs the hart again');
  } finally {
    socket.destroy();
    await server.close();
  }
  await assert.rejects(open(server.port), 'closed: nothing listens any more');
  await sim.close();
});
