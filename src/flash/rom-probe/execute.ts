/**
 * The ROM-call probe: flash id, size and mappings on a chip with no compiled stub, using only the
 * chip's ROM functions (called through the algorithm runner's trampoline) and debugger register
 * access, following romProbePlan(chip) step by step.
 *
 *   const report = await romProbe(target, { chip: esp32s3 });
 *
 * The target is halted once for the whole probe; SPI1, the MMU table and the ROM's flash record are compared
 * before and after; the work area (trampoline, stack, read buffer) is restored; a target that was
 * running is resumed. Whatever fails is reported in the notes (the probe degrades, it does not throw),
 * except a chip espalgo has no ROM facts for (RomProbeError ROM_PROBE_UNSUPPORTED).
 */
import { AlgorithmError } from '../../algorithm/errors.js';
import { AlgorithmRunner } from '../../algorithm/runner.js';
import type { StubImage } from '../../algorithm/stub-image.js';
import type { ChipDescriptor } from '../../chips/types.js';
import type { Target } from '../../target/types.js';
import { PlanInterpreter, RomProbeError } from './interpreter.js';
import { romProbePlan } from './plan.js';
import { buildReport, flashInfoFrom, legacySizeOf, readLayout, type HostReading, type RomProbeReport } from './report.js';

export interface RomProbeOptions {
  readonly chip: ChipDescriptor;
  /** The user's flash size (bytes); wins over every detected source, which are still reported. */
  readonly flashSize?: number;
  /** Partition table offset; default 0x8000, else searched every 4 KiB up to 1 MiB. */
  readonly tableOffset?: number;
  /** App offset; default the app the 2nd-stage bootloader would boot (otadata-aware). */
  readonly appOffset?: number;
  /** Time limit of each ROM call (default 3000 ms). */
  readonly timeoutMs?: number;
}

const ROM_RECORD_SIZE = 28;
const SPI1_BLOCK = 0x100;

/** SPI1's register block, the MMU table and the ROM's flash record, for the before/after comparison. */
async function snapshot(target: Target, chip: ChipDescriptor): Promise<Map<string, Uint8Array> | undefined> {
  try {
    const out = new Map<string, Uint8Array>([['SPI1 registers', await target.readMemory(chip.spi1!.base, SPI1_BLOCK)]]);
    if (chip.mmuTable !== undefined && chip.mmuEntries) out.set('MMU table', await target.readMemory(chip.mmuTable, chip.mmuEntries * 4));
    const rom = chip.romFlash!;
    const p = new DataView((await target.readMemory(rom.legacyDataPointer, 4)).buffer).getUint32(0, true);
    if (p >= rom.legacyDataRange.start && p + ROM_RECORD_SIZE <= rom.legacyDataRange.end) {
      out.set("the ROM's flash record (chip, dummy_len_plus)", await target.readMemory(p, ROM_RECORD_SIZE));
    }
    return out;
  } catch {
    return undefined;
  }
}

function differ(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((k) => {
    const x = a.get(k);
    const y = b.get(k);
    return !x || !y || x.length !== y.length || x.some((v, i) => v !== y[i]);
  });
}

export async function romProbe(target: Target, options: RomProbeOptions): Promise<RomProbeReport> {
  const { chip } = options;
  const plan = romProbePlan(chip);
  if (!plan.supported) throw new RomProbeError('ROM_PROBE_UNSUPPORTED', `${plan.reason}.`);
  if (target.architecture !== chip.architecture) {
    throw new RomProbeError('ROM_PROBE_UNSUPPORTED', `the target is ${target.architecture} but the ${chip.displayName} is ${chip.architecture}; check --chip.`);
  }
  const wasRunning = target.state() === 'running';
  if (target.state() !== 'halted') await target.halt();
  let resumed = false;
  try {
    const before = await snapshot(target, chip);
    const runner = new AlgorithmRunner(target, { chip });
    const image: StubImage = {
      name: 'ROM call', architecture: target.architecture, entry: chip.romFlash!.spiflashRead.address,
      segments: [], bss: [], stackSize: plan.stackSize, symbols: {},
    };
    const loaded = await runner.load(image);
    let reading: HostReading | undefined;
    const interp: PlanInterpreter = new PlanInterpreter(target, runner, loaded, async (read, limit, strided) => {
      reading = await readLayout(read, Math.min(limit, options.flashSize ?? limit), {
        chip,
        ...(options.tableOffset !== undefined ? { tableOffset: options.tableOffset } : {}),
        ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
        walkLegacyApp: legacySizeOf(interp.vars) > 0,
      }, strided);
    }, options.timeoutMs ?? 3000);
    let stopped: string | null = null;
    let fatal: unknown;
    const notes: string[] = [];
    try {
      await interp.runSteps(plan.steps);
    } catch (error) {
      if (error instanceof RomProbeError || error instanceof AlgorithmError) stopped = error.message.replace(/\.$/, '');
      else fatal = error;
    } finally {
      const problems = await interp.runCleanup(plan.cleanup);
      for (const p of problems) notes.push(`Could not put back ${p}; reset the chip if the application misbehaves.`);
      await runner.unload(loaded);
    }
    if (fatal !== undefined) throw fatal;
    const after = await snapshot(target, chip);
    const changed = before && after ? differ(before, after) : undefined;
    if (changed?.length) notes.push(`${changed.join(' and ')} differ after the probe: the application may have been disturbed; reset it if it misbehaves, and report this.`);
    if (wasRunning) {
      await target.resume();
      resumed = true;
    }
    return buildReport({
      where: target.description, chip, info: flashInfoFrom(interp.vars, chip.spi1!.ctrlOctalBits), reading, stopped, notes,
      ...(options.flashSize !== undefined ? { flashSize: options.flashSize } : {}),
      ...(options.appOffset !== undefined ? { appOffset: options.appOffset } : {}),
      romCalls: interp.romCalls,
      busyExhausted: interp.vars.has('busyPolls.exhausted'),
      restored: { resumed, ramRestored: true, registersCompared: changed !== undefined, registersIntact: changed === undefined ? null : changed.length === 0 },
    });
  } finally {
    if (wasRunning && !resumed && target.state() === 'halted') await target.resume().catch(() => undefined);
  }
}
