import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HartRunner } from '../../../src/sim/jtag/hart-runner.js';
import type { DebugHart } from '../../../src/sim/jtag/debug-hart.js';

/** A hart that records run() budgets and stops when told to. */
function scriptedHart(stopAfter: number, lastReason: string) {
  const budgets: number[] = [];
  let halted = false;
  const hart: DebugHart = {
    x: new Uint32Array(32),
    pc: 0,
    get halted() {
      return halted;
    },
    readCsr: () => 0,
    writeCsr: () => {},
    requestHalt: () => {
      halted = true;
    },
    resume: () => {
      halted = false;
    },
    run(max) {
      budgets.push(max);
      if (budgets.length >= stopAfter) {
        if (lastReason === 'halted') halted = true;
        return { reason: lastReason, executed: 1 };
      }
      return { reason: 'budget', executed: max };
    },
    reset: () => {},
  };
  return { hart, budgets };
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await settle(2);
  }
}

test('the runner runs slices until the hart halts, then sleeps until kicked', async () => {
  const { hart, budgets } = scriptedHart(5, 'halted');
  const stops: string[] = [];
  const runner = new HartRunner(hart, { sliceInstructions: 123, onStop: (r) => stops.push(r.reason) });
  runner.kick();
  await until('the hart stops', () => stops.length > 0);
  await settle(5);
  assert.deepEqual(budgets, [123, 123, 123, 123, 123]);
  assert.deepEqual(stops, ['halted']);
  assert.equal(runner.active, false);
  assert.equal(runner.executed, 4 * 123 + 1);
  runner.close();
});

test('smaller slices while the debugger is busy; none while held in reset; wfi is polled by timer', async () => {
  const { hart, budgets } = scriptedHart(4, 'wfi');
  let activity = 0;
  let mayRun = false;
  const runner = new HartRunner(hart, { sliceInstructions: 5000, busySliceInstructions: 50, activity: () => activity, mayRun: () => mayRun, idlePollMs: 1 });
  runner.kick();
  await settle(10);
  assert.deepEqual(budgets, [], 'held: nothing ran');
  mayRun = true;
  runner.kick();
  await until('the hart reaches wfi', () => budgets.length >= 4);
  // First slice sees new activity (busy), then quiet ones; after 'wfi' the runner keeps polling.
  assert.deepEqual(budgets.slice(0, 3), [50, 5000, 5000]);
  const n = budgets.length;
  activity++;
  await until('a hart in wfi is looked at again', () => budgets.length > n);
  assert.equal(budgets[n], 50, 'debugger activity gave a short slice');
  runner.close();
  const after = budgets.length;
  await settle(10);
  assert.equal(budgets.length, after, 'closed: nothing runs');
});
