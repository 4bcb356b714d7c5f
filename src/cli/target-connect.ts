/**
 * `--target sim|HOST:PORT`: the simulated ESP32-C3 in this process (booted from the demo firmware
 * unless --flash says otherwise), or a GDB server (OpenOCD, QEMU, espalgo sim --gdb).
 */
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChipDescriptor } from '../chips/types.js';
import { esp32c3 } from '../chips/index.js';
import type { Target } from '../target/types.js';
import { GdbConnectError } from '../gdb/errors.js';
import type { ServerKind } from '../gdb/remote-discovery.js';
import { checkOutputWritable, writeOutputFile } from './output/atomic-write.js';
import { chipOption, readInputFile } from './output/command-support.js';
import { refuseElfAsFlashData } from './output/elf-input.js';
import { CliInputError } from './output/exit-codes.js';
import { shellWord } from './output/format.js';

/** The demo firmware shipped with the package (built by scripts/build-firmware.ts). */
export const DEMO_FLASH = fileURLToPath(new URL('../../firmware/build/demo-micropython-4MB.bin', import.meta.url));
export const DEMO_ELF = fileURLToPath(new URL('../../firmware/build/espalgo-demo.elf', import.meta.url));

/**
 * A file shipped with the package (`firmware/build/…`, `config/…`) as a path to type from the
 * working folder (relative below it, as in a checkout of the project; else absolute, as for an
 * installed package): for examples and command lines to copy.
 */
export function shippedFilePath(pathInPackage: string): string {
  const full = fileURLToPath(new URL(`../../${pathInPackage}`, import.meta.url));
  const shown = relative(process.cwd(), full);
  const path = shown.startsWith('..') || isAbsolute(shown) ? full : shown;
  // One shell word even where the package lies under a folder with spaces in its name.
  return shellWord(path);
}

/** A file of the shipped demo firmware as a path to type from the working folder. */
export function demoFirmwarePath(name: string): string {
  return shippedFilePath(`firmware/build/${name}`);
}

/** --persist without --flash: the simulator would write into the shipped demo firmware. */
export function persistNeedsFlash(): CliInputError {
  return new CliInputError('BAD_OPTIONS', '--persist needs --flash FILE: it writes the changes back into that file (the demo firmware is never changed)');
}

export interface TargetSpec {
  readonly target: string;
  readonly chip?: string;
  readonly flash?: string;
  readonly scenario?: string;
  /** With the simulator and `flash`: write the flash back into that file when the run ends, if it changed. */
  readonly persist?: boolean;
  /** With the simulator: where the partition table is (default 0x8000). */
  readonly tableOffset?: number;
  readonly timeoutMs?: number;
}

/**
 * The flash file the simulator boots (--flash FILE, else the demo firmware), read and checked as
 * every input file is: an empty file or an ELF (the app.elf given for a flash file) is refused.
 */
export function readSimFlashFile(file: string | undefined): Uint8Array {
  const bytes = readInputFile(file ?? DEMO_FLASH);
  if (file === undefined) return bytes;
  if (bytes.length === 0) throw new CliInputError('INPUT_EMPTY', `${file} is empty: give a flash image (byte 0 = flash 0x0: bootloader, partition table, apps)`);
  refuseElfAsFlashData(file, bytes, 'merge it with a bootloader and partition table into a flash file (espalgo image merge) and boot the simulator from that');
  return bytes;
}

export interface ConnectedTarget {
  readonly target: Target;
  readonly chip: ChipDescriptor | undefined;
  /** True for the in-process simulator booted from the demo firmware. */
  readonly demo: boolean;
  /** Disconnect; the simulator's --persist file is written unless `discard` (a run the user interrupted). */
  close(options?: { discard?: boolean }): Promise<void>;
}

/**
 * Which GDB server halted the chip as espalgo attached (every server stops it for a client), or
 * undefined in process: a chip espalgo found halted behind a server may have been running, and the
 * server's detach, not espalgo, decides whether it runs on.
 */
export function attachHaltedBy(target: Target): ServerKind | undefined {
  return (target as { serverKind?: ServerKind }).serverKind;
}

export async function connectTarget(spec: TargetSpec): Promise<ConnectedTarget> {
  const chip = chipOption(spec.chip);
  if (spec.persist && spec.target !== 'sim') throw new CliInputError('BAD_OPTIONS', '--persist is for --target sim --flash FILE; a real target keeps its flash anyway');
  // The simulator's options would be ignored behind a GDB server: the chip there runs what it runs.
  for (const [given, option] of [[spec.flash, '--flash'], [spec.scenario, '--scenario']] as const) {
    if (given !== undefined && spec.target !== 'sim') {
      throw new CliInputError('BAD_OPTIONS', `${option} is for --target sim (it sets up the simulated chip); the target at ${spec.target} runs what it runs`);
    }
  }
  if (spec.target === 'sim') {
    if (chip && chip !== esp32c3) throw new CliInputError('BAD_CHIP', `the simulator is an ESP32-C3; --chip ${spec.chip} does not fit it`);
    if (spec.persist && spec.flash === undefined) throw persistNeedsFlash();
    // --persist: the file is written once, whole, when the run ends (a run cut short by Ctrl-C
    // leaves it as it was, never half-written); checked now, before any work.
    if (spec.persist) checkOutputWritable(spec.flash!);
    // Read here, so that a missing or unreadable file is worded as for every other input file.
    const flash = readSimFlashFile(spec.flash);
    const { createSimulatedEsp32c3 } = await import('../sim/esp32c3/create.js');
    let sim;
    try {
      sim = createSimulatedEsp32c3({
        flash,
        ...(spec.scenario ? { scenario: spec.scenario } : {}),
        ...(spec.tableOffset !== undefined ? { tableOffset: spec.tableOffset } : {}),
      });
    } catch (error) {
      // The simulator refusing the flash file, table offset or scenario is bad input.
      throw new CliInputError('SIM_BOOT', `cannot boot the simulator: ${(error as Error).message}`);
    }
    // Let the firmware get past its start-up before anyone attaches.
    await new Promise((r) => setTimeout(r, 20));
    const booted = sim;
    const before = spec.persist ? Buffer.from(booted.flash.bytes) : undefined;
    const close = async (options: { discard?: boolean } = {}): Promise<void> => {
      await booted.close();
      const after = booted.flash.bytes;
      if (before && !options.discard && !before.equals(after)) writeOutputFile(spec.flash!, after, 'PERSIST_FAILED');
    };
    return { target: booted.target, chip: esp32c3, demo: spec.flash === undefined, close };
  }
  const m = /^(?:([^:]+):)?(\d{1,5})$/.exec(spec.target);
  if (!m) throw new CliInputError('BAD_TARGET', `--target must be "sim" or HOST:PORT (e.g. 127.0.0.1:3333), not "${spec.target}"`);
  const host = m[1] ?? '127.0.0.1';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new CliInputError('BAD_TARGET', `--target ${spec.target}: a port is 1 to 65535 (OpenOCD's GDB server listens on 3333)`);
  const { connectRemote } = await import('../gdb/remote-target.js');
  try {
    const remote = await connectRemote(host, port, { timeoutMs: spec.timeoutMs ?? 3000, ...(chip ? { chip: chip.name } : {}) });
    return { target: remote, chip, demo: false, close: () => remote.close() };
  } catch (error) {
    // A connect error already names the server; anything else (a handshake fault) gets the name here.
    const message = (error as Error).message;
    throw new CliInputError('CONNECT_FAILED', error instanceof GdbConnectError ? message : `cannot reach a GDB server at ${host}:${port}: ${message}`);
  }
}
