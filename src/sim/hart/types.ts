/** Public types of the simulated RV32IMC hart. */
import { hex32 } from '../../chips/types.js';
import type { Hart } from './hart.js';

/** Why the hart is in debug mode; the number is dcsr.cause. */
export type HaltCause = 'ebreak' | 'trigger' | 'haltreq' | 'step' | 'resethaltreq';

export const HALT_CAUSE_CODE: Readonly<Record<HaltCause, number>> = {
  ebreak: 1,
  trigger: 2,
  haltreq: 3,
  step: 4,
  resethaltreq: 5,
};

export interface HartOptions {
  /** Address of the first instruction after reset. */
  readonly resetVector: number;
  /** misa value (default 0x40001104: RV32 I M C). The ESP32-C3 reports 0x40101104 (also U). */
  readonly misa?: number;
  readonly hartId?: number;
  /** Number of debug triggers (tselect 0..n-1); the ESP32-C3 has 8. Default 8. */
  readonly triggerCount?: number;
  /**
   * Instruction addresses served by host calls (a ROM whose functions are modelled in TypeScript).
   * Executing here at an address without a host call stops the hart with an error, unless the
   * bytes there are not zero: those are instructions the hart runs (the ROM's reset vector).
   * Default: the ESP32-C3 ROM, 0x40000000–0x40060000. null: no such region.
   */
  readonly romRange?: { readonly start: number; readonly end: number } | null;
  /** mvendorid / marchid / mimpid (default 0). */
  readonly vendorId?: number;
  readonly archId?: number;
  readonly implId?: number;
}

/** Why run() returned. */
export type RunStopReason =
  /** The instruction budget was used up; the hart is still running. */
  | 'budget'
  /** The hart is in debug mode (see haltCause). */
  | 'halted'
  /** The hart executes wfi and waits for an interrupt (or a debugger halt). */
  | 'wfi'
  /**
   * The program executed a pause hint (Zihintpause; on the ESP32-C3 a plain fence): it is spinning
   * on something outside the hart. The hart is still running; whoever schedules its slices should
   * let other work run before the next one.
   */
  | 'pause'
  /** A host-side error stopped the hart (unknown ROM address, a throwing host call); it is halted. */
  | 'error';

export interface RunResult {
  readonly reason: RunStopReason;
  /** Instructions retired during this call. */
  readonly executed: number;
  /** Set when reason is 'error'. */
  readonly error?: Error;
}

/** A ROM service: reads arguments from x[10..17], writes the result to x[10]. */
export type HostCallFn = (hart: Hart) => void;

/**
 * Called for an instruction fetch at a ROM address that has no host call. Return true when the
 * handler dealt with it (it set pc and registers); false stops the hart with UnknownRomCallError.
 */
export type UnknownExecuteHandler = (hart: Hart, address: number) => boolean;

/** Names a ROM address for error messages (e.g. "esp_rom_spiflash_erase_area"). */
export type RomSymbolLookup = (address: number) => string | undefined;

export class HartError extends Error {
  constructor(readonly code: string, readonly address: number, message: string) {
    super(message);
    this.name = 'HartError';
  }
}

/** The program jumped into the ROM region at an address the simulator does not model. */
export class UnknownRomCallError extends HartError {
  constructor(address: number, symbol: string | undefined) {
    super(
      'SIM_UNKNOWN_ROM_CALL',
      address,
      `the program called ROM address ${hex32(address)}${symbol ? ` (${symbol})` : ''}, which the simulated ROM does not implement; ` +
        'register a host call for it (Hart.registerHostCall) or avoid calling it',
    );
    this.name = 'UnknownRomCallError';
  }
}

/** A host call threw. */
export class HostCallError extends HartError {
  constructor(address: number, name: string, readonly failure: unknown) {
    super('SIM_HOST_CALL_FAILED', address, `ROM service ${name} at ${hex32(address)} failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    this.name = 'HostCallError';
  }
}

/** A debugger accessed a CSR the hart does not have. */
export class UnknownCsrError extends HartError {
  constructor(csr: number) {
    super('SIM_UNKNOWN_CSR', csr, `CSR 0x${csr.toString(16).padStart(3, '0')} does not exist on this hart`);
    this.name = 'UnknownCsrError';
  }
}
