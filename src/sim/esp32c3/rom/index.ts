/** The simulated ESP32-C3 ROM: every service registered as a host call at its jump-table address. */
import type { RomEnvironment, RomService } from './environment.js';
import type { HostCallFn } from '../../hart/types.js';
import { CACHE_SERVICES } from './cache.js';
import { MINIZ_SERVICES } from './miniz.js';
import { MISC_SERVICES } from './misc.js';
import { SPIFLASH_CONFIG_SERVICES } from './spiflash-config.js';
import { SPIFLASH_RW_SERVICES } from './spiflash-rw.js';
import { SPIFLASH_STATUS_SERVICES } from './spiflash-status.js';
import { ROM_SYMBOLS, romAddress, romSymbolAt } from './symbols.js';

export * from './environment.js';
export * from './rom-data.js';
export * from './symbols.js';
export { romRead, romWrite, romEraseArea, romEraseSector, romEraseBlock } from './spiflash-rw.js';
export { updateId, unlock } from './spiflash-status.js';
export { crc32le, formatPrintf } from './misc.js';
export { ROM_READ_MODE } from './spiflash-config.js';
export { TINFL_FLAG, TINFL_STATUS } from './miniz.js';

export const ROM_SERVICES: readonly RomService[] = [
  ...SPIFLASH_RW_SERVICES,
  ...SPIFLASH_STATUS_SERVICES,
  ...SPIFLASH_CONFIG_SERVICES,
  ...CACHE_SERVICES,
  ...MISC_SERVICES,
  ...MINIZ_SERVICES,
];

/** One row of the ROM table: name, address, whether the simulator implements it. */
export interface RomSymbolRow {
  readonly name: string;
  readonly address: number;
  readonly implemented: boolean;
}

export function romSymbolTable(): RomSymbolRow[] {
  const done = new Set(ROM_SERVICES.map((s) => s.name));
  return Object.entries(ROM_SYMBOLS)
    .map(([name, address]) => ({ name, address, implemented: done.has(name) }))
    .sort((a, b) => a.address - b.address);
}

/**
 * Register every service (through `register`, the hart's host calls by default) and give the hart
 * the symbol names for unknown-address errors.
 */
export function installRom(
  env: RomEnvironment,
  register: (address: number, name: string, fn: HostCallFn) => void = (address, name, fn) => env.hart.registerHostCall(address, name, fn),
): void {
  for (const s of ROM_SERVICES) {
    const address = romAddress(s.name)!;
    register(address, s.name, (hart) => {
      const r = s.run(env);
      if (typeof r === 'number') hart.x[10] = r >>> 0;
    });
  }
  env.hart.setRomSymbolLookup((address) => romSymbolAt(address));
}
