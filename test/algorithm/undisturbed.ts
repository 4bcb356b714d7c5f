/**
 * Undisturbed, measured: while the demo firmware runs on the simulated ESP32-C3, many stub calls
 * (returns, exceptions, timeouts mixed). After each one every register and CSR is bit-exact and the
 * borrowed RAM is bit-exact; the firmware's self-check never fails and its heartbeat keeps advancing.
 * npm test runs 2,000 calls (test/algorithm/sim-undisturbed.test.ts); test-long runs 10,000.
 */
import assert from 'node:assert/strict';
import { esp32c3 } from '../../src/chips/index.js';
import {
  AlgorithmExceptionError,
  AlgorithmRunner,
  AlgorithmTimeoutError,
  AlgorithmUnexpectedStopError,
} from '../../src/algorithm/index.js';
import type { Target } from '../../src/target/types.js';
import { bootDemo, demoStub, firmwareSymbol, STUB } from './sim-fixture.js';

/**
 * The context as the program sees it, read from the CPU: every register and CSR, except dcsr's cause field [8:6], which
 * records why the hart last entered debug mode (the run's own ebreak) and is read-only to a debugger
 * (debug spec 0.13, dcsr) — it is not part of the program's state.
 */
async function context(target: Target, names: readonly string[] | undefined): Promise<Map<string, number>> {
  await target.flushRegisters?.({ refetch: true }); // from the CPU, not a client-side cache
  const regs = names ? await target.readRegisters(names) : await target.readRegisters();
  if (regs.has('dcsr')) regs.set('dcsr', regs.get('dcsr')! & ~(7 << 6));
  return regs;
}

const WORK_AREA = esp32c3.stub!.workArea;

export interface UndisturbedOptions {
  /** Registers to compare (default: every register the target has). */
  readonly registers?: readonly string[];
  /** RAM compared before/after each call (default: the whole C3 work area). */
  readonly ram?: readonly { start: number; end: number }[];
  /** Timeout of the never-returning routine (default 5 ms). */
  readonly spinTimeoutMs?: number;
  /** Check the heartbeat and self-check every this many calls (default 100). */
  readonly checkEvery?: number;
}

/** On the in-process simulator booted from the demo firmware. */
export async function runUndisturbed(calls: number): Promise<void> {
  const sim = bootDemo();
  try {
    await new Promise((r) => setTimeout(r, 20));
    await runUndisturbedOn(sim.target, calls);
  } finally {
    await sim.close();
  }
}

/** On any target running the demo firmware (the simulator directly, or through a GDB server). */
export async function runUndisturbedOn(target: Target, CALLS: number, options: UndisturbedOptions = {}): Promise<void> {
  const ranges = options.ram ?? [WORK_AREA];
  const checkEvery = options.checkEvery ?? 100;
  const readRam = async () => Promise.all(ranges.map((r) => target.readMemory(r.start, r.end - r.start)));
  const word = async (name: string) => {
    const bytes = await target.readMemory(firmwareSymbol(name), 4);
    return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  };
  {
    const runner = new AlgorithmRunner(target, { chip: esp32c3 });
    const image = demoStub();
    const iram = image.entry;
    const counts = { returns: 0, exceptions: 0, timeouts: 0, stops: 0 };
    const heartbeatStart = await word('demo_heartbeat');
    let lastHeartbeat = heartbeatStart;
    for (let i = 0; i < CALLS; i++) {
      await target.halt();
      const regs = await context(target, options.registers);
      const ram = await readRam();
      const kind = i % 50 === 7 ? 'timeout' : i % 10 === 3 ? 'fault' : i % 25 === 11 ? 'ebreak' : i % 2 ? 'scribble' : 'sum';
      if (kind === 'sum') {
        const r = await runner.call(image, { args: [i, 1, 2, 3, 4, 5, 6] });
        assert.equal(r.value, i + 21);
        counts.returns++;
      } else if (kind === 'scribble') {
        const r = await runner.call(image, { entry: iram + STUB.scribble });
        assert.equal(r.value, 0x11, 'the data segment is loaded fresh for every call');
        counts.returns++;
      } else if (kind === 'fault') {
        await assert.rejects(runner.call(image, { entry: iram + STUB.fault }), (e: unknown) => {
          assert.ok(e instanceof AlgorithmExceptionError, String(e));
          assert.equal(e.trap.cause, 5);
          assert.equal(e.trap.tval, 0);
          assert.equal(e.trap.epc, iram + STUB.fault);
          return true;
        });
        counts.exceptions++;
      } else if (kind === 'ebreak') {
        await assert.rejects(runner.call(image, { entry: iram + STUB.ebreakInside }), (e: unknown) => {
          assert.ok(e instanceof AlgorithmUnexpectedStopError, String(e));
          assert.equal(e.breakInstruction, 'routine', e.message);
          assert.match(e.message, /on a break instruction in its own code/);
          return true;
        });
        counts.stops++;
      } else {
        await assert.rejects(runner.call(image, { entry: iram + STUB.spin, timeoutMs: options.spinTimeoutMs ?? 5 }), AlgorithmTimeoutError);
        counts.timeouts++;
      }
      assert.deepEqual(await context(target, options.registers), regs, `call ${i} (${kind}): registers changed`);
      const after = await readRam();
      after.forEach((bytes, n) => assert.ok(Buffer.from(bytes).equals(Buffer.from(ram[n]!)), `call ${i} (${kind}): RAM ${ranges[n]!.start.toString(16)}.. changed`));
      await target.resume();
      if (i % checkEvery === checkEvery - 1) {
        // Let the firmware run until its heartbeat moves, then check it.
        const deadline = Date.now() + 2000;
        while ((await word('demo_heartbeat')) === lastHeartbeat && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        const hb = await word('demo_heartbeat');
        assert.ok(hb > lastHeartbeat, `heartbeat stuck at ${hb} after call ${i}`);
        lastHeartbeat = hb;
        assert.equal(await word('demo_selfcheck_failures'), 0, `self-check failed after call ${i}`);
      }
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await word('demo_selfcheck_failures'), 0);
    assert.ok((await word('demo_selfcheck_runs')) > 0);
    assert.ok((await word('demo_heartbeat')) > heartbeatStart);
    assert.ok(counts.returns > 0 && counts.exceptions > 0 && counts.timeouts > 0 && counts.stops > 0, JSON.stringify(counts));
  }
}
