/**
 * The simulated ESP32-C3 served by espalgo's GDB server on 127.0.0.1 (a free port) for one test;
 * the server and then the simulator are closed after it.
 */
import { startGdbServer } from '../../src/gdb/server.js';
import { createSimulatedEsp32c3, type SimulatedEsp32c3, type SimulatedEsp32c3Options } from '../../src/sim/esp32c3/create.js';

export interface ServedSim {
  readonly sim: SimulatedEsp32c3;
  /** The server's port on 127.0.0.1. */
  readonly port: number;
}

/** Serve `sim` (or a simulator made from `options`) until the test `t` ends. */
export async function serveSim(t: { after(fn: () => Promise<void>): void }, sim: SimulatedEsp32c3 | SimulatedEsp32c3Options): Promise<ServedSim> {
  const simulator = 'target' in sim ? sim : createSimulatedEsp32c3(sim);
  const server = await startGdbServer(simulator.target, { port: 0 }).catch(async (error: unknown) => {
    await simulator.close();
    throw error;
  });
  t.after(async () => {
    await server.close();
    await simulator.close();
  });
  return { sim: simulator, port: server.port };
}
