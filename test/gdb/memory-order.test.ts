/**
 * Memory operations over a link take effect in the order they were started, awaited or not: the
 * link's packet queue (memory-queue.ts) and, end to end, through espalgo's GDB server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryQueue } from '../../src/gdb/memory-queue.js';
import { startGdbServer } from '../../src/gdb/server.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { FakeTarget } from './fake-target.js';
import type { RemoteTarget } from '../../src/gdb/remote-target.js';

/** Run `body` against a FakeTarget with 256 KiB of RAM at 0x80000000, served over loopback. */
async function overServer(body: (fake: FakeTarget, remote: RemoteTarget) => Promise<void>): Promise<void> {
  const fake = new FakeTarget({ regions: [{ start: 0x80000000, size: 0x40000 }] });
  const server = await startGdbServer(fake, { port: 0 });
  const remote = await connectRemote('127.0.0.1', server.port, { timeoutMs: 3000 });
  try {
    await body(fake, remote);
  } finally {
    await remote.close();
    await server.close();
    await fake.close();
  }
}

test('MemoryQueue: packets leave in the order the transfers were started, at most `limit` outstanding', async () => {
  let limit = 2;
  const q = new MemoryQueue(() => limit);
  const sent: string[] = [];
  let outstanding = 0;
  let most = 0;
  const pending: Array<() => void> = [];
  const packet = (name: string) => () => {
    sent.push(name);
    outstanding++;
    most = Math.max(most, outstanding);
    return new Promise<void>((resolve) => pending.push(() => (outstanding--, resolve())));
  };
  const a = q.run([packet('a0'), packet('a1'), packet('a2')]);
  const b = q.run([packet('b0')]);
  const c = q.run([packet('c0'), packet('c1')]);
  while (pending.length) {
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all([a, b, c]);
  assert.deepEqual(sent, ['a0', 'a1', 'a2', 'b0', 'c0', 'c1']);
  assert.equal(most, 2);
  limit = 5;
  const d = q.run([packet('d0'), packet('d1'), packet('d2')]);
  assert.equal(outstanding, 3, 'a larger limit applies at once');
  while (pending.length) pending.shift()!();
  await d;
});

test('MemoryQueue: a failed packet fails its transfer once, skips its later packets, and not the next transfer', async () => {
  const q = new MemoryQueue(() => 1);
  const sent: string[] = [];
  const ok = (name: string) => async () => void sent.push(name);
  const bad = (name: string) => async () => {
    sent.push(name);
    throw new Error(`${name} refused`);
  };
  const a = q.run([ok('a0'), bad('a1'), ok('a2')]);
  const b = q.run([ok('b0')]);
  await assert.rejects(a, /a1 refused/);
  await b;
  assert.deepEqual(sent, ['a0', 'a1', 'b0']);
  await q.run([]);
});

test('through the GDB server, unawaited writes and reads land in call order', () =>
  overServer(async (fake, remote) => {
    const seen: string[] = [];
    const write = fake.writeMemory.bind(fake);
    fake.writeMemory = async (address, bytes) => {
      seen.push(`${(address - 0x80000000).toString(16)}+${bytes.length}`);
      return write(address, bytes);
    };
    // Pieces of more packets than the pipeline holds, each followed by a flag saying it is in.
    const PIECE = 0x18000;
    const big = Uint8Array.from({ length: PIECE }, (_, i) => (i * 7) & 0xff);
    const ops: Promise<unknown>[] = [];
    for (let k = 0; k < 2; k++) {
      ops.push(remote.writeMemory(0x80000000 + k * PIECE, big));
      ops.push(remote.writeMemory(0x80030000, Uint8Array.of(k + 1, 0, 0, 0)));
    }
    const flag = remote.readMemory(0x80030000, 4);
    await Promise.all(ops);
    assert.deepEqual([...(await flag)], [2, 0, 0, 0], 'the read saw every write started before it');
    // Every packet of piece 0, its flag, piece 1, its flag: the labels collapse to 0 F 1 F.
    const labels = seen.map((s) => {
      const offset = Number.parseInt(s, 16);
      return offset >= 0x30000 ? 'F' : String(Math.floor(offset / PIECE));
    });
    assert.ok(labels.filter((l) => l === '0').length > remote.server.pipelineDepth + 1, 'a piece takes more packets than the pipeline holds');
    assert.deepEqual(labels.filter((l, i) => l !== labels[i - 1]), ['0', 'F', '1', 'F']);
    assert.ok(Buffer.from(await remote.readMemory(0x80000000 + PIECE, big.length)).equals(Buffer.from(big)));
  }));

test('MemoryQueue.handedOver: resolves once every packet queued before the call was handed to the link', async () => {
  const q = new MemoryQueue(() => 1);
  const sent: string[] = [];
  const pending: Array<() => void> = [];
  const packet = (name: string) => () => {
    sent.push(name);
    return new Promise<void>((resolve) => pending.push(resolve));
  };
  await q.handedOver(); // nothing queued: at once
  const a = q.run([packet('a0'), packet('a1')]);
  let handed = false;
  const h = q.handedOver().then(() => (handed = true));
  const b = q.run([packet('b0')]); // queued after the call: not waited for
  await new Promise((r) => setImmediate(r));
  assert.equal(handed, false, 'a1 is still waiting for a place');
  pending.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.equal(handed, true, 'a1 went out: everything queued before the call is on the link');
  assert.deepEqual(sent, ['a0', 'a1']);
  while (pending.length) {
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all([a, b, h]);
  assert.deepEqual(sent, ['a0', 'a1', 'b0']);
});

test('through the GDB server, a resume follows the memory writes started before it', () =>
  overServer(async (fake, remote) => {
    if (remote.state() !== 'halted') await remote.halt();
    const seen: string[] = [];
    const write = fake.writeMemory.bind(fake);
    fake.writeMemory = async (address, bytes) => {
      seen.push('write');
      return write(address, bytes);
    };
    const resume = fake.resume.bind(fake);
    fake.resume = async (address?: number) => {
      seen.push('resume');
      return resume(address);
    };
    // More packets than the pipeline holds, none awaited, then the resume.
    const big = new Uint8Array(0x30000).fill(0x5a);
    const written = remote.writeMemory(0x80000000, big);
    await remote.resume();
    await written;
    const writes = seen.filter((s) => s === 'write').length;
    assert.ok(writes > remote.server.pipelineDepth + 1, 'the write took more packets than the pipeline holds');
    assert.deepEqual(seen.slice(-1), ['resume'], 'every packet of the write reached the target before the resume');
    await remote.halt();
  }));

test('through the GDB server, resume calls onSent before it resolves, and what onSent starts follows the resume', () =>
  overServer(async (fake, remote) => {
    if (remote.state() !== 'halted') await remote.halt();
    const seen: string[] = [];
    const write = fake.writeMemory.bind(fake);
    fake.writeMemory = async (address, bytes) => {
      seen.push(`write while ${fake.state()}`);
      return write(address, bytes);
    };
    let resolved = false;
    let written: Promise<void> | undefined;
    let resolvedAtSent: boolean | undefined;
    const resumed = remote.resume(undefined, {
      onSent: () => {
        resolvedAtSent = resolved;
        written = remote.writeMemory(0x80000000, new Uint8Array(0x8000).fill(0xa5));
      },
    });
    await resumed.then(() => (resolved = true));
    assert.equal(resolvedAtSent, false, 'onSent came before resume() resolved');
    await written;
    assert.ok(seen.length > 0 && seen.every((s) => s === 'write while running'), seen.join(', '));
    await remote.halt();
  }));
