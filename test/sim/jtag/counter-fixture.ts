/**
 * A hart on a bus with SRAM at the ESP32-C3 addresses (the same bytes at DRAM 0x3fc7c000 and
 * IRAM 0x4037c000) running a small counter loop from IRAM:
 *
 *   0x40380000  auipc ra, 0           ; a return address inside the program (for unwinders)
 *   0x40380004  lui  sp, 0x3fcd0
 *   0x40380008  lui  a0, 0x3fc90      ; counter address
 *   0x4038000c  lw   a1, 0(a0)        ; loop:
 *   0x40380010  addi a1, a1, 1
 *   0x40380014  sw   a1, 0(a0)
 *   0x40380018  addi a2, a2, 3
 *   0x4038001c  j    loop
 */
import { Bus } from '../../../src/sim/bus.js';
import { Hart, ESP32C3_MISA } from '../../../src/sim/hart/hart.js';

export const SRAM_DRAM = 0x3fc7c000;
export const SRAM_IRAM = 0x4037c000;
export const SRAM_SIZE = 0x64000;
export const PROGRAM_ADDRESS = 0x40380000;
export const LOOP_ADDRESS = 0x4038000c;
export const STORE_ADDRESS = 0x40380014;
export const COUNTER_ADDRESS = 0x3fc90000;

export const COUNTER_PROGRAM = [0x00000097, 0x3fcd0137, 0x3fc90537, 0x00052583, 0x00158593, 0x00b52023, 0x00360613, 0xff1ff06f];

export interface CounterMachine {
  readonly bus: Bus;
  readonly hart: Hart;
  readonly sram: Uint8Array;
  counter(): number;
}

export function counterMachine(options: { halted?: boolean } = {}): CounterMachine {
  const bus = new Bus();
  const sram = new Uint8Array(SRAM_SIZE);
  bus.mapRam(SRAM_DRAM, SRAM_SIZE, sram, 0, { name: 'dram' });
  bus.mapRam(SRAM_IRAM, SRAM_SIZE, sram, 0, { name: 'iram' });
  COUNTER_PROGRAM.forEach((word, i) => bus.write32(PROGRAM_ADDRESS + 4 * i, word));
  const hart = new Hart(bus, { resetVector: PROGRAM_ADDRESS, misa: ESP32C3_MISA, romRange: null });
  if (options.halted) hart.reset(true);
  return { bus, hart, sram, counter: () => bus.read32(COUNTER_ADDRESS) };
}
