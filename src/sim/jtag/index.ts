/**
 * The simulator's JTAG front end: remote_bitbang TCP server → TAP → RISC-V DTM → Debug Module
 * 0.13.2 → hart and bus. Real OpenOCD (`riscv` target, `remote_bitbang` adapter) drives it; see
 * config/openocd-esp32c3-sim.cfg.
 *
 * Choices: datacount 2 and progbufsize 16 without impebreak, as the ESP32-C3 reports. The program
 * buffer runs a subset of RV32I + Zicsr (fence, fence.i, csr*, loads/stores, addi, auipc, lui,
 * ALU ops, ebreak), which covers what OpenOCD puts there; with it OpenOCD can execute fence.i
 * before resuming and does not warn "We won't be able to execute fence instructions". Memory
 * goes through System Bus Access (the config asks for sysbus first), so it works while the hart
 * runs. Abstract commands: Access Register only (aarsize 2).
 *
 *   const jtag = createJtagDebugModule(hart, bus);
 *   const server = await startRemoteBitbangServer(jtag.dm, { port: 9824 });
 *   …
 *   await server.close(); jtag.close();
 */
import { DebugModule, type DebugModuleOptions } from './debug-module.js';
import type { DebugHart } from './debug-hart.js';
import { HartRunner, type HartRunnerOptions } from './hart-runner.js';
import type { SystemBusPort } from './system-bus.js';

export { TapController, TapState, TAP_STATE_NAMES, nextTapState, type DataRegister } from './tap.js';
export { Dtm, JTAG_IR, DMI_OP, DMI_STATUS, type DmiTarget, type DtmOptions } from './dtm.js';
export { BitbangSession, type BitbangSignals, type FeedResult } from './bitbang-protocol.js';
export { DebugModule, type DebugModuleOptions } from './debug-module.js';
export { AbstractCommands } from './abstract-commands.js';
export { ProgramBuffer, type ProgramHost, type ProgramResult } from './program-buffer.js';
export { SystemBusAccess, type SystemBusPort } from './system-bus.js';
export { HartRunner, type HartRunnerOptions } from './hart-runner.js';
export type { DebugHart, DebugHartRunResult } from './debug-hart.js';
export { DM, DMCONTROL, DMSTATUS, ABSTRACTCS, CMDERR, SBCS, SBERROR, ACCESS_REGISTER } from './dm-registers.js';
export {
  startRemoteBitbangServer,
  ESP32C3_IDCODE,
  RemoteBitbangListenError,
  type RemoteBitbangOptions,
  type RemoteBitbangServer,
  type RemoteBitbangEvent,
} from './remote-bitbang.js';

export interface JtagDebugModuleOptions extends DebugModuleOptions {
  /**
   * Advance the hart on the event loop while it runs (default true). Pass false when something
   * else (the simulator's own run loop) already runs the hart.
   */
  readonly runner?: boolean | HartRunnerOptions;
}

export interface JtagDebugModule {
  readonly dm: DebugModule;
  /** The runner, unless disabled. */
  readonly runner: HartRunner | null;
  /** Stops the runner. */
  close(): void;
}

/** A Debug Module for one hart on one bus, with a runner that advances the hart while it runs. */
export function createJtagDebugModule(hart: DebugHart, bus: SystemBusPort, options: JtagDebugModuleOptions = {}): JtagDebugModule {
  const dm = new DebugModule(hart, bus, options);
  let runner: HartRunner | null = null;
  if (options.runner !== false) {
    const runnerOptions = typeof options.runner === 'object' ? options.runner : {};
    runner = new HartRunner(hart, {
      activity: () => dm.dmiOperations,
      ...runnerOptions,
      mayRun: () => dm.hartMayRun && (runnerOptions.mayRun?.() ?? true),
    });
    const r = runner;
    dm.onResume(() => r.kick());
    if (!hart.halted) r.kick();
  }
  return {
    dm,
    runner,
    close: () => runner?.close(),
  };
}
