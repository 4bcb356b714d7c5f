/** The simulated RV32IMC hart: public API. */
export { Hart, DEFAULT_MISA, ESP32C3_MISA, TrapCause } from './hart.js';
export { CSR } from './csr.js';
export {
  HALT_CAUSE_CODE,
  HartError,
  HostCallError,
  UnknownCsrError,
  UnknownRomCallError,
  type HaltCause,
  type HartOptions,
  type HostCallFn,
  type RomSymbolLookup,
  type RunResult,
  type RunStopReason,
  type UnknownExecuteHandler,
} from './types.js';
