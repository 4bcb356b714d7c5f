import type { Architecture } from '../../chips/types.js';
import { AlgorithmUnsupportedError } from '../errors.js';
import { riscvCallingConvention } from './riscv.js';
import type { CallingConvention } from './types.js';

export * from './types.js';
export { riscvCallingConvention, describeRiscvCause } from './riscv.js';

/** The calling convention for an architecture. */
export function callingConventionFor(architecture: Architecture): CallingConvention {
  switch (architecture) {
    case 'riscv32':
      return riscvCallingConvention;
    case 'xtensa':
      throw new AlgorithmUnsupportedError('calling functions on Xtensa targets is not implemented yet');
  }
}
