/**
 * Cache / MMU ROM services (facts §2.3). The cache keeps no contents here; suspend/disable only
 * gate the flash windows (see Extmem.blockReason). MMU ends are the ROM's RAM variables.
 */
import { EXTMEM_REG, ICACHE_CTRL1_SHUT_DBUS, ICACHE_CTRL1_SHUT_IBUS } from '../extmem.js';
import { DROM_BASE, FLASH_WINDOW_SIZE, IROM_BASE, MMU_ENTRY_COUNT, MMU_INVALID } from '../mmu.js';
import { arg, service, type RomEnvironment, type RomService } from './environment.js';
import { ROM_DROM_MMU_END_ADDR, ROM_IROM_MMU_END_ADDR } from './rom-data.js';

const AUTOLOAD_ENA = 1 << 2;

function takeAutoload(env: RomEnvironment): number {
  const v = env.extmem.read32(EXTMEM_REG.ICACHE_AUTOLOAD_CTRL);
  env.extmem.write32(EXTMEM_REG.ICACHE_AUTOLOAD_CTRL, v & ~AUTOLOAD_ENA);
  return v & AUTOLOAD_ENA;
}

function restoreAutoload(env: RomEnvironment, autoload: number): void {
  const v = env.extmem.read32(EXTMEM_REG.ICACHE_AUTOLOAD_CTRL);
  env.extmem.write32(EXTMEM_REG.ICACHE_AUTOLOAD_CTRL, autoload & AUTOLOAD_ENA ? v | AUTOLOAD_ENA : v & ~AUTOLOAD_ENA);
}

function invalidateWindows(env: RomEnvironment): void {
  env.bus.invalidateCode(IROM_BASE, FLASH_WINDOW_SIZE);
  env.bus.invalidateCode(DROM_BASE, FLASH_WINDOW_SIZE);
}

/** Shared body of Cache_Ibus_MMU_Set / Cache_Dbus_MMU_Set. Returns 0, 2 (unaligned), 3 (psize), 4 (range). */
export function mmuSet(env: RomEnvironment, base: number, extRam: number, vaddr: number, paddr: number, psizeKb: number, num: number, fixed: number): number {
  if (psizeKb !== 64) return 3;
  if ((vaddr & 0xffff) || (paddr & 0xffff)) return 2;
  if (vaddr < base || vaddr + num * 0x10000 > base + FLASH_WINDOW_SIZE) return 4;
  const first = (vaddr - base) >>> 16;
  for (let i = 0; i < num; i++) {
    const value = extRam === MMU_INVALID ? MMU_INVALID : ((paddr >>> 16) + (fixed ? 0 : i)) & 0xff;
    env.mmu.set(first + i, value);
  }
  return 0;
}

const S = [
  service('Cache_Suspend_ICache', (env) => {
    const a = takeAutoload(env);
    env.extmem.suspended = true;
    return a;
  }),
  service('Cache_Resume_ICache', (env) => {
    env.extmem.suspended = false;
    restoreAutoload(env, arg(env, 0));
  }),
  service('Cache_Disable_ICache', (env) => {
    const a = takeAutoload(env);
    env.extmem.write32(EXTMEM_REG.ICACHE_CTRL, env.extmem.read32(EXTMEM_REG.ICACHE_CTRL) & ~1);
    return a;
  }),
  service('Cache_Enable_ICache', (env) => {
    env.extmem.write32(EXTMEM_REG.ICACHE_CTRL, env.extmem.read32(EXTMEM_REG.ICACHE_CTRL) | 1);
    restoreAutoload(env, arg(env, 0));
  }),
  service('Cache_Freeze_ICache_Enable', (env) => {
    env.extmem.write32(EXTMEM_REG.ICACHE_FREEZE, 1 | ((arg(env, 0) & 1) << 1));
  }),
  service('Cache_Freeze_ICache_Disable', (env) => {
    env.extmem.write32(EXTMEM_REG.ICACHE_FREEZE, 0);
  }),
  service('Cache_Invalidate_ICache_All', (env) => {
    env.extmem.write32(EXTMEM_REG.ICACHE_SYNC_CTRL, 1);
    invalidateWindows(env);
  }),
  service('Cache_Invalidate_Addr', (env) => {
    env.bus.invalidateCode(arg(env, 0), arg(env, 1));
    return 0;
  }),
  service('Cache_Set_IDROM_MMU_Size', (env) => {
    const irom = arg(env, 0);
    env.bus.write32(ROM_IROM_MMU_END_ADDR, irom);
    env.bus.write32(ROM_DROM_MMU_END_ADDR, irom + arg(env, 1));
  }),
  service('Cache_Get_IROM_MMU_End', (env) => env.bus.read32(ROM_IROM_MMU_END_ADDR)),
  service('Cache_Get_DROM_MMU_End', (env) => env.bus.read32(ROM_DROM_MMU_END_ADDR)),
  service('Cache_MMU_Init', (env) => {
    env.mmu.invalidateAll();
  }),
  service('ROM_Boot_Cache_Init', (env) => {
    env.mmu.invalidateAll();
    const c1 = env.extmem.read32(EXTMEM_REG.ICACHE_CTRL1);
    env.extmem.write32(EXTMEM_REG.ICACHE_CTRL1, c1 & ~(ICACHE_CTRL1_SHUT_IBUS | ICACHE_CTRL1_SHUT_DBUS));
    env.extmem.write32(EXTMEM_REG.ICACHE_CTRL, 1);
  }),
  service('Cache_Ibus_MMU_Set', (env) =>
    mmuSet(env, IROM_BASE, arg(env, 0), arg(env, 1), arg(env, 2), arg(env, 3), arg(env, 4), arg(env, 5))),
  service('Cache_Dbus_MMU_Set', (env) =>
    mmuSet(env, DROM_BASE, arg(env, 0), arg(env, 1), arg(env, 2), arg(env, 3), arg(env, 4), arg(env, 5))),
  service('Cache_Count_Flash_Pages', (env) => {
    const ibus = arg(env, 0) === 0;
    const out = arg(env, 1);
    const iromEnd = env.bus.read32(ROM_IROM_MMU_END_ADDR) >>> 2;
    const dromEnd = env.bus.read32(ROM_DROM_MMU_END_ADDR) >>> 2;
    const [lo, hi] = ibus ? [0, iromEnd] : [iromEnd, dromEnd];
    let count = 0;
    let page0 = 0;
    for (let i = lo; i < Math.min(hi, MMU_ENTRY_COUNT); i++) {
      const e = env.mmu.entries[i]!;
      if (e & MMU_INVALID) continue;
      count++;
      if ((e & 0xff) === 0) page0 = 1;
    }
    if (out) env.bus.write32(out, page0);
    return count;
  }),
];

export const CACHE_SERVICES: readonly RomService[] = S;
