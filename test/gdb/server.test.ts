/** espalgo's GDB server: the pure packet core, and the TCP shell's session behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { GdbServerCore } from '../../src/gdb/server-core.js';
import { GdbServerSession } from '../../src/gdb/server-session.js';
import { startGdbServer } from '../../src/gdb/server.js';
import { serveSim } from './sim-server.js';
import { GdbConnectError, GdbListenError } from '../../src/gdb/errors.js';
import { RspFramer } from '../../src/gdb/framer.js';
import { encodePacket, escapeBinary, unescapeBinary, isConsoleOutput, decodeConsoleOutput } from '../../src/gdb/codec.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { counterFlash, COUNTER, COUNTER_ADDRESS } from './counter-flash.js';
import { TargetUnsupportedError } from '../../src/target/errors.js';
import { bytesToText, textToBytes, bytesToHex } from '../../src/gdb/hex.js';
import { parseTargetDescription } from '../../src/gdb/target-description.js';
import { generateMemoryMapXml, parseMemoryMapXml } from '../../src/gdb/memory-map.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { FakeTarget, EBREAK } from './fake-target.js';

const RAM = 0x80100000;

async function ask(core: GdbServerCore, packet: string | Uint8Array): Promise<string[]> {
  const r = await core.processPacket(typeof packet === 'string' ? textToBytes(packet) : packet);
  return r.replies.map((x) => (typeof x === 'string' ? x : bytesToText(x)));
}

async function one(core: GdbServerCore, packet: string | Uint8Array): Promise<string> {
  const r = await ask(core, packet);
  assert.equal(r.length, 1, `one reply to ${String(packet).slice(0, 20)}`);
  return r[0]!;
}

test('core: qSupported advertises what the server does', async () => {
  const core = new GdbServerCore(new FakeTarget(), { memoryMapXml: generateMemoryMapXml([{ type: 'ram', start: RAM, length: 0x1000 }]) });
  const features = (await one(core, 'qSupported:swbreak+;hwbreak+')).split(';');
  for (const f of ['PacketSize=4000', 'qXfer:features:read+', 'qXfer:memory-map:read+', 'QStartNoAckMode+', 'vContSupported+', 'swbreak+', 'hwbreak+']) {
    assert.ok(features.includes(f), `offers ${f}`);
  }
  const bare = new GdbServerCore(new FakeTarget());
  assert.ok(!(await one(bare, 'qSupported')).includes('memory-map'), 'no memory map without one');
  assert.deepEqual((await core.processPacket(textToBytes('QStartNoAckMode'))).action, 'noack');
});

test('core: target.xml and the memory map through qXfer, in parts', async () => {
  const mapXml = generateMemoryMapXml([{ type: 'flash', start: 0x42000000, length: 0x400000, blockSize: 0x10000 }]);
  const core = new GdbServerCore(new FakeTarget(), { memoryMapXml: mapXml });
  const read = async (object: string, annex: string) => {
    let text = '';
    for (;;) {
      const r = await one(core, `qXfer:${object}:read:${annex}:${text.length.toString(16)},100`);
      text += new TextDecoder().decode(unescapeBinary(textToBytes(r.slice(1)))!);
      if (r[0] === 'l') return text;
      assert.equal(r[0], 'm');
    }
  };
  const desc = parseTargetDescription(await read('features', 'target.xml'));
  assert.equal(desc.architecture, 'riscv:rv32');
  assert.equal(desc.registers.find((r) => r.name === 'pc')!.regnum, 32);
  assert.equal(desc.registers.find((r) => r.name === 'mcause')!.regnum, 65 + 0x342);
  assert.deepEqual(parseMemoryMapXml(await read('memory-map', '')), parseMemoryMapXml(mapXml));
  assert.equal(await one(core, 'qXfer:features:read:nosuch.xml:0,100'), 'E00');
});

test('core: registers through g/G and p/P', async () => {
  const fake = new FakeTarget();
  const core = new GdbServerCore(fake);
  fake.regs.set('a0', 0x11223344);
  const g = await one(core, 'g');
  assert.equal(g.length, 33 * 8);
  assert.equal(g.slice(10 * 8, 11 * 8), '44332211');
  assert.equal(g.slice(32 * 8), '00010080', 'pc last');
  const image = g.slice(0, 11 * 8) + '78563412' + g.slice(12 * 8);
  assert.equal(await one(core, `G${image}`), 'OK');
  assert.equal(fake.regs.get('a1'), 0x12345678);
  assert.equal(await one(core, 'pa'), '44332211');
  assert.equal(await one(core, 'P20=00020080'), 'OK');
  assert.equal(fake.regs.get('pc'), 0x80000200);
  assert.equal(await one(core, `p${(65 + 0x301).toString(16)}`), '04110040', 'misa through p');
  assert.equal(await one(core, 'p9999'), 'E16');
});

test('core: memory through m, x, M and X, with escapes; errors as E14', async () => {
  const fake = new FakeTarget();
  const core = new GdbServerCore(fake);
  const data = Uint8Array.of(0x23, 0x24, 0x7d, 0x2a, 0x03, 0x00, 0xff, 0x41);
  const header = textToBytes(`X${RAM.toString(16)},8:`);
  const x = new Uint8Array([...header, ...escapeBinary(data)]);
  assert.equal(await one(core, x), 'OK');
  assert.equal(await one(core, `m${RAM.toString(16)},8`), bytesToHex(data));
  const bin = await one(core, `x${RAM.toString(16)},8`);
  assert.equal(bin[0], 'b');
  assert.deepEqual(unescapeBinary(textToBytes(bin.slice(1))), data);
  assert.equal(await one(core, `M${(RAM + 8).toString(16)},2:beef`), 'OK');
  assert.deepEqual(await fake.readMemory(RAM + 8, 2), Uint8Array.of(0xbe, 0xef));
  assert.equal(await one(core, `M${RAM.toString(16)},3:beef`), 'E16', 'length and data disagree');
  assert.equal(await one(core, 'm10000000,4'), 'E14');
  assert.equal(await one(core, 'X10000000,0:'), 'OK', 'zero-length X probe');
  // A read larger than a packet is cut to fit, as the protocol allows.
  assert.equal((await one(core, `m${RAM.toString(16)},10000`)).length, 0x4000 - 4 - ((0x4000 - 4) % 2));
});

test('core: breakpoints, step, vCont forms, monitor, detach and unknown packets', async () => {
  const fake = new FakeTarget();
  const core = new GdbServerCore(fake);
  assert.equal(await one(core, 'Z0,80000110,4'), 'OK');
  assert.ok(fake.swBreakpoints.has(0x80000110), 'Z0 sets a software breakpoint');
  assert.equal(await one(core, 'Z1,80000120,4'), 'OK');
  assert.ok(fake.hwBreakpoints.has(0x80000120), 'Z1 sets a hardware breakpoint');
  assert.equal(await one(core, 'z0,80000110,4'), 'OK');
  assert.ok(!fake.swBreakpoints.has(0x80000110), 'z0 removes it');
  assert.equal(await one(core, 'Z2,80000110,4'), '', 'a target without watchpoints: Z2 is not offered');
  assert.match(await one(core, 'vCont;s:1'), /^T05/);
  assert.equal(fake.pc, 0x80000104);
  assert.equal(await one(core, 'vCont?'), 'vCont;c;C;s;S');
  const c = await core.processPacket(textToBytes('vCont;c'));
  assert.equal(c.action, 'resume');
  assert.equal(c.replies.length, 0);
  const stop = await fake.waitForHalt(2000);
  assert.equal(stop.reason, 'hw-breakpoint');
  assert.equal(core.stopReply(stop), 'T0520:20010080;thread:1;');
  await ask(core, 'qSupported:swbreak+;hwbreak+');
  assert.equal(core.stopReply(stop), 'T0520:20010080;thread:1;hwbreak:;');
  const reset = await ask(core, `qRcmd,${bytesToHex(textToBytes('reset halt'))}`);
  assert.equal(reset[reset.length - 1], 'OK');
  assert.equal(reset[0]![0], 'O');
  assert.equal(fake.resets, 1);
  const bogus = await ask(new GdbServerCore({ ...fake, state: () => fake.state(), monitor: undefined, registers: fake.registers, capabilities: fake.capabilities, architecture: 'riscv32', description: 'x' } as unknown as FakeTarget), `qRcmd,${bytesToHex(textToBytes('frobnicate'))}`);
  assert.equal(bogus[bogus.length - 1], 'E01');
  assert.equal(await one(core, 'qAttached'), '1');
  assert.equal(await one(core, 'qC'), 'QC1');
  assert.equal(await one(core, 'vMustReplyEmpty'), '');
  assert.equal(await one(core, 'Hg0'), 'OK');
  assert.deepEqual((await core.processPacket(textToBytes('D'))).action, 'detach');
  // An ebreak in memory halts the fake CPU, reported as a software breakpoint.
  const w = new Uint8Array(4);
  new DataView(w.buffer).setUint32(0, EBREAK, true);
  await fake.writeMemory(0x80000108, w);
  await fake.writeRegister('pc', 0x80000100);
  await core.processPacket(textToBytes('c'));
  assert.equal((await fake.waitForHalt(2000)).reason, 'breakpoint');
});

test('core: extended mode (!): run resets and stops, attach stops with signal 0, R restarts, detach and kill keep the connection', async () => {
  const fake = new FakeTarget();
  const core = new GdbServerCore(fake);
  assert.equal(await one(core, 'vRun;'), '', 'no vRun outside extended mode');
  assert.equal((await core.processPacket(textToBytes('D'))).keepOpen, undefined, 'detach ends a plain session');
  assert.equal(await one(core, '!'), 'OK');
  await fake.resume();
  assert.match(await one(core, 'vRun;'), /^T05/, 'run: a stop reply');
  assert.equal(fake.resets, 1, 'run resets the chip');
  assert.equal(fake.state(), 'halted', 'and leaves it stopped');
  assert.equal(await one(core, 'vRun;612e656c66'), 'E16', 'no program file to run');
  assert.equal(await one(core, 'vRun;;2d76'), 'E16', 'no arguments');
  assert.equal(fake.resets, 1);
  await fake.resume();
  assert.match(await one(core, 'vAttach;1'), /^T00/, 'attach stops the chip and names no signal');
  assert.equal(fake.state(), 'halted');
  assert.deepEqual(await ask(core, 'R00'), [], 'R has no reply');
  assert.equal(fake.resets, 2, 'R resets the chip');
  for (const packet of ['D', 'vKill;1', 'k']) {
    const r = await core.processPacket(textToBytes(packet));
    assert.equal(r.keepOpen, true, `${packet} keeps the connection in extended mode`);
  }
  await fake.close(); // found running by the attach, the detach let it run on
});

test('core: the stop reply to ? and vAttach on a target already halted gives the pc as it is now, not as at the last stop', async () => {
  const fake = new FakeTarget();
  const core = new GdbServerCore(fake);
  assert.match(await one(core, 's'), /^T05/, 'a stop at 0x80000104');
  // A tool (an algorithm run and its restore) moves the pc of the halted target.
  await fake.writeRegister('pc', 0x80000120);
  assert.match(await one(core, '?'), /^T05.*20:20010080;/, '? gives the pc now');
  assert.equal(await one(core, '!'), 'OK');
  await fake.writeRegister('pc', 0x80000130);
  assert.match(await one(core, 'vAttach;1'), /^T00.*20:30010080;/, 'vAttach too');
});

test('core: monitor help lists the target\'s own commands too (the simulator\'s console); an unknown one is an error', async () => {
  const sim = createSimulatedEsp32c3({ flash: counterFlash(), run: false });
  try {
    const replies = await ask(new GdbServerCore(sim.target), `qRcmd,${bytesToHex(textToBytes('help'))}`);
    assert.equal(replies[replies.length - 1], 'OK');
    const text = replies.filter(isConsoleOutput).map(decodeConsoleOutput).join('');
    assert.match(text, /reset halt/);
    assert.match(text, /^ {2}console +\S/m);
    // The target's own commands answer OK; one it does not know is an error reply after its message.
    assert.equal((await ask(new GdbServerCore(sim.target), `qRcmd,${bytesToHex(textToBytes('console'))}`)).at(-1), 'OK');
    const bogus = await ask(new GdbServerCore(sim.target), `qRcmd,${bytesToHex(textToBytes('frobnicate'))}`);
    assert.equal(bogus.at(-1), 'E01');
    assert.match(bogus.filter(isConsoleOutput).map(decodeConsoleOutput).join(''), /unknown monitor command 'frobnicate'; known: reset halt, reset run, console, help/);
  } finally {
    await sim.close();
  }
});

test('core: Z2/Z3/Z4 set watchpoints on a target that has them; the stop names the kind and address; exhausted triggers are an error', async () => {
  const sim = createSimulatedEsp32c3({ flash: counterFlash(), run: false });
  try {
    const core = new GdbServerCore(sim.target);
    const counter = COUNTER_ADDRESS.toString(16);
    for (const [type, field] of [['2', 'watch'], ['3', 'rwatch'], ['4', 'awatch']] as const) {
      assert.equal(await one(core, `Z${type},${counter},4`), 'OK');
      const c = await core.processPacket(textToBytes('vCont;c'));
      assert.equal(c.action, 'resume');
      const stop = await sim.target.waitForHalt(2000);
      const pc = type === '2' ? COUNTER.loop + 8 : COUNTER.loop; // the store, or the load before it
      assert.equal(core.stopReply(stop), `T0520:${bytesToHex(Uint8Array.of(pc, pc >>> 8, pc >>> 16, pc >>> 24))};thread:1;${field}:${counter};`);
      assert.equal(await one(core, `z${type},${counter},4`), 'OK');
    }
    for (let i = 0; i < 8; i++) assert.equal(await one(core, `Z2,${(0x3fca0000 + 4 * i).toString(16)},4`), 'OK');
    assert.equal(await one(core, 'Z3,3fcb0000,4'), 'E05', 'all 8 triggers in use');
    assert.equal(await one(core, 'Z1,40390000,4'), 'E05', 'breakpoints share them');
  } finally {
    await sim.close();
  }
});

test('RemoteTarget sets watchpoints over Z2-Z4 and reports the stop with its kind and address; a server without them is unsupported', async () => {
  const sim = createSimulatedEsp32c3({ flash: counterFlash(), run: false });
  const server = await startGdbServer(sim.target, { port: 0 });
  const fake = new FakeTarget();
  const plain = await startGdbServer(fake, { port: 0 });
  const t = await connectRemote('127.0.0.1', server.port);
  const u = await connectRemote('127.0.0.1', plain.port);
  try {
    await t.addWatchpoint(COUNTER_ADDRESS, 4, 'read');
    await t.resume();
    const stop = await t.waitForHalt(2000);
    assert.equal(stop.reason, 'watchpoint');
    assert.equal(stop.pc, COUNTER.loop);
    assert.deepEqual(stop.watchpoint, { kind: 'read', address: COUNTER_ADDRESS });
    await t.removeWatchpoint(COUNTER_ADDRESS, 4, 'read');
    await assert.rejects(u.addWatchpoint(RAM, 4, 'write'), TargetUnsupportedError);
  } finally {
    await t.close();
    await u.close();
    await server.close();
    await plain.close();
    await sim.close();
    await fake.close();
  }
});

/** A raw client for the session tests; `halfOpen` keeps its end open after the server ends the session. */
function rawClient(port: number, halfOpen = false) {
  const socket: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: halfOpen });
  const framer = new RspFramer();
  const packets: string[] = [];
  let acks = 0;
  let closed = false;
  socket.on('data', (d: Buffer) => {
    for (const f of framer.feed(new Uint8Array(d))) {
      if (f.type === 'packet') {
        packets.push(bytesToText(f.payload));
        socket.write('+');
      } else if (f.type === 'ack') acks++;
    }
  });
  socket.on('close', () => (closed = true));
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond(), `waited for ${what}`);
  };
  return {
    socket, packets, get acks() { return acks; }, get closed() { return closed; }, until,
    send: (p: string) => socket.write(encodePacket(p)),
    sendRaw: (b: string) => socket.write(b),
  };
}

test('session: acks, NAK resend, Ctrl-C while running gives T02, one client at a time, detach ends the session', { timeout: 10000 }, async () => {
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0 });
  try {
    const c = rawClient(server.port);
    await new Promise((r) => c.socket.once('connect', r));
    c.send('qAttached');
    await c.until(() => c.packets.length === 1, 'qAttached reply');
    assert.equal(c.packets[0], '1');
    assert.ok(c.acks >= 1, 'the server acks');
    c.sendRaw('$qAttached#00');
    await c.until(() => c.acks >= 1 && c.packets.length === 1, 'still one reply');
    c.sendRaw('-');
    await c.until(() => c.packets.length === 2, 'the reply resent after our NAK');
    const second = rawClient(server.port);
    second.send('qSupported:swbreak+');
    await second.until(() => second.closed, 'the second client refused');
    assert.deepEqual(second.packets, ['E.another GDB client is already connected to this server; disconnect it first'], 'told why');
    // The client names the server and its reason, as a connect error (not as a failed request).
    await assert.rejects(connectRemote('127.0.0.1', server.port), (e: unknown) => e instanceof GdbConnectError && e.message === `cannot connect to the GDB server at 127.0.0.1:${server.port}: the server turned the connection away: another GDB client is already connected to this server; disconnect it first`);
    c.send('vCont;c');
    await c.until(() => fake.state() === 'running', 'the target runs');
    c.sendRaw('\x03');
    await c.until(() => c.packets.length >= 3, `stop reply after Ctrl-C: ${JSON.stringify(c.packets)} ${fake.state()}`);
    assert.match(c.packets[2]!, /^T02/);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.packets.length, 3, 'exactly one stop reply');
    assert.equal(fake.state(), 'halted');
    c.send('D');
    await c.until(() => c.closed, 'connection closed after detach');
    assert.equal(fake.state(), 'halted', 'found halted, left halted');
  } finally {
    await server.close();
    await fake.close();
  }
});

test('session: after detach or kill the next client is served at once, before the last one has closed its end', { timeout: 10000 }, async () => {
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0 });
  try {
    for (const end of ['D', 'vKill;a410', 'k']) {
      const c = rawClient(server.port, true);
      await new Promise((r) => c.socket.once('connect', r));
      c.send(end);
      // Kill has no reply to wait for: wait for the server to end the session instead.
      await c.until(() => c.socket.readableEnded, `the server ends the session after ${end}`);
      const next = rawClient(server.port);
      next.send('qAttached');
      await next.until(() => next.packets.length === 1 || next.closed, `a reply to the client after ${end}`);
      assert.deepEqual(next.packets, ['1'], `the client after ${end} is served`);
      next.socket.destroy();
      c.socket.destroy();
      await next.until(() => next.closed && c.closed, 'both closed');
    }
  } finally {
    await server.close();
    await fake.close();
  }
});

test('session: a client that connects just before the previous one closes (disconnect, then connect again) is served', { timeout: 10000 }, async () => {
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0 });
  try {
    const first = rawClient(server.port);
    await new Promise((r) => first.socket.once('connect', r));
    const next = rawClient(server.port);
    await new Promise((r) => next.socket.once('connect', r));
    first.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    next.send('qAttached');
    await next.until(() => next.packets.length === 1 || next.closed, 'a reply');
    assert.deepEqual(next.packets, ['1']);
    next.socket.destroy();
  } finally {
    await server.close();
    await fake.close();
  }
});

test('session: a client that goes away without detaching (killed, link dropped) leaves no breakpoints or watchpoints behind for the program to stop at', { timeout: 10000 }, async (t) => {
  const { port } = await serveSim(t, { flash: counterFlash(), run: false });
  const hex = (n: number) => n.toString(16);
  const first = rawClient(port);
  first.send('?');
  for (const z of [`Z0,${hex(COUNTER.loop)},4`, `Z1,${hex(COUNTER.loopMid)},4`, `Z2,${hex(COUNTER_ADDRESS)},4`]) first.send(z);
  await first.until(() => first.packets.length === 4, 'the stop and three OKs');
  assert.deepEqual(first.packets.slice(1), ['OK', 'OK', 'OK']);
  first.socket.destroy();
  await first.until(() => first.closed, 'the first client gone');

  const next = rawClient(port);
  next.send('?');
  await next.until(() => next.packets.length === 1, 'the stop reply');
  next.send('vCont;c');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(next.packets.length, 1, `the loop runs past where the first client had set its points: ${JSON.stringify(next.packets)}`);
  next.sendRaw('\x03');
  await next.until(() => next.packets.length === 2, 'the stop after Ctrl-C');
  assert.match(next.packets[1]!, /^T02/);
  next.send('D');
  await next.until(() => next.closed, 'detached');
});

test('session: in extended mode detach and kill keep the connection open; attaching again takes the run state anew', { timeout: 10000 }, async () => {
  const fake = new FakeTarget();
  await fake.resume();
  const server = await startGdbServer(fake, { port: 0 });
  try {
    const c = rawClient(server.port);
    const reply = async (packet: string) => {
      const before = c.packets.length;
      c.send(packet);
      await c.until(() => c.packets.length > before || c.closed, `reply to ${packet}`);
      return c.packets[before]!;
    };
    assert.equal(await reply('!'), 'OK');
    assert.match(await reply('?'), /^T02/, 'the running target stops');
    assert.equal(await reply('D'), 'OK');
    assert.equal(fake.state(), 'running', 'found running, detach lets it run on');
    assert.match(await reply('vAttach;1'), /^T00/);
    assert.equal(await reply('vKill;1'), 'OK');
    assert.equal(fake.state(), 'halted', 'kill leaves it halted');
    assert.match(await reply('vAttach;1'), /^T00/, 'attached again, to a halted target');
    assert.equal(await reply('D'), 'OK');
    assert.equal(fake.state(), 'halted', 'found halted by this attach: detach leaves it halted');
    assert.equal(await reply('qAttached'), '1');
    assert.equal(c.closed, false);
    c.socket.destroy();
    await c.until(() => c.closed, 'closed');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.state(), 'halted', 'a detached client going away changes nothing');
  } finally {
    await server.close();
    await fake.close();
  }
});

/** A fake target, running or halted, served to one raw client that stops it with `?`. */
async function servedStopped(found: 'running' | 'halted') {
  const fake = new FakeTarget();
  if (found === 'running') await fake.resume();
  const server = await startGdbServer(fake, { port: 0 });
  const c = rawClient(server.port);
  c.send('?');
  await c.until(() => c.packets.length === 1, 'the stop reply');
  assert.equal(fake.state(), 'halted', '? stops the target');
  return { fake, server, c, close: async () => { await server.close(); await fake.close(); } };
}

test('session: detach leaves the target as the client found it: one found running runs on, one found halted stays halted', { timeout: 10000 }, async () => {
  for (const found of ['running', 'halted'] as const) {
    const { fake, c, close } = await servedStopped(found);
    try {
      c.send('D');
      await c.until(() => c.closed, 'connection closed after detach');
      assert.deepEqual(c.packets.slice(1), ['OK']);
      assert.equal(fake.state(), found, `found ${found}, ${found} after detach`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fake.state(), found, 'and still so once the connection has closed');
    } finally {
      await close();
    }
  }
});

test('session: a client gone without detaching (killed, link dropped) leaves the target as it found it', { timeout: 10000 }, async () => {
  for (const found of ['running', 'halted'] as const) {
    const { fake, c, close } = await servedStopped(found);
    try {
      c.socket.destroy();
      await c.until(() => fake.state() === found, `the target ${found} again after the client went`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fake.state(), found, `found ${found}, left ${found}`);
    } finally {
      await close();
    }
  }
});

test('session: kill leaves a target found running halted, also once the connection has closed', { timeout: 10000 }, async () => {
  for (const kill of ['k', 'vKill;1']) {
    const { fake, c, close } = await servedStopped('running');
    try {
      c.send(kill);
      await c.until(() => c.closed, `connection closed after ${kill}`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fake.state(), 'halted', `halted after ${kill}`);
    } finally {
      await close();
    }
  }
});

test('session: a client served while the previous one, gone without detaching, still winds up finds the target as that one left it, and keeps it', { timeout: 10000 }, async () => {
  // Memory reads take a while, so the first client's session is still busy when its connection goes.
  class SlowReads extends FakeTarget {
    override async readMemory(address: number, length: number): Promise<Uint8Array> {
      await new Promise((r) => setTimeout(r, 200));
      return super.readMemory(address, length);
    }
  }
  const fake = new SlowReads();
  await fake.resume();
  const log: string[] = [];
  const server = await startGdbServer(fake, { port: 0, log: (line) => log.push(line) });
  try {
    const first = rawClient(server.port);
    first.send('?');
    await first.until(() => first.packets.length === 1, 'the stop reply');
    const next = rawClient(server.port);
    await new Promise((r) => next.socket.once('connect', r));
    first.send('m80000000,4');
    await new Promise((r) => setTimeout(r, 20));
    first.socket.destroy();
    await next.until(() => log.includes('client disconnected'), 'the server sees the first client gone');
    next.send('?');
    await next.until(() => next.packets.length === 1, 'the stop reply');
    assert.match(next.packets[0]!, /^T/);
    next.send('g');
    await next.until(() => next.packets.length === 2, 'the registers');
    assert.match(next.packets[1]!, /^[0-9a-f]{264}$/, 'the target stays halted while this client holds it');
    next.send('D');
    await next.until(() => next.closed, 'detached');
    assert.equal(fake.state(), 'running', 'found running (the first client\'s halt undone), so it runs on');
  } finally {
    await server.close();
    await fake.close();
  }
});

test('close() drops a client that connected while another was served and has sent nothing yet', { timeout: 10000 }, async () => {
  const fake = new FakeTarget();
  // Far longer than the test may run: close() must not wait for this timeout.
  const server = await startGdbServer(fake, { port: 0, busyTimeoutMs: 600_000 });
  try {
    const first = rawClient(server.port);
    first.send('qAttached');
    await first.until(() => first.packets.length === 1, 'the first client served');
    const silent = rawClient(server.port);
    await new Promise((r) => silent.socket.once('connect', r));
    await server.close();
    await silent.until(() => silent.closed && first.closed, 'both clients dropped');
    assert.deepEqual(silent.packets, [], 'the silent client was told nothing');
  } finally {
    await fake.close();
  }
});

test('session: our client over the server: no-ack, pipelining, memory map, monitor, reset, server kind', { timeout: 10000 }, async () => {
  const fake = new FakeTarget({ memoryWhileRunning: true });
  const map = [{ type: 'ram' as const, start: 0x80000000, length: 0x200000 }];
  const server = await startGdbServer(fake, { port: 0, memoryMapXml: generateMemoryMapXml(map) });
  const t = await connectRemote('127.0.0.1', server.port, { chip: 'esp32c3' });
  try {
    assert.equal(t.serverKind, 'espalgo');
    assert.match(t.description, /espalgo, esp32c3/);
    assert.equal(t.server.noAck, true);
    assert.equal(t.server.binaryWrite, true);
    assert.equal(t.server.pipelineDepth, 4);
    assert.deepEqual(t.memoryMap, map);
    assert.equal(t.capabilities.memoryWhileRunning, true);
    assert.equal(t.capabilities.haltsOnBreakInstruction, true);
    assert.equal(t.capabilities.hardwareBreakpoints, 2);
    assert.ok(t.capabilities.maxTransfer > 16000, `maxTransfer ${t.capabilities.maxTransfer}`);
    assert.match(await t.monitor('help'), /reset halt/);
    // Memory while running, where the target allows it.
    await t.resume();
    await t.writeMemory(RAM, Uint8Array.of(1, 2, 3));
    assert.deepEqual(await t.readMemory(RAM, 3), Uint8Array.of(1, 2, 3));
    await t.halt();
    await t.reset('halt');
    assert.equal(fake.resets, 1);
    assert.equal(t.state(), 'halted');
    await t.reset('run');
    assert.equal(t.state(), 'running');
    assert.equal((await t.halt()).reason, 'interrupt');
  } finally {
    await t.close();
    await server.close();
    await fake.close();
  }
});

test('server binds loopback by default', async () => {
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0 });
  try {
    const s = connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    s.destroy();
  } finally {
    await server.close();
  }
});

test('session: replies to packets that arrived together leave in one write, in order; a lone packet is answered at once', async () => {
  const writes: string[] = [];
  const session = new GdbServerSession(new GdbServerCore(new FakeTarget()), { write: (b) => void writes.push(bytesToText(b)), end: () => undefined }, () => undefined);
  const settle = () => new Promise((r) => setImmediate(r));
  session.receive(textToBytes(['m80100000,4', 'qAttached', 'M80100000,2:abcd'].map((p) => bytesToText(encodePacket(textToBytes(p)))).join('')));
  await settle();
  assert.equal(writes.length, 1, `one write, not ${writes.length}`);
  const replies = [...new RspFramer({ runLength: false }).feed(textToBytes(writes[0]!))];
  assert.deepEqual(replies.map((f) => (f.type === 'packet' ? bytesToText(f.payload) : f.type)), ['ack', 'ack', 'ack', '00000000', '1', 'OK']);
  session.receive(encodePacket(textToBytes('m80100000,2')));
  await settle();
  assert.deepEqual(writes.slice(1), ['+' + bytesToText(encodePacket(textToBytes('abcd')))], 'the next packet answered on its own');
  await session.close();
});

test('a port that cannot be listened on fails with GdbListenError (GDB_LISTEN), naming the address and what to do', async () => {
  const first = await startGdbServer(new FakeTarget(), { port: 0, host: '127.0.0.1' });
  try {
    await assert.rejects(startGdbServer(new FakeTarget(), { port: first.port, host: '127.0.0.1' }), (e: unknown) =>
      e instanceof GdbListenError && e.code === 'GDB_LISTEN' && e.port === first.port &&
      new RegExp(`^cannot listen for GDB on 127\\.0\\.0\\.1:${first.port}: .*EADDRINUSE.*; pick another port \\(0 chooses a free one\\)$`).test(e.message));
  } finally {
    await first.close();
  }
});
