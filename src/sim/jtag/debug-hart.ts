/**
 * What the Debug Module needs from a hart. The simulator's Hart satisfies it structurally; tests
 * may supply a small fake.
 */

export interface DebugHartRunResult {
  readonly reason: string;
  readonly executed?: number;
}

export interface DebugHart {
  /** General registers x0..x31 (x0 reads 0). */
  readonly x: Uint32Array;
  /** Program counter; while halted this is dpc. */
  pc: number;
  /** True while in debug mode. */
  readonly halted: boolean;
  /** Debugger access to a CSR (dcsr, dpc, triggers included); throws when the CSR does not exist. */
  readCsr(csr: number): number;
  writeCsr(csr: number, value: number): void;
  /** Enter debug mode (dcsr.cause = haltreq) at the next instruction boundary. */
  requestHalt(): void;
  /**
   * Leave debug mode at dpc; with dcsr.step set, the next instruction re-enters it (cause step). An
   * execute trigger on dpc fires at once: a debugger disables it to step off, as OpenOCD does.
   */
  resume(): void;
  /** Execute up to `max` instructions while running. */
  run(max: number): DebugHartRunResult;
  /** Reset the hart; with haltAfter it enters debug mode before the first instruction. */
  reset(haltAfter?: boolean): void;
}
