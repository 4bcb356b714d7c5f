/** The client against a misbehaving server: every fault ends in recovery or a typed error, in bounded time. */
import { test } from 'node:test';
import { createServer, type AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { connectRemote, type RemoteTarget } from '../../src/gdb/remote-target.js';
import { GdbTimeoutError, GdbProtocolError, GdbDisconnectedError, GdbErrorReplyError, GdbConnectError } from '../../src/gdb/errors.js';
import { TargetTimeoutError, TargetDisconnectedError, TargetMemoryError, TargetRegisterError, TargetError } from '../../src/target/errors.js';
import { startFaultServer, withFaultServer, type FaultPlan, type FaultServer } from './fault-server.js';
import { pattern } from './conformance.js';

const RAM = 0x80100000;
const OPTS = { timeout: 10000 };

/** Features of a plain server: ours without the espalgo markers, optionally without no-ack. */
function plain(options: { noAck?: boolean; packetSize?: number; binaryUpload?: boolean } = {}) {
  return (reply: string) => reply.split(';')
    .filter((f) => !f.startsWith('espalgo') && (options.noAck !== false || f !== 'QStartNoAckMode+') && (options.binaryUpload || f !== 'binary-upload+'))
    .map((f) => (f.startsWith('PacketSize=') && options.packetSize ? `PacketSize=${options.packetSize.toString(16)}` : f))
    .join(';');
}

function withServer(plan: FaultPlan, body: (t: RemoteTarget, s: FaultServer) => Promise<void>, timeoutMs = 400) {
  return withFaultServer({ supported: plain({ noAck: false }), ...plan }, { timeoutMs }, body);
}

const isM = (p: string) => p.startsWith('m8010');

test('NAKs: the client retransmits and the read succeeds', OPTS, async () => {
  await withServer({ on: (p) => (isM(p) ? { nak: 2 } : undefined) }, async (t, s) => {
    await s.target.writeMemory(RAM, Uint8Array.of(1, 2, 3, 4));
    assert.deepEqual(await t.readMemory(RAM, 4), Uint8Array.of(1, 2, 3, 4));
    assert.ok(t.stats.retransmits >= 2, `retransmitted ${t.stats.retransmits} times`);
  });
});

test('endless NAKs: a GDB_PROTOCOL error naming the request', OPTS, async () => {
  await withServer({ on: (p) => (p === 'm80100000,4' ? { nak: 100 } : undefined) }, async (t) => {
    await assert.rejects(t.readMemory(RAM, 4), (e: unknown) => e instanceof GdbProtocolError && e.code === 'GDB_PROTOCOL' && /m80100000,4/.test(e.message));
    assert.equal((await t.readMemory(RAM + 8, 4)).length, 4, 'the link still works for other requests');
  });
});

test('corrupt reply checksums: the client NAKs and gets a good copy', OPTS, async () => {
  await withServer({ on: (p) => (isM(p) ? { corrupt: 2 } : undefined) }, async (t, s) => {
    await s.target.writeMemory(RAM, Uint8Array.of(9, 8, 7, 6));
    assert.deepEqual(await t.readMemory(RAM, 4), Uint8Array.of(9, 8, 7, 6));
  });
});

test('replies that stay corrupt: a GDB_PROTOCOL error', OPTS, async () => {
  await withServer({ on: (p) => (isM(p) ? { corrupt: 100 } : undefined) }, async (t) => {
    await assert.rejects(t.readMemory(RAM, 4), GdbProtocolError);
  });
});

test('a silently dropped request: GDB_TIMEOUT (also a TargetTimeoutError), then the link recovers', OPTS, async () => {
  let dropped = false;
  await withServer({ on: (p) => (isM(p) && !dropped ? ((dropped = true), { drop: true }) : undefined) }, async (t, s) => {
    const t0 = Date.now();
    await assert.rejects(t.readMemory(RAM, 4), (e: unknown) => e instanceof GdbTimeoutError && e instanceof TargetTimeoutError && e.code === 'GDB_TIMEOUT' && /m80100000,4/.test(e.message));
    assert.ok(Date.now() - t0 < 3000, 'the timeout fired in bounded time');
    await s.target.writeMemory(RAM, Uint8Array.of(5, 5, 5, 5));
    assert.deepEqual(await t.readMemory(RAM, 4), Uint8Array.of(5, 5, 5, 5));
  });
});

test('a late reply after a timeout is not taken for the next request', OPTS, async () => {
  let delayed = false;
  await withServer({ on: (p) => (isM(p) && !delayed ? ((delayed = true), { delayMs: 700 }) : undefined) }, async (t, s) => {
    await s.target.writeMemory(RAM, Uint8Array.of(1, 1, 1, 1));
    await s.target.writeMemory(RAM + 4, Uint8Array.of(2, 2, 2, 2));
    await assert.rejects(t.readMemory(RAM, 4), GdbTimeoutError);
    assert.deepEqual(await t.readMemory(RAM + 4, 4), Uint8Array.of(2, 2, 2, 2));
    assert.ok(t.stats.strayReplies >= 1, 'the late reply was dropped');
  });
});

test('a slow server within the timeout is fine', OPTS, async () => {
  await withServer({ on: (p) => (isM(p) ? { delayMs: 100 } : undefined) }, async (t) => {
    assert.equal((await t.readMemory(RAM, 16)).length, 16);
  });
});

test('garbage bytes on the line are ignored', OPTS, async () => {
  await withServer({ on: () => ({ garbage: 'hello\r\n\x00garbage' }) }, async (t, s) => {
    const data = pattern(3000, 7);
    await t.writeMemory(RAM, data);
    assert.deepEqual(await s.target.readMemory(RAM, data.length), data);
    assert.deepEqual(await t.readMemory(RAM, data.length), data);
  });
});

test('run-length encoded replies are expanded', OPTS, async () => {
  await withServer({ on: (p) => (isM(p) || p === 'g' ? { runLength: true } : undefined) }, async (t) => {
    assert.deepEqual(await t.readMemory(RAM, 64), new Uint8Array(64));
    assert.equal(await t.readRegister('a0'), 0);
  });
});

test('a disconnect in the middle of a transfer: GDB_DISCONNECTED, state disconnected, no hang afterwards', OPTS, async () => {
  let writes = 0;
  const server = await startFaultServer({ supported: plain(), on: (p) => (p.startsWith('X') && ++writes === 3 ? { cutMidReply: true } : undefined) });
  const t = await connectRemote('127.0.0.1', server.port, { timeoutMs: 1000 });
  const events: string[] = [];
  t.on((e) => events.push(e.type));
  try {
    await assert.rejects(t.writeMemory(RAM, pattern(64 * 1024, 3)), (e: unknown) => e instanceof GdbDisconnectedError && e instanceof TargetDisconnectedError && e.code === 'GDB_DISCONNECTED');
    assert.equal(t.state(), 'disconnected');
    assert.ok(events.includes('disconnected'), 'a disconnected event was emitted');
    await assert.rejects(t.readMemory(RAM, 4), TargetDisconnectedError);
    await assert.rejects(t.waitForHalt(5000), TargetDisconnectedError);
  } finally {
    await t.close();
    await server.close();
  }
});

test('E replies become typed errors: memory, registers, breakpoints, monitor', OPTS, async () => {
  await withServer({
    on: (p) => (p.startsWith('Z0') ? { reply: 'E0E' } : p.startsWith('G') || p.startsWith('P') || p.startsWith('qRcmd') ? { reply: 'E01' } : undefined),
  }, async (t) => {
    await assert.rejects(t.readMemory(0x10000000, 8), (e: unknown) => e instanceof TargetMemoryError && e.address === 0x10000000 && /E14/.test(e.message));
    await assert.rejects(t.writeMemory(0x10000000, Uint8Array.of(1)), (e: unknown) => e instanceof TargetMemoryError && e.access === 'write');
    await assert.rejects(t.addBreakpoint(0x80000100, 'software'), (e: unknown) => e instanceof GdbErrorReplyError && e.code === 'GDB_ERROR_REPLY' && /Z0,80000100/.test(e.message));
    await assert.rejects(t.writeRegisters({ a0: 1, a1: 2 }), TargetRegisterError);
    await assert.rejects(t.writeRegister('a0', 1), TargetRegisterError);
    await assert.rejects(t.monitor('bogus'), GdbErrorReplyError);
    await assert.rejects(t.readRegister('nosuchreg'), TargetRegisterError);
  });
});

test('a server without X: writes go as M', OPTS, async () => {
  await withServer({ on: (p) => (p.startsWith('X') ? { reply: '' } : undefined) }, async (t, s) => {
    assert.equal(t.server.binaryWrite, false);
    const data = pattern(10000, 11);
    await t.writeMemory(RAM + 1, data);
    assert.deepEqual(await s.target.readMemory(RAM + 1, data.length), data);
    assert.ok(!s.seen.some((p) => p.startsWith('X') && !p.startsWith('X0,0')), 'no X write after the probe');
  });
});

test('X offered at the probe but refused later: the write falls back to M', OPTS, async () => {
  await withServer({ on: (p) => (p.startsWith('X') && !p.startsWith('X0,0:') ? { reply: '' } : undefined) }, async (t, s) => {
    assert.equal(t.server.binaryWrite, true);
    const data = pattern(5000, 12);
    await t.writeMemory(RAM, data);
    assert.deepEqual(await s.target.readMemory(RAM, data.length), data);
    assert.equal(t.server.binaryWrite, false);
  });
});

test('no-ack mode with pipelining: large transfers are correct; without no-ack the link stays in ack mode', OPTS, async () => {
  for (const noAck of [true, false]) {
    const server = await startFaultServer({ supported: plain({ noAck }) });
    const t = await connectRemote('127.0.0.1', server.port, { timeoutMs: 2000, pipelineDepth: 4 });
    try {
      assert.equal(t.server.noAck, noAck);
      assert.equal(t.server.pipelineDepth, noAck ? 4 : 1);
      const data = pattern(200 * 1024, 13);
      await t.writeMemory(RAM, data);
      assert.deepEqual(await t.readMemory(RAM, data.length), data);
    } finally {
      await t.close();
      await server.close();
    }
  }
});

test('binary reads (x) when offered, with partial replies', OPTS, async () => {
  const server = await startFaultServer({ supported: plain({ binaryUpload: true, packetSize: 0x200 }) });
  const t = await connectRemote('127.0.0.1', server.port, { timeoutMs: 2000 });
  try {
    assert.equal(t.server.binaryRead, true);
    const data = pattern(5000, 14).map((b, i) => (i % 2 ? 0x7d : b)); // escapes make replies shorter than asked
    await server.target.writeMemory(RAM, data);
    assert.deepEqual(await t.readMemory(RAM, data.length), data);
    assert.ok(server.seen.some((p) => p.startsWith('x')), 'x was used');
  } finally {
    await t.close();
    await server.close();
  }
});

test('QEMU-style silent drop of oversize packets: the client never sends one', OPTS, async () => {
  await withServer({ supported: plain({ noAck: false, packetSize: 0x1000 }), maxPayload: 4094, on: (p) => (p.startsWith('X') ? { reply: '' } : undefined) }, async (t) => {
    const data = pattern(64 * 1024, 15);
    await t.writeMemory(RAM + 2, data);
    assert.deepEqual(await t.readMemory(RAM + 2, data.length), data);
    assert.equal(t.stats.timeouts, 0);
  });
});

test('a server that overstates its packet size: a bounded timeout, then small requests still work', OPTS, async () => {
  await withServer({ supported: plain({ noAck: false, packetSize: 0x4000 }), maxPayload: 4094 }, async (t) => {
    await assert.rejects(t.writeMemory(RAM, pattern(16 * 1024, 16)), GdbTimeoutError);
    await t.writeMemory(RAM, Uint8Array.of(1, 2, 3));
    assert.deepEqual(await t.readMemory(RAM, 3), Uint8Array.of(1, 2, 3));
  });
});

test('an unsolicited stop on connect is not taken as the reply to qSupported', OPTS, async () => {
  await withServer({ stopOnConnect: 'T02thread:01;' }, async (t) => {
    assert.equal(t.state(), 'halted');
    assert.equal(await t.readRegister('pc'), 0x80000100);
  });
});

test('connecting: refused and mute servers fail with typed errors in bounded time', OPTS, async () => {
  const gone = await startFaultServer();
  const port = gone.port;
  await gone.close();
  await assert.rejects(connectRemote('127.0.0.1', port, { timeoutMs: 500 }), (e: unknown) => e instanceof GdbConnectError && e.code === 'GDB_CONNECT');
  const mute = await startFaultServer({ mute: true });
  try {
    // Something that accepts but never speaks RSP is most likely not the GDB port: said so.
    await assert.rejects(
      connectRemote('127.0.0.1', mute.port, { timeoutMs: 300 }),
      (e: unknown) => e instanceof GdbConnectError && /did not answer GDB's first packet — is this the GDB port\? \(OpenOCD serves GDB on 3333; 4444 is its telnet port/.test(e.message) && e.cause instanceof GdbTimeoutError,
    );
  } finally {
    await mute.close();
  }
  // A web server (or OpenOCD's telnet port) answers with text and hangs up.
  const http = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n', () => socket.destroy()));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  try {
    const port = (http.address() as AddressInfo).port;
    await assert.rejects(
      connectRemote('127.0.0.1', port, { timeoutMs: 300 }),
      (e: unknown) => e instanceof GdbConnectError && /closed it at GDB's first packet — is this the GDB port\?/.test(e.message),
    );
  } finally {
    http.close();
  }
  // OpenOCD turning GDB clients away (a flash bank failed to probe): a '+' and the connection closed.
  const rejecting = createServer((socket) => socket.end('+', () => socket.destroy()));
  await new Promise<void>((resolve) => rejecting.listen(0, '127.0.0.1', resolve));
  try {
    const port = (rejecting.address() as AddressInfo).port;
    await assert.rejects(connectRemote('127.0.0.1', port, { timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof GdbConnectError, String(e));
      assert.match(e.message, /closed it without a reply\. OpenOCD turns every GDB client away like this when a flash bank fails to probe .*espalgo explain.*-c "gdb_memory_map disable"/);
      return true;
    });
  } finally {
    rejecting.close();
  }
});

test('errors are TargetErrors with a stable code', () => {
  const e = new GdbTimeoutError('m0,4', 100, 'x:1');
  assert.ok(e instanceof TargetError, 'a TargetError');
  assert.equal(e.code, 'GDB_TIMEOUT');
  assert.equal(e.name, 'GdbTimeoutError');
});
