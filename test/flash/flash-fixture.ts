/**
 * Helpers for the flash driver tests: a simulated ESP32-C3 with a chosen flash, a Target wrapper
 * that records which stub commands ran (independently of the driver's own counters) and can cut
 * the link after a number of operations.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSimulatedEsp32c3, type SimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import type { Target } from '../../src/target/types.js';
import type { FlashTiming } from '../../src/sim/flash/spi-nor.js';
import { STUB_COMMAND, stubCommandName, type StubCommandName } from '../../src/flash/stub-protocol.js';
import type { FlashSession } from '../../src/flash/session.js';

export const DEMO_FLASH = 'firmware/build/demo-micropython-4MB.bin';
/** The vfs (FAT) data partition of the demo image. */
export const VFS = { offset: 0x200000, size: 0x200000 } as const;

export function demoSim(options: { flashSize?: number; run?: boolean; sliceInstructions?: number; flashTiming?: Partial<FlashTiming> } = {}): SimulatedEsp32c3 {
  return createSimulatedEsp32c3({
    flash: new Uint8Array(readFileSync(DEMO_FLASH)),
    ...(options.flashSize ? { flashSize: options.flashSize } : {}),
    ...(options.sliceInstructions ? { sliceInstructions: options.sliceInstructions } : {}),
    ...(options.flashTiming ? { flashTiming: options.flashTiming } : {}),
    run: options.run ?? false,
  });
}

export function random(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

const OPS = new Set(['readMemory', 'writeMemory', 'readRegisters', 'writeRegisters', 'readRegister', 'writeRegister', 'resume', 'halt', 'waitForHalt', 'step', 'addBreakpoint', 'removeBreakpoint']);

export interface RecordingTarget {
  readonly target: Target;
  /** Stub commands started, in order. */
  readonly commands: StubCommandName[];
  /** Target operations so far. */
  ops: number;
  count(name: StubCommandName): number;
  reset(): void;
  /** After `n` more operations, run `onCut` and fail that one and every later operation. */
  cutAfter(n: number, onCut: () => Promise<void>): void;
  /** Fail every operation from now on (the hook of a cut that came from outside, e.g. a timer). */
  cutNow(): void;
  readonly cut: boolean;
}

export class LinkCutError extends Error {
  constructor() {
    super('link lost (injected)');
  }
}

export function recordingTarget(inner: Target): RecordingTarget {
  const commands: StubCommandName[] = [];
  let cutAt: number | undefined;
  let onCut: (() => Promise<void>) | undefined;
  let cut = false;
  const rec: RecordingTarget = {
    target: undefined as unknown as Target,
    commands,
    ops: 0,
    count: (name) => commands.filter((c) => c === name).length,
    reset() {
      commands.length = 0;
    },
    cutAfter(n, hook) {
      cutAt = rec.ops + n;
      onCut = hook;
    },
    cutNow() {
      cut = true;
    },
    get cut() {
      return cut;
    },
  };
  const proxy = new Proxy(inner, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !OPS.has(prop) || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      }
      return async (...args: unknown[]) => {
        if (cut) throw new LinkCutError();
        rec.ops++;
        if (cutAt !== undefined && rec.ops >= cutAt) {
          cut = true;
          await onCut?.();
          throw new LinkCutError();
        }
        if (prop === 'writeRegisters') {
          const v = args[0] as ReadonlyMap<string, number> | Readonly<Record<string, number>>;
          const get = (k: string) => (v instanceof Map ? v.get(k) : (v as Record<string, number>)[k]);
          // A call setup (pc = ra = trampoline), not a context restore.
          if (get('pc') !== undefined && get('pc') === get('ra')) {
            const name = stubCommandName(get('a0') ?? -1);
            if (name) commands.push(name);
          }
        }
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
  (rec as { target: Target }).target = proxy;
  return rec;
}

/** Programming or erasing commands among the recorded ones. */
export function changingCommands(commands: readonly StubCommandName[]): StubCommandName[] {
  return commands.filter((c) => c === 'ERASE' || c === 'WRITE' || c === 'WRITE_DEFLATED' || c === 'STREAM_WRITE' || c === 'STREAM_WRITE_DEFLATED');
}

/** Assert helper: the bytes outside [start, end) are equal. */
export function firstDifferenceOutside(a: Uint8Array, b: Uint8Array, start: number, end: number): number | undefined {
  for (let i = 0; i < a.length; i++) {
    if (i === start) i = end;
    if (i >= a.length) break;
    if (a[i] !== b[i]) return i;
  }
  return undefined;
}

export { STUB_COMMAND };

/** Bytes of `range` that the session holds (backed up, given back at the close). */
export function heldBytes(session: FlashSession, range: { readonly address: number; readonly size: number }): number {
  return session.loaded.allocator.allocated.reduce(
    (n, a) => n + Math.max(0, Math.min(a.address + a.size, range.address + range.size) - Math.max(a.address, range.address)),
    0,
  );
}

/**
 * A snapshot of a running simulator taken once it shows progress: every 20 ms until `advanced`
 * says so, or `timeoutMs` passed (the last one is returned for the caller's assertion). On a loaded
 * machine a fixed 20 ms may pass without the simulator getting a slice of the event loop.
 */
export async function snapshotOnceAdvanced<S>(take: () => Promise<S>, advanced: (s: S) => boolean, timeoutMs = 5000): Promise<S> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const s = await take();
    if (advanced(s) || performance.now() > deadline) return s;
  }
}
