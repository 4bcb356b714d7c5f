/**
 * The ESP-IDF debug-stubs table: how an application offers on-board functions to a debugger.
 * Words: 0 magic 0xFEEDBEEF, 1 table size, 2 control data address, 3 first entry (gcov), 4 capabilities.
 * Control data (16 bytes): trampoline buffer (32 bytes, IRAM), minimum stack buffer (2048 bytes),
 * data_alloc, data_free.
 */
import { hex32 } from '../chips/types.js';
import { TargetMemoryError } from '../target/errors.js';
import type { Target } from '../target/types.js';
import { AlgorithmError } from './errors.js';

export const DEBUG_STUBS_MAGIC = 0xfeedbeef;
export const DEBUG_STUBS_MAX_ENTRIES = 5;
export const DEBUG_STUBS_CODE_BUFFER_SIZE = 32;
export const DEBUG_STUBS_MIN_STACK_SIZE = 2048;
/** Index of the first function entry in the table (ESP-IDF's ENTRY_FIRST / ENTRY_GCOV). */
export const DEBUG_STUBS_ENTRY_FIRST = 3;
export const DEBUG_STUBS_ENTRY_CAPABILITIES = 4;
/** ESP-IDF's symbol for the table. */
export const DEBUG_STUBS_SYMBOL = 's_dbg_stubs';

export interface DebugStubsTable {
  readonly address: number;
  readonly size: number;
  readonly entries: readonly number[];
  readonly controlData: number;
  readonly codeBuffer: number;
  readonly codeBufferSize: number;
  readonly minStack: number;
  readonly minStackSize: number;
  readonly dataAlloc: number;
  readonly dataFree: number;
  readonly capabilities: number;
}

export class DebugStubsError extends AlgorithmError {
  constructor(message: string, readonly address?: number) {
    super('ALGO_DEBUG_STUBS', message);
  }
}

/** How the table's address was found: an address given, the ELF's symbol, or the application's own semihosting call. */
export type DebugStubsSource = 'address' | 'elf-symbol' | 'semihosting';

/** What to check when no table is found where `source` pointed. */
function noTableAdvice(source: DebugStubsSource): string {
  switch (source) {
    case 'address':
      return `Check the address: the table is the application's ${DEBUG_STUBS_SYMBOL} (see its ELF), present when it is built with CONFIG_ESP_DEBUG_STUBS_ENABLE.`;
    case 'elf-symbol':
      return `Check that the ELF is the application the chip runs and that it has started (it fills ${DEBUG_STUBS_SYMBOL} in at start-up), built with CONFIG_ESP_DEBUG_STUBS_ENABLE.`;
    case 'semihosting':
      return 'The application announced this address itself; it may have overwritten the table since.';
  }
}

/** Read and validate the table at `address`; `source` (default: an address given) words the advice when there is none. */
export async function readDebugStubsTable(target: Target, address: number, source: DebugStubsSource = 'address'): Promise<DebugStubsTable> {
  let bytes: Uint8Array;
  try {
    bytes = await target.readMemory(address, DEBUG_STUBS_MAX_ENTRIES * 4);
  } catch (err) {
    if (!(err instanceof TargetMemoryError)) throw err;
    throw new DebugStubsError(`no debug-stubs table at ${hex32(address)}: ${err.message}. ${noTableAdvice(source)}`, address);
  }
  const head = words(bytes);
  if (head[0] !== DEBUG_STUBS_MAGIC) {
    throw new DebugStubsError(
      `no debug-stubs table at ${hex32(address)}: magic is ${hex32(head[0]!)}, expected ${hex32(DEBUG_STUBS_MAGIC)}. ${noTableAdvice(source)}`,
      address,
    );
  }
  const size = head[1]!;
  if (size < 2) throw new DebugStubsError(`debug-stubs table at ${hex32(address)} has size ${size}; at least 2 entries are needed`, address);
  const n = Math.min(size, DEBUG_STUBS_MAX_ENTRIES);
  const entries = head.slice(0, n);
  const controlData = entries[2] ?? 0;
  if (controlData === 0) throw new DebugStubsError(`debug-stubs table at ${hex32(address)} has no control data`, address);
  const ctl = words(await target.readMemory(controlData, 16));
  return {
    address,
    size,
    entries,
    controlData,
    codeBuffer: ctl[0]!,
    codeBufferSize: DEBUG_STUBS_CODE_BUFFER_SIZE,
    minStack: ctl[1]!,
    minStackSize: DEBUG_STUBS_MIN_STACK_SIZE,
    dataAlloc: ctl[2]!,
    dataFree: ctl[3]!,
    capabilities: entries[DEBUG_STUBS_ENTRY_CAPABILITIES] ?? 0,
  };
}

function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i, true));
  return out;
}
