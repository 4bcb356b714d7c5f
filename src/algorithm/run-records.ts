/**
 * A loaded stub's log buffer and trap record from run to run. Both must read empty when a run
 * starts, so that what the host reads after it is that run's own. The host clears them before a
 * run unless it knows they still are: a run that returned cleanly leaves the trap record as it
 * found it (only a trap handler fills it, and that never returns) and the log as the host read it
 * after the run.
 */
import type { Target } from '../target/types.js';
import type { LoadedStub } from './loader.js';
import { clearStubLog } from './stub-log.js';
import { clearTrapRecord } from './trap-record.js';

const knownClear = new WeakMap<LoadedStub, { readonly log: boolean; readonly trap: boolean }>();

/**
 * Clear what may not be clear. The writes need not be awaited one by one: memory writes take effect
 * in order, before a resume queued after them (Target.resume). Until the run returns cleanly
 * (noteCleanReturn), nothing is known to be clear.
 */
export function clearRecordsForRun(target: Target, loaded: LoadedStub): Promise<void> {
  const known = knownClear.get(loaded);
  knownClear.delete(loaded);
  const { trapRecord, logBuffer } = loaded.image.symbols;
  const clears = [
    trapRecord !== undefined && !known?.trap ? clearTrapRecord(target, trapRecord) : undefined,
    logBuffer && !known?.log ? clearStubLog(target, logBuffer) : undefined,
  ];
  return Promise.all(clears).then(() => undefined);
}

/** The run returned cleanly; `logEmpty`: the log read after it held nothing. */
export function noteCleanReturn(loaded: LoadedStub, logEmpty: boolean): void {
  knownClear.set(loaded, { trap: true, log: logEmpty });
}
