/**
 * The runner on QEMU's Xtensa (lx60-nommu, de212 core, windowed ABI): 1,000 calls of windowed
 * functions of ours with 5 arguments while our program runs between them. The program is stopped
 * at random points (inside window overflow handlers and zero-overhead loops too). After each call
 * every register the program can see — all 32 ARs, the window view, WINDOWBASE, WINDOWSTART, PS,
 * SAR, the loop and exception registers — is bit-exact, and the program's own invariant checks
 * never fail. A guest `break` does not reach QEMU's debugger: the runner's Z0 at the trampoline's
 * break does, and without it the run times out (and still restores everything).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlgorithmExceptionError, AlgorithmRunner, AlgorithmTimeoutError } from '../../src/algorithm/index.js';
import type { RemoteTarget } from '../../src/gdb/remote-target.js';
import { missingPeers } from '../gdb/qemu.js';
import {
  buildProgram, buildStub, buildVectors, connectXtensaQemu, startXtensaQemu, DATA, QEMU_XTENSA, STUB_ORIGIN, VECBASE,
} from './xtensa-program.js';

const CALLS = Number(process.env.ESPALGO_XTENSA_CALLS ?? 1000);
const skip = missingPeers([QEMU_XTENSA]);
/** Free-running: never compared. */
const VOLATILE = new Set(['ccount']);
const WORK_AREA = { start: STUB_ORIGIN, end: STUB_ORIGIN + 0x4000 };

/** Read from the CPU itself: staged register writes are sent and the client's cache dropped first. */
const state = async (t: RemoteTarget) => {
  await t.flushRegisters({ refetch: true });
  return new Map([...(await t.readRegisters())].filter(([name]) => !VOLATILE.has(name)));
};
const readWord = async (t: RemoteTarget, a: number) => new DataView((await t.readMemory(a, 4)).buffer).getUint32(0, true);

/** A small deterministic generator, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function diff(before: Map<string, number>, after: Map<string, number>): string {
  const out: string[] = [];
  for (const [k, v] of before) if (after.get(k) !== v) out.push(`${k}: ${v.toString(16)} → ${after.get(k)?.toString(16)}`);
  return out.join(', ');
}

test(`runner on QEMU Xtensa: ${CALLS} windowed calls with 5 arguments while the program runs, context bit-exact`, { skip, timeout: 90_000 }, async () => {
  const qemu = await startXtensaQemu();
  let target: RemoteTarget | undefined;
  try {
    target = await connectXtensaQemu(qemu.port);
    assert.equal(target.architecture, 'xtensa');
    assert.equal(target.serverKind, 'qemu');
    assert.equal(target.capabilities.haltsOnBreakInstruction, false);

    const vectors = buildVectors();
    const program = buildProgram();
    const stub = buildStub();
    await target.writeMemory(vectors.origin, vectors.bytes);
    await target.writeMemory(program.origin, program.bytes);
    await target.writeMemory(DATA, new Uint8Array(8));
    await target.writeRegister('pc', program.symbols.get('_start')!);
    await target.resume();
    await new Promise((r) => setTimeout(r, 30));
    await target.halt();
    assert.ok((await readWord(target, DATA)) > 0, 'the program runs');
    assert.equal(await readWord(target, DATA + 4), 0, 'its invariants hold before any call');

    const ramBefore = await target.readMemory(WORK_AREA.start, WORK_AREA.end - WORK_AREA.start);
    const runner = new AlgorithmRunner(target, { workArea: WORK_AREA });
    const loaded = await runner.load(stub.image);
    assert.deepEqual(loaded.breakpoints, [loaded.returnPc], 'Z0 planted at the trampoline break (QEMU ignores guest breaks)');
    assert.equal(loaded.catcherPc, undefined);

    const random = prng(0x5eed);
    const windowStates = new Set<string>();
    const pcs = new Set<number>();
    let inLoop = 0;
    let inHandler = 0;
    let runMs = 0;
    let calls = 0;
    let deepCalls = 0;
    let lastCounter = await readWord(target, DATA);
    const wall = performance.now();
    for (let i = 0; i < CALLS; i++) {
      await target.resume();
      await new Promise((r) => setTimeout(r, 1 + random(2)));
      await target.halt();
      for (let s = random(24); s > 0; s--) await target.step();
      const before = await state(target);
      windowStates.add(`${before.get('windowbase')}/${before.get('windowstart')}/${before.get('ps')}`);
      pcs.add(before.get('pc')!);
      if (before.get('lcount')! > 0) inLoop++;
      if (before.get('pc')! >= VECBASE && before.get('pc')! < VECBASE + 0x400) inHandler++;

      const args = [random(0x10000), random(0x10000) * 0x10001, 0xffffffff - random(1000), random(0x100000000), i];
      if (i % 2 === 0) {
        const result = await runner.run(loaded, { args, verifyRestore: i % 10 === 0 });
        const [a, b, c, d, e] = args as [number, number, number, number, number];
        assert.equal(result.value, (3 * a + b - c + ((d ^ e) >>> 0)) >>> 0, `mix5 call ${i}`);
        runMs += result.durationMs;
      } else {
        const n = 1 + (i % 24);
        const result = await runner.run(loaded, { entry: stub.symbols.get('deep')!, args: [n, args[0]!, args[1]!, args[2]!, args[3]!] });
        assert.equal(result.value, (args[0]! + args[1]! + args[2]! + args[3]! + 2 * n) >>> 0, `deep(${n}) call ${i}`);
        runMs += result.durationMs;
        deepCalls++;
      }
      calls++;
      const after = await state(target);
      assert.deepEqual(after, before, `call ${i} changed the context: ${diff(before, after)}`);
      if (i % 100 === 99) {
        const counter = await readWord(target, DATA);
        assert.ok(counter > lastCounter, `the program made progress during calls ${i - 99}..${i}`);
        lastCounter = counter;
      }
    }
    const wallMs = performance.now() - wall;

    // Without the Z0 the guest `break` goes to the debug vector: the run times out, and the
    // context is still given back.
    await target.removeBreakpoint(loaded.returnPc, 'software');
    const before = await state(target);
    await assert.rejects(runner.run(loaded, { args: [1, 2, 3, 4, 5], timeoutMs: 100 }), (e: unknown) => {
      assert.ok(e instanceof AlgorithmTimeoutError, String(e));
      assert.equal(e.pc, VECBASE + 0x280, 'parked at the debug vector');
      return true;
    });
    // DEBUGCAUSE now records the guest break: it is the debugger's register and, as in OpenOCD, not
    // part of the context. Everything else is back.
    const afterTimeout = await state(target);
    assert.equal(afterTimeout.get('debugcause')! & 0x08, 0x08, 'DEBUGCAUSE.BI: the guest break was taken');
    afterTimeout.set('debugcause', before.get('debugcause')!);
    assert.deepEqual(afterTimeout, before, 'context after the timeout');
    before.set('debugcause', afterTimeout.get('debugcause')!);
    await target.addBreakpoint(loaded.returnPc, 'software');
    // An illegal instruction: the runner's breakpoint at the user vector reports it at once.
    const ill = stub.symbols.get('ill')!;
    await assert.rejects(runner.run(loaded, { entry: ill }), (e: unknown) => {
      assert.ok(e instanceof AlgorithmExceptionError, String(e));
      assert.equal(e.trap.cause, 0, 'EXCCAUSE 0: illegal instruction');
      assert.equal(e.trap.epc, ill + 3, 'EPC1 at the ill after entry');
      assert.match(e.message, /illegal instruction/);
      return true;
    });
    let afterException = await state(target);
    afterException.set('debugcause', before.get('debugcause')!);
    assert.deepEqual(afterException, before, 'context after the exception');
    // Without the vector breakpoints it goes to the program's user vector (parked here): a timeout.
    await assert.rejects(runner.run(loaded, { entry: ill, timeoutMs: 100, catchExceptions: false }), (e: unknown) => {
      assert.ok(e instanceof AlgorithmTimeoutError, String(e));
      assert.equal(e.pc, VECBASE + 0x340, 'parked at the user exception vector');
      return true;
    });
    afterException = await state(target);
    afterException.set('debugcause', before.get('debugcause')!);
    assert.deepEqual(afterException, before, 'context after the uncaught exception');
    // And the runner still works afterwards.
    assert.equal((await runner.run(loaded, { args: [1, 2, 3, 4, 5] })).value, 3 + 2 - 3 + (4 ^ 5));

    await runner.unload(loaded);
    assert.deepEqual(await target.readMemory(WORK_AREA.start, WORK_AREA.end - WORK_AREA.start), ramBefore, 'work area restored');
    const counter = await readWord(target, DATA);
    await target.resume();
    await new Promise((r) => setTimeout(r, 30));
    await target.halt();
    assert.ok((await readWord(target, DATA)) > counter, 'the program runs on after unload');
    assert.equal(await readWord(target, DATA + 4), 0, 'the program never saw an invariant broken');
    const pc = await target.readRegister('pc');
    const parks = [...vectors.symbols].filter(([name]) => name !== 'of8' && name !== 'uf8').map(([, a]) => a);
    assert.ok(!parks.includes(pc), `the program is not parked in a vector (pc ${pc.toString(16)})`);

    assert.ok(windowStates.size > 3, `interrupted in ${windowStates.size} window/PS states`);
    console.log(
      `xtensa: ${calls} calls (${deepCalls} deep), ${pcs.size} distinct pcs, ${windowStates.size} WB/WS/PS states, ` +
        `${inLoop} mid-loop, ${inHandler} in window handlers; run ${(runMs / calls).toFixed(3)} ms/call, ` +
        `wall ${(wallMs / calls).toFixed(2)} ms/iteration (incl. resume, halt, steps, 2 state reads)`,
    );
  } finally {
    await target?.close().catch(() => undefined);
    await qemu.stop();
  }
});
