/**
 * The algorithm runner: runs external stub images and on-board functions on a target without
 * disturbing the program running there.
 *
 *   const runner = new AlgorithmRunner(target, { chip: esp32c3 });
 *   const result = await runner.call(image, { args: [1, 2] });      // load, run, unload
 *   const loaded = await runner.load(image); ... runner.run(loaded, …) ...; await runner.unload(loaded);
 *   await runner.callOnboard(table, entry, [a, b]);                   // ESP-IDF debug-stubs function
 */
import type { AddressRange, ChipDescriptor } from '../chips/types.js';
import { hex32 } from '../chips/types.js';
import type { Target } from '../target/types.js';
import { addressSpaceFor } from './address-space.js';
import { callingConventionFor } from './arch/index.js';
import type { CallingConvention } from './arch/types.js';
import { DebugStubsError, type DebugStubsTable } from './debug-stubs.js';
import { AlgorithmArgumentError, AlgorithmNotRestoredError, WorkAreaError } from './errors.js';
import { loadStub, unloadStub, type LoadedStub, type LoadOptions } from './loader.js';
import { silenceMonitors } from './assist-debug.js';
import { runLoaded, type RunOptions, type RunResult } from './run.js';
import type { StubImage } from './stub-image.js';
import { WorkAreaAllocator } from './work-area.js';

export interface RunnerOptions {
  readonly chip?: ChipDescriptor;
  readonly workArea?: AddressRange;
  /** Back up and restore work-area RAM (default true; false for bulk work, like OpenOCD's program_esp). */
  readonly backup?: boolean;
}

export class AlgorithmRunner {
  readonly convention: CallingConvention;

  constructor(readonly target: Target, readonly options: RunnerOptions = {}) {
    this.convention = callingConventionFor(target.architecture);
  }

  async load(image: StubImage, options: Omit<LoadOptions, 'chip'> = {}): Promise<LoadedStub> {
    await this.ensureHalted();
    return loadStub(this.target, image, this.convention, {
      ...(this.options.chip ? { chip: this.options.chip } : {}),
      ...(this.options.workArea ? { workArea: this.options.workArea } : {}),
      ...(this.options.backup !== undefined ? { backup: this.options.backup } : {}),
      ...options,
    });
  }

  run(loaded: LoadedStub, options: RunOptions = {}): Promise<RunResult> {
    return runLoaded(this.target, this.convention, loaded, options);
  }

  unload(loaded: LoadedStub): Promise<void> {
    return unloadStub(this.target, loaded);
  }

  /** Load, run once, unload — the RAM and every register the run touched are given back. */
  async call(image: StubImage, options: RunOptions & { stackSize?: number } = {}): Promise<RunResult> {
    const loaded = await this.load(image, options.stackSize !== undefined ? { stackSize: options.stackSize } : {});
    return this.runOnce(loaded, options);
  }

  /**
   * Run once and unload, whatever the run did. RAM that cannot be given back fails the call with
   * AlgorithmNotRestoredError, which keeps the run's own failure.
   */
  runOnce(loaded: LoadedStub, options: RunOptions = {}): Promise<RunResult> {
    return thenRelease(loaded.image.name, () => this.run(loaded, options), () => this.unload(loaded));
  }

  /**
   * Call a function already in the application through its debug-stubs table: the trampoline goes
   * into the table's code buffer and the stack into its minimum-stack buffer (both backed up);
   * no work area is touched.
   */
  async callOnboard(
    table: DebugStubsTable,
    entry: number,
    args: readonly number[],
    options: Omit<RunOptions, 'memoryArguments' | 'coroutine'> & { stackSize?: number; name?: string } = {},
  ): Promise<RunResult> {
    if (entry === 0) throw new DebugStubsError(`the debug-stubs table at ${hex32(table.address)} has no function in that entry`, table.address);
    const stackSize = options.stackSize ?? table.minStackSize;
    if (stackSize > table.minStackSize) {
      throw new AlgorithmArgumentError(`on-board calls may use at most ${table.minStackSize} bytes of stack, ${stackSize} asked`);
    }
    const tramp = this.convention.trampoline();
    if (tramp.bytes.length > table.codeBufferSize) {
      throw new AlgorithmArgumentError(`the trampoline (${tramp.bytes.length} bytes) does not fit the ${table.codeBufferSize}-byte code buffer`);
    }
    if (table.codeBuffer % tramp.align !== 0) {
      throw new DebugStubsError(`the code buffer at ${hex32(table.codeBuffer)} is not ${tramp.align}-byte aligned`, table.codeBuffer);
    }
    await this.ensureHalted();
    const space = addressSpaceFor(this.options.chip);
    const codeAt = space.toDataBus(table.codeBuffer);
    const code = new WorkAreaAllocator(this.target, { start: codeAt, end: codeAt + table.codeBufferSize });
    const stack = new WorkAreaAllocator(this.target, { start: table.minStack, end: table.minStack + table.minStackSize });
    let monitors: WorkAreaAllocator | undefined;
    const run = async (): Promise<RunResult> => {
      monitors = await silenceMonitors(this.target, this.options.chip);
      await code.allocateAt(codeAt, tramp.bytes.length, 'on-board trampoline');
      await this.target.writeMemory(codeAt, tramp.bytes);
      const stackArea = await stack.allocateAt(table.minStack, stackSize, 'on-board stack');
      const base = table.codeBuffer;
      const returnPc = base + tramp.returnOffset;
      const catcherPc = tramp.trapCatcherOffset === undefined ? undefined : base + tramp.trapCatcherOffset;
      const breakpoints: number[] = [];
      if (!this.target.capabilities.haltsOnBreakInstruction) {
        for (const pc of [returnPc, catcherPc]) {
          if (pc === undefined) continue;
          await this.target.addBreakpoint(pc, 'software');
          breakpoints.push(pc);
        }
      }
      const image: StubImage = {
        name: options.name ?? `on-board function ${hex32(entry)}`,
        architecture: this.target.architecture,
        entry,
        segments: [],
        bss: [],
        stackSize,
        symbols: {},
      };
      const loaded: LoadedStub = {
        image,
        allocator: stack,
        space,
        trampolinePc: base + tramp.entryOffset,
        returnPc,
        catcherPc,
        trapVector: catcherPc,
        stackTop: stackArea.address + stackArea.size,
        breakpoints,
      };
      try {
        return await runLoaded(this.target, this.convention, loaded, { ...options, args });
      } finally {
        for (const pc of breakpoints) await this.target.removeBreakpoint(pc, 'software').catch(() => undefined);
      }
    };
    return thenRelease(options.name ?? `on-board function ${hex32(entry)}`, run, async () => {
      const failed: unknown[] = [];
      for (const area of [stack, code, monitors]) await area?.releaseAll().catch((e: unknown) => void failed.push(e));
      if (failed.length === 0) return;
      const lost = failed.reduce((n: number, e) => n + (e instanceof WorkAreaError ? e.size ?? 0 : 0), 0);
      throw new WorkAreaError((failed[0] as Error).message, failed[0] instanceof WorkAreaError ? failed[0].address : undefined, lost, { cause: failed[0] instanceof WorkAreaError ? failed[0].cause : failed[0] });
    });
  }

  private async ensureHalted(): Promise<void> {
    if (this.target.state() !== 'halted') await this.target.halt();
  }
}

/** Run, then release what the run borrowed; a failed release fails the call and keeps the run's own failure. */
async function thenRelease<T>(routine: string, run: () => Promise<T>, release: () => Promise<void>): Promise<T> {
  let outcome: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
  try {
    outcome = { ok: true, value: await run() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  try {
    await release();
  } catch (releaseError) {
    throw AlgorithmNotRestoredError.afterRelease(routine, outcome.ok ? undefined : outcome.error, releaseError);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
