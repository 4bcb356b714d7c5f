import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BusyPoll } from '../../../src/sim/jtag/busy-poll.js';

/** Let the event loop turn `n` times. */
async function turnsPass(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

test('BusyPoll spins the event loop for its window after the last touch, then sleeps; 0 and stop() turn it off', async () => {
  // A clock the test moves: the window is judged against it, not against how busy the machine is.
  let clock = 0;
  const poll = new BusyPoll(15, () => clock);
  assert.equal(poll.active, false);
  poll.touch();
  assert.equal(poll.active, true);
  let turns = 0;
  const count = (): void => void (turns++ < 1e6 && poll.active && setImmediate(count));
  setImmediate(count);
  clock = 5;
  await turnsPass(10);
  poll.touch(); // extends the window
  clock = 15; // past the first touch's window, inside the second's
  await turnsPass(10);
  assert.equal(poll.active, true, 'still within 15 ms of the last touch');
  assert.ok(turns > 10, `the loop kept turning (${turns} turns)`);
  clock = 20;
  await turnsPass(3);
  assert.equal(poll.active, false, 'the window passed: the loop may sleep again');

  const off = new BusyPoll(0, () => clock);
  off.touch();
  assert.equal(off.active, false);

  const stopped = new BusyPoll(1000, () => clock);
  stopped.touch();
  stopped.stop();
  await turnsPass(3);
  assert.equal(stopped.active, false, 'stop() ends the chain at its next turn');
  stopped.touch();
  assert.equal(stopped.active, false);
});

test('BusyPoll keeps time with performance.now by default', async () => {
  const poll = new BusyPoll(1);
  poll.touch();
  assert.equal(poll.active, true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  // The chain checks the clock in the event loop's check phase, which comes after the timers phase:
  // on a loaded machine whose process slept past 20 ms, the timer above runs before the chain has had
  // a turn. One turn behind it (queued after the chain's) lets it see the time.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(poll.active, false, 'a 1 ms window has passed after 20 ms');
});
