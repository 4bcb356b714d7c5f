/** Small register files for blocks firmware and stubs touch: GPIO strap, EFUSE, SYSTEM, ASSIST_DEBUG. */
import { RegisterBlock } from './register-block.js';

/** GPIO_STRAP (0x038) reads the latched strapping pins: bit 3 set = SPI flash boot. */
export class GpioBlock extends RegisterBlock {
  constructor(strap = 0x0008) {
    super('GPIO', 0x1000, { 0x038: strap });
  }
  protected override writeReg(offset: number, value: number): void {
    if (offset !== 0x038) super.writeReg(offset, value);
  }
}

/** The simulated ESP32-C3's chip revision, v0.4 (major × 100 + minor), as its eFuses state it. */
export const SIM_CHIP_REVISION = 4;

const RD_MAC_SPI_SYS_3 = 0x050;
const RD_MAC_SPI_SYS_5 = 0x058;

/**
 * EFUSE read-back registers: a made-up MAC, default SPI pads (all 0), nothing burnt but the wafer
 * version: WAFER_VERSION_MINOR_LO in RD_MAC_SPI_SYS_3 [20:18], WAFER_VERSION_MINOR_HI in
 * RD_MAC_SPI_SYS_5 [23], WAFER_VERSION_MAJOR in RD_MAC_SPI_SYS_5 [25:24].
 */
export class EfuseBlock extends RegisterBlock {
  constructor(revision = SIM_CHIP_REVISION) {
    const major = Math.floor(revision / 100);
    const minor = revision % 100;
    if (major > 3 || minor > 15) throw new RangeError(`chip revision ${revision}: the eFuse fields hold majors 0–3 and minors 0–15`);
    super('EFUSE', 0x800, {
      0x044: 0x79a0b1c2, 0x048: 0x000058cf,
      [RD_MAC_SPI_SYS_3]: (minor & 7) << 18,
      [RD_MAC_SPI_SYS_5]: ((minor >> 3) << 23) | (major << 24),
    });
  }

  /** The chip revision the wafer-version fields state (major × 100 + minor). */
  get chipRevision(): number {
    const sys3 = this.peek(RD_MAC_SPI_SYS_3);
    const sys5 = this.peek(RD_MAC_SPI_SYS_5);
    const minor = (((sys5 >>> 23) & 1) << 3) | ((sys3 >>> 18) & 7);
    return ((sys5 >>> 24) & 3) * 100 + minor;
  }
}

/** SYSTEM_PERIP_CLK_EN1 and SYSTEM_PERIP_RST_EN1: offsets in the SYSTEM block. */
export const SYSTEM_PERIP_CLK_EN1 = 0x014;
export const SYSTEM_PERIP_RST_EN1 = 0x01c;

/**
 * SYSTEM: CPU_PER_CONF (0x008), SYSCLK_CONF (0x058, CLK_XTAL_FREQ = 40 read-only in [18:12]) and
 * the peripheral clock gates and resets PERIP_CLK_EN1 (all off) and PERIP_RST_EN1 (the crypto
 * blocks, GDMA, SDIO host and LCD_CAM held in reset). Blocks gated or reset from here `listen` to
 * its writes, heard after they took effect.
 */
export class SystemBlock extends RegisterBlock {
  private readonly listeners: ((offset: number, value: number) => void)[] = [];
  constructor() {
    super('SYSTEM', 0x1000, { 0x008: 0x0, [SYSTEM_PERIP_CLK_EN1]: 0x0, [SYSTEM_PERIP_RST_EN1]: 0x1fe, 0x058: (40 << 12) | 1 });
  }
  listen(listener: (offset: number, value: number) => void): void {
    this.listeners.push(listener);
  }
  protected override writeReg(offset: number, value: number): void {
    if (offset === 0x058) value = (value & ~(0x7f << 12)) | (40 << 12);
    super.writeReg(offset, value);
    for (const listener of this.listeners) listener(offset, value >>> 0);
  }
}

/** ASSIST_DEBUG: CORE_0_DEBUG_MODE (0x098) bit1 = a debugger (debug module) is active. */
export class AssistDebugBlock extends RegisterBlock {
  debuggerAttached = false;
  hartHalted = (): boolean => false;
  constructor() {
    super('ASSIST_DEBUG', 0x1000);
  }
  protected override readReg(offset: number): number {
    if (offset === 0x098) return (this.hartHalted() ? 1 : 0) | (this.debuggerAttached ? 2 : 0);
    return super.readReg(offset);
  }
}
