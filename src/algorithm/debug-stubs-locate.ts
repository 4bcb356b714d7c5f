/**
 * Finding an application's debug-stubs table, the three ways a debugger can:
 *  1. an address the user gives;
 *  2. the `s_dbg_stubs` symbol of the application's ELF;
 *  3. ESP-IDF's publication on RISC-V: while a debugger is attached the application makes the
 *     semihosting call 0x102 with the table address (SemihostingWatcher answers it and resumes).
 */
import { hex32 } from '../chips/types.js';
import { findSymbol } from '../image/elf.js';
import type { ElfFile } from '../image/types.js';
import type { Target } from '../target/types.js';
import { DEBUG_STUBS_SYMBOL, DebugStubsError, readDebugStubsTable, type DebugStubsSource, type DebugStubsTable } from './debug-stubs.js';
import { completeSemihosting, ESP_SEMIHOSTING_SYS_DBG_STUBS_INIT, recogniseSemihosting } from './semihosting.js';

export type { DebugStubsSource };

export interface LocatedDebugStubs {
  readonly table: DebugStubsTable;
  readonly source: DebugStubsSource;
}

/**
 * Answers ESP-IDF's semihosting calls while attached: records the debug-stubs table address (0x102)
 * and resumes the application. Other semihosting operations are answered with -1 (not supported).
 */
export class SemihostingWatcher {
  tableAddress: number | undefined;
  /** Operations seen, for reports. */
  readonly seen: number[] = [];
  private readonly unsubscribe: () => void;
  private readonly waiters: ((address: number) => void)[] = [];

  constructor(private readonly target: Target) {
    this.unsubscribe = target.on((event) => {
      if (event.type === 'halted' && event.stop.reason === 'breakpoint') void this.onHalt(event.stop);
    });
  }

  /** Resolves with the table address once the application published it; rejects after `timeoutMs`. */
  waitForTable(timeoutMs: number): Promise<number> {
    if (this.tableAddress !== undefined) return Promise.resolve(this.tableAddress);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new DebugStubsError(`the application did not publish its debug-stubs table within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push((address) => {
        clearTimeout(timer);
        resolve(address);
      });
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private async onHalt(stop: Parameters<typeof recogniseSemihosting>[1]): Promise<void> {
    const call = await recogniseSemihosting(this.target, stop).catch(() => undefined);
    if (!call) return;
    this.seen.push(call.operation);
    const ok = call.operation === ESP_SEMIHOSTING_SYS_DBG_STUBS_INIT;
    if (ok) this.tableAddress = call.argument;
    await completeSemihosting(this.target, call, ok ? 0 : -1);
    await this.target.resume();
    if (ok) for (const w of this.waiters.splice(0)) w(call.argument);
  }
}

export async function locateDebugStubs(
  target: Target,
  options: { address?: number; elf?: ElfFile; watcher?: SemihostingWatcher; waitMs?: number },
): Promise<LocatedDebugStubs> {
  if (options.address !== undefined) return { table: await readDebugStubsTable(target, options.address), source: 'address' };
  if (options.elf) {
    const sym = findSymbol(options.elf, DEBUG_STUBS_SYMBOL);
    if (!sym) {
      throw new DebugStubsError(`the application ELF has no ${DEBUG_STUBS_SYMBOL} symbol; build it with CONFIG_ESP_DEBUG_STUBS_ENABLE or give the table address`);
    }
    return { table: await readDebugStubsTable(target, sym.value, 'elf-symbol'), source: 'elf-symbol' };
  }
  if (options.watcher) {
    const address = options.watcher.tableAddress ?? (await options.watcher.waitForTable(options.waitMs ?? 2000));
    return { table: await readDebugStubsTable(target, address, 'semihosting'), source: 'semihosting' };
  }
  throw new DebugStubsError(`no way to find the debug-stubs table: give its address (e.g. ${hex32(0x3fc80090)}) or the application's ELF`);
}
