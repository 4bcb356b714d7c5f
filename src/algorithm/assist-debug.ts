/**
 * The chip's ASSIST_DEBUG monitors while stubs run. Firmware may arm the stack-pointer monitor
 * (ESP-IDF's hardware stack guard) with the bounds of the interrupted task; a stub runs on its own
 * stack, outside them, and would trip it — an interrupt the program would take once resumed. So the
 * monitor enable register is backed up and cleared before stubs run and written back afterwards,
 * through a work-area allocator of its own (the same backup and restore as borrowed RAM).
 */
import type { ChipDescriptor } from '../chips/types.js';
import type { Target } from '../target/types.js';
import { WorkAreaAllocator } from './work-area.js';

/** Switch the monitors off; release the returned allocator to switch them back on. Undefined where the chip has none known. */
export async function silenceMonitors(target: Target, chip: ChipDescriptor | undefined): Promise<WorkAreaAllocator | undefined> {
  const register = chip?.assistDebugMonitor;
  if (register === undefined) return undefined;
  const saved = new WorkAreaAllocator(target, { start: register, end: register + 4 }, true);
  await saved.allocateAt(register, 4, 'ASSIST_DEBUG monitor enable');
  await target.writeMemory(register, new Uint8Array(4));
  return saved;
}
