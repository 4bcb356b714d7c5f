import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusyPoll } from '../../../src/sim/jtag/busy-poll.js';

test('BusyPoll spins the event loop for its window after the last touch, then sleeps; 0 and stop() turn it off', async () => {
  const poll = new BusyPoll(15);
  assert.equal(poll.active, false);
  poll.touch();
  assert.equal(poll.active, true);
  let turns = 0;
  const count = (): void => void (turns++ < 1e6 && poll.active && setImmediate(count));
  setImmediate(count);
  await sleep(5);
  poll.touch(); // extends the window
  await sleep(5);
  assert.equal(poll.active, true, 'still within 15 ms of the last touch');
  assert.ok(turns > 10, `the loop kept turning (${turns} turns)`);
  await sleep(60);
  assert.equal(poll.active, false, 'the window passed: the loop may sleep again');

  const off = new BusyPoll(0);
  off.touch();
  assert.equal(off.active, false);

  const stopped = new BusyPoll(1000);
  stopped.touch();
  stopped.stop();
  await sleep(5);
  assert.equal(stopped.active, false, 'stop() ends the chain at its next turn');
  stopped.touch();
  assert.equal(stopped.active, false);
});
