/**
 * The simulated ESP32-C3 as a JTAG target: a RISC-V Debug Module on its hart and bus, served over
 * OpenOCD's remote_bitbang protocol (config/openocd-esp32c3-sim.cfg drives it). The simulator's
 * own run loop keeps advancing the hart (peripherals, watchdog resets), so the Debug Module only
 * asks it to run; a system reset from the debugger reboots the chip through its SimTarget, and
 * wire traffic keeps the run slices short while a debugger is active.
 *
 *   const sim = createSimulatedEsp32c3({ flash: 'board.bin', sliceInstructions: 20_000 }); // short slices: quick JTAG round trips
 *   const jtag = await startSimJtagServer(sim, { port: 9824 });
 *   …
 *   await jtag.close(); await sim.close();
 */
import { createJtagDebugModule, startRemoteBitbangServer, type RemoteBitbangOptions, type RemoteBitbangServer } from '../jtag/index.js';
import type { SimulatedEsp32c3 } from './create.js';

export type SimJtagServerOptions = Omit<RemoteBitbangOptions, 'onData'>;

/** Start serving `sim` over remote_bitbang; `close()` stops the server and detaches the Debug Module. */
export async function startSimJtagServer(sim: SimulatedEsp32c3, options: SimJtagServerOptions): Promise<RemoteBitbangServer> {
  const jtag = createJtagDebugModule(sim.chip.hart, sim.chip.bus, {
    runner: false,
    systemReset: (haltAfter) => void sim.target.reset(haltAfter ? 'halt' : 'run'),
  });
  jtag.dm.onResume(() => void sim.target.resume());
  let server: RemoteBitbangServer;
  try {
    server = await startRemoteBitbangServer(jtag.dm, { ...options, onData: () => sim.target.noteDebuggerActivity() });
  } catch (error) {
    jtag.close();
    throw error;
  }
  return {
    get host() {
      return server.host;
    },
    get port() {
      return server.port;
    },
    get connections() {
      return server.connections;
    },
    get traffic() {
      return server.traffic;
    },
    close: async () => {
      await server.close();
      jtag.close();
    },
  };
}
