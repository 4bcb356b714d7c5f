/**
 * Ack-mode pipelining (used with QEMU's gdbstub): two requests in flight; acks, naks and replies
 * refer to the oldest request not yet acked / answered. When the server NAKs the second packet it may
 * already have run the third, so the connection resynchronises, resends the (idempotent) requests in
 * flight one at a time, and every request still receives its own reply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { RspConnection } from '../../src/gdb/connection.js';
import { encodePacket } from '../../src/gdb/codec.js';
import { takePacket } from './packet-split.js';

test('two requests in flight in ack mode: a NAK of the second retransmits it, replies stay matched', async () => {
  const received: string[] = [];
  let nakked = false;
  const server = createServer((socket: Socket) => {
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      for (;;) {
        buffer = buffer.replace(/^\+/, '');
        const packet = takePacket(buffer);
        if (!packet) break;
        const { payload } = packet;
        buffer = packet.rest;
        if (payload === 'm2,1' && !nakked) {
          nakked = true;
          socket.write('-');
          continue;
        }
        received.push(payload);
        if (payload === 'qC') {
          socket.write('+');
          socket.write(encodePacket('QC1'));
          continue;
        }
        socket.write('+');
        socket.write(encodePacket(`reply-${payload}`));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const conn = await RspConnection.connect('127.0.0.1', port, { timeoutMs: 2000 });
  try {
    conn.ackModePipelining = true;
    conn.pipelineDepth = 2;
    const replies = await Promise.all(['m1,1', 'm2,1', 'm3,1', 'm4,1'].map((p) => conn.requestText(p)));
    assert.deepEqual(replies, ['reply-m1,1', 'reply-m2,1', 'reply-m3,1', 'reply-m4,1']);
    assert.ok(nakked, 'the server NAKed once');
    assert.deepEqual([...new Set(received.filter((p) => p !== 'qC'))].sort(), ['m1,1', 'm2,1', 'm3,1', 'm4,1'], 'every packet reached the server');
    assert.equal(conn.stats.retransmits, 1);
    assert.equal(conn.ackModePipelining, false, 'after a NAK the connection sends one request at a time');
  } finally {
    await conn.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
