/** What the client learns about QEMU's gdbstub and how it copes with its quirks. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectRemote, type RemoteTarget } from '../../src/gdb/remote-target.js';
import { TargetStateError } from '../../src/target/errors.js';
import { buildProgram, startQemu, missingPeers, QEMU, CC, type QemuInstance } from './qemu.js';

const skip = missingPeers([QEMU, CC]);

describe('QEMU gdbstub quirks', { skip }, () => {
  const program = skip ? undefined : buildProgram();
  const instances: QemuInstance[] = [];
  after(async () => {
    for (const q of instances) await q.stop();
    program?.cleanup();
  });
  const start = async (args: string[] = []) => {
    const q = await startQemu(program!.elf, args);
    instances.push(q);
    return q;
  };

  test('discovery: kind, packet size, no X, no no-ack, CSRs through p, capabilities', async () => {
    const q = await start();
    const t: RemoteTarget = await connectRemote('127.0.0.1', q.port);
    try {
      assert.equal(t.serverKind, 'qemu');
      assert.match(t.description, /QEMU/);
      assert.equal(t.server.packetSize, 0x1000);
      assert.equal(t.server.noAck, false);
      assert.equal(t.server.binaryWrite, false);
      assert.equal(t.capabilities.memoryWhileRunning, false);
      assert.equal(t.capabilities.haltsOnBreakInstruction, false);
      assert.ok(t.capabilities.maxTransfer >= 2000 && t.capabilities.maxTransfer <= 2046, 't.capabilities.maxTransfer >= 2000 && t.capabilities.maxTransfer <= 20');
      const mtvec = t.registers.find((r) => r.name === 'mtvec');
      assert.ok(mtvec, 'CSRs come from the target description');
      assert.equal(mtvec.offset, undefined, 'CSRs are not in the g packet');
      // QEMU numbers CSRs from its own base (34 + csr on rv32 without F), not GDB's 65 + csr: names, not numbers.
      const mstatus = t.registers.find((r) => r.name === 'mstatus')!;
      assert.ok(mtvec.regnum > 32, 'mtvec.regnum > 32');
      assert.equal(mtvec.regnum - mstatus.regnum, 0x305 - 0x300);
      // Run the startup code, which sets mtvec, and read it back through p.
      await t.addBreakpoint(program!.symbols.get('loop')!, 'software');
      await t.resume();
      await t.waitForHalt(3000);
      assert.equal(await t.readRegister('mtvec'), program!.symbols.get('trap'));
      await t.writeRegister('mscratch', 0x12345678);
      assert.equal(await t.readRegister('mscratch'), 0x12345678);
      const all = await t.readRegisters();
      assert.ok(all.size > 40, `readRegisters() returns GPRs and CSRs (${all.size})`);
    } finally {
      await t.close();
    }
  });

  test('memory is refused while running (QEMU would stop on any byte); monitor output is collected', async () => {
    const q = await start();
    const t = await connectRemote('127.0.0.1', q.port);
    try {
      await t.resume();
      await assert.rejects(t.readMemory(0x80000000, 4), TargetStateError);
      await t.halt();
      const out = await t.monitor('info mtree');
      assert.match(out, /memory-region|address-space/);
    } finally {
      await t.close();
    }
  });

  test('connecting to a running QEMU: the unsolicited stop is not mistaken for a reply', async () => {
    const q = await start();
    const first = await connectRemote('127.0.0.1', q.port);
    await first.resume();
    // Leave it running and drop the connection without detaching.
    await (first as unknown as { conn: { close(): Promise<void> } }).conn.close();
    await new Promise((r) => setTimeout(r, 50));
    const t = await connectRemote('127.0.0.1', q.port);
    try {
      assert.equal(t.state(), 'halted');
      const pc = await t.readRegister('pc');
      assert.ok(pc >= 0x80000000 && pc < 0x80001000, `pc 0x${pc.toString(16)} is in the program`);
    } finally {
      await t.close();
    }
  });

  test('reset halt stops at the reset vector', async () => {
    const q = await start();
    const t = await connectRemote('127.0.0.1', q.port);
    try {
      await t.writeRegister('pc', 0x80000010);
      await t.reset('halt');
      assert.equal(t.state(), 'halted');
      assert.equal(await t.readRegister('pc'), 0x1000);
    } finally {
      await t.close();
    }
  });
});
