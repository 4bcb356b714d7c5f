/** The GDB conformance suite against espalgo's own GDB server serving the simulated ESP32-C3. */
import { after } from 'node:test';
import { runConformance } from './conformance.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { startGdbServer, type GdbServerHandle } from '../../src/gdb/server.js';
import { createSimulatedEsp32c3, type SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { COUNTER, COUNTER_ADDRESS, counterFlash } from './counter-flash.js';

let sim: SimulatedEsp32c3 | undefined;
let server: GdbServerHandle | undefined;
after(async () => {
  await server?.close();
  await sim?.close();
});

runConformance('espalgo simulator GDB server', async () => {
  sim = createSimulatedEsp32c3({ flash: counterFlash() });
  server = await startGdbServer(sim.target, { port: 0 });
  return connectRemote('127.0.0.1', server.port, { timeoutMs: 3000 });
}, {
  ramBase: 0x3fca0000,
  loopAddress: COUNTER.loopMid,
  loopRange: [COUNTER.loop, COUNTER.loopEnd],
  unmappedAddress: 0x00000000,
  hardwareBreakpoints: true,
  watchAddress: COUNTER_ADDRESS,
});
