/**
 * Staged register writes: reads see them at once, the server gets them with the next resume (in
 * the same burst, before the resume packet) or when the event loop turns; a write the server
 * refuses fails the resume and leaves the CPU halted. In ack mode, replies that arrive after a
 * resume went out are not acked (a `+` reaching QEMU while its CPU runs would stop it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { RemoteTarget } from '../../src/gdb/remote-target.js';
import { RspConnection } from '../../src/gdb/connection.js';
import { encodePacket } from '../../src/gdb/codec.js';
import { TargetRegisterError } from '../../src/target/errors.js';
import { withFaultServer, type FaultPlan, type FaultServer } from './fault-server.js';
import { takePacket } from './packet-split.js';

const OPTS = { timeout: 10000 };
const EBREAK = Uint8Array.of(0x73, 0x00, 0x10, 0x00);

function withServer(plan: FaultPlan, body: (t: RemoteTarget, s: FaultServer) => Promise<void>) {
  return withFaultServer(plan, { timeoutMs: 1000 }, body);
}

test('staged writes: read back at once, sent with the resume and before it', OPTS, async () => {
  await withServer({}, async (t, s) => {
    const brk = s.target.loopStart + 8;
    await s.target.writeMemory(brk, EBREAK);
    await t.readRegisters(); // the file is cached
    const sent = t.stats.packetsSent;
    await t.stageRegisters({ a0: 0x1234, a1: 0x5678, pc: brk, mtvec: 0x40380000 });
    assert.equal(t.stats.packetsSent, sent, 'nothing sent while staging');
    const seen = await t.readRegisters(['a0', 'a1', 'pc', 'mtvec']);
    assert.deepEqual([...seen.values()], [0x1234, 0x5678, brk, 0x40380000]);
    assert.equal(t.stats.packetsSent, sent, 'the staged values are read from the cache');
    const at = s.seen.length;
    await t.resume();
    const stop = await t.waitForHalt(2000);
    assert.equal(stop.pc, brk);
    const burst = s.seen.slice(at, at + 3).map((p) => p[0]);
    assert.deepEqual(burst.sort(), ['G', 'P', 'v'].sort(), `one G, one P, then the resume: ${s.seen.slice(at, at + 3).join(' | ').slice(0, 120)}`);
    assert.ok(s.seen[at + 2]!.startsWith('vCont;c') || s.seen[at + 2] === 'c', 'the resume comes last');
    assert.equal(s.target.regs.get('a0'), 0x1234);
    assert.equal(s.target.regs.get('mtvec'), 0x40380000);
  });
});

test('staged writes reach the target when the event loop turns, without a resume', OPTS, async () => {
  await withServer({}, async (t, s) => {
    await t.readRegisters();
    await t.stageRegisters({ a2: 0xcafe, mscratch: 0xbeef });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.target.regs.get('a2'), 0xcafe);
    assert.equal(s.target.regs.get('mscratch'), 0xbeef);
    await t.flushRegisters({ refetch: true });
    assert.equal(await t.readRegister('a2'), 0xcafe, 'read from the server after refetch');
  });
});

test('a staged write the server refuses fails the resume; the CPU is halted again', OPTS, async () => {
  await withServer({ on: (p) => (p.startsWith('G') ? { reply: 'E0e' } : undefined) }, async (t) => {
    await t.readRegisters();
    await t.stageRegisters({ a0: 1, a1: 2 });
    await assert.rejects(t.resume(), TargetRegisterError);
    assert.equal(t.state(), 'halted');
  });
});

test('ack mode: no + goes to the server between a resume and its stop reply', OPTS, async () => {
  let running = false;
  const whileRunning: string[] = [];
  const server = createServer((socket: Socket) => {
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      for (;;) {
        if (running) {
          // QEMU stops its CPU on any byte now; record them instead.
          if (buffer.length > 0) whileRunning.push(buffer);
          buffer = '';
          return;
        }
        buffer = buffer.replace(/^\++/, '');
        const packet = takePacket(buffer);
        if (!packet) break;
        const { payload } = packet;
        buffer = packet.rest;
        socket.write('+');
        if (payload === 'c') {
          running = true;
          setTimeout(() => {
            running = false;
            socket.write(encodePacket('T05'));
          }, 30);
          continue;
        }
        socket.write(encodePacket('OK'));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const conn = await RspConnection.connect('127.0.0.1', (server.address() as AddressInfo).port, { timeoutMs: 2000 });
  try {
    conn.ackModePipelining = true;
    conn.pipelineDepth = 4;
    const stopped = new Promise<string>((r) => (conn.onStop = r));
    const writes = ['P20=00000000', 'P21=00000000', 'Gabcd'].map((p) => conn.requestText(p, { control: true }));
    const resumed = conn.request('c', { expect: 'none', control: true });
    assert.deepEqual(await Promise.all(writes), ['OK', 'OK', 'OK']);
    await resumed;
    assert.equal(await stopped, 'T05');
    assert.deepEqual(whileRunning, [], 'bytes reached the server while it ran');
  } finally {
    await conn.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('held registers stay staged through a run and reach the CPU before the program runs', OPTS, async () => {
  await withServer({}, async (t, s) => {
    const brk = s.target.loopStart + 8;
    await s.target.writeMemory(brk, EBREAK);
    await t.readRegisters();
    // The program's mepc, staged; a run that does not use it holds it back.
    await t.stageRegisters({ mepc: 0x42000100, a0: 7, pc: brk });
    const at = s.seen.length;
    await t.resume(undefined, { holdRegisters: ['mepc'] });
    await t.waitForHalt(2000);
    assert.ok(!s.seen.slice(at).some((p) => p.startsWith('P') && p.includes('=00010042')), `mepc went out with the run: ${s.seen.slice(at).join(' | ').slice(0, 200)}`);
    assert.notEqual(s.target.regs.get('mepc'), 0x42000100);
    // After the stop, reads show the CPU; the held value goes out with the next flush.
    await t.flushRegisters({ refetch: true });
    assert.equal(s.target.regs.get('mepc'), 0x42000100);
    assert.equal(await t.readRegister('mepc'), 0x42000100);
  });
});
