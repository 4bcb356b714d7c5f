/**
 * Against OpenOCD the client asks for the halt (`monitor poll`) while it waits, rather than waiting
 * for the server's ~100 ms background poll; and it sends a run's few changed registers as single P
 * packets, since OpenOCD writes every register of a G. The fake server here reports a halt only
 * when a poll arrives, as OpenOCD does between its own polls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RemoteTarget, RemoteOptions } from '../../src/gdb/remote-target.js';
import { pollUntilHalted } from '../../src/gdb/halt-poll.js';
import { TargetTimeoutError } from '../../src/target/errors.js';
import { withFaultServer, type FaultPlan, type FaultServer } from './fault-server.js';

const OPTS = { timeout: 10000 };
const EBREAK = Uint8Array.of(0x73, 0x00, 0x10, 0x00);
const POLL = 'qRcmd,706f6c6c'; // monitor poll

/** Our server's features made to read as OpenOCD's (no-ack and qXfer:threads:read, no espalgo markers). */
const likeOpenocd = (reply: string) => [...reply.split(';').filter((f) => !f.startsWith('espalgo')), 'qXfer:threads:read+'].join(';');

/** OpenOCD's way: the halt is news only once a poll looks; `monitor poll` answers OK. */
const pollsOnly: FaultPlan = {
  supported: likeOpenocd,
  reportStopOn: (p) => p === POLL,
  on: (p) => (p === POLL ? { reply: 'OK' } : undefined),
};

function withServer(plan: FaultPlan, options: RemoteOptions, body: (t: RemoteTarget, s: FaultServer) => Promise<void>) {
  return withFaultServer(plan, { timeoutMs: 1000, ...options }, body);
}

/** Resume at an ebreak: the CPU halts at once. */
async function runToBreak(t: RemoteTarget, s: FaultServer): Promise<number> {
  const brk = s.target.loopStart + 8;
  await s.target.writeMemory(brk, EBREAK);
  await t.resume(brk);
  return brk;
}

test('OpenOCD: a wait for the halt asks the server to poll, and the stop arrives', OPTS, async () => {
  await withServer(pollsOnly, {}, async (t, s) => {
    assert.equal(t.serverKind, 'openocd');
    const brk = await runToBreak(t, s);
    const stop = await t.waitForHalt(2000);
    assert.equal(stop.pc, brk);
    assert.ok(t.haltPolls >= 1, `${t.haltPolls} polls`);
    assert.ok(s.seen.includes(POLL));
    // The poller stopped with the halt: nothing more is sent while the target stays halted.
    const polls = t.haltPolls;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(t.haltPolls, polls);
  });
});

test('OpenOCD with pollForHalt off: nothing asks, so this server never reports the halt', OPTS, async () => {
  await withServer(pollsOnly, { pollForHalt: false }, async (t, s) => {
    await runToBreak(t, s);
    await assert.rejects(t.waitForHalt(300), TargetTimeoutError);
    assert.equal(t.haltPolls, 0);
    assert.ok(!s.seen.includes(POLL));
  });
});

test('OpenOCD: polling stops when the wait gives up, and starts again with the next wait', OPTS, async () => {
  await withServer(pollsOnly, {}, async (t) => {
    await t.resume(); // the fake CPU loops without a break
    await assert.rejects(t.waitForHalt(150), TargetTimeoutError);
    assert.ok(t.haltPolls >= 3, `${t.haltPolls} polls while waiting`);
    await new Promise((r) => setTimeout(r, 120)); // one poll may still have been on its way
    const after = t.haltPolls;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.haltPolls, after, 'no one waits: no polls');
    await assert.rejects(t.waitForHalt(50), TargetTimeoutError);
    assert.ok(t.haltPolls > after, 'a new wait polls again');
    await t.halt();
  });
});

test('other servers report halts themselves: no polls are sent', OPTS, async () => {
  await withServer({}, {}, async (t, s) => {
    assert.equal(t.serverKind, 'espalgo');
    const brk = await runToBreak(t, s);
    assert.equal((await t.waitForHalt(2000)).pc, brk);
    assert.equal(t.haltPolls, 0);
    assert.ok(!s.seen.some((p) => p.startsWith('qRcmd')));
  });
});

test('OpenOCD: a few changed registers go out as single P packets, not a G', OPTS, async () => {
  await withServer(pollsOnly, {}, async (t, s) => {
    const brk = s.target.loopStart + 8;
    await s.target.writeMemory(brk, EBREAK);
    await t.readRegisters(); // the file is cached
    const from = s.seen.length;
    await t.stageRegisters({ a0: 0x1234, a1: 0x5678, pc: brk });
    await t.resume();
    await t.waitForHalt(2000);
    const sent = s.seen.slice(from);
    assert.deepEqual(sent.filter((p) => /^[PG]/.test(p)).map((p) => p.split('=')[0]), ['Pa', 'Pb', 'P20']);
    assert.equal((await t.readRegisters(['a0', 'a1'])).get('a1'), 0x5678, 'the CPU got them');
  });
});

test('elsewhere several changed registers share one G', OPTS, async () => {
  await withServer({}, {}, async (t, s) => {
    const brk = s.target.loopStart + 8;
    await s.target.writeMemory(brk, EBREAK);
    await t.readRegisters();
    const from = s.seen.length;
    await t.stageRegisters({ a0: 0x1234, a1: 0x5678, pc: brk });
    await t.resume();
    await t.waitForHalt(2000);
    assert.deepEqual(s.seen.slice(from).filter((p) => /^[PG]/.test(p)).map((p) => p[0]), ['G']);
  });
});

test('pollUntilHalted: asks at the given delays until done, one request at a time', OPTS, async () => {
  let asked = 0;
  let inFlight = 0;
  let most = 0;
  const sent = await pollUntilHalted({
    delaysMs: [1, 2],
    ask: async () => {
      asked++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 3));
      inFlight--;
    },
    done: () => asked >= 5,
  });
  assert.equal(sent, 5);
  assert.equal(most, 1);
});

test('pollUntilHalted: a failed ask ends the polling and says why', OPTS, async () => {
  const reasons: string[] = [];
  const sent = await pollUntilHalted({
    delaysMs: [1],
    ask: () => Promise.reject(new Error('no monitor here')),
    done: () => false,
    onGiveUp: (r) => reasons.push(r),
  });
  assert.equal(sent, 1);
  assert.deepEqual(reasons, ['no monitor here']);
});
