/**
 * Assemble a simulated ESP32-C3 from a flash image: flash chip, chip, ROM reset entry, boot,
 * scenario, and the in-process Target.
 */
import { readFileSync, statSync } from 'node:fs';
import { FileBacking, MemoryBacking, type FlashBacking } from '../flash/backing.js';
import { SpiNorFlash, type FlashTiming } from '../flash/spi-nor.js';
import { FlashConfigError, MAX_FLASH_SIZE, MIN_FLASH_SIZE, checkFlashSize } from '../flash/jedec.js';
import { Esp32c3, ROM_BASE } from './chip.js';
import { bootFromFlash, type BootInfo } from './boot.js';
import { findScenario, type Scenario } from './scenarios.js';
import { SimTarget } from '../sim-target.js';

/** The reset vector: jal ra, ROM_BASE + 8; c.mv sp, a1; c.jr a0 (little-endian). */
const RESET_VECTOR_CODE = Uint8Array.of(0xef, 0x00, 0x80, 0x00, 0x2e, 0x81, 0x02, 0x85);
/** The ROM start-up and bootloader host call the reset vector calls. */
const ROM_BOOT = ROM_BASE + 8;

export interface SimulatedEsp32c3Options {
  /** Flash contents (byte 0 = flash 0x0) or a path to a file holding them. */
  readonly flash: Uint8Array | string;
  /** Flash size in bytes (1–16 MiB, power of two); default: the smallest that holds the image, at least 4 MiB. */
  readonly flashSize?: number;
  /** JEDEC id 0xMMTTCC; default EF 40 xx with the capacity of flashSize. */
  readonly jedecId?: number;
  /** Scenario name (see SCENARIOS); default 'normal'. */
  readonly scenario?: string;
  /** Partition table offset; default 0x8000. */
  readonly tableOffset?: number;
  /** With a path: write flash changes through to the file (default false: the file is only read). */
  readonly persist?: boolean;
  /** Busy time of flash operations in status polls. */
  readonly flashTiming?: Partial<FlashTiming>;
  /** Start running right away (default true); false leaves the hart halted at the app entry. */
  readonly run?: boolean;
  /** Instructions per event-loop slice (default 500000). */
  readonly sliceInstructions?: number;
  readonly log?: (message: string) => void;
  readonly output?: (text: string) => void;
}

export interface SimulatedEsp32c3 {
  readonly chip: Esp32c3;
  readonly target: SimTarget;
  readonly flash: SpiNorFlash;
  readonly scenario: Scenario;
  /** What the last boot did. */
  readonly boot: BootInfo;
  /**
   * Reset the chip and boot again from flash (scenario re-applied); the hart keeps its run state and
   * the debugger's settings (ebreakm, hardware breakpoints) are put back, as after a reset under OpenOCD.
   */
  reboot(): BootInfo;
  close(): Promise<void>;
}

function defaultSize(length: number): number {
  let size = 0x400000;
  while (size < length && size < MAX_FLASH_SIZE) size *= 2;
  return Math.max(MIN_FLASH_SIZE, size);
}

/** The flash size for an image of `length` bytes (the same whether or not the file is kept up to date). */
function sizeFor(options: SimulatedEsp32c3Options, length: number): number {
  const size = options.flashSize ?? defaultSize(length);
  checkFlashSize(size);
  if (length > size) {
    throw new FlashConfigError(length > MAX_FLASH_SIZE
      ? `the flash image has ${length} bytes, more than the ${MAX_FLASH_SIZE >>> 20} MiB flash the simulated ESP32-C3 addresses at most (24-bit addressing)`
      : `the flash image has ${length} bytes, more than the ${size >>> 20 ? `${size >>> 20} MiB` : `${size >>> 10} KiB`} flash${options.flashSize !== undefined ? ' given (--flash-size)' : ''}`);
  }
  return size;
}

/** `read` of the flash file, its failure (a missing file, a folder) said as the simulator's. */
function fromFlashFile<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    const why = errno === 'ENOENT' ? 'no such file' : errno === 'EISDIR' ? 'it is a folder' : errno === 'EACCES' ? 'no permission to read it' : (error as Error).message;
    throw new FlashConfigError(`cannot read the flash image ${path}: ${why}`);
  }
}

/** The flash backing, and how many bytes of it the image gave (the rest is erased). */
function makeBacking(options: SimulatedEsp32c3Options): { backing: FlashBacking; imageLength: number } {
  const path = options.flash;
  if (typeof path === 'string' && options.persist) {
    const length = fromFlashFile(path, () => statSync(path).size);
    return { backing: new FileBacking(path, sizeFor(options, length)), imageLength: length };
  }
  const data = typeof path === 'string' ? fromFlashFile(path, () => new Uint8Array(readFileSync(path))) : path;
  const size = sizeFor(options, data.length);
  const bytes = new Uint8Array(size).fill(0xff);
  bytes.set(data);
  return { backing: new MemoryBacking(bytes), imageLength: data.length };
}

export function createSimulatedEsp32c3(options: SimulatedEsp32c3Options): SimulatedEsp32c3 {
  const scenario = findScenario(options.scenario ?? 'normal');
  const { backing, imageLength } = makeBacking(options);
  let chip: Esp32c3 | undefined;
  const flash = new SpiNorFlash({
    backing,
    ...(options.jedecId !== undefined ? { jedecId: options.jedecId } : {}),
    ...(options.flashTiming ? { timing: options.flashTiming } : {}),
    onChange: (offset, length) => chip?.flashChanged(offset, length),
    ...(options.log ? { log: options.log } : {}),
  });
  chip = new Esp32c3({ flash, ...(options.log ? { log: options.log } : {}), ...(options.output ? { output: options.output } : {}) });
  const c = chip;
  const bootOptions = options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {};

  let lastBoot: BootInfo;
  const bootAndApply = (resetHart: boolean, first = false): BootInfo => {
    // The first boot knows how much of the flash the image gave (later ones may follow writes).
    lastBoot = bootFromFlash(c, { ...bootOptions, resetHart, ...(first ? { imageLength } : {}) });
    scenario.apply(c);
    return lastBoot;
  };
  // The reset vector, as instructions the ROM holds and the hart runs, so that a debugger stepping
  // from reset sees what happens: `jal ra, BOOT` calls the ROM start-up and 2nd-stage bootloader
  // (one host call, returning the app entry in a0 and its stack pointer in a1), then `mv sp, a1`
  // and `jr a0` start the app.
  c.placeRomCode(ROM_BASE, '_start', RESET_VECTOR_CODE);
  c.registerRomFunction(ROM_BOOT, 'sim_rom_boot', (hart) => {
    const sp = hart.x[2]!;
    bootAndApply(false);
    // The boot leaves pc at the app entry and sp on the app's stack: return both instead, and give
    // sp back as a called function does (a debugger finishing the call expects the caller's frame).
    hart.x[10] = hart.pc;
    hart.x[11] = hart.x[2]!;
    hart.x[2] = sp;
    hart.pc = ROM_BOOT;
  });
  lastBoot = bootAndApply(true, true);

  const target = new SimTarget(c, {
    reboot: () => bootAndApply(true),
    ...(options.sliceInstructions ? { sliceInstructions: options.sliceInstructions } : {}),
  });
  if (options.run ?? true) void target.resume();

  return {
    chip: c,
    target,
    flash,
    scenario,
    get boot() {
      return lastBoot;
    },
    reboot: () => {
      target.reboot();
      return lastBoot;
    },
    close: async () => {
      await target.close();
      backing.close();
    },
  };
}
