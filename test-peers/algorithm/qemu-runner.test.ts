/**
 * The algorithm runner against QEMU's gdbstub (a server that does not stop on a guest ebreak, has
 * no memory access while running and no NoAck): 1,000 calls — returns, illegal-instruction
 * exceptions and timeouts mixed — while our program runs between them. After each call every
 * register is bit-exact; at the end the program's invariant never broke, it never trapped, its
 * counter advanced, and the RAM the stub used is back as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlgorithmExceptionError,
  AlgorithmRunner,
  AlgorithmTimeoutError,
  stubImageFromElf,
} from '../../src/algorithm/index.js';
import { connectRemote, type RemoteTarget } from '../../src/gdb/index.js';
import { parseElf, findSymbol } from '../../src/image/elf.js';
import { CC, QEMU, missingPeers, startQemu } from '../gdb/qemu.js';
import { buildAll } from './qemu-program.js';

/**
 * Counters advance on their own; everything else must come back bit-exact. Read from the CPU itself:
 * staged register writes are sent and the client's cache dropped first.
 */
const COUNTER = /^(m?cycle|m?instret|time|m?hpmcounter\d+)h?$/;
const state = async (t: RemoteTarget) => {
  await t.flushRegisters({ refetch: true });
  return new Map([...(await t.readRegisters())].filter(([name]) => !COUNTER.test(name)));
};

const CALLS = Number(process.env.ESPALGO_QEMU_CALLS ?? 1000);
const skip = missingPeers([QEMU, CC]);

test(`runner on QEMU: ${CALLS} calls while the program runs, context bit-exact`, { skip, timeout: 180_000 }, async () => {
  const built = buildAll();
  const qemu = await startQemu(built.programElf);
  let target: RemoteTarget | undefined;
  try {
    target = await connectRemote('127.0.0.1', qemu.port, { timeoutMs: 5000 });
    assert.equal(target.capabilities.haltsOnBreakInstruction, false);
    await target.resume();
    await new Promise((r) => setTimeout(r, 50));
    await target.halt();
    // QEMU quirk: the first read of mideleg through its gdbstub returns 0, every later one the
    // hard-wired hypervisor bits (0x1444), whatever the CPU did in between. Read the register file
    // once (and, past the client's register cache, once more after running) so that the
    // comparisons below see QEMU's steady state.
    await state(target);
    await target.resume();
    await target.halt();
    await state(target);

    const elf = parseElf(built.stubElf);
    const image = stubImageFromElf(elf, { name: 'qemu-test-stub', entrySymbol: 'sum7', stackSize: 1024 });
    const entry = (name: string) => findSymbol(elf, name)!.value;
    const runner = new AlgorithmRunner(target);
    const region = { start: 0x80100000, end: 0x80110000 };
    const ramBefore = await target.readMemory(region.start, region.end - region.start);
    const loaded = await runner.load(image);

    const counterAddr = built.symbols.get('counter')!;
    const readWord = async (a: number) => new DataView((await target!.readMemory(a, 4)).buffer).getUint32(0, true);
    const counterStart = await readWord(counterAddr);
    let returns = 0;
    let exceptions = 0;
    let timeouts = 0;
    for (let i = 0; i < CALLS; i++) {
      await target.halt();
      const before = await state(target);
      const kind = i % 40 === 17 ? 'timeout' : i % 20 === 3 ? 'illegal' : 'sum';
      if (kind === 'sum') {
        const args = [i, 1, 2, 3, 4, 5, 0x1000];
        const result = await runner.run(loaded, { args });
        assert.equal(result.value, (i + 15 + 0x1000) >>> 0);
        returns++;
      } else if (kind === 'illegal') {
        await assert.rejects(runner.run(loaded, { entry: entry('illegal') }), (e: unknown) => {
          assert.ok(e instanceof AlgorithmExceptionError, String(e));
          assert.equal(e.trap.cause, 2);
          assert.equal(e.trap.epc, entry('illegal'));
          return true;
        });
        exceptions++;
      } else {
        await assert.rejects(runner.run(loaded, { entry: entry('spin'), timeoutMs: 30 }), AlgorithmTimeoutError);
        timeouts++;
      }
      const after = await state(target);
      assert.deepEqual(after, before, `call ${i} (${kind}) left the context changed`);
      await target.resume();
    }
    await target.halt();
    await runner.unload(loaded);
    const ramAfter = await target.readMemory(region.start, region.end - region.start);
    assert.deepEqual(ramAfter, ramBefore, 'the RAM the stub used is restored');
    assert.equal(await readWord(built.symbols.get('failures')!), 0, 'the program never saw its invariant broken');
    assert.equal(await readWord(built.symbols.get('traps')!), 0, 'the program never trapped');
    assert.ok((await readWord(counterAddr)) > counterStart, 'the program kept running between calls');
    assert.ok(returns > 0 && exceptions > 0 && timeouts > 0);
  } finally {
    await target?.close().catch(() => undefined);
    await qemu.stop();
    built.cleanup();
  }
});
