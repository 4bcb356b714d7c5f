/** gdb-multiarch as a client of espalgo's GDB server (serving the fake target): the reference debugger must work with it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startGdbServer } from '../../src/gdb/server.js';
import { generateMemoryMapXml } from '../../src/gdb/memory-map.js';
import { FakeTarget } from '../../test/gdb/fake-target.js';
import { missingPeers } from './qemu.js';

const skip = missingPeers(['gdb-multiarch']);

function runGdb(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('gdb-multiarch', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    // 'close', not 'exit': the output may still sit in the pipe when the process has exited.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * GDB single-steps RISC-V in software: it decodes the instruction at pc and puts a breakpoint after
 * it. Give the fake CPU's loop real 4-byte instructions (addi x0, x0, 0) so that lands where the fake goes.
 */
async function fillLoopWithNops(fake: FakeTarget): Promise<void> {
  const nops = new Uint8Array(fake.loopEnd - fake.loopStart);
  for (let i = 0; i < nops.length; i += 4) new DataView(nops.buffer).setUint32(i, 0x00000013, true);
  await fake.writeMemory(fake.loopStart, nops);
}

test('gdb-multiarch drives espalgo\'s server: registers, memory, breakpoints, stepi, monitor, detach (the target left as found)', { skip, timeout: 60000 }, async () => {
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0, memoryMapXml: generateMemoryMapXml([{ type: 'ram', start: 0x80000000, length: 0x200000 }]) });
  await fillLoopWithNops(fake);
  try {
    const { code, out } = await runGdb([
      '-nx', '-batch',
      '-ex', `target remote 127.0.0.1:${server.port}`,
      '-ex', 'printf "PC=%x\\n", $pc',
      '-ex', 'set $a0 = 0x1234abcd',
      '-ex', 'printf "A0=%x\\n", $a0',
      '-ex', 'set {unsigned int}0x80100000 = 0xcafef00d',
      '-ex', 'printf "MEM=%x\\n", *(unsigned int*)0x80100000',
      '-ex', 'printf "MISA=%x\\n", $misa',
      '-ex', 'break *0x80000118',
      '-ex', 'continue',
      '-ex', 'printf "BPC=%x\\n", $pc',
      '-ex', 'delete',
      '-ex', 'stepi',
      '-ex', 'printf "SPC=%x\\n", $pc',
      '-ex', 'monitor help',
      '-ex', 'info mem',
      '-ex', 'detach',
    ], 30000);
    assert.equal(code, 0, out);
    assert.match(out, /PC=80000100/);
    assert.match(out, /A0=1234abcd/);
    assert.equal(fake.regs.get('a0'), 0x1234abcd);
    assert.match(out, /MEM=cafef00d/);
    assert.match(out, /MISA=40001104/);
    assert.match(out, /BPC=80000118/);
    assert.match(out, /SPC=8000011c/);
    assert.match(out, /reset halt/);
    assert.match(out, /0x80000000 0x80200000 rw/);
    assert.equal(fake.state(), 'halted', 'found halted: detach leaves it halted');
    // Found running: gdb's attach stops it, its detach lets it run on.
    await fake.resume();
    const again = await runGdb(['-nx', '-batch', '-ex', `target remote 127.0.0.1:${server.port}`, '-ex', 'printf "STOPPED=%x\\n", $pc', '-ex', 'detach'], 30000);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /STOPPED=800001[0-3][0-9a-f]\b/);
    assert.equal(fake.state(), 'running', 'found running: detach lets it run on');
    await fake.halt();
  } finally {
    await server.close();
    await fake.close();
  }
});

test('gdb-multiarch in extended-remote mode: detach, attach, kill and run keep the session; a kill then a reconnect is served', { skip, timeout: 60000 }, async () => {
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0 });
  await fillLoopWithNops(fake);
  try {
    const { code, out } = await runGdb([
      '-nx', '-batch',
      '-ex', `target extended-remote 127.0.0.1:${server.port}`,
      '-ex', 'detach',
      '-ex', 'attach 1',
      '-ex', 'printf "ATTACHED=%x\\n", $pc',
      '-ex', 'kill',
      '-ex', 'break *0x80000118',
      '-ex', 'run',
      '-ex', 'printf "RUN=%x\\n", $pc',
      '-ex', 'kill',
      '-ex', 'disconnect',
      '-ex', `target remote 127.0.0.1:${server.port}`,
      '-ex', 'kill',
      '-ex', `target remote 127.0.0.1:${server.port}`,
      '-ex', 'printf "AGAIN=%x\\n", $pc',
      '-ex', 'detach',
    ], 30000);
    assert.equal(code, 0, out);
    assert.match(out, /ATTACHED=800001/);
    assert.doesNotMatch(out, /received signal/, 'attaching names no signal');
    assert.equal(fake.resets, 1, `run resets the chip once\n${out}`);
    assert.match(out, /RUN=80000118/);
    assert.match(out, /AGAIN=800001/);
    assert.doesNotMatch(out, /Remote connection closed|Connection reset/, out);
  } finally {
    await server.close();
    await fake.close();
  }
});
