/**
 * Other ROM services stubs use: console output, delays, CRC, eFuse SPI config, clock getters,
 * software reset. ets_delay_us advances the instruction counter by us × CPU MHz (the real ROM
 * busy-waits those cycles), so SYSTIMER and the watchdogs see the time pass.
 */
import type { Bus } from '../../bus.js';
import { arg, service, type RomEnvironment, type RomService } from './environment.js';
import { ROM_CPU_FREQ_ADDR } from './rom-data.js';

const EFUSE_RD_MAC_SPI_SYS_1 = 0x60008848;
const EFUSE_RD_MAC_SPI_SYS_2 = 0x6000884c;

function readCString(bus: Bus, addr: number, max = 1024): string {
  let s = '';
  for (let i = 0; i < max; i++) {
    const c = bus.read8(addr + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** printf as the ROM's: %d %i %u %x %X %p %s %c %%, with flags '0' '-' and width; 'l' is ignored. */
export function formatPrintf(bus: Bus, fmt: string, nextArg: () => number): string {
  return fmt.replace(/%([-0]*)(\d*)(l{0,2})([diuxXpsc%])/g, (_m, flags: string, width: string, _l: string, conv: string) => {
    let s: string;
    switch (conv) {
      case '%':
        return '%';
      case 'd':
      case 'i':
        s = String(nextArg() | 0);
        break;
      case 'u':
        s = String(nextArg() >>> 0);
        break;
      case 'x':
        s = (nextArg() >>> 0).toString(16);
        break;
      case 'X':
        s = (nextArg() >>> 0).toString(16).toUpperCase();
        break;
      case 'p':
        s = '0x' + (nextArg() >>> 0).toString(16).padStart(8, '0');
        break;
      case 's':
        s = readCString(bus, nextArg());
        break;
      default:
        s = String.fromCharCode(nextArg() & 0xff);
    }
    const w = Number(width || 0);
    if (s.length >= w) return s;
    if (flags.includes('-')) return s.padEnd(w);
    return flags.includes('0') && conv !== 's' && conv !== 'c' ? s.padStart(w, '0') : s.padStart(w);
  });
}

/** CRC-32 (reflected, polynomial 0xEDB88320) the ROM way: crc_out = ~update(~crc_in). */
export function crc32le(crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function varargs(env: RomEnvironment, first: number): () => number {
  let i = first;
  return () => {
    const n = i++;
    if (n < 8) return arg(env, n);
    return env.bus.read32(env.hart.x[2]! + 4 * (n - 8));
  };
}

const S = [
  service('ets_printf', (env) => {
    const text = formatPrintf(env.bus, readCString(env.bus, arg(env, 0)), varargs(env, 1));
    env.print(text);
    return text.length;
  }),
  service('uart_tx_one_char', (env) => {
    env.print(String.fromCharCode(arg(env, 0) & 0xff));
    return 0;
  }),
  service('ets_delay_us', (env) => {
    const mhz = env.bus.read32(ROM_CPU_FREQ_ADDR) || 160;
    env.hart.instructionsRetired += Math.min(arg(env, 0), 10_000_000) * mhz;
  }),
  service('crc32_le', (env) => crc32le(arg(env, 0), env.bus.readBlock(arg(env, 1), arg(env, 2)))),
  service('mz_crc32', (env) => crc32le(arg(env, 0), env.bus.readBlock(arg(env, 1), arg(env, 2)))),
  service('ets_efuse_get_spiconfig', (env) => {
    const w1 = env.bus.read32(EFUSE_RD_MAC_SPI_SYS_1);
    const w2 = env.bus.read32(EFUSE_RD_MAC_SPI_SYS_2);
    const clk = (w1 >>> 16) & 0x3f;
    const q = (w1 >>> 22) & 0x3f;
    const d = ((w1 >>> 28) & 0xf) | ((w2 & 3) << 4);
    const cs = (w2 >>> 2) & 0x3f;
    const hd = (w2 >>> 8) & 0x3f;
    if (!clk && !q && !d && !cs && !hd) return 0;
    return (clk | (q << 6) | (d << 12) | (cs << 18) | (hd << 24)) >>> 0;
  }),
  service('ets_efuse_get_wp_pad', (env) => (env.bus.read32(EFUSE_RD_MAC_SPI_SYS_2) >>> 14) & 0x3f),
  service('ets_get_cpu_frequency', (env) => env.bus.read32(ROM_CPU_FREQ_ADDR)),
  service('ets_update_cpu_frequency', (env) => {
    env.bus.write32(ROM_CPU_FREQ_ADDR, arg(env, 0));
  }),
  service('ets_get_apb_freq', () => 80_000_000),
  service('ets_get_xtal_freq', () => 40_000_000),
  service('rom_gpio_pad_select_gpio', () => undefined),
  service('software_reset', (env) => env.requestReset('system', 'software_reset')),
  service('software_reset_cpu', (env) => env.requestReset('cpu', 'software_reset_cpu')),
];

export const MISC_SERVICES: readonly RomService[] = S;
