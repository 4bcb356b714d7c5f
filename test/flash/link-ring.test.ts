/**
 * A stream's ring is sized to the link: the session times the stub's load, and over a slow link
 * (OpenOCD's JTAG moves tens of KB/s) borrows no more ring than the link fills in RING_FILL_MS —
 * every byte of ring is backed up and written back across that link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFlashSession } from '../../src/flash/session.js';
import { RING_FILL_MS } from '../../src/flash/stream-ring.js';
import { writeFlash } from '../../src/flash/write.js';
import type { Target } from '../../src/target/types.js';
import { demoSim, heldBytes, random, VFS } from './flash-fixture.js';

/** Milliseconds the slow link spends per KiB moved (at least this: timers only run late). */
const MS_PER_KIB = 8;

/** Requests that cross the link in turn (waiting for a halt does not hold the link). */
const IN_TURN = new Set(['readMemory', 'writeMemory', 'readRegisters', 'writeRegisters', 'readRegister', 'writeRegister', 'stageRegisters', 'flushRegisters', 'resume', 'halt', 'step', 'addBreakpoint', 'removeBreakpoint']);

/**
 * `inner` behind a link that moves memory at most 1024 / MS_PER_KIB bytes per ms, one request after
 * another in the order they were made (as on one GDB connection).
 */
function slowLink(inner: Target): Target {
  let link: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(bytes: number, op: () => Promise<T>): Promise<T> => {
    const done = link.then(() => new Promise((resolve) => setTimeout(resolve, (bytes / 1024) * MS_PER_KIB))).then(op);
    link = done.catch(() => undefined);
    return done;
  };
  return new Proxy(inner, {
    get(t, prop, receiver) {
      if (prop === 'capabilities') return { ...t.capabilities, inProcess: false };
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(t);
      if (typeof prop !== 'string' || !IN_TURN.has(prop)) return fn;
      return (...args: unknown[]) => {
        const bytes = prop === 'readMemory' ? (args[1] as number) : prop === 'writeMemory' ? (args[1] as Uint8Array).length : 0;
        return inTurn(bytes, () => fn(...args) as Promise<unknown>);
      };
    },
  });
}

async function streamOnce(wrap: (t: Target) => Target): Promise<number> {
  const sim = demoSim();
  try {
    const session = await openFlashSession(wrap(sim.target), { timeoutScale: 10 });
    try {
      const data = random(0x10000);
      const r = await writeFlash(session, VFS.offset, data, { mode: 'stream', skipUnchanged: false });
      assert.equal(r.verified, 'sha256');
      assert.deepEqual(sim.flash.bytes.subarray(VFS.offset, VFS.offset + data.length), data);
      // The stub's scratch the session holds: the ring, its control block, nothing else here.
      return heldBytes(session, session.loaded.image.symbols.scratch!);
    } finally {
      await session.close();
    }
  } finally {
    await sim.close();
  }
}

test('over a slow link the stream ring is what the link fills in RING_FILL_MS; in process it is the whole scratch buffer', async () => {
  // The load moved its bytes at no more than 1024 / MS_PER_KIB bytes per ms, so the ring is at most
  // that times RING_FILL_MS (plus the control block and the verify's 4 KiB read at the start).
  const slow = await streamOnce(slowLink);
  assert.ok(slow <= (1024 / MS_PER_KIB) * RING_FILL_MS + 0x1000 + 32, `slow link: ${slow} bytes of scratch held`);
  const local = await streamOnce((t) => t);
  assert.ok(local >= 0xff00, `in process: ${local} bytes of scratch held`);
});
