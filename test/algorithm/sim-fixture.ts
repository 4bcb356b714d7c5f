/**
 * The simulated ESP32-C3 running the demo firmware, plus a small hand-encoded stub linked like
 * OpenOCD's C3 stubs (code at IRAM 0x40380000, data at DRAM 0x3FC84000): exactly the RAM the
 * firmware itself uses, so any byte the runner fails to give back breaks the firmware's self-check.
 */
import { readFileSync } from 'node:fs';
import { createSimulatedEsp32c3, type SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { parseElf, findSymbol } from '../../src/image/elf.js';
import type { StubImage } from '../../src/algorithm/index.js';
import { add, addi, assemble, jal, lui, lw, sw, EBREAK, type Piece } from '../sim/hart/encode.js';

export const FIRMWARE = 'firmware/build/demo-micropython-4MB.bin';
export const FIRMWARE_ELF = 'firmware/build/espalgo-demo.elf';

export function firmwareSymbol(name: string): number {
  const elf = parseElf(new Uint8Array(readFileSync(FIRMWARE_ELF)));
  const sym = findSymbol(elf, name);
  if (!sym) throw new Error(`the demo firmware has no symbol ${name}`);
  return sym.value;
}

export function bootDemo(options: { scenario?: string } = {}): SimulatedEsp32c3 {
  return createSimulatedEsp32c3({ flash: FIRMWARE, ...(options.scenario ? { scenario: options.scenario } : {}) });
}

const IRAM = 0x40380000;
const DATA = 0x3fc84000;
// x registers
const [ZERO, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5, A6, GP, TP] = [0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 3, 4];

/** Routine offsets inside the stub's code. */
export const STUB = { sum: 0x00, fault: 0x40, spin: 0x50, scribble: 0x60, ebreakInside: 0x90 } as const;

function at(pieces: Piece[], size: number): Piece[] {
  const bytes = assemble(pieces).length;
  const padded = [...pieces];
  for (let n = bytes; n < size; n += 4) padded.push(0x00000013); // nop
  return padded;
}

export function demoStub(): StubImage {
  const code: Piece[] = [
    // sum: a0 = a0+…+a6, clobbering temporaries and callee-saved registers on purpose
    ...at([
      add(A0, A0, A1), add(A0, A0, A2), add(A0, A0, A3), add(A0, A0, A4), add(A0, A0, A5), add(A0, A0, A6),
      lui(T0, 0xbad00), addi(S0, T0, 1), addi(S1, T0, 2), addi(GP, T0, 3), addi(TP, T0, 4), addi(T1, T0, 5),
      addi(T2, T0, 6), jalr0(),
    ], STUB.fault),
    // fault: load from address 0 (nothing is mapped there) → load access fault
    ...at([lw(A0, ZERO, 0), jalr0()], STUB.spin - STUB.fault),
    // spin: loop forever
    ...at([addi(A1, A1, 1), jal(ZERO, -4)], STUB.scribble - STUB.spin),
    // scribble: write its data word and the stack, then return the data word
    ...at([
      lui(T0, DATA >>> 12), lw(A0, T0, 0), addi(A0, A0, 1), sw(A0, T0, 0), sw(A0, T0, 4),
      addi(2, 2, -16), sw(A0, 2, 0), sw(A0, 2, 4), addi(2, 2, 16), jalr0(),
    ], STUB.ebreakInside - STUB.scribble),
    // ebreakInside: an ebreak in the routine's own code (not the trampoline)
    EBREAK, jalr0(),
  ];
  return {
    name: 'demo-stub',
    architecture: 'riscv32',
    entry: IRAM + STUB.sum,
    segments: [
      { address: IRAM, bytes: assemble(code), executable: true },
      { address: DATA, bytes: Uint8Array.from([0x10, 0, 0, 0]), executable: false },
    ],
    bss: [{ address: DATA + 4, size: 60 }],
    stackSize: 1024,
    symbols: {},
  };
}

function jalr0(): number {
  return 0x00008067; // ret (jalr x0, ra, 0)
}
