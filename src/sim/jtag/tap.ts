/**
 * A JTAG TAP controller (IEEE 1149.1): the 16-state machine, a 5-bit instruction register and
 * data registers chosen by the instruction. TMS and TDI are sampled on the rising TCK edge;
 * TDO shows the low bit of the shift register while in Shift-IR/Shift-DR, which is what a
 * bit-banging adapter reads between edges.
 */

export const TapState = {
  TestLogicReset: 0,
  RunTestIdle: 1,
  SelectDrScan: 2,
  CaptureDr: 3,
  ShiftDr: 4,
  Exit1Dr: 5,
  PauseDr: 6,
  Exit2Dr: 7,
  UpdateDr: 8,
  SelectIrScan: 9,
  CaptureIr: 10,
  ShiftIr: 11,
  Exit1Ir: 12,
  PauseIr: 13,
  Exit2Ir: 14,
  UpdateIr: 15,
} as const;
export type TapState = (typeof TapState)[keyof typeof TapState];

const S = TapState;
/** NEXT[state * 2 + tms] is the state after one rising TCK edge. */
const NEXT: readonly TapState[] = [
  /* TestLogicReset */ S.RunTestIdle, S.TestLogicReset,
  /* RunTestIdle    */ S.RunTestIdle, S.SelectDrScan,
  /* SelectDrScan   */ S.CaptureDr, S.SelectIrScan,
  /* CaptureDr      */ S.ShiftDr, S.Exit1Dr,
  /* ShiftDr        */ S.ShiftDr, S.Exit1Dr,
  /* Exit1Dr        */ S.PauseDr, S.UpdateDr,
  /* PauseDr        */ S.PauseDr, S.Exit2Dr,
  /* Exit2Dr        */ S.ShiftDr, S.UpdateDr,
  /* UpdateDr       */ S.RunTestIdle, S.SelectDrScan,
  /* SelectIrScan   */ S.CaptureIr, S.TestLogicReset,
  /* CaptureIr      */ S.ShiftIr, S.Exit1Ir,
  /* ShiftIr        */ S.ShiftIr, S.Exit1Ir,
  /* Exit1Ir        */ S.PauseIr, S.UpdateIr,
  /* PauseIr        */ S.PauseIr, S.Exit2Ir,
  /* Exit2Ir        */ S.ShiftIr, S.UpdateIr,
  /* UpdateIr       */ S.RunTestIdle, S.SelectDrScan,
];

export function nextTapState(state: TapState, tms: number): TapState {
  return NEXT[state * 2 + (tms & 1)]!;
}

export const TAP_STATE_NAMES: readonly string[] = [
  'RESET', 'IDLE', 'DRSELECT', 'DRCAPTURE', 'DRSHIFT', 'DREXIT1', 'DRPAUSE', 'DREXIT2', 'DRUPDATE',
  'IRSELECT', 'IRCAPTURE', 'IRSHIFT', 'IREXIT1', 'IRPAUSE', 'IREXIT2', 'IRUPDATE',
];

/** A data register selected by an instruction. Values are at most 64 bits wide. */
export interface DataRegister {
  /** Width in bits, 1..64. */
  readonly length: number;
  /** Value loaded into the shift register at Capture-DR. */
  capture(): bigint;
  /** Called at Update-DR with the bits shifted in. */
  update(value: bigint): void;
}

/** The 1-bit BYPASS register: captures 0, ignores updates. */
export const BYPASS_REGISTER: DataRegister = { length: 1, capture: () => 0n, update: () => {} };

/** A read-only 32-bit register (IDCODE). */
export function constantRegister(value: number, length = 32): DataRegister {
  const v = BigInt(value >>> 0);
  return { length, capture: () => v, update: () => {} };
}

export interface TapOptions {
  /** Instruction register width (the ESP32-C3 has 5). */
  readonly irLength: number;
  /** Instruction loaded on Test-Logic-Reset (IDCODE, 0x01 on RISC-V DTMs). */
  readonly resetInstruction: number;
  /** The data register an instruction selects; BYPASS for instructions it does not know. */
  readonly dataRegisterFor: (instruction: number) => DataRegister;
}

export class TapController {
  private stateValue: TapState = S.TestLogicReset;
  private instruction: number;
  private readonly irMask: number;
  /** Shift register, low and high 32-bit words, and the width of what is being shifted. */
  private shiftLo = 0;
  private shiftHi = 0;
  private shiftLength = 0;
  private selected: DataRegister;
  private tck = 0;
  /** Rising TCK edges seen so far (the DTM measures busy time with it). */
  cycles = 0;

  constructor(private readonly options: TapOptions) {
    if (options.irLength < 2 || options.irLength > 32) throw new RangeError(`IR length ${options.irLength} is not supported`);
    this.irMask = options.irLength === 32 ? 0xffffffff : (1 << options.irLength) - 1;
    this.instruction = options.resetInstruction & this.irMask;
    this.selected = options.dataRegisterFor(this.instruction);
  }

  get state(): TapState {
    return this.stateValue;
  }

  get ir(): number {
    return this.instruction;
  }

  /** Asynchronous reset (TRST, or five TMS=1 clocks). */
  reset(): void {
    this.stateValue = S.TestLogicReset;
    this.enterTestLogicReset();
  }

  /**
   * Drives the pins as an adapter does: a rising TCK edge clocks the machine.
   * Returns nothing; read TDO with `tdo`.
   */
  setPins(tck: number, tms: number, tdi: number): void {
    if (tck && !this.tck) this.clock(tms, tdi);
    this.tck = tck ? 1 : 0;
  }

  /** TDO as seen between edges: the low bit of the shift register in a Shift state, else 0. */
  get tdo(): number {
    const st = this.stateValue;
    return st === S.ShiftDr || st === S.ShiftIr ? this.shiftLo & 1 : 0;
  }

  /** One rising TCK edge with the given TMS/TDI. Returns TDO as it was before the edge. */
  clock(tms: number, tdi: number): number {
    const before = this.tdo;
    this.cycles++;
    const st = this.stateValue;
    switch (st) {
      case S.CaptureDr: {
        this.selected = this.options.dataRegisterFor(this.instruction);
        this.load(this.selected.capture(), this.selected.length);
        break;
      }
      case S.CaptureIr:
        // IEEE 1149.1: the two low bits capture 01; the rest are 0 here.
        this.load(1n, this.options.irLength);
        break;
      case S.ShiftDr:
      case S.ShiftIr:
        this.shift(tdi & 1);
        break;
      default:
        break;
    }
    const next = NEXT[st * 2 + (tms & 1)]!;
    this.stateValue = next;
    if (next === S.UpdateDr) {
      this.selected.update(this.value());
    } else if (next === S.UpdateIr) {
      this.instruction = Number(this.value()) & this.irMask;
      this.selected = this.options.dataRegisterFor(this.instruction);
    } else if (next === S.TestLogicReset && st !== S.TestLogicReset) {
      this.enterTestLogicReset();
    }
    return before;
  }

  private enterTestLogicReset(): void {
    this.instruction = this.options.resetInstruction & this.irMask;
    this.selected = this.options.dataRegisterFor(this.instruction);
  }

  private load(value: bigint, length: number): void {
    this.shiftLength = length;
    this.shiftLo = Number(value & 0xffffffffn) >>> 0;
    this.shiftHi = length > 32 ? Number((value >> 32n) & 0xffffffffn) >>> 0 : 0;
  }

  private shift(tdi: number): void {
    const n = this.shiftLength;
    if (n <= 32) {
      this.shiftLo = ((this.shiftLo >>> 1) | (tdi << (n - 1))) >>> 0;
    } else {
      this.shiftLo = ((this.shiftLo >>> 1) | ((this.shiftHi & 1) << 31)) >>> 0;
      this.shiftHi = ((this.shiftHi >>> 1) | (tdi << (n - 33))) >>> 0;
    }
  }

  private value(): bigint {
    const n = this.shiftLength;
    if (n <= 32) {
      const mask = n === 32 ? 0xffffffff : (1 << n) - 1;
      return BigInt((this.shiftLo & mask) >>> 0);
    }
    return (BigInt(this.shiftHi) << 32n) | BigInt(this.shiftLo);
  }
}
