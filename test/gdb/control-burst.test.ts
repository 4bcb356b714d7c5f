/**
 * Control requests (register writes, a resume, a small memory write) do not count against the
 * pipeline depth: with bulk requests filling it, they still go out at once, while a further bulk
 * request waits for a reply. So a run's set-up, its resume and the first data written while it runs
 * reach the server in one burst.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { RspConnection } from '../../src/gdb/connection.js';
import { encodePacket } from '../../src/gdb/codec.js';
import { newMemoryQueue, writeRemoteMemory, type MemoryLink } from '../../src/gdb/remote-memory.js';
import { takePacket } from './packet-split.js';

/** A server that answers nothing until `hold` packets have arrived (or 300 ms passed), then everything. */
async function withHoldingServer(hold: number, body: (conn: RspConnection, seenBeforeFirstReply: () => string[]) => Promise<void>): Promise<void> {
  let before: string[] | undefined;
  const server = createServer((socket: Socket) => {
    let buffer = '';
    const pending: string[] = [];
    let released = false;
    const release = (): void => {
      if (!released) before = [...pending];
      released = true;
      for (const p of pending.splice(0)) socket.write(encodePacket(p.startsWith('m') ? '00' : 'OK'));
    };
    const timer = setTimeout(release, 300);
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      for (;;) {
        buffer = buffer.replace(/^\++/, '');
        const packet = takePacket(buffer);
        if (!packet) break;
        const { payload } = packet;
        buffer = packet.rest;
        socket.write('+');
        if (payload === 'qC') {
          socket.write(encodePacket('QC1'));
          continue;
        }
        pending.push(payload);
        if (released || pending.length >= hold) release();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const conn = await RspConnection.connect('127.0.0.1', (server.address() as AddressInfo).port, { timeoutMs: 2000 });
  try {
    conn.ackModePipelining = true;
    conn.pipelineDepth = 2;
    await body(conn, () => before ?? []);
  } finally {
    await conn.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

test('control requests go out beyond a pipeline filled with bulk requests; a further bulk one waits', async () => {
  await withHoldingServer(4, async (conn, seen) => {
    const replies = await Promise.all([
      conn.requestText('m1000,400'),
      conn.requestText('m1400,400'),
      conn.requestText('P20=00000000', { control: true }),
      conn.requestText('X2000,4:abcd', { control: true }),
      conn.requestText('m1800,400'),
    ]);
    assert.deepEqual(replies, ['00', '00', 'OK', 'OK', '00']);
    assert.deepEqual(seen(), ['m1000,400', 'm1400,400', 'P20=00000000', 'X2000,4:abcd'], 'packets the server had before it answered any');
  });
});

test('a bulk request behind a burst of control requests does not wait for their replies', async () => {
  await withHoldingServer(5, async (conn, seen) => {
    const replies = await Promise.all([
      ...['P20=00000000', 'P21=00000000', 'Gabcd', 'X2000,4:abcd'].map((p) => conn.requestText(p, { control: true })),
      conn.requestText('m1000,400'),
    ]);
    assert.deepEqual(replies, ['OK', 'OK', 'OK', 'OK', '00']);
    assert.equal(seen().length, 5, `the server had ${seen().join(' | ')} before it answered`);
  });
});

test('a memory write of a few bytes is a control request; a bigger one waits for the pipeline', async () => {
  const link = (conn: RspConnection): MemoryLink => ({ connection: conn, packetSize: 4096, binaryWrite: true, binaryRead: false, queue: newMemoryQueue(() => conn.pipelineDepth) });
  const bulk = (conn: RspConnection) => [conn.requestText('m1000,400'), conn.requestText('m1400,400')];
  await withHoldingServer(3, async (conn, seen) => {
    await Promise.all([...bulk(conn), writeRemoteMemory(link(conn), 0x2000, new Uint8Array(16).fill(0x41))]);
    assert.deepEqual(seen().map((p) => p.slice(0, 9)), ['m1000,400', 'm1400,400', 'X2000,10:'], 'the 16-byte write went out beside the full pipeline');
  });
  await withHoldingServer(3, async (conn, seen) => {
    await Promise.all([...bulk(conn), writeRemoteMemory(link(conn), 0x2000, new Uint8Array(128).fill(0x41))]);
    assert.deepEqual(seen(), ['m1000,400', 'm1400,400'], 'the 128-byte write waited for a reply');
  });
});
