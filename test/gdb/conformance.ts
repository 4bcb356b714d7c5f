/**
 * The conformance suite every GDB-reachable target must pass: discovery, memory round trips,
 * registers, breakpoints, step, interrupt and resume. Target-agnostic: options say what the
 * target cannot do. Call runConformance() at the top level of a *.test.ts file.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Target, StopInfo } from '../../src/target/types.js';
import { TargetMemoryError, TargetTimeoutError, RISCV_GPR_NAMES } from '../../src/target/index.js';

export interface ConformanceOptions {
  /** Free RAM for memory tests: at least 64 KiB from here is scratch. */
  readonly ramBase: number;
  /** An instruction the running program executes over and over (breakpoint target). */
  readonly loopAddress: number;
  /** [start, end) of the running program's loop: where an interrupted pc must be. */
  readonly loopRange: readonly [number, number];
  /** The target takes Z1 hardware breakpoints. Default true. */
  readonly hardwareBreakpoints?: boolean;
  /** A word the loop loads and then stores each time round: where watchpoints are tried (when the target has them). */
  readonly watchAddress?: number;
  /** An address where reads must fail with TargetMemoryError. */
  readonly unmappedAddress?: number;
  /** A CSR that must read with the RV32 MXL bits (misa). Default 'misa'; null to skip. */
  readonly misa?: string | null;
  /** Time the program may need to reach a breakpoint. Default 5000 ms. */
  readonly haltTimeoutMs?: number;
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 64, 255, 256, 1000, 1024, 2039, 2040, 2047, 2048, 2049, 4095, 4096, 4097, 8192, 16383, 16384, 16385, 20000];

/** Deterministic bytes that include every value RSP has to escape or treats specially. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  const special = [0x23, 0x24, 0x7d, 0x2a, 0x03, 0x00, 0xff];
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = i % 7 === 3 ? special[(x >>> 8) % special.length]! : x & 0xff;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runConformance(name: string, connect: () => Promise<Target>, options: ConformanceOptions): void {
  const haltTimeout = options.haltTimeoutMs ?? 5000;
  describe(`GDB conformance: ${name}`, () => {
    let target: Target;
    before(async () => {
      target = await connect();
      if (target.state() !== 'halted') await target.halt(haltTimeout);
    });
    after(async () => {
      if (!target) return;
      if (target.state() === 'running') await target.halt(haltTimeout).catch(() => undefined);
      await target.close();
    });

    test('discovery: architecture, register file, capabilities, halted', () => {
      assert.equal(target.architecture, 'riscv32');
      assert.equal(target.state(), 'halted');
      assert.ok(target.capabilities.maxTransfer > 0, 'maxTransfer is positive');
      const names = new Set(target.registers.map((r) => r.name));
      for (const n of [...RISCV_GPR_NAMES.filter((g) => g !== 'fp'), 'pc']) assert.ok(names.has(n), `register ${n} is described`);
      assert.ok(names.has('fp') || names.has('s0'), 'x8 is described as fp or s0');
      const pc = target.registers.find((r) => r.name === 'pc')!;
      assert.equal(pc.regnum, 32);
      assert.equal(target.registers.find((r) => r.name === 'sp')?.regnum, 2);
    });

    test('memory round trips at many sizes and alignments', async () => {
      let seed = 1;
      for (const size of SIZES) {
        for (const misalign of size <= 4096 ? [0, 1, 2, 3] : [0, 3]) {
          const address = options.ramBase + 16 + misalign;
          const guard = pattern(size + 32, seed++);
          await target.writeMemory(options.ramBase, guard);
          const data = pattern(size, seed++);
          await target.writeMemory(address, data);
          const back = await target.readMemory(options.ramBase, size + 32);
          assert.deepEqual(back.subarray(0, 16 + misalign), guard.subarray(0, 16 + misalign), `bytes before a ${size}-byte write at +${misalign} unchanged`);
          assert.deepEqual(back.subarray(16 + misalign, 16 + misalign + size), data, `${size} bytes at +${misalign} read back`);
          assert.deepEqual(back.subarray(16 + misalign + size), guard.subarray(16 + misalign + size), `bytes after a ${size}-byte write at +${misalign} unchanged`);
        }
      }
    });

    test('a zero-length read and write are no-ops', async () => {
      assert.equal((await target.readMemory(options.ramBase, 0)).length, 0);
      await target.writeMemory(options.ramBase, new Uint8Array(0));
    });

    if (options.unmappedAddress !== undefined) {
      const bad = options.unmappedAddress;
      test('reading unmapped memory is a TargetMemoryError naming the address', async () => {
        await assert.rejects(target.readMemory(bad, 4), (err: unknown) => err instanceof TargetMemoryError && err.address >>> 0 === bad >>> 0);
      });
    }

    test('registers: every GPR and pc written and read back; aliases agree', async () => {
      const saved = await target.readRegisters();
      try {
        const values: Record<string, number> = {};
        RISCV_GPR_NAMES.forEach((n, i) => {
          if (i > 0) values[`x${i}`] = (0x9e3779b9 * i + 0x1234) >>> 0;
        });
        await target.writeRegisters(values);
        const back = await target.readRegisters(Object.keys(values));
        for (const [n, v] of Object.entries(values)) assert.equal(back.get(n), v, `${n} read back`);
        assert.equal(await target.readRegister('zero'), 0);
        assert.equal(await target.readRegister('s0'), values['x8']);
        assert.equal(await target.readRegister('fp'), values['x8']);
        await target.writeRegister('a0', 0xdeadbeef);
        assert.equal(await target.readRegister('x10'), 0xdeadbeef);
        await target.writeRegister('pc', options.loopAddress);
        assert.equal(await target.readRegister('pc'), options.loopAddress);
        if (options.misa !== null) {
          const misa = await target.readRegister(options.misa ?? 'misa');
          assert.equal(misa >>> 30, 1, `misa says RV32 (0x${misa.toString(16)})`);
        }
      } finally {
        const restore = new Map([...saved].filter(([n]) => RISCV_GPR_NAMES.includes(n) || n === 'pc'));
        await target.writeRegisters(restore);
      }
    });

    test('step executes one instruction', async () => {
      await target.writeRegister('pc', options.loopAddress);
      const before = await target.readRegister('pc');
      const stop = await target.step(haltTimeout);
      assert.equal(stop.reason, 'step');
      const after = await target.readRegister('pc');
      assert.notEqual(after, before);
      if (stop.pc !== undefined) assert.equal(stop.pc, after);
      assert.equal(target.state(), 'halted');
    });

    const breakpointCase = (kind: 'software' | 'hardware') => async () => {
      await target.writeRegister('pc', options.loopRange[0]);
      const halts: StopInfo[] = [];
      const off = target.on((e) => {
        if (e.type === 'halted') halts.push(e.stop);
      });
      await target.addBreakpoint(options.loopAddress, kind);
      try {
        await target.resume();
        const stop = await target.waitForHalt(haltTimeout);
        assert.equal(stop.reason, kind === 'software' ? 'breakpoint' : 'hw-breakpoint');
        assert.equal(stop.pc, options.loopAddress);
        assert.equal(await target.readRegister('pc'), options.loopAddress);
        assert.equal(halts.length, 1, 'one halted event');
      } finally {
        off();
        await target.removeBreakpoint(options.loopAddress, kind);
      }
      // Without the breakpoint the program runs on until interrupted.
      await target.resume();
      await sleep(20);
      assert.equal(target.state(), 'running');
      const stop = await target.halt(haltTimeout);
      assert.equal(stop.reason, 'interrupt');
    };
    test('software breakpoint: resume runs to it, removal lets the program run', breakpointCase('software'));
    if (options.hardwareBreakpoints !== false) test('hardware breakpoint: resume runs to it', breakpointCase('hardware'));

    const watch = options.watchAddress;
    if (watch !== undefined) {
      test('watchpoints: write and read watchpoints on the loop\'s counter stop in the loop and name it', async () => {
        assert.ok(target.addWatchpoint && target.removeWatchpoint, 'the target offers watchpoints');
        for (const kind of ['write', 'read'] as const) {
          await target.addWatchpoint(watch, 4, kind);
          await target.resume();
          const stop = await target.waitForHalt(haltTimeout);
          await target.removeWatchpoint(watch, 4, kind);
          assert.equal(stop.reason, 'watchpoint', `${kind}: ${JSON.stringify(stop)}`);
          assert.deepEqual(stop.watchpoint, { kind, address: watch });
          assert.ok(stop.pc! >= options.loopRange[0] && stop.pc! < options.loopRange[1], `pc 0x${stop.pc!.toString(16)} is in the loop`);
        }
      });
    }

    test('interrupt and resume, twice; waitForHalt times out while running', async () => {
      for (let round = 0; round < 2; round++) {
        await target.resume();
        assert.equal(target.state(), 'running');
        const t0 = Date.now();
        await assert.rejects(target.waitForHalt(50), TargetTimeoutError);
        assert.ok(Date.now() - t0 < 2000, 'waitForHalt returned in bounded time');
        const stop = await target.halt(haltTimeout);
        assert.equal(stop.reason, 'interrupt');
        assert.equal(target.state(), 'halted');
        const pc = await target.readRegister('pc');
        assert.ok(pc >= options.loopRange[0] && pc < options.loopRange[1], `pc 0x${pc.toString(16)} is in the loop`);
        assert.equal(stop.pc, pc);
      }
      // halt() on a halted target returns at once.
      assert.equal(target.state(), 'halted');
      await target.halt(haltTimeout);
    });
  });
}
