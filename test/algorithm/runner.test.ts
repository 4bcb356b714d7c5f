import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlgorithmArgumentError,
  AlgorithmExceptionError,
  AlgorithmLoadError,
  AlgorithmNotRestoredError,
  AlgorithmRunner,
  AlgorithmTimeoutError,
  AlgorithmUnexpectedStopError,
  AlgorithmUnsupportedError,
  stubImageFromJson,
  stubImageToJson,
  TRAP_RECORD_MAGIC,
  type StubImage,
} from '../../src/algorithm/index.js';
import { TargetDisconnectedError } from '../../src/target/index.js';
import { ScriptedTarget } from './scripted-target.js';

const BASE = 0x80000000;
const ENTRY = 0x80000100;

function image(overrides: Partial<StubImage> = {}): StubImage {
  return {
    name: 'test-stub',
    architecture: 'riscv32',
    entry: ENTRY,
    segments: [
      { address: 0x80000000, bytes: new Uint8Array(0x200).fill(0x13), executable: true },
      { address: 0x80000200, bytes: Uint8Array.from([1, 2, 3, 4]), executable: false },
    ],
    bss: [{ address: 0x80000204, size: 0x3c }],
    stackSize: 1024,
    symbols: {},
    ...overrides,
  };
}

/** The little-endian word at `address` of a RAM copy starting at BASE. */
const wordIn = (ram: Uint8Array, address: number): number => new DataView(ram.buffer, ram.byteOffset).getUint32(address - BASE, true);

function program(target: ScriptedTarget): Map<string, number> {
  // The interrupted program's context: every register holds a distinct value, RAM a pattern.
  let v = 0x1000;
  for (const name of target.regs.keys()) target.regs.set(name, (v += 0x111) >>> 0);
  target.regs.set('pc', 0x80008000);
  target.regs.set('mstatus', 0x1888);
  for (let i = 0; i < target.ram.length; i++) target.ram[i] = (i * 7 + 3) & 0xff;
  return new Map(target.regs);
}

test('a call returns a0, restores every register and every byte of RAM', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  const before = program(target);
  const ramBefore = target.ram.slice();
  target.routines.set(ENTRY, (cpu) => {
    assert.equal(cpu.regs.get('mstatus')! & 8, 0, 'interrupts masked during the run');
    assert.equal(cpu.regs.get('sp')! % 16, 0, 'sp 16-byte aligned');
    assert.equal(cpu.word(0x80000200), 0x04030201, 'data at its link address');
    assert.equal(cpu.word(0x80000204), 0, 'bss cleared');
    const sum = cpu.regs.get('a0')! + cpu.regs.get('a1')! + cpu.regs.get('a6')!;
    for (const name of ['t0', 's0', 'fp', 's11', 'gp', 'tp', 'ra', 'mepc']) if (cpu.regs.has(name)) cpu.regs.set(name, 0xbad);
    cpu.regs.set('a0', sum);
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  const result = await runner.call(image(), { args: [1, 2, 0, 0, 0, 0, 39], verifyRestore: true });
  assert.equal(result.value, 42);
  assert.equal(result.restoreVerified, true);
  assert.deepEqual(new Map(target.regs), before);
  assert.deepEqual(target.ram, ramBefore);
});

test('a stub linked outside a work area that was given is refused before anything is written, saying to widen the area or relink', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const ramBefore = target.ram.slice();
  const runner = new AlgorithmRunner(target, { workArea: { start: 0x80010000, end: 0x80018000 } });
  await assert.rejects(runner.call(image(), {}), (e: unknown) => {
    assert.equal((e as { code?: string }).code, 'ALGO_WORK_AREA');
    assert.match((e as Error).message, /test-stub code @0x80000000 needs 0x80000000\.\.0x80000200 but the work area is 0x80010000\.\.0x80018000; give a work area that covers the stub's link addresses, or link the stub inside this one$/);
    return true;
  });
  assert.deepEqual(target.ram, ramBefore);
});

test("the loader clears BSS but the image's scratch buffer (its users write it before reading), and gives it all back", async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const ramBefore = target.ram.slice();
  const scratch = { address: 0x80000280, size: 0x100 };
  let seen: { low: number; high: number; scratch: number } | undefined;
  target.routines.set(ENTRY, (cpu) => {
    seen = { low: cpu.word(0x80000204), high: cpu.word(0x800003fc), scratch: cpu.word(scratch.address) };
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  await runner.call(image({ bss: [{ address: 0x80000204, size: 0x1fc }], symbols: { scratch } }));
  assert.deepEqual(seen, { low: 0, high: 0, scratch: wordIn(ramBefore, scratch.address) });
  assert.deepEqual(target.ram, ramBefore);
});

test('with claimOnDemand the loader leaves the on-demand range unheld and places nothing in it; what is covered comes back', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const ramBefore = target.ram.slice();
  const onDemand = { address: 0x80000280, size: 0x180 };
  const stub = image({ bss: [{ address: 0x80000204, size: 0x1fc }], symbols: { scratch: { address: 0x80000280, size: 0x100 }, onDemand } });
  target.routines.set(ENTRY, (cpu) => {
    cpu.ram.fill(0xab, onDemand.address - BASE, onDemand.address - BASE + 0x40); // what it was told it may write
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  const loaded = await runner.load(stub, { claimOnDemand: true });
  const inside = (a: { address: number; size: number }) => a.address < onDemand.address + onDemand.size && onDemand.address < a.address + a.size;
  assert.deepEqual(loaded.allocator.allocated.filter(inside), [], 'no area (stack, trampoline, BSS) in the on-demand range');
  assert.equal(target.word(onDemand.address + 0x100), wordIn(ramBefore, onDemand.address + 0x100), 'not cleared');
  await loaded.allocator.cover(onDemand.address, 0x40, 'claimed');
  await runner.run(loaded);
  await runner.unload(loaded);
  assert.deepEqual(target.ram, ramBefore);
});

test('memory arguments are placed, patched into their argument and copied back', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const ramBefore = target.ram.slice();
  target.routines.set(ENTRY, (cpu) => {
    const src = cpu.regs.get('a1')!;
    const dst = cpu.regs.get('a2')!;
    for (let i = 0; i < 16; i++) cpu.ram[dst - BASE + i] = cpu.ram[src - BASE + i]! ^ 0xff;
    cpu.regs.set('a0', 0);
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  const input = Uint8Array.from({ length: 16 }, (_, i) => i);
  const result = await runner.call(image(), {
    args: [7, 0, 0],
    memoryArguments: [
      { argIndex: 1, input },
      { argIndex: 2, size: 16, output: true },
    ],
  });
  assert.deepEqual(result.outputs.get(2), input.map((b) => b ^ 0xff));
  assert.deepEqual(target.ram, ramBefore);
});

test('an exception is reported from the CPU registers and the context restored', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  const before = program(target);
  target.routines.set(ENTRY, () => 'trap');
  const runner = new AlgorithmRunner(target);
  await assert.rejects(runner.call(image()), (error: unknown) => {
    assert.ok(error instanceof AlgorithmExceptionError);
    assert.equal(error.trap.source, 'csr');
    assert.equal(error.trap.cause, 2);
    assert.equal(error.trap.tval, 0xdeadbeef);
    assert.match(error.message, /illegal instruction/);
    return true;
  });
  assert.deepEqual(new Map(target.regs), before);
});

test('the stub trap record is preferred when the stub has its own trap entry', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const record = 0x80000300;
  target.routines.set(ENTRY, (cpu) => {
    const view = new DataView(cpu.ram.buffer);
    const o = record - BASE;
    view.setUint32(o, TRAP_RECORD_MAGIC, true);
    view.setUint32(o + 12, 5, true);
    view.setUint32(o + 16, 0x80000120, true);
    view.setUint32(o + 20, 0x3c000000, true);
    return 'trap';
  });
  const img = image({
    segments: [{ address: 0x80000000, bytes: new Uint8Array(0x200), executable: true }],
    bss: [{ address: 0x80000300, size: 128 }],
    symbols: { trapRecord: record, trapEntry: 0x80000180 },
  });
  target.routines.set(ENTRY, target.routines.get(ENTRY)!);
  const runner = new AlgorithmRunner(target);
  await assert.rejects(runner.call(img), (error: unknown) => {
    assert.ok(error instanceof AlgorithmExceptionError);
    assert.equal(error.trap.source, 'trap-record');
    assert.equal(error.trap.cause, 5);
    assert.equal(error.trap.epc, 0x80000120);
    assert.match(error.message, /load access fault/);
    return true;
  });
});

test('a routine that never returns times out, is halted, and the context restored', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  const before = program(target);
  target.routines.set(ENTRY, (cpu) => {
    cpu.regs.set('s3', 0x12345);
    return 'hang';
  });
  const runner = new AlgorithmRunner(target);
  await assert.rejects(runner.call(image(), { timeoutMs: 20 }), (error: unknown) => {
    assert.ok(error instanceof AlgorithmTimeoutError);
    assert.equal(error.registers['s3'], 0x12345);
    return true;
  });
  assert.deepEqual(new Map(target.regs), before);
  assert.equal(target.state(), 'halted');
});

test('an argument a register cannot hold (2 ** 33, 1.5) is refused (ALGO_ARGS) before the routine runs; -1 and 0xFFFFFFFF go through', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const seen: number[] = [];
  target.routines.set(ENTRY, (cpu) => {
    seen.push(cpu.regs.get('a0')!);
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  const loaded = await runner.load(image());
  try {
    for (const bad of [2 ** 33, 1.5, -0x80000001, Number.NaN]) {
      await assert.rejects(runner.run(loaded, { args: [0, bad] }), (e: unknown) => e instanceof AlgorithmArgumentError && e.code === 'ALGO_ARGS' && /argument 1 \(.*\) is not a 32-bit number/.test(e.message), String(bad));
    }
    assert.deepEqual(seen, [], 'nothing ran');
    await runner.run(loaded, { args: [-1] });
    await runner.run(loaded, { args: [0xffffffff] });
    assert.deepEqual(seen, [0xffffffff, 0xffffffff]);
  } finally {
    await runner.unload(loaded);
  }
});

test('a stub that was unloaded is refused (ALGO_LOAD) before the target is touched: its RAM holds the program again', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  const before = program(target);
  let runs = 0;
  target.routines.set(ENTRY, (cpu) => {
    runs++;
    cpu.regs.set('a0', 7);
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  const loaded = await runner.load(image());
  assert.equal((await runner.run(loaded)).value, 7);
  await runner.unload(loaded);
  const ramAfterUnload = target.ram.slice();
  await assert.rejects(runner.run(loaded), (error: unknown) => {
    assert.ok(error instanceof AlgorithmLoadError);
    assert.equal(error.code, 'ALGO_LOAD');
    assert.match(error.message, /test-stub was unloaded/);
    return true;
  });
  assert.equal(runs, 1, 'the unloaded stub never ran');
  assert.deepEqual(new Map(target.regs), before);
  assert.deepEqual(target.ram, ramAfterUnload);
});

test('a stop on a break instruction in code the routine calls is told apart from a debugger\'s breakpoint, and the context restored', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  const before = program(target);
  const ramBefore = target.ram.slice();
  // Called code at 0x80004000 holds c.ebreak in RAM; at 0x80004010 a plain instruction (c.nop).
  target.ram.set([0x02, 0x90], 0x4000);
  target.ram.set([0x01, 0x00], 0x4010);
  ramBefore.set([0x02, 0x90], 0x4000);
  ramBefore.set([0x01, 0x00], 0x4010);
  const runner = new AlgorithmRunner(target);
  for (const [stopAt, site, wording] of [
    [0x80004000, 'called-code', /stopped at 0x80004000 on a break instruction in code it calls \(compiled in, or a software breakpoint a debugger left there\)/],
    [0x80004010, undefined, /stopped at 0x80004010 \(breakpoint\) instead of returning; a breakpoint of yours may lie in code it calls/],
  ] as const) {
    target.routines.set(ENTRY, () => ({ stopAt }));
    await assert.rejects(runner.call(image()), (e: unknown) => {
      assert.ok(e instanceof AlgorithmUnexpectedStopError, String(e));
      assert.equal(e.breakInstruction, site);
      assert.match(e.message, wording);
      return true;
    });
    assert.deepEqual(new Map(target.regs), before);
    assert.deepEqual(target.ram, ramBefore);
  }
});

test('targets that do not halt on ebreak get software breakpoints at the return and the catcher', async () => {
  const target = new ScriptedTarget(BASE, 0x20000, false);
  program(target);
  target.routines.set(ENTRY, (cpu) => {
    assert.equal(cpu.breakpoints.size, 2);
    cpu.regs.set('a0', 99);
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  assert.equal((await runner.call(image())).value, 99);
  assert.equal(target.breakpoints.size, 0, 'breakpoints removed after unload');
});

test('a co-routine needs memory access while running and says so when absent', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  target.capabilities = { ...target.capabilities, memoryWhileRunning: false };
  program(target);
  target.routines.set(ENTRY, () => 'return');
  const runner = new AlgorithmRunner(target);
  await assert.rejects(runner.call(image(), { coroutine: { run: async () => undefined } }), AlgorithmUnsupportedError);
});

test('co-routine init, run and done are called in order around the run', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const calls: string[] = [];
  target.routines.set(ENTRY, () => {
    calls.push('stub');
    return 'return';
  });
  const runner = new AlgorithmRunner(target);
  await runner.call(image(), {
    coroutine: {
      init: async () => void calls.push('init'),
      run: async () => void calls.push('run'),
      done: async () => void calls.push('done'),
    },
  });
  assert.deepEqual(calls, ['init', 'stub', 'run', 'done']);
});

test('stub images round-trip through their JSON descriptor', () => {
  const img = image({ symbols: { logBuffer: { address: 0x80000400, size: 256 } } });
  const back = stubImageFromJson(JSON.parse(JSON.stringify(stubImageToJson(img))));
  assert.deepEqual(back, img);
});

test('a malformed stub image descriptor is refused with a typed error naming what is wrong', () => {
  const good = JSON.parse(JSON.stringify(stubImageToJson(image())));
  const cases: [string, unknown, RegExp][] = [
    ['segment without bytes', { ...good, segments: [{ address: 0x80000000 }] }, /segment 0 needs .*base64/],
    ['segment not an object', { ...good, segments: [5] }, /segment 0 needs/],
    ['bad base64', { ...good, segments: [{ address: 0, base64: '%%%' }] }, /segment 0 needs/],
    ['unknown architecture', { ...good, architecture: 'arm' }, /architecture "arm"/],
    ['bss without size', { ...good, bss: [{ address: 1 }] }, /bss range 0/],
    ['negative stack', { ...good, stackSize: -1 }, /stackSize/],
    ['entry as text', { ...good, entry: '0x80000100' }, /missing entry/],
    // Symbols the runner writes or reads during a run: a wrong shape would be used as address 0.
    ['log buffer as a bare address', { ...good, symbols: { logBuffer: 0x80000400 } }, /symbols\.logBuffer must be \{address, size\}/],
    ['trap record as text', { ...good, symbols: { trapRecord: '0x80000400' } }, /symbols\.trapRecord must be an address/],
    ['region without size', { ...good, symbols: { regions: { state: { address: 0x80000400 } } } }, /symbols\.regions\.state must be/],
    ['symbols as a list', { ...good, symbols: [] }, /"symbols" must be an object/],
    ['iram as start/end', { ...good, iram: { start: 0x80000000, end: 0x80001000 } }, /"iram" must be \{address, size\}/],
    ['name not text', { ...good, name: { a: 1 } }, /"name" must be a string/],
  ];
  for (const [what, json, message] of cases) {
    assert.throws(() => stubImageFromJson(json), (e: unknown) => e instanceof AlgorithmLoadError && message.test(e.message), what);
  }
});

test('a failing co-routine fails the call after the stub stopped, and the context is restored', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  const before = program(target);
  target.routines.set(ENTRY, () => 'return');
  const runner = new AlgorithmRunner(target);
  const failure = new Error('link lost while streaming');
  await assert.rejects(runner.call(image(), { coroutine: { run: async () => { throw failure; } } }), (e: unknown) => e === failure);
  assert.deepEqual(new Map(target.regs), before);
});

test('a run whose memory-argument RAM cannot be given back fails instead of reporting success', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  let ran = false;
  target.routines.set(ENTRY, () => {
    ran = true;
    return 'return';
  });
  const write = target.writeMemory.bind(target);
  target.writeMemory = async (address: number, data: Uint8Array) => {
    if (ran && data.length === 64) throw new Error('link lost');
    return write(address, data);
  };
  const runner = new AlgorithmRunner(target);
  const loaded = await runner.load(image());
  await assert.rejects(runner.run(loaded, { args: [0], memoryArguments: [{ argIndex: 0, size: 64, output: true }] }), /link lost/);
});

/** A scripted target whose link drops while the routine runs: every later request fails. */
function droppingLink(target: ScriptedTarget): void {
  let down = false;
  const lost = (what: string) => Promise.reject(new TargetDisconnectedError(what, 'the server closed the connection'));
  const guard = <K extends 'halt' | 'readRegisters' | 'writeRegisters' | 'readMemory' | 'writeMemory'>(name: K) => {
    const original = (target[name] as (...a: unknown[]) => Promise<unknown>).bind(target);
    (target as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => (down ? lost(name) : original(...a));
  };
  for (const name of ['halt', 'readRegisters', 'writeRegisters', 'readMemory', 'writeMemory'] as const) guard(name);
  target.waitForHalt = async () => {
    down = true;
    return lost('waitForHalt');
  };
}

test('a link that drops mid-call is reported as not restored (registers and borrowed RAM), never as restored', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  target.routines.set(ENTRY, () => 'hang');
  droppingLink(target);
  const runner = new AlgorithmRunner(target);
  const loaded = await runner.load(image());
  const borrowed = loaded.allocator.backedUpBytes;
  await assert.rejects(runner.runOnce(loaded, { args: [1] }), (e: unknown) => {
    assert.ok(e instanceof AlgorithmNotRestoredError, String(e));
    assert.deepEqual(e.left, { registers: true, ramBytes: borrowed });
    assert.ok(e.failure instanceof TargetDisconnectedError);
    assert.match(e.message, /^test-stub: connection lost during waitForHalt.*The target could not be put back: the program's registers and \d+ bytes of RAM the call borrowed are as the routine left them/);
    assert.doesNotMatch(e.message, /was restored/);
    return true;
  });
});

test('a run that timed out and then cannot be restored says so instead of "the target state was restored"', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  target.routines.set(ENTRY, () => 'hang');
  const runner = new AlgorithmRunner(target);
  const loaded = await runner.load(image());
  const write = target.writeRegisters.bind(target);
  let timedOut = false;
  const wait = target.waitForHalt.bind(target);
  target.waitForHalt = async (ms: number) => wait(ms).catch((e: unknown) => { timedOut = true; throw e; });
  target.writeRegisters = async (values) => (timedOut ? Promise.reject(new Error('E01')) : write(values));
  await assert.rejects(runner.runOnce(loaded, { timeoutMs: 10 }), (e: unknown) =>
    e instanceof AlgorithmNotRestoredError && /did not finish within 10 ms\. The target could not be put back \(E01\): the program's registers are as/.test(e.message));
});

test('the log and trap record read empty at every start; cleared only when a run may have left them otherwise', async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  const record = 0x80000300;
  const log = { address: 0x80000400, size: 64 };
  const QUIET = ENTRY, LOGS = ENTRY + 0x10, TRAPS = ENTRY + 0x20;
  const startsEmpty = (cpu: ScriptedTarget) => {
    assert.equal(cpu.word(record), 0, 'trap record empty at the start');
    assert.equal(cpu.word(log.address), 0, 'log empty at the start');
  };
  target.routines.set(QUIET, (cpu) => (startsEmpty(cpu), 'return'));
  target.routines.set(LOGS, (cpu) => {
    startsEmpty(cpu);
    cpu.ram.set([2, 0, 0, 0, 0x68, 0x69], log.address - BASE);
    return 'return';
  });
  target.routines.set(TRAPS, (cpu) => {
    startsEmpty(cpu);
    new DataView(cpu.ram.buffer).setUint32(record - BASE, TRAP_RECORD_MAGIC, true);
    return 'trap';
  });
  const img = image({
    segments: [{ address: 0x80000000, bytes: new Uint8Array(0x200), executable: true }],
    bss: [{ address: 0x80000300, size: 0x200 }],
    symbols: { trapRecord: record, trapEntry: 0x80000180, logBuffer: log },
  });
  // Stale contents from before the load must never pass for a run's.
  target.ram.fill(0xee, record - BASE, record - BASE + 4);
  target.ram.fill(0xee, log.address - BASE, log.address - BASE + 4);
  const runner = new AlgorithmRunner(target, { backup: false });
  const loaded = await runner.load(img);
  const recordWrites: number[] = [];
  const write = target.writeMemory.bind(target);
  target.writeMemory = async (address, data) => {
    if (address === record || address === log.address) recordWrites.push(address);
    return write(address, data);
  };
  const run = async (entry: number) => {
    recordWrites.length = 0;
    const r = await runner.run(loaded, { entry });
    return { log: r.log, writes: [...recordWrites] };
  };
  // Stubs routinely run back to back; the first run clears both, clean runs after it neither.
  assert.deepEqual(await run(QUIET), { log: '', writes: [record, log.address] });
  assert.deepEqual(await run(QUIET), { log: '', writes: [] });
  assert.deepEqual(await run(LOGS), { log: 'hi', writes: [] });
  assert.deepEqual(await run(QUIET), { log: '', writes: [log.address] }, 'a log was left: cleared');
  recordWrites.length = 0;
  await assert.rejects(runner.run(loaded, { entry: TRAPS }), AlgorithmExceptionError);
  assert.deepEqual(await run(QUIET), { log: '', writes: [record, log.address] }, 'after a failed run: both cleared');
  await runner.unload(loaded);
});

test('a co-routine still running when the stub halts is told to stop, and the run waits for it', { timeout: 5000 }, async () => {
  const target = new ScriptedTarget(BASE, 0x20000);
  program(target);
  target.routines.set(ENTRY, (cpu) => (cpu.regs.set('a0', 7), 'return'));
  let polls = 0;
  let sawStop = false;
  const result = await new AlgorithmRunner(target).call(image(), {
    coroutine: {
      run: async (ctx) => {
        while (!ctx.signal.aborted) {
          polls++;
          await new Promise((r) => setImmediate(r));
        }
        sawStop = true;
      },
    },
  });
  assert.equal(result.value, 7);
  assert.ok(sawStop, 'the co-routine saw the stop before the run returned');
  assert.ok(polls >= 1);
});
