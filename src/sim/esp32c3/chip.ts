/**
 * The simulated ESP32-C3: the memory map of facts §1.1 on one bus, the hart, the SPI flash behind
 * SPI0/SPI1 and the cache windows, the peripherals a stub or firmware touches, and the ROM.
 *
 * Memory-map choices:
 * - ROM 0x40000000–0x40060000 is read-only RAM (zero-filled) whose functions are host calls that
 *   read as `ret`, with the reset vector's few instructions at 0x40000000; the data view
 *   0x3FF00000–0x3FF20000 shows the same bytes as 0x40040000+.
 * - SRAM1 is one 384 KiB array seen at 0x3FC80000 (data, not executable) and 0x40380000 (code).
 * - SRAM0 0x4037C000 (16 KiB, code) and RTC FAST 0x50000000 (8 KiB) are plain RAM.
 * - DROM 0x3C000000 and IROM 0x42000000 (8 MiB each) read flash through the MMU; IROM executes.
 * - 0x60000000–0x60100000 is one device; unmodelled addresses read 0 and are logged once each.
 * - Anything else faults (the hart raises an access fault).
 */
import { Bus } from '../bus.js';
import { Hart, ESP32C3_MISA } from '../hart/hart.js';
import type { HostCallFn } from '../hart/types.js';
import type { SpiNorFlash } from '../flash/spi-nor.js';
import { SpiMemController } from './spi-mem.js';
import { SPI0_BASE, SPI1_BASE, SPI_MEM_SIZE } from './spi-mem-regs.js';
import { FlashMmu, MMU_TABLE_BASE, DROM_BASE, IROM_BASE, FLASH_WINDOW_SIZE, MMU_ENTRY_COUNT, MMU_PAGE_SIZE } from './mmu.js';
import { Extmem, EXTMEM_BASE } from './extmem.js';
import { FlashWindow } from './flash-window.js';
import { PeripheralSpace, PERIPHERAL_BASE, PERIPHERAL_SIZE } from './peripheral-space.js';
import { UartConsole, UsbSerialJtagConsole } from './console.js';
import { Systimer, SYSTIMER_BASE } from './systimer.js';
import { RtcCntl, TimerGroup, RTC_CNTL_BASE, TIMG0_BASE, TIMG1_BASE, type ResetRequest } from './watchdogs.js';
import { AssistDebugBlock, EfuseBlock, GpioBlock, SystemBlock } from './misc-blocks.js';
import { RegisterBlock } from './register-block.js';
import { ShaAccelerator, SHA_BASE, SHA_SIZE } from './sha-accelerator.js';
import { installRom, type RomEnvironment } from './rom/index.js';

/** c.jr ra: what a ROM function modelled as a host call reads as. */
const C_RET = 0x8082;

export const ROM_BASE = 0x40000000;
export const ROM_SIZE = 0x60000;
export const ROM_DATA_VIEW_BASE = 0x3ff00000;
export const ROM_DATA_VIEW_SIZE = 0x20000;
export const SRAM0_BASE = 0x4037c000;
export const SRAM0_SIZE = 0x4000;
export const SRAM1_DATA_BASE = 0x3fc80000;
export const SRAM1_INSTR_BASE = 0x40380000;
export const SRAM1_SIZE = 0x60000;
export const RTC_FAST_BASE = 0x50000000;
export const RTC_FAST_SIZE = 0x2000;
/** Top of the ROM boot stack the 2nd-stage bootloader runs on (facts §1.3). */
export const ROM_STACK_TOP = 0x3fcde710;

/** A function the simulated ROM serves: modelled in TypeScript (it reads as `ret`) or code the ROM holds. */
export interface RomFunction {
  readonly address: number;
  /** A symbol name (what GDB shows in a backtrace). */
  readonly name: string;
  /** Bytes it occupies in the ROM: 2 for a modelled function (`c.jr ra`), the code's length otherwise. */
  readonly size: number;
}

export interface Esp32c3Options {
  readonly flash: SpiNorFlash;
  /** Diagnostics (unknown peripheral addresses, flash protocol notes). */
  readonly log?: (message: string) => void;
  /** Console output of the program (UART0, USB-Serial-JTAG, ets_printf). */
  readonly output?: (text: string) => void;
  /** Reads of SPI CMD during which a started command still shows busy (default 1). */
  readonly spiCmdPolls?: number;
}

export class Esp32c3 {
  readonly bus = new Bus();
  readonly hart: Hart;
  readonly flash: SpiNorFlash;
  readonly rom = new Uint8Array(ROM_SIZE);
  readonly sram0 = new Uint8Array(SRAM0_SIZE);
  readonly sram1 = new Uint8Array(SRAM1_SIZE);
  readonly rtcFast = new Uint8Array(RTC_FAST_SIZE);
  readonly spi0: SpiMemController;
  readonly spi1: SpiMemController;
  readonly mmu = new FlashMmu();
  readonly extmem = new Extmem();
  readonly peripherals: PeripheralSpace;
  readonly rtcCntl: RtcCntl;
  readonly timg0: TimerGroup;
  readonly timg1: TimerGroup;
  readonly systimer: Systimer;
  readonly gpio = new GpioBlock();
  readonly efuse = new EfuseBlock();
  readonly system = new SystemBlock();
  readonly assistDebug = new AssistDebugBlock();
  readonly sha = new ShaAccelerator(this.system);
  /** Everything the program printed, in order. */
  consoleText = '';
  /** A reset requested by the program or a watchdog, not yet carried out (see takeResetRequest). */
  private pendingReset: ResetRequest | undefined;
  private lastTickAt = 0;
  private readonly log: (message: string) => void;
  private readonly output: ((text: string) => void) | undefined;
  readonly romEnv: RomEnvironment;
  private readonly servedRomFunctions = new Map<number, RomFunction>();

  constructor(options: Esp32c3Options) {
    this.flash = options.flash;
    this.log = options.log ?? (() => undefined);
    this.output = options.output;
    const print = (text: string): void => {
      this.consoleText += text;
      if (this.consoleText.length > 1 << 20) this.consoleText = this.consoleText.slice(-(1 << 19));
      this.output?.(text);
    };
    const onReset = (r: ResetRequest): void => this.requestReset(r);

    this.hart = new Hart(this.bus, { resetVector: ROM_BASE, misa: ESP32C3_MISA, triggerCount: 8, romRange: { start: ROM_BASE, end: ROM_BASE + ROM_SIZE } });
    this.spi0 = new SpiMemController('SPI0', null, { cmdPolls: 0 });
    this.spi1 = new SpiMemController('SPI1', this.flash, { cmdPolls: options.spiCmdPolls ?? 1, log: this.log });
    this.rtcCntl = new RtcCntl(onReset, this.log);
    this.timg0 = new TimerGroup('TIMG0', onReset, this.log);
    this.timg1 = new TimerGroup('TIMG1', onReset, this.log);
    this.systimer = new Systimer(() => this.hart.instructionsRetired);
    this.assistDebug.hartHalted = () => this.hart.halted;

    const b = this.bus;
    b.mapRam(ROM_BASE, ROM_SIZE, this.rom, 0, { name: 'ROM', writable: false, executable: true });
    b.mapRam(ROM_DATA_VIEW_BASE, ROM_DATA_VIEW_SIZE, this.rom, 0x40000, { name: 'ROM (data view)', writable: false, executable: false });
    b.mapRam(SRAM0_BASE, SRAM0_SIZE, this.sram0, 0, { name: 'SRAM0' });
    b.mapRam(SRAM1_DATA_BASE, SRAM1_SIZE, this.sram1, 0, { name: 'SRAM1 (data bus)', executable: false });
    b.mapRam(SRAM1_INSTR_BASE, SRAM1_SIZE, this.sram1, 0, { name: 'SRAM1 (instruction bus)' });
    b.mapRam(RTC_FAST_BASE, RTC_FAST_SIZE, this.rtcFast, 0, { name: 'RTC FAST' });
    b.mapDevice(DROM_BASE, FLASH_WINDOW_SIZE, new FlashWindow('DROM', DROM_BASE, 'dbus', this.mmu, this.extmem, this.flash), { name: 'DROM (flash via MMU)' });
    b.mapDevice(IROM_BASE, FLASH_WINDOW_SIZE, new FlashWindow('IROM', IROM_BASE, 'ibus', this.mmu, this.extmem, this.flash), { name: 'IROM (flash via MMU)', executable: true });

    const p = new PeripheralSpace(this.log);
    this.peripherals = p;
    p.attach(0x60000000, 0x1000, new UartConsole('UART0', print));
    p.attach(SPI1_BASE, SPI_MEM_SIZE, this.spi1);
    p.attach(SPI0_BASE, SPI_MEM_SIZE, this.spi0);
    p.attach(0x60004000, 0x1000, this.gpio);
    p.attach(RTC_CNTL_BASE, 0x800, this.rtcCntl);
    p.attach(0x60008800, 0x800, this.efuse);
    p.attach(0x60009000, 0x1000, new RegisterBlock('IO_MUX', 0x1000));
    p.attach(0x60010000, 0x1000, new UartConsole('UART1', () => undefined));
    p.attach(TIMG0_BASE, 0x1000, this.timg0);
    p.attach(TIMG1_BASE, 0x1000, this.timg1);
    p.attach(SYSTIMER_BASE, 0x1000, this.systimer);
    p.attach(0x60026000, 0x1000, new RegisterBlock('APB_CTRL', 0x1000));
    p.attach(SHA_BASE, SHA_SIZE, this.sha);
    p.attach(0x60043000, 0x1000, new UsbSerialJtagConsole(print));
    p.attach(0x600c0000, 0x1000, this.system);
    p.attach(0x600c1000, 0x1000, new RegisterBlock('SENSITIVE', 0x1000));
    p.attach(0x600c2000, 0x1000, new RegisterBlock('INTERRUPT', 0x1000));
    p.attach(EXTMEM_BASE, 0x1000, this.extmem);
    p.attach(MMU_TABLE_BASE, 0x1000, this.mmu);
    p.attach(0x600ce000, 0x1000, this.assistDebug);
    b.mapDevice(PERIPHERAL_BASE, PERIPHERAL_SIZE, p, { name: 'peripherals' });

    // Code decoded from a flash window goes stale when the MMU or the flash changes.
    this.mmu.onChange((index) => {
      if (index < 0) {
        b.invalidateCode(IROM_BASE, FLASH_WINDOW_SIZE);
        b.invalidateCode(DROM_BASE, FLASH_WINDOW_SIZE);
      } else {
        b.invalidateCode(IROM_BASE + index * MMU_PAGE_SIZE, MMU_PAGE_SIZE);
        b.invalidateCode(DROM_BASE + index * MMU_PAGE_SIZE, MMU_PAGE_SIZE);
      }
    });

    this.romEnv = {
      hart: this.hart,
      bus: this.bus,
      spi0: this.spi0,
      spi1: this.spi1,
      mmu: this.mmu,
      extmem: this.extmem,
      print,
      requestReset: (kind, source) => this.requestReset({ kind, cause: kind === 'system' ? 0x03 : 0x0c, source }),
    };
    installRom(this.romEnv, (address, name, fn) => this.registerRomFunction(address, name, fn));
  }

  /**
   * A ROM function modelled in TypeScript at `address`: the hart runs it as one host call that
   * returns to ra (unless it sets pc), and its bytes read as `ret` (c.jr ra). A debugger that
   * single-steps by decoding the instruction at pc and planting a breakpoint after it (GDB on
   * RISC-V) then stops at the return address, as the call really goes there.
   */
  registerRomFunction(address: number, name: string, fn: HostCallFn): void {
    this.placeRomCode(address, name, Uint8Array.of(C_RET & 0xff, C_RET >>> 8));
    this.hart.registerHostCall(address, name, fn);
  }

  /** Instructions the ROM holds at `address` and the hart runs, named `name` (the reset vector's). */
  placeRomCode(address: number, name: string, code: Uint8Array): void {
    const offset = (address >>> 0) - ROM_BASE;
    if (offset < 0 || offset + code.length > ROM_SIZE) throw new RangeError(`ROM function ${name} at 0x${(address >>> 0).toString(16)} is outside the ROM`);
    this.rom.set(code, offset);
    this.servedRomFunctions.set(address >>> 0, { address: address >>> 0, name, size: code.length });
  }

  /** The functions the ROM serves (modelled or held as code), by address. */
  romFunctions(): RomFunction[] {
    return [...this.servedRomFunctions.values()].sort((a, b) => a.address - b.address);
  }

  /** Called by the flash model's onChange: drop code decoded from window pages that map it. */
  flashChanged(offset: number, length: number): void {
    const firstPage = Math.floor(offset / MMU_PAGE_SIZE);
    const lastPage = Math.floor((offset + Math.max(1, length) - 1) / MMU_PAGE_SIZE);
    for (let i = 0; i < MMU_ENTRY_COUNT; i++) {
      const e = this.mmu.entries[i]!;
      if (e & 0x100) continue;
      if ((e & 0xff) >= firstPage && (e & 0xff) <= lastPage) this.bus.invalidateCode(IROM_BASE + i * MMU_PAGE_SIZE, MMU_PAGE_SIZE);
    }
  }

  /** Remember a reset; the runner carries it out at the next slice boundary. */
  requestReset(request: ResetRequest): void {
    this.log(`reset requested by ${request.source}`);
    this.pendingReset ??= request;
  }

  takeResetRequest(): ResetRequest | undefined {
    const r = this.pendingReset;
    this.pendingReset = undefined;
    return r;
  }

  get resetPending(): boolean {
    return this.pendingReset !== undefined;
  }

  /** Advance time-driven blocks (watchdogs) by the instructions retired since the last call. */
  tick(): void {
    const now = this.hart.instructionsRetired;
    const delta = now - this.lastTickAt;
    this.lastTickAt = now;
    if (delta <= 0) return;
    this.rtcCntl.tick(delta);
    this.timg0.tick(delta);
    this.timg1.tick(delta);
  }

  /** Peripheral and controller registers back to reset values (RAM and flash keep their contents). */
  resetPeripherals(): void {
    this.spi0.resetRegisters();
    this.spi1.resetRegisters();
    this.extmem.resetRegisters();
    this.mmu.invalidateAll();
    this.rtcCntl.resetRegisters();
    this.timg0.resetRegisters();
    this.timg1.resetRegisters();
    this.systimer.resetRegisters();
    this.system.resetRegisters();
    this.sha.resetRegisters();
    this.lastTickAt = this.hart.instructionsRetired;
  }

  /** Instruction addresses of the ROM region (for memory maps). */
  get romRange(): { start: number; end: number } {
    return { start: ROM_BASE, end: ROM_BASE + ROM_SIZE };
  }
}
