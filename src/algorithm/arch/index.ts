import type { Architecture } from '../../chips/types.js';
import { riscvCallingConvention } from './riscv.js';
import type { CallingConvention } from './types.js';
import { xtensaCallingConvention } from './xtensa.js';

export * from './types.js';
export { riscvCallingConvention, describeRiscvCause } from './riscv.js';
export { xtensaCallingConvention, describeXtensaCause, xtensaTrampolineBytes, XTENSA_CALL_PS } from './xtensa.js';

/** The calling convention for an architecture. */
export function callingConventionFor(architecture: Architecture): CallingConvention {
  switch (architecture) {
    case 'riscv32':
      return riscvCallingConvention;
    case 'xtensa':
      return xtensaCallingConvention;
  }
}
