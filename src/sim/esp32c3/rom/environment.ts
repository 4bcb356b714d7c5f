/** What a ROM service can reach: the hart's registers, the bus and the chip blocks it drives. */
import type { Bus } from '../../bus.js';
import type { Hart } from '../../hart/hart.js';
import type { SpiMemController } from '../spi-mem.js';
import type { FlashMmu } from '../mmu.js';
import type { Extmem } from '../extmem.js';
import { romAddress } from './symbols.js';

export interface RomEnvironment {
  readonly hart: Hart;
  readonly bus: Bus;
  readonly spi0: SpiMemController;
  readonly spi1: SpiMemController;
  readonly mmu: FlashMmu;
  readonly extmem: Extmem;
  /** ROM console output (ets_printf, uart_tx_one_char). */
  print(text: string): void;
  /** software_reset / software_reset_cpu. */
  requestReset(kind: 'system' | 'cpu', source: string): void;
}

/** A ROM function modelled in TypeScript. `run` returns the a0 result (undefined: void). */
export interface RomService {
  readonly name: string;
  run(env: RomEnvironment): number | void;
}

/** Argument n (a0 = 0 … a7 = 7). */
export function arg(env: RomEnvironment, n: number): number {
  return env.hart.x[10 + n]! >>> 0;
}

export function service(name: string, run: (env: RomEnvironment) => number | void): RomService {
  if (romAddress(name) === undefined) throw new Error(`ROM service ${name} has no address in ROM_SYMBOLS`);
  return { name, run };
}

export const ROM_OK = 0;
export const ROM_ERR = 1;
export const ROM_TIMEOUT = 2;
