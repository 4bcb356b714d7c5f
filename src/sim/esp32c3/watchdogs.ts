/**
 * RTC_CNTL (0x60008000) and the timer groups TIMG0/TIMG1 (0x6001F000/0x60020000) as register
 * files with working watchdogs (facts §1.5): write-protect keys, feed registers, stage-0 timeout
 * and action. Time is retired instructions (the chip calls `tick`); the RTC slow clock is taken as
 * 136 kHz and APB as 80 MHz against a 160 MHz CPU. Actions 2 and 3 (and RTC 4) reset the chip
 * through `onReset`; action 1 (interrupt) only logs, since no interrupt matrix is modelled.
 */
import { RegisterBlock } from './register-block.js';

export const RTC_CNTL_BASE = 0x60008000;
export const TIMG0_BASE = 0x6001f000;
export const TIMG1_BASE = 0x60020000;
export const WDT_WRITE_KEY = 0x50d83aa1;
export const SWD_WRITE_KEY = 0x8f1d312a;

export const RTC_REG = {
  OPTIONS0: 0x00,
  RESET_STATE: 0x38,
  INT_CLR: 0x4c,
  WDTCONFIG0: 0x90,
  WDTCONFIG1: 0x94,
  WDTFEED: 0xa4,
  WDTWPROTECT: 0xa8,
  SWD_CONF: 0xac,
  SWD_WPROTECT: 0xb0,
} as const;

export const TIMG_REG = {
  WDTCONFIG0: 0x48,
  WDTCONFIG1: 0x4c,
  WDTCONFIG2: 0x50,
  WDTFEED: 0x60,
  WDTWPROTECT: 0x64,
  RTCCALICFG: 0x68,
  INT_CLR: 0x7c,
} as const;

/** Reset causes (RTC_CNTL RESET_STATE[5:0]). */
export const RESET_CAUSE = { powerOn: 0x01, swSys: 0x03, tg0WdtSys: 0x07, swCpu: 0x0c, rtcWdtRtc: 0x10 } as const;

export type ResetRequest = { readonly kind: 'system' | 'cpu'; readonly cause: number; readonly source: string };
export type ResetHandler = (request: ResetRequest) => void;

const RTC_SLOW_INSTRUCTIONS_PER_TICK = Math.round(160e6 / 136e3);

export class RtcCntl extends RegisterBlock {
  private sinceFeed = 0;
  constructor(private readonly onReset: ResetHandler, private readonly log?: (m: string) => void) {
    super('RTC_CNTL', 0x800, { [RTC_REG.RESET_STATE]: RESET_CAUSE.powerOn, [RTC_REG.WDTCONFIG1]: 200000 });
  }

  setResetCause(cause: number): void {
    this.poke(RTC_REG.RESET_STATE, (this.peek(RTC_REG.RESET_STATE) & ~0x3f) | (cause & 0x3f));
  }

  get wdtEnabled(): boolean {
    return (this.peek(RTC_REG.WDTCONFIG0) & 0x80000000) !== 0;
  }

  tick(instructions: number): void {
    if (!this.wdtEnabled) return;
    this.sinceFeed += instructions;
    const limit = Math.max(1, this.peek(RTC_REG.WDTCONFIG1)) * RTC_SLOW_INSTRUCTIONS_PER_TICK;
    if (this.sinceFeed < limit) return;
    this.sinceFeed = 0;
    const action = (this.peek(RTC_REG.WDTCONFIG0) >>> 28) & 7;
    if (action === 1) this.log?.('RTC watchdog stage 0 expired (interrupt action; not modelled)');
    else if (action >= 2) this.onReset({ kind: action === 2 ? 'cpu' : 'system', cause: RESET_CAUSE.rtcWdtRtc, source: 'RTC watchdog' });
  }

  protected override writeReg(offset: number, value: number): void {
    const wdtReg = offset >= RTC_REG.WDTCONFIG0 && offset <= RTC_REG.WDTFEED;
    if (wdtReg && this.peek(RTC_REG.WDTWPROTECT) !== WDT_WRITE_KEY) return;
    if (offset === RTC_REG.SWD_CONF && this.peek(RTC_REG.SWD_WPROTECT) !== SWD_WRITE_KEY) return;
    if (offset === RTC_REG.RESET_STATE) return;
    if (offset === RTC_REG.WDTFEED) {
      if (value & 0x80000000) this.sinceFeed = 0;
      return;
    }
    if (offset === RTC_REG.WDTCONFIG0) this.sinceFeed = 0;
    if (offset === RTC_REG.OPTIONS0) {
      super.writeReg(offset, value & ~((1 << 31) | (1 << 5)));
      if (value & (1 << 31)) this.onReset({ kind: 'system', cause: RESET_CAUSE.swSys, source: 'RTC_CNTL_OPTIONS0.SW_SYS_RST' });
      else if (value & (1 << 5)) this.onReset({ kind: 'cpu', cause: RESET_CAUSE.swCpu, source: 'RTC_CNTL_OPTIONS0.SW_PROCPU_RST' });
      return;
    }
    super.writeReg(offset, value);
  }
}

export class TimerGroup extends RegisterBlock {
  private sinceFeed = 0;
  constructor(name: string, private readonly onReset: ResetHandler, private readonly log?: (m: string) => void) {
    super(name, 0x1000, { [TIMG_REG.WDTCONFIG1]: 1 << 16, [TIMG_REG.WDTCONFIG2]: 26000000, [TIMG_REG.RTCCALICFG]: 0x00013000 });
  }

  get wdtEnabled(): boolean {
    return (this.peek(TIMG_REG.WDTCONFIG0) & 0x80000000) !== 0;
  }

  tick(instructions: number): void {
    if (!this.wdtEnabled) return;
    this.sinceFeed += instructions;
    const prescale = Math.max(1, this.peek(TIMG_REG.WDTCONFIG1) >>> 16);
    const limit = Math.max(1, this.peek(TIMG_REG.WDTCONFIG2)) * prescale * 2;
    if (this.sinceFeed < limit) return;
    this.sinceFeed = 0;
    const action = (this.peek(TIMG_REG.WDTCONFIG0) >>> 29) & 3;
    if (action === 1) this.log?.(`${this.name} watchdog stage 0 expired (interrupt action; not modelled)`);
    else if (action >= 2) this.onReset({ kind: action === 2 ? 'cpu' : 'system', cause: RESET_CAUSE.tg0WdtSys, source: `${this.name} watchdog` });
  }

  protected override readReg(offset: number): number {
    if (offset === TIMG_REG.RTCCALICFG) return (super.readReg(offset) | (1 << 15)) >>> 0; // calibration ready
    return super.readReg(offset);
  }

  protected override writeReg(offset: number, value: number): void {
    const wdtReg = offset >= TIMG_REG.WDTCONFIG0 && offset <= TIMG_REG.WDTFEED;
    if (wdtReg && this.peek(TIMG_REG.WDTWPROTECT) !== WDT_WRITE_KEY) return;
    if (offset === TIMG_REG.WDTFEED) {
      this.sinceFeed = 0;
      return;
    }
    if (offset === TIMG_REG.WDTCONFIG0) this.sinceFeed = 0;
    super.writeReg(offset, value);
  }
}
