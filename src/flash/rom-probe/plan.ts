/**
 * The ROM-call probe as data: which ROM functions are called with which arguments, which SPI1
 * registers and ROM variables are read, saved, cleared (to what) and restored, and in what order.
 * Nothing here touches a target: execute.ts interprets the steps, render.ts prints them, so the
 * plan a user reads (`espalgo probe --mode rom --dry-run`) is exactly what runs.
 *
 * The recipe follows the compiled stub (stub/src/spi1.c, flash.c), done by debugger memory
 * accesses instead: SPI1 saved, the flash waited for, the JEDEC id read as found (what a careless
 * stub reads) and with every extra dummy cleared (USER dummy, TIMING_CALI extra dummy, the ROM's
 * dummy_len_plus[1]) through the user-command path, then the flash read with esp_rom_spiflash_read
 * through the runner's trampoline, and everything put back.
 */
import type { AddressRange, ChipDescriptor, ChipName, RomFunction } from '../../chips/types.js';

/** A value computed from variables the probe read earlier (or a constant). */
export type Expr =
  | number
  | { readonly var: string }
  | { readonly and: readonly [Expr, number] }
  | { readonly or: readonly [Expr, Expr] }
  | { readonly minusOne: Expr };

/** An absolute address, or an offset from an address held in a variable (the ROM data record). */
export type PlanAddress = number | { readonly ptr: string; readonly offset: number };

/** Run a step only when `(var & mask) !== 0` (or `=== 0` with nonzero false). A missing variable skips it. */
export interface When {
  readonly var: string;
  readonly mask?: number;
  readonly nonzero: boolean;
}

export interface RegisterRef {
  readonly name: string;
  readonly address: number;
}

export type PlanPhase = 'prepare' | 'save' | 'id' | 'read' | 'restore';

interface StepBase {
  readonly phase: PlanPhase;
  /** What the step is for, in words. */
  readonly what: string;
  readonly when?: When;
}

export type PlanStep = StepBase & (
  | { readonly op: 'read'; readonly width: 8 | 32; readonly address: PlanAddress; readonly into: string }
  | { readonly op: 'check-range'; readonly var: string; readonly range: AddressRange; readonly failure: string }
  | { readonly op: 'call'; readonly fn: RomFunction; readonly args: readonly Expr[]; readonly into?: string }
  | { readonly op: 'poll'; readonly address: number; readonly mask: number; readonly equals: number; readonly maxPolls: number }
  | { readonly op: 'stop-if'; readonly failure: string }
  | { readonly op: 'save'; readonly registers: readonly RegisterRef[] }
  | { readonly op: 'restore'; readonly registers: readonly RegisterRef[] }
  | { readonly op: 'write'; readonly width: 8 | 32; readonly address: PlanAddress; readonly value: Expr }
  /** Write CMD = bits, then poll CMD until those bits clear. */
  | { readonly op: 'command'; readonly cmd: number; readonly bits: number; readonly maxPolls: number }
  /** Repeat { W0 = 0; CMD = bits; wait; read W0 } until (W0 & mask) === equals; the number of repeats goes to `into`. */
  | { readonly op: 'command-until'; readonly cmd: number; readonly bits: number; readonly w0: number; readonly mask: number; readonly equals: number; readonly maxPolls: number; readonly into: string }
  | { readonly op: 'read-id'; readonly w0: number; readonly into: string }
  /** Raise the ROM record's chip_size for the session when the cleaned id says the flash is larger (ROM reads refuse beyond it). */
  | { readonly op: 'raise-chip-size'; readonly address: PlanAddress; readonly idVar: string; readonly sizeVar: string; readonly limit: number; readonly into: string }
  /** The host logic: every flash byte it needs, read by calling `fn(offset, buffer, length)`. */
  | { readonly op: 'flash-reads'; readonly fn: RomFunction; readonly chunk: number; readonly limit: number }
);

export interface RomProbePlan {
  readonly chip: ChipName;
  readonly displayName: string;
  readonly architecture: ChipDescriptor['architecture'];
  /** False when espalgo lacks the ROM facts for this chip; `reason` says which. */
  readonly supported: boolean;
  readonly reason: string | null;
  /** How a ROM function is called (trampoline, registers). */
  readonly callingConvention: string;
  /** RAM for the trampoline, stack and read buffer; backed up before and restored after. */
  readonly workArea: AddressRange | null;
  readonly stackSize: number;
  readonly steps: readonly PlanStep[];
  /** Run after the steps whatever happened (a step whose variables were never set is skipped). */
  readonly cleanup: readonly PlanStep[];
  /** What the plan does not cover or assumes without proof. */
  readonly caveats: readonly string[];
}

// ---- constants of the recipe -----------------------------------------------------------------

export const CMD_USR = 1 << 18;
export const CMD_RDID = 1 << 28;
/** CMD bits 31..17: a transaction is still running while any of them reads back set. */
export const CMD_START_MASK = 0xfffe0000;
export const CTRL_WP = 1 << 21;
export const USER_COMMAND = 0x80000000;
export const USER_DUMMY = 1 << 29;
export const USER_MISO = 1 << 28;
export const USER1_DUMMY_MASK = 0x3f;
/** TIMING_CALI bit1 (enable) and [4:2] (extra dummy cycles). */
export const TIMING_CALI_CLEAR = (1 << 1) | (0x7 << 2);
/** esp_rom_spiflash_legacy_data_t: device_id +0, chip_size +4, dummy_len_plus[1] +25. */
export const ROM_DATA = { deviceId: 0, chipSize: 4, dummyLenPlus1: 25 } as const;
/** The legacy ROM API sends 3-byte addresses. */
export const ROM_READ_LIMIT = 0x1000000;
export const READ_CHUNK = 0x4000;
export const STACK_SIZE = 0x1000;
const CMD_POLLS = 1000;
const BUSY_POLLS = 2000;
const CACHE_POLLS = 1000;

const ROM = 'romData';
const saved = (name: string): Expr => ({ var: `saved.${name}` });
const clear = (e: Expr, mask: number): Expr => ({ and: [e, ~mask >>> 0] });

function unsupported(chip: ChipDescriptor, reason: string): RomProbePlan {
  return {
    chip: chip.name, displayName: chip.displayName, architecture: chip.architecture, supported: false, reason,
    callingConvention: '', workArea: chip.stub?.workArea ?? null, stackSize: STACK_SIZE, steps: [], cleanup: [], caveats: [],
  };
}

/** The ROM-call probe for `chip`; `supported: false` with a reason where espalgo lacks the facts. */
export function romProbePlan(chip: ChipDescriptor): RomProbePlan {
  const rom = chip.romFlash;
  const spi = chip.spi1;
  if (!rom || !spi) return unsupported(chip, `espalgo has no ROM flash function addresses or SPI1 register facts for the ${chip.displayName}; use the compiled stub where there is one`);
  if (!chip.stub) return unsupported(chip, `espalgo knows no work area on the ${chip.displayName} for the trampoline, stack and read buffer`);
  const r = spi.reg;
  const at = (off: number) => (spi.base + off) >>> 0;
  const reg = (name: string, off: number): RegisterRef => ({ name, address: at(off) });
  const w0 = at(r.w0);
  const savedSet: RegisterRef[] = [
    reg('ADDR', r.addr), reg('CTRL', r.ctrl), reg('CTRL1', r.ctrl1), reg('CTRL2', r.ctrl2), reg('CLOCK', r.clock),
    reg('USER', r.user), reg('USER1', r.user1), reg('USER2', r.user2), reg('MOSI_DLEN', r.mosiDlen), reg('MISO_DLEN', r.misoDlen),
    reg('RD_STATUS', r.rdStatus), reg('MISC', r.misc), reg('TIMING_CALI', r.timingCali),
    ...(r.ddr !== undefined ? [reg('DDR', r.ddr)] : []),
    ...Array.from({ length: 16 }, (_, i) => reg(`W${i}`, r.w0 + 4 * i)),
  ];
  const romAt = (offset: number): PlanAddress => ({ ptr: ROM, offset });
  const w = (phase: PlanPhase, name: string, off: number, value: Expr, what: string, when?: When): PlanStep =>
    ({ phase, op: 'write', width: 32, address: at(off), value, what: `${name} ← ${what}`, ...(when ? { when } : {}) });

  /** SPI1 set for a plain 1-bit user command: opcode + MISO bits, no address, no dummy of any kind. */
  const cleanSetup = (opcode: number, misoBits: number): PlanStep[] => [
    w('id', 'TIMING_CALI', r.timingCali, clear(saved('TIMING_CALI'), TIMING_CALI_CLEAR), 'as found with the enable bit and the extra dummy [4:2] cleared'),
    ...(r.ddr !== undefined ? [w('id', 'DDR', r.ddr, 0, '0 (no DDR/octal phases)')] : []),
    w('id', 'CTRL', r.ctrl, CTRL_WP, `WP only: plain 1-bit SPI, no fast-read${spi.ctrlOctalBits ? ' or octal' : ''} bits`),
    w('id', 'USER', r.user, (USER_COMMAND | USER_MISO) >>> 0, 'USR_COMMAND | USR_MISO (no address, no dummy, no MOSI)'),
    w('id', 'USER1', r.user1, clear(saved('USER1'), USER1_DUMMY_MASK), 'as found with USR_DUMMY_CYCLELEN cleared'),
    w('id', 'USER2', r.user2, ((7 << 28) | opcode) >>> 0, `8-bit command 0x${opcode.toString(16).toUpperCase()}`),
    w('id', 'MOSI_DLEN', r.mosiDlen, 0, '0'),
    w('id', 'MISO_DLEN', r.misoDlen, misoBits - 1, `${misoBits - 1} (${misoBits} bits)`),
  ];

  const steps: PlanStep[] = [
    { phase: 'prepare', op: 'read', width: 32, address: rom.legacyDataPointer, into: ROM, what: 'the ROM data pointer (to esp_rom_spiflash_legacy_data_t)' },
    { phase: 'prepare', op: 'check-range', var: ROM, range: rom.legacyDataRange, what: 'the pointer must point into RAM', failure: 'the ROM data pointer does not point into RAM: the ROM has not initialised its flash data (chip halted at reset?); run the chip into the bootloader or the app and probe again' },
  ];
  if (rom.octalFlashQuery) {
    steps.push(
      { phase: 'prepare', op: 'call', fn: rom.octalFlashQuery, args: [], into: 'octal', what: 'does the eFuse say the flash is octal?' },
      { phase: 'prepare', op: 'stop-if', when: { var: 'octal', nonzero: true }, what: 'octal flash is not covered', failure: 'the eFuse says this chip has octal flash; octal flash in OPI mode does not answer the 1-bit RDID (0x9F) and the ROM-call probe does not switch it to SPI mode and back, so it stops here without touching SPI1' },
    );
  }
  for (const c of rom.caches) {
    const on: When = { var: `${c.cache}Ctrl`, mask: c.enableMask, nonzero: true };
    steps.push(
      { phase: 'prepare', op: 'read', width: 32, address: c.enableRegister, into: `${c.cache}Ctrl`, what: `is the ${c.cache === 'icache' ? 'instruction' : 'data'} cache enabled?` },
      { phase: 'prepare', op: 'call', fn: c.suspend, args: [], into: `${c.cache}Autoload`, when: on, what: `suspend the ${c.cache} (it must not fetch from flash while SPI1 is used); keep its autoload state` },
    );
    if (c.idlePoll) {
      steps.push({ phase: 'prepare', op: 'poll', address: c.idlePoll.address, mask: c.idlePoll.mask, equals: c.idlePoll.idle, maxPolls: CACHE_POLLS, when: on, what: `wait until the ${c.cache} is idle (the ROM's suspend returns too early on this chip)` });
    }
  }
  steps.push(
    { phase: 'prepare', op: 'poll', address: at(r.cmd), mask: CMD_START_MASK, equals: 0, maxPolls: CMD_POLLS, what: 'SPI1 has no command running' },
    { phase: 'prepare', op: 'poll', address: (spi.spi0Base + r.fsm) >>> 0, mask: spi.spi0FsmIdleMask, equals: 0, maxPolls: CMD_POLLS, what: 'SPI0 (the cache side) is idle' },
    { phase: 'save', op: 'save', registers: savedSet, what: 'every SPI1 register the id read or the ROM read may change (CMD excluded)' },
    { phase: 'save', op: 'read', width: 8, address: romAt(ROM_DATA.dummyLenPlus1), into: 'dummyLenPlus1', what: "the ROM's dummy_len_plus[1] (extra dummy it adds to every SPI1 read)" },
    { phase: 'save', op: 'read', width: 32, address: romAt(ROM_DATA.chipSize), into: 'romChipSize', what: "the ROM's chip_size (reads beyond it are refused)" },
    { phase: 'save', op: 'read', width: 32, address: romAt(ROM_DATA.deviceId), into: 'romDeviceId', what: "the ROM's device_id" },
    ...cleanSetup(0x05, 8),
    { phase: 'id', op: 'command-until', cmd: at(r.cmd), bits: CMD_USR, w0, mask: 1, equals: 0, maxPolls: BUSY_POLLS, into: 'busyPolls', what: 'RDSR until WIP clears (a write or erase the application started)' },
    { phase: 'id', op: 'restore', registers: savedSet, what: 'SPI1 as found, for the naive read' },
    w('id', 'USER', r.user, { or: [saved('USER'), USER_DUMMY] }, 'as found | USR_DUMMY', { var: 'dummyLenPlus1', nonzero: true }),
    w('id', 'USER1', r.user1, { or: [clear(saved('USER1'), USER1_DUMMY_MASK), { and: [{ minusOne: { var: 'dummyLenPlus1' } }, USER1_DUMMY_MASK] }] }, 'dummy cycle length dummy_len_plus[1] − 1', { var: 'dummyLenPlus1', nonzero: true }),
    w('id', 'W0', r.w0, 0, '0'),
    { phase: 'id', op: 'command', cmd: at(r.cmd), bits: CMD_RDID, maxPolls: CMD_POLLS, what: 'naive RDID: the hard-wired command with SPI1 as the application left it (what older stubs read)' },
    { phase: 'id', op: 'read-id', w0, into: 'naiveId', what: 'naive id = W0 & 0xFFFFFF' },
    { phase: 'id', op: 'restore', registers: savedSet, what: 'SPI1 as found' },
    { phase: 'id', op: 'write', width: 8, address: romAt(ROM_DATA.dummyLenPlus1), value: 0, what: 'dummy_len_plus[1] ← 0 (until the end of the probe)' },
    ...cleanSetup(0x9f, 24),
    w('id', 'W0', r.w0, 0, '0'),
    { phase: 'id', op: 'command', cmd: at(r.cmd), bits: CMD_USR, maxPolls: CMD_POLLS, what: 'clean RDID (0x9F, 24 MISO bits) through the user-command path' },
    { phase: 'id', op: 'read-id', w0, into: 'cleanId', what: 'clean id = W0 & 0xFFFFFF (byte 0 manufacturer, byte 1 type, byte 2 capacity)' },
    { phase: 'id', op: 'restore', registers: savedSet, what: 'SPI1 as found' },
    w('read', 'TIMING_CALI', r.timingCali, clear(saved('TIMING_CALI'), TIMING_CALI_CLEAR), 'extra dummy cleared again for the ROM reads (the controller adds it to every SPI1 transaction)'),
    { phase: 'read', op: 'raise-chip-size', address: romAt(ROM_DATA.chipSize), idVar: 'cleanId', sizeVar: 'romChipSize', limit: ROM_READ_LIMIT, into: 'chipSizeRaised', what: "chip_size ← the cleaned id's size (at most 16 MiB), only if larger than the ROM's" },
    { phase: 'read', op: 'flash-reads', fn: rom.spiflashRead, chunk: READ_CHUNK, limit: ROM_READ_LIMIT, what: 'the bootloader header at 0x0, the partition table (0x8000, else every 4 KiB up to 1 MiB), otadata, the app header and every segment header of the app that boots' },
  );
  const cleanup: PlanStep[] = [
    { phase: 'restore', op: 'write', width: 32, address: romAt(ROM_DATA.chipSize), value: { var: 'romChipSize' }, when: { var: 'chipSizeRaised', nonzero: true }, what: 'chip_size ← as found' },
    { phase: 'restore', op: 'write', width: 8, address: romAt(ROM_DATA.dummyLenPlus1), value: { var: 'dummyLenPlus1' }, what: 'dummy_len_plus[1] ← as found' },
    { phase: 'restore', op: 'restore', registers: savedSet, what: 'every saved SPI1 register, in reverse order' },
    ...[...rom.caches].reverse().map((c): PlanStep => ({
      phase: 'restore', op: 'call', fn: c.resume, args: [{ var: `${c.cache}Autoload` }], when: { var: `${c.cache}Ctrl`, mask: c.enableMask, nonzero: true }, what: `resume the ${c.cache} with the autoload state it had`,
    })),
  ];
  const caveats = [
    'The flash is read with the legacy ROM API (3-byte addresses): only the first 16 MiB are reachable; the table and app headers normally lie there.',
    'ROM reads use the read mode the application left in SPI1 CTRL; only the extra dummy (TIMING_CALI, dummy_len_plus[1]) is cleared for them.',
    ...(rom.octalFlashQuery ? ['Octal flash in OPI mode is not covered: the probe stops before touching SPI1 when the eFuse says octal.'] : []),
    ...(chip.architecture === 'xtensa' ? [
      'Not run on hardware by espalgo: the addresses come from ESP-IDF\'s ROM linker scripts; the cache suspend functions are assumed to return the autoload state like the ESP32-C3\'s.',
      'Interrupts and the other core: run it with the chip halted through Espressif\'s OpenOCD (both cores halt together); watchdogs are OpenOCD\'s to disable.',
    ] : []),
  ];
  const callingConvention = chip.architecture === 'riscv32'
    ? 'RISC-V: a 4-byte trampoline `c.jalr a7; c.ebreak` in the work area (run from its instruction-bus alias); a0..a2 = arguments, a7 = ROM function, sp = stack top − 16, ra = trampoline; result in a0. mstatus.MIE cleared, mtvec pointed at a catching c.ebreak; every register restored after each call.'
    : 'Xtensa windowed ABI: a 28-byte trampoline (a9 = sp + 32 stored at sp − 12, a2..a6 copied to a10..a14, `callx8 a8`, a2 = a10, `break 0,0`) in the work area; a0 = 0, a1 = stack top − 16, a2.. = arguments, a8 = ROM function, WINDOWBASE = 0, WINDOWSTART = 1, PS = 0x00060025; result in a2. Every register restored after each call.';
  return {
    chip: chip.name, displayName: chip.displayName, architecture: chip.architecture, supported: true, reason: null,
    callingConvention, workArea: chip.stub.workArea, stackSize: STACK_SIZE, steps, cleanup, caveats,
  };
}
