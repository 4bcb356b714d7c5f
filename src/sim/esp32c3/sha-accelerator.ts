/**
 * The SHA accelerator at 0x6003B000 in its Typical SHA mode (the CPU writes each block): SHA-1,
 * SHA-224 and SHA-256 (SHA_MODE 0, 1, 2). A block is written to the 16 M registers (message bytes
 * in memory order) and SHA_START (from the initial hash) or SHA_CONTINUE (from the H registers)
 * folds it in at once; SHA_BUSY then reads 1 for `busyPolls` reads. The H registers hold the state
 * words byte-swapped, so storing them to memory gives the digest in standard byte order; writing
 * back what was read resumes a saved hash (how ESP-IDF interleaves calculations).
 *
 * The block answers only with its clock on and out of reset: SYSTEM_PERIP_CLK_EN1 bit 2, and
 * SYSTEM_PERIP_RST_EN1 bits 2 (SHA), 4 (DS) and 5 (HMAC) all clear — with any of those resets set
 * the block is held in reset (it clears its registers when such a bit is written); gated or in reset
 * it reads 0 and ignores writes.
 * DMA-SHA and the interrupt are not modelled (their registers only store values).
 */
import { SYSTEM_PERIP_CLK_EN1, SYSTEM_PERIP_RST_EN1, type SystemBlock } from './misc-blocks.js';
import { RegisterBlock } from './register-block.js';
import { SHA1_IV, SHA224_IV, SHA256_IV, sha1Block, sha256Block } from './sha-compress.js';

export const SHA_BASE = 0x6003b000;
export const SHA_SIZE = 0x1000;

export const SHA_REG = {
  mode: 0x00,
  blockNum: 0x0c,
  start: 0x10,
  continue: 0x14,
  busy: 0x18,
  dmaStart: 0x1c,
  dmaContinue: 0x20,
  clearIrq: 0x24,
  irqEnable: 0x28,
  date: 0x2c,
  /** H_0..H_7: the hash state. */
  h: 0x40,
  /** M_0..M_15: the message block. */
  m: 0x80,
} as const;

/** The SHA accelerator's bits in SYSTEM_PERIP_CLK_EN1 and SYSTEM_PERIP_RST_EN1. */
export const SHA_CLOCK_BIT = 1 << 2;
/** SHA, DS and HMAC resets: any of them holds the SHA accelerator in reset. */
export const SHA_RESET_BITS = (1 << 2) | (1 << 4) | (1 << 5);

const SHA_DATE = 0x20190402;
const WRITE_ONLY = new Set<number>([SHA_REG.start, SHA_REG.continue, SHA_REG.dmaStart, SHA_REG.dmaContinue, SHA_REG.clearIrq]);

const bswap = (x: number): number => ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) >>> 0;

export class ShaAccelerator extends RegisterBlock {
  /** Reads of SHA_BUSY that show 1 after a block starts. */
  busyPolls: number;
  /** Blocks folded in so far (for tests and statistics). */
  blocks = 0;
  private busyLeft = 0;
  private readonly state = new Uint32Array(8);
  /** The M registers as the big-endian message words of the block functions. */
  private readonly message = new Uint32Array(16);

  constructor(private readonly system: SystemBlock, busyPolls = 1) {
    super('SHA', SHA_SIZE, { [SHA_REG.date]: SHA_DATE });
    this.busyPolls = busyPolls;
    system.listen((offset, value) => {
      if (offset === SYSTEM_PERIP_RST_EN1 && value & SHA_RESET_BITS) this.resetRegisters();
    });
  }

  /** Clock on and out of reset. */
  private live(): boolean {
    return (this.system.peek(SYSTEM_PERIP_RST_EN1) & SHA_RESET_BITS) === 0 && (this.system.peek(SYSTEM_PERIP_CLK_EN1) & SHA_CLOCK_BIT) !== 0;
  }

  override resetRegisters(): void {
    super.resetRegisters();
    this.busyLeft = 0;
  }

  protected override readReg(offset: number): number {
    if (!this.live() || WRITE_ONLY.has(offset)) return 0;
    if (offset === SHA_REG.busy) {
      if (this.busyLeft > 0) {
        this.busyLeft--;
        return 1;
      }
      return 0;
    }
    return super.readReg(offset);
  }

  protected override writeReg(offset: number, value: number): void {
    if (!this.live()) return;
    switch (offset) {
      case SHA_REG.start:
      case SHA_REG.continue:
        if (value & 1) this.run(offset === SHA_REG.start);
        return;
      case SHA_REG.busy:
      case SHA_REG.date:
        return; // read-only
      case SHA_REG.mode:
        super.writeReg(offset, value & 7);
        return;
      default:
        if (offset >= SHA_REG.h + 32 && offset < SHA_REG.m) return; // no H_8.. on this chip
        if (offset >= SHA_REG.m + 64) return;
        super.writeReg(offset, value);
    }
  }

  /** Fold the M registers into the state: from the initial hash (START) or from H (CONTINUE). */
  private run(fromStart: boolean): void {
    const mode = this.regs[SHA_REG.mode >>> 2]! & 7;
    if (mode > 2) return; // no such algorithm here: nothing happens
    const words = mode === 0 ? 5 : 8;
    const h = SHA_REG.h >>> 2;
    if (fromStart) this.state.set(mode === 0 ? SHA1_IV : mode === 1 ? SHA224_IV : SHA256_IV);
    else for (let i = 0; i < words; i++) this.state[i] = bswap(this.regs[h + i]!);
    const m = SHA_REG.m >>> 2;
    for (let i = 0; i < 16; i++) this.message[i] = bswap(this.regs[m + i]!);
    if (mode === 0) sha1Block(this.state, this.message);
    else sha256Block(this.state, this.message);
    for (let i = 0; i < words; i++) this.regs[h + i] = bswap(this.state[i]!);
    this.blocks++;
    this.busyLeft = this.busyPolls;
  }
}
