import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJtagDebugModule, startRemoteBitbangServer, type RemoteBitbangEvent } from '../../../src/sim/jtag/index.js';
import { DM, DMCONTROL, DMSTATUS, SBCS } from '../../../src/sim/jtag/dm-registers.js';
import { JTAG_IR } from '../../../src/sim/jtag/dtm.js';
import { JtagHost } from './jtag-driver.js';
import { open, socketTransport } from './socket-transport.js';
import { counterMachine, COUNTER_ADDRESS } from './counter-fixture.js';

async function until(what: string, predicate: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('remote_bitbang over TCP: IDCODE, DM examine, halt/resume with the runner, SBA while running, one client at a time, Q', async () => {
  const m = counterMachine();
  const jtag = createJtagDebugModule(m.hart, m.bus);
  const events: RemoteBitbangEvent[] = [];
  const server = await startRemoteBitbangServer(jtag.dm, { port: 0, onEvent: (e) => events.push(e) });
  const socket = await open(server.port);
  try {
    assert.equal(server.host, '127.0.0.1');
    const host = new JtagHost(socketTransport(socket));
    await host.resetToIdle();
    assert.equal(Number(await host.scanDr(0n, 32)), 0x00005c25);

    await host.scanIr(JTAG_IR.DTMCS);
    assert.equal(Number(await host.scanDr(0n, 32)) & 0x3ff, 0x71);
    await host.scanIr(JTAG_IR.DMI);
    await host.dmiWrite(DM.dmcontrol, 0);
    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive);
    let status = await host.dmiRead(DM.dmstatus);
    assert.equal(status & 0xf, 2);
    assert.ok(status & DMSTATUS.allrunning, 'the runner keeps the hart running');

    // The counter advances on its own (the runner runs the hart between socket reads).
    await host.dmiWrite(DM.sbcs, (2 << SBCS.sbaccessShift) | SBCS.sbreadonaddr);
    const readCounter = async (): Promise<number> => {
      await host.dmiWrite(DM.sbaddress0, COUNTER_ADDRESS);
      return host.dmiRead(DM.sbdata0);
    };
    const c1 = await readCounter();
    await until('the counter moves', async () => (await readCounter()) > c1);

    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive | DMCONTROL.haltreq);
    status = await host.dmiRead(DM.dmstatus);
    assert.ok(status & DMSTATUS.allhalted);
    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive);
    const frozen = await readCounter();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await readCounter(), frozen, 'halted: the counter stands still');

    await host.dmiWrite(DM.dmcontrol, DMCONTROL.dmactive | DMCONTROL.resumereq);
    status = await host.dmiRead(DM.dmstatus);
    assert.ok(status & DMSTATUS.allresumeack && status & DMSTATUS.allrunning);
    await until('the counter moves again', async () => (await readCounter()) > frozen);

    // A second debugger is refused while the first is connected.
    const second = await open(server.port);
    await new Promise<void>((resolve) => second.once('close', () => resolve()));
    assert.ok(events.some((e) => e.type === 'refused'));

    // 'Q' ends the session; the server keeps listening.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end('Q');
    await closed;
    await until('the server notices', async () => server.connections === 0);
    const third = await open(server.port);
    const h3 = new JtagHost(socketTransport(third));
    await h3.resetToIdle();
    assert.equal(Number(await h3.scanDr(0n, 32)), 0x00005c25);
    third.destroy();
    assert.deepEqual(
      events.map((e) => e.type).filter((t) => t !== 'disconnect'),
      ['connect', 'refused', 'quit', 'connect'],
    );
  } finally {
    socket.destroy();
    await server.close();
    jtag.close();
  }
});

test('the listen error names the address and suggests a fix', async () => {
  const m = counterMachine({ halted: true });
  const jtag = createJtagDebugModule(m.hart, m.bus, { runner: false });
  const first = await startRemoteBitbangServer(jtag.dm, { port: 0 });
  try {
    await assert.rejects(startRemoteBitbangServer(jtag.dm, { port: first.port }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'SIM_RBB_LISTEN');
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${first.port}`));
      return true;
    });
  } finally {
    await first.close();
  }
});
