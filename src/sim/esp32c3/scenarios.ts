/**
 * Scenarios: states a real application can leave the chip in when a debugger attaches. Each is
 * applied after boot (and again after every re-boot), i.e. as if the app had run and done it.
 */
import { SPI_REG, SPI_USER, TIMING_CALI_ENABLE } from './spi-mem-regs.js';
import { writeDummyLenPlus } from './rom/rom-data.js';
import { RTC_REG, TIMG_REG, WDT_WRITE_KEY } from './watchdogs.js';
import type { Esp32c3 } from './chip.js';

export interface Scenario {
  readonly name: string;
  /** One sentence: what the app left behind and what a careless tool then sees. */
  readonly description: string;
  apply(chip: Esp32c3): void;
}

/** SPI1 USER.USR_DUMMY with a 1-cycle USER1 dummy: what PSRAM/MSPI timing tuning leaves set. */
function leaveUserDummy(chip: Esp32c3, cycles: number): void {
  const spi = chip.spi1;
  spi.write32(SPI_REG.USER, (spi.read32(SPI_REG.USER) | SPI_USER.USR_DUMMY) >>> 0);
  spi.write32(SPI_REG.USER1, ((spi.read32(SPI_REG.USER1) & ~0x3f) | (cycles - 1)) >>> 0);
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'normal',
    description: 'The app booted and runs; SPI1, caches and watchdogs are as the bootloader left them.',
    apply: () => undefined,
  },
  {
    name: 'issue-366',
    description:
      'The app left SPI1 USER.USR_DUMMY set with a 1-cycle dummy (as MSPI timing tuning does), so an RDID issued without resetting SPI1 (user path or esp_rom_spi_flash_update_id) returns DE 80 2D instead of EF 40 16 and a capacity-table lookup yields size 0 (openocd-esp32 #366, "-9"); ROM reads still work because the ROM rewrites USER.',
    apply: (chip) => leaveUserDummy(chip, 1),
  },
  {
    name: 'issue-366-timing',
    description:
      'As issue-366, plus SPI1 TIMING_CALI extra dummy = 1, which the ROM never clears: every SPI1 read, including the ROM\'s reads and status polls, is shifted by one bit until a tool clears TIMING_CALI.',
    apply: (chip) => {
      leaveUserDummy(chip, 1);
      chip.spi1.write32(SPI_REG.TIMING_CALI, (chip.spi1.read32(SPI_REG.TIMING_CALI) | TIMING_CALI_ENABLE | (1 << 2)) >>> 0);
    },
  },
  {
    name: 'issue-366-rom-dummy',
    description:
      'As issue-366, plus g_rom_spiflash_dummy_len_plus[1] = 1, which the ROM adds to every read dummy: with this zero-delay flash all ROM reads come back shifted by one clock (1 bit in 1-line modes, 2 bits in DIO) until a tool zeroes it.',
    apply: (chip) => {
      leaveUserDummy(chip, 1);
      writeDummyLenPlus(chip.bus, 1, 1);
    },
  },
  {
    name: 'flash-busy',
    description:
      'The app started a flash write-status just before the halt: WIP stays set for 200 status polls and the flash ignores every other command meanwhile, so a tool that does not wait for idle loses its first commands.',
    apply: (chip) => chip.flash.beginBusy(200),
  },
  {
    name: 'wdt-running',
    description:
      'The RTC watchdog and the TIMG0 watchdog run with a system-reset action (about 3.5 and 4 million instructions); a tool that runs code on the chip without disabling them gets the chip reset under it.',
    apply: (chip) => {
      const rtc = chip.rtcCntl;
      rtc.write32(RTC_REG.WDTWPROTECT, WDT_WRITE_KEY);
      rtc.write32(RTC_REG.WDTCONFIG1, 3000);
      rtc.write32(RTC_REG.WDTCONFIG0, (0x80000000 | (3 << 28)) >>> 0);
      rtc.write32(RTC_REG.WDTWPROTECT, 0);
      const tg = chip.timg0;
      tg.write32(TIMG_REG.WDTWPROTECT, WDT_WRITE_KEY);
      tg.write32(TIMG_REG.WDTCONFIG1, 1 << 16);
      tg.write32(TIMG_REG.WDTCONFIG2, 2_000_000);
      tg.write32(TIMG_REG.WDTCONFIG0, (0x80000000 | (3 << 29)) >>> 0);
      tg.write32(TIMG_REG.WDTWPROTECT, 0);
    },
  },
];

export class UnknownScenarioError extends Error {
  readonly code = 'SIM_UNKNOWN_SCENARIO';
  constructor(readonly scenario: string) {
    super(`unknown scenario "${scenario}"; choose one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    this.name = 'UnknownScenarioError';
  }
}

export function findScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new UnknownScenarioError(name);
  return s;
}
