/**
 * EXTMEM (cache control, 0x600C4000), facts §1.5. No cache contents are modelled: a window read
 * always sees the flash as it is now. What is modelled: enable, bus shut bits, suspend (a ROM-side
 * state), invalidate/sync handshakes, freeze, and the MMU-fault and "access while disabled" records.
 */
import { RegisterBlock } from './register-block.js';

export const EXTMEM_BASE = 0x600c4000;

export const EXTMEM_REG = {
  ICACHE_CTRL: 0x000,
  ICACHE_CTRL1: 0x004,
  ICACHE_SYNC_CTRL: 0x028,
  ICACHE_AUTOLOAD_CTRL: 0x040,
  IBUS_TO_FLASH_START: 0x054,
  IBUS_TO_FLASH_END: 0x058,
  DBUS_TO_FLASH_START: 0x05c,
  DBUS_TO_FLASH_END: 0x060,
  CACHE_ILG_INT_ENA: 0x078,
  CACHE_ILG_INT_CLR: 0x07c,
  CACHE_ILG_INT_ST: 0x080,
  CORE0_ACS_CACHE_INT_ENA: 0x084,
  CORE0_ACS_CACHE_INT_CLR: 0x088,
  CORE0_ACS_CACHE_INT_ST: 0x08c,
  CACHE_MMU_FAULT_CONTENT: 0x0a0,
  CACHE_MMU_FAULT_VADDR: 0x0a4,
  CACHE_STATE: 0x0b0,
  ICACHE_FREEZE: 0x0cc,
} as const;

export const ICACHE_CTRL1_SHUT_IBUS = 1 << 0;
export const ICACHE_CTRL1_SHUT_DBUS = 1 << 1;
export const CACHE_ILG_MMU_ENTRY_FAULT = 1 << 5;

export class Extmem extends RegisterBlock {
  /** Set by Cache_Suspend_ICache, cleared by Cache_Resume_ICache (a ROM-level state). */
  suspended = false;

  constructor() {
    super('EXTMEM', 0x1000, {
      [EXTMEM_REG.ICACHE_CTRL1]: ICACHE_CTRL1_SHUT_IBUS | ICACHE_CTRL1_SHUT_DBUS,
      [EXTMEM_REG.IBUS_TO_FLASH_START]: 0x42000000,
      [EXTMEM_REG.IBUS_TO_FLASH_END]: 0x427fffff,
      [EXTMEM_REG.DBUS_TO_FLASH_START]: 0x3c000000,
      [EXTMEM_REG.DBUS_TO_FLASH_END]: 0x3c7fffff,
      [EXTMEM_REG.CACHE_STATE]: 0x1,
    });
  }

  override resetRegisters(): void {
    super.resetRegisters();
    this.suspended = false;
  }

  get enabled(): boolean {
    return (this.peek(EXTMEM_REG.ICACHE_CTRL) & 1) !== 0;
  }

  /** Why a window access cannot be served now, or undefined when it can. */
  blockReason(bus: 'ibus' | 'dbus'): string | undefined {
    const ctrl1 = this.peek(EXTMEM_REG.ICACHE_CTRL1);
    if (bus === 'ibus' && ctrl1 & ICACHE_CTRL1_SHUT_IBUS) return 'the instruction bus to the cache is shut (EXTMEM ICACHE_CTRL1.SHUT_IBUS)';
    if (bus === 'dbus' && ctrl1 & ICACHE_CTRL1_SHUT_DBUS) return 'the data bus to the cache is shut (EXTMEM ICACHE_CTRL1.SHUT_DBUS)';
    if (!this.enabled) return 'the cache is disabled (Cache_Disable_ICache)';
    if (this.suspended) return 'the cache is suspended (Cache_Suspend_ICache)';
    return undefined;
  }

  /** Record an access refused because the cache/bus is off (CORE0_ACS_CACHE_INT_ST). */
  recordDisabledAccess(bus: 'ibus' | 'dbus'): void {
    const st = EXTMEM_REG.CORE0_ACS_CACHE_INT_ST;
    this.poke(st, this.peek(st) | (bus === 'ibus' ? 1 : 2));
  }

  /** Record an MMU entry fault (CACHE_ILG_INT_ST bit 5, content and vaddr latched). */
  recordMmuFault(vaddr: number, entryIndex: number, entry: number): void {
    this.poke(EXTMEM_REG.CACHE_ILG_INT_ST, this.peek(EXTMEM_REG.CACHE_ILG_INT_ST) | CACHE_ILG_MMU_ENTRY_FAULT);
    this.poke(EXTMEM_REG.CACHE_MMU_FAULT_CONTENT, (entryIndex & 0x3ff) | ((entry & 0x100 ? 1 : 0) << 10));
    this.poke(EXTMEM_REG.CACHE_MMU_FAULT_VADDR, vaddr >>> 0);
  }

  protected override writeReg(offset: number, value: number): void {
    switch (offset) {
      case EXTMEM_REG.ICACHE_SYNC_CTRL:
        // Invalidate requests complete at once: the enable bit clears, SYNC_DONE sets.
        this.poke(offset, (value & ~1) | (value & 1 ? 2 : this.peek(offset) & 2));
        return;
      case EXTMEM_REG.ICACHE_FREEZE:
        this.poke(offset, (value & 3) | (value & 1 ? 4 : 0));
        return;
      case EXTMEM_REG.CACHE_ILG_INT_CLR:
        this.poke(EXTMEM_REG.CACHE_ILG_INT_ST, this.peek(EXTMEM_REG.CACHE_ILG_INT_ST) & ~value);
        return;
      case EXTMEM_REG.CORE0_ACS_CACHE_INT_CLR:
        this.poke(EXTMEM_REG.CORE0_ACS_CACHE_INT_ST, this.peek(EXTMEM_REG.CORE0_ACS_CACHE_INT_ST) & ~value);
        return;
      case EXTMEM_REG.CACHE_ILG_INT_ST:
      case EXTMEM_REG.CORE0_ACS_CACHE_INT_ST:
      case EXTMEM_REG.CACHE_STATE:
        return; // read-only
      default:
        super.writeReg(offset, value);
    }
  }
}
