/**
 * The link to a GDB server dropping in the middle of a command (a proxy that cuts the connection
 * after so many bytes from espalgo): the command says the link dropped while it had the target, what
 * it could not give back and what to do, exits as a failure (never "probed" or a clean-up error),
 * and a write run again completes and verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFlash } from '../../src/cli/commands/flash.js';
import { runProbe } from '../../src/cli/commands/probe.js';
import { runCall } from '../../src/cli/commands/call.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { serveSim } from '../gdb/sim-server.js';
import { demoSim, random } from '../flash/flash-fixture.js';
import { tempDir } from './helpers.js';

/** A TCP proxy to 127.0.0.1:`to` that closes both sides once the client has sent `cutAfter` bytes. */
async function cuttingProxy(to: number, cutAfter: number): Promise<{ port: number; server: Server }> {
  const server = createServer((client: Socket) => {
    const upstream = connect(to, '127.0.0.1');
    let sent = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => {
      sent += d.length;
      if (sent >= cutAfter) return cut();
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

async function withSimServer(t: { after(fn: () => Promise<void>): void }): Promise<number> {
  return (await serveSim(t, demoSim())).port;
}

const DROPPED = /espalgo had the target when the link dropped: .*(were not written back|may not have been written back), and the CPU may be halted or still running espalgo's code\. Reset the chip before relying on its program, then /;

test('flash write: a link cut mid-write is reported as such (exit 1), and the same write run again completes and verifies', async (t) => {
  const port = await withSimServer(t);
  const dir = tempDir(t);
  const file = join(dir, 'data.bin');
  writeFileSync(file, random(0x40000));
  const proxy = await cuttingProxy(port, 150_000);
  t.after(() => void proxy.server.close());
  const o = { target: `127.0.0.1:${proxy.port}`, backup: true, skip: true, verify: true, json: true } as const;
  const io = memoryIo();
  assert.equal(await runGuardedAsync(io, () => runFlash('write', [file, '0x200000'], o, io), true), 1);
  assert.match(io.stderr(), DROPPED);
  assert.match(io.stderr(), /run the same write again: it skips the sectors already written and completes the rest \[(GDB|TARGET)_DISCONNECTED\]/);
  assert.doesNotMatch(io.stderr(), /could not restore .* work area/);
  const last = JSON.parse(io.stdout().trim().split('\n').at(-1)!) as { ok: boolean; code: string };
  assert.equal(last.ok, false);

  const again = memoryIo();
  assert.equal(await runFlash('write', [file, '0x200000'], { ...o, target: `127.0.0.1:${port}` }, again), 0, again.stderr());
  const done = JSON.parse(again.stdout().trim().split('\n').at(-1)!) as { ok: boolean; verified: string };
  assert.equal(done.ok, true);
  assert.equal(done.verified, 'sha256');
});

test('probe: a link cut mid-probe fails the probe (exit 2) instead of reporting it probed with its RAM restored', async (t) => {
  const port = await withSimServer(t);
  const proxy = await cuttingProxy(port, 8_000);
  t.after(() => void proxy.server.close());
  const io = memoryIo();
  assert.equal(await runProbe({ target: `127.0.0.1:${proxy.port}` }, io), 2);
  assert.match(io.stderr(), DROPPED);
  assert.match(io.stderr(), /then probe again/);
  assert.doesNotMatch(io.stdout(), /Probed|restored/);
});

test('call --image: a link cut while the stub is loaded is exit 1 with the RAM named as not given back, not "bad input"', async (t) => {
  const port = await withSimServer(t);
  const proxy = await cuttingProxy(port, 20_000);
  t.after(() => void proxy.server.close());
  const io = memoryIo();
  const code = await runGuardedAsync(io, () => runCall(['0'], { target: `127.0.0.1:${proxy.port}`, chip: 'esp32c3', image: 'stub/build/esp32c3-flasher.elf', timeout: 3000, json: true }, io), true);
  assert.equal(code, 1, io.stderr());
  assert.match(io.stderr(), DROPPED);
  const last = JSON.parse(io.stdout().trim().split('\n').at(-1)!) as { ok: boolean; context: { restored: boolean } };
  assert.deepEqual([last.ok, last.context.restored], [false, false]);
});
