/** The committed ESP32-C3 flasher stub loaded on a simulated ESP32-C3 (OTA demo image) for one test body. */
import { readFileSync } from 'node:fs';
import { AlgorithmRunner } from '../../src/algorithm/runner.js';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { StubClient, StubError, loadEsp32c3FlasherImage } from '../../src/flash/stub-client.js';
import type { StubFlashMap } from '../../src/flash/stub-protocol.js';
import { createSimulatedEsp32c3, type SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';

const FIRMWARE = new URL('../../firmware/build/demo-ota.bin', import.meta.url);
const image = loadEsp32c3FlasherImage();

/** Boot the simulator in `scenario`, load the stub, run `body`, unload and close whatever happens. */
export async function withStub(scenario: string, body: (stub: StubClient, sim: SimulatedEsp32c3, runner: AlgorithmRunner) => Promise<void>): Promise<void> {
  const sim = createSimulatedEsp32c3({ flash: new Uint8Array(readFileSync(FIRMWARE)), scenario, run: false });
  try {
    const runner = new AlgorithmRunner(sim.target, { chip: esp32c3 });
    const loaded = await runner.load(image);
    try {
      await body(new StubClient(runner, loaded, { timeoutScale: 10 }), sim, runner);
    } finally {
      await runner.unload(loaded);
    }
  } finally {
    await sim.close();
  }
}

/** MAP_GET's result whether it succeeds or fails (a failure fills the result as far as it got), and the error if any. */
export async function mapGetOutcome(stub: StubClient, options: { tableOffset?: number; appOffset?: number } = {}): Promise<{ map: StubFlashMap; error: StubError | undefined }> {
  try {
    return { map: await stub.mapGet(options), error: undefined };
  } catch (e) {
    if (!(e instanceof StubError)) throw e;
    return { map: e.details!.flashMap!, error: e };
  }
}
