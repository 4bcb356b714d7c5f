/**
 * One run of a loaded routine: save the context, set up the call, resume, wait for the halt, read
 * the result (or the trap), and restore the context — on success, error, timeout or exception.
 */
import { TargetTimeoutError, type Target } from '../target/index.js';
import type { CallingConvention } from './arch/types.js';
import { restoreContext, saveContext, snapshot, stageRegisters, verifyContext } from './context.js';
import { assertCoroutineSupported, type Coroutine, type CoroutineContext } from './coroutine.js';
import {
  AlgorithmArgumentError,
  AlgorithmExceptionError,
  AlgorithmInterruptedError,
  AlgorithmLoadError,
  AlgorithmNotRestoredError,
  AlgorithmTimeoutError,
  AlgorithmUnexpectedStopError,
  type BreakInstructionSite,
  type TrapInfo,
} from './errors.js';
import { isLoaded, type LoadedStub } from './loader.js';
import {
  collectMemoryArguments,
  placeMemoryArguments,
  releaseMemoryArguments,
  type MemoryArgument,
  type PlacedMemoryArgument,
} from './mem-args.js';
import { readStubLog } from './stub-log.js';
import { readTrapRecord } from './trap-record.js';
import { clearRecordsForRun, noteCleanReturn } from './run-records.js';

export const DEFAULT_TIMEOUT_MS = 3000;

export interface RunOptions {
  readonly args?: readonly number[];
  readonly memoryArguments?: readonly MemoryArgument[];
  readonly timeoutMs?: number;
  readonly coroutine?: Coroutine;
  /** Read the context back after restoring it and fail if anything differs. */
  readonly verifyRestore?: boolean;
  /** Override the entry (for images with several routines). */
  readonly entry?: number;
  /**
   * Break at the exception vectors during the run, where the architecture names them and the stub
   * has no trap entry of its own (Xtensa), so an exception is reported at once instead of running
   * the program's handler. Default true; false saves two round trips per vector.
   */
  readonly catchExceptions?: boolean;
  /**
   * Stops the run when aborted (Ctrl-C): the CPU is halted, the context restored, and the run
   * fails with AlgorithmInterruptedError. Aborted before the run starts, the routine never runs.
   */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** The routine's return value as an unsigned 32-bit number. */
  readonly value: number;
  /** The same value as a signed 32-bit number (stub error codes are often negative). */
  readonly signedValue: number;
  /** What the stub printed into its log buffer during the run. */
  readonly log: string;
  readonly outputs: ReadonlyMap<number, Uint8Array>;
  readonly durationMs: number;
  /** True when the restored context was read back and matched. */
  readonly restoreVerified: boolean;
}

/** Where a run stands, for the stub description in errors. */
interface Context {
  readonly target: Target;
  readonly convention: CallingConvention;
  readonly loaded: LoadedStub;
  readonly routine: string;
  /** Exception-vector breakpoints planted for this run. */
  readonly vectorBreaks: number[];
}

export async function runLoaded(
  target: Target,
  convention: CallingConvention,
  loaded: LoadedStub,
  options: RunOptions = {},
): Promise<RunResult> {
  const started = performance.now();
  const ctx: Context = { target, convention, loaded, routine: loaded.image.name, vectorBreaks: [] };
  if (!isLoaded(loaded)) {
    throw new AlgorithmLoadError(`${ctx.routine} was unloaded: its RAM holds the program's bytes again, so it cannot run; load it again first`);
  }
  const args = [...(options.args ?? [])];
  if (args.length > convention.maxArgs) {
    throw new AlgorithmArgumentError(`${ctx.routine}: ${args.length} arguments given, ${target.architecture} calls take at most ${convention.maxArgs}`);
  }
  // A register holds 32 bits: 2 ** 33 or 1.5 would reach the stub as some other number.
  const bad = args.findIndex((a) => !Number.isInteger(a) || a < -0x80000000 || a > 0xffffffff);
  if (bad >= 0) {
    throw new AlgorithmArgumentError(`${ctx.routine}: argument ${bad} (${args[bad]}) is not a 32-bit number: give a whole number from -0x80000000 to 0xFFFFFFFF`);
  }
  assertCoroutineSupported(target, options.coroutine);
  if (target.state() !== 'halted') await target.halt();

  const saved = await saveContext(target, contextNames(convention, target));
  let placed: PlacedMemoryArgument[] = [];
  // Only a run with a co-routine needs a stop signal.
  const signal: { aborted: boolean } | undefined = options.coroutine ? { aborted: false } : undefined;
  /** Tell the co-routine to stop. */
  const stopCoroutine = (): void => {
    if (signal) signal.aborted = true;
  };
  let restored = false;
  let succeeded = false;
  let failure: unknown;
  try {
    placed = await placeMemoryArguments(target, loaded.allocator, options.memoryArguments ?? [], args);
    const { symbols } = loaded.image;
    // The trap record and the log read empty when the run starts (checked below, before the stop).
    const clears = clearRecordsForRun(target, loaded);
    clears.catch(() => undefined); // observed below; never an unhandled rejection meanwhile
    const co: CoroutineContext | undefined = signal && {
      target,
      memoryArguments: new Map(placed.map((p) => [p.spec.argIndex, p.area.address])),
      signal,
    };
    if (co) await options.coroutine?.init?.(co);

    // Staged where the target can: the call's registers go out with the resume, in one burst.
    const callRegisters = convention.callRegisters({
      entry: options.entry ?? loaded.image.entry,
      trampoline: loaded.trampolinePc,
      stackTop: loaded.stackTop,
      args,
      trapVector: loaded.trapVector,
      saved,
    });
    await stageRegisters(target, callRegisters);
    if (options.catchExceptions !== false && loaded.trapVector === undefined && convention.exceptionVectors) {
      for (const pc of convention.exceptionVectors(saved)) {
        await target.addBreakpoint(pc, 'software');
        ctx.vectorBreaks.push(pc);
      }
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The co-routine starts as soon as the resume is on its way (what it sends follows the resume),
    // else once it is done. Its failure is kept (never left unhandled) and raised once the stub
    // stopped; whatever happens, it is told to stop and awaited before the context is restored.
    let coroutineError: unknown;
    let coroutineRun: Promise<void> | undefined;
    const startCoroutine = (): void => {
      if (!co || coroutineRun || !options.coroutine?.run) return;
      try {
        coroutineRun = options.coroutine.run(co).catch((error: unknown) => {
          coroutineError = error ?? new Error('the co-routine failed');
        });
      } catch (error) {
        coroutineError = error ?? new Error('the co-routine failed');
        coroutineRun = Promise.resolve();
      }
    };
    let stopped;
    try {
      // The saved registers the routine does not use (mepc, mcause, …) need not reach the CPU for
      // the run: where the target stages writes, they stay staged until the program itself runs.
      if (options.signal?.aborted) throw new AlgorithmInterruptedError(ctx.routine, undefined, {});
      await target.resume(undefined, { holdRegisters: programOnly(saved, callRegisters), onSent: startCoroutine });
      startCoroutine();
      // A failed clear would let a stale log or trap record pass for this run's: stop here (the
      // finally below halts the CPU and restores the context).
      await clears;
      stopped = await waitOrTimeout(ctx, timeoutMs, stopCoroutine, options.signal);
    } finally {
      stopCoroutine();
      if (coroutineRun) await coroutineRun;
    }
    if (coroutineError !== undefined) throw coroutineError;

    // The log, the result registers, the output buffers and the co-routine's closing reads in one
    // round trip. Outputs and the co-routine's result are used only if the routine returned.
    const outputsRead = collectMemoryArguments(target, placed);
    const coroutineDone = co && options.coroutine?.done?.(co);
    outputsRead.catch(() => undefined);
    coroutineDone?.catch(() => undefined);
    const [log, after] = await Promise.all([
      symbols.logBuffer ? readStubLog(target, symbols.logBuffer) : '',
      target.readRegisters([convention.pcRegister, convention.resultRegister]),
    ]);
    const pc = stopped.pc ?? after.get(convention.pcRegister)!;
    if (pc !== loaded.returnPc) {
      const trap = await readTrap(ctx, pc);
      const regs = snapshot(await target.readRegisters());
      const breakSite = trap || stopped.reason !== 'breakpoint' ? undefined : await breakInstructionSite(ctx, pc);
      await restoreContext(target, saved);
      restored = true;
      if (trap) throw new AlgorithmExceptionError(ctx.routine, trap, regs, log || undefined);
      throw new AlgorithmUnexpectedStopError(ctx.routine, pc, stopped.reason, regs, breakSite);
    }
    const value = after.get(convention.resultRegister)! >>> 0;
    noteCleanReturn(loaded, log === '');
    await coroutineDone;
    const outputs = await outputsRead;
    await restoreContext(target, saved, true);
    restored = true;
    if (options.verifyRestore) await verifyContext(target, saved);
    succeeded = true;
    return {
      value,
      signedValue: value | 0,
      log,
      outputs,
      durationMs: performance.now() - started,
      restoreVerified: options.verifyRestore === true,
    };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    stopCoroutine();
    if (ctx.vectorBreaks.length > 0 && target.state() !== 'halted') await target.halt().catch(() => undefined);
    for (const pc of ctx.vectorBreaks) await target.removeBreakpoint(pc, 'software').catch(() => undefined);
    let restoreError: unknown;
    if (!restored) {
      if (target.state() !== 'halted') await target.halt().catch(() => undefined);
      restoreError = await restoreContext(target, saved).then(
        () => undefined,
        (error: unknown) => error ?? new Error('restoring the registers failed'),
      );
    }
    // Giving the memory-argument RAM back is part of a successful run: if it fails, the run fails.
    const ramBytes = placed.reduce((n, p) => n + (p.area.backup ? p.area.size : 0), 0);
    const releaseError = await releaseMemoryArguments(loaded.allocator, placed).then(
      () => undefined,
      (error: unknown) => error ?? new Error('restoring the memory-argument RAM failed'),
    );
    // After a failure, what could not be put back is said along with it (never a false "restored").
    if (restoreError !== undefined) {
      throw new AlgorithmNotRestoredError(ctx.routine, failure, restoreError, { registers: true, ramBytes: releaseError !== undefined ? ramBytes : 0 });
    }
    if (releaseError !== undefined) {
      if (succeeded) throw releaseError;
      throw new AlgorithmNotRestoredError(ctx.routine, failure, releaseError, { registers: false, ramBytes });
    }
  }
}

/** Context registers the call does not set. */
function programOnly(saved: ReadonlyMap<string, number>, call: ReadonlyMap<string, number>): string[] {
  return [...saved.keys()].filter((n) => !call.has(n));
}

const contextCache = new WeakMap<CallingConvention, WeakMap<object, string[]>>();

/** The context register names of a target (worked out once per register list). */
function contextNames(convention: CallingConvention, target: Target): string[] {
  let perTarget = contextCache.get(convention);
  if (!perTarget) contextCache.set(convention, (perTarget = new WeakMap()));
  let names = perTarget.get(target.registers);
  if (!names) perTarget.set(target.registers, (names = convention.contextRegisters(target.registers)));
  return names;
}

/**
 * Wait for the halt; on timeout, or when `signal` aborts, halt the CPU and throw with its registers
 * (the caller restores).
 */
async function waitOrTimeout(ctx: Context, timeoutMs: number, stopCoroutine: () => void, signal: AbortSignal | undefined) {
  let onAbort = (): void => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onAbort = () => resolve('interrupted');
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const halt = ctx.target.waitForHalt(timeoutMs);
  try {
    const first = await Promise.race([halt, interrupted]);
    if (first !== 'interrupted') return first;
    halt.catch(() => undefined); // the halt below ends this wait
  } catch (error) {
    if (!(error instanceof TargetTimeoutError)) throw error;
    const regs = await haltForFailure(ctx, stopCoroutine);
    throw new AlgorithmTimeoutError(ctx.routine, timeoutMs, regs.get(ctx.convention.pcRegister), snapshot(regs));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const regs = await haltForFailure(ctx, stopCoroutine);
  throw new AlgorithmInterruptedError(ctx.routine, regs.get(ctx.convention.pcRegister), snapshot(regs));
}

/** Stop a run that will not return: the co-routine, then the CPU; its registers, for the error. */
async function haltForFailure(ctx: Context, stopCoroutine: () => void) {
  stopCoroutine();
  await ctx.target.halt();
  return ctx.target.readRegisters();
}

/**
 * Whether the routine stopped on a break instruction: one of its own image's (as linked), or one in
 * the memory of code it calls (read while the stub is still loaded).
 */
async function breakInstructionSite(ctx: Context, pc: number): Promise<BreakInstructionSite | undefined> {
  const { convention, loaded, target } = ctx;
  const isBreak = convention.isBreakInstruction;
  if (!isBreak) return undefined;
  for (const s of loaded.image.segments) {
    const offset = (pc - s.address) >>> 0;
    if (s.executable && offset < s.bytes.length) {
      const code = new Uint8Array(4);
      code.set(s.bytes.subarray(offset, offset + 4));
      return isBreak(code) ? 'routine' : undefined;
    }
  }
  const code = await target.readMemory(loaded.space.toDataBus(pc), 4).catch(() => undefined);
  return code && isBreak(code) ? 'called-code' : undefined;
}

/** The trap behind a stop that was not a clean return: the stub's record first, else the CPU's CSRs. */
async function readTrap(ctx: Context, pc: number): Promise<TrapInfo | undefined> {
  const { trapRecord } = ctx.loaded.image.symbols;
  if (trapRecord !== undefined) {
    const record = await readTrapRecord(ctx.target, trapRecord, ctx.convention.describeCause);
    if (record) return record;
  }
  if ((ctx.loaded.catcherPc !== undefined && pc === ctx.loaded.catcherPc) || ctx.vectorBreaks.includes(pc)) {
    const regs = await ctx.target.readRegisters(ctx.convention.trapRegisters);
    return ctx.convention.trapFromRegisters(regs);
  }
  return undefined;
}
