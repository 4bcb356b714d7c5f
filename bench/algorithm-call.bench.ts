/**
 * Calling a function on a halted target: espalgo's runner against gdb's inferior call, side by side
 * on QEMU's RISC-V virt machine in one run. Both call the same function (`sum7`, 7 arguments)
 * that is already in the running program's RAM; espalgo puts its trampoline and stack in RAM the
 * program does not use and restores every register afterwards, as gdb does.
 * Prints the time per call for both, the ratio, and espalgo's RSP packets per call. Each side runs
 * several batches (the machine is shared: a call sometimes waits milliseconds for the scheduler) and
 * its best batch counts, for both sides alike.
 * espalgo's side runs the built package (dist/, what the `espalgo` command and library users run),
 * rebuilt from src/ first: the on-the-fly transform of src/ by tsx adds per-call overhead of its own.
 * Target: espalgo at least 5× faster than gdb.
 *
 *   npx tsx bench/algorithm-call.bench.ts [calls per batch] [batches]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StubImage } from '../src/algorithm/index.js';
import { CC, QEMU, compileRv32, elfSymbols, have, startQemu } from '../test-peers/gdb/qemu.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { encoding: 'utf8' });
if (build.status !== 0) {
  console.error(`building dist/ failed:\n${build.stdout}${build.stderr}`);
  process.exit(2);
}
const { AlgorithmRunner } = await import('../dist/algorithm/index.js');
const { connectRemote } = await import('../dist/gdb/index.js');

const CALLS = Math.max(10, Number(process.argv[2] ?? 500) | 0);
/** Batches per side: these machines are shared and noisy, so each side's best batch is compared. */
const BATCHES = Math.max(1, Number(process.argv[3] ?? 3) | 0);
const WARMUP = 1000;
const TARGET = 5;

const PROGRAM = `
  .section .text.entry, "ax"
  .globl _start
_start:
  la sp, _stack_top
  li s0, 0
loop:
  addi s0, s0, 1
  j loop
  .globl sum7
  .type sum7, @function
sum7:
  add a0, a0, a1
  add a0, a0, a2
  add a0, a0, a3
  add a0, a0, a4
  add a0, a0, a5
  add a0, a0, a6
  ret
  .size sum7, . - sum7
`;
const LD = `ENTRY(_start)
SECTIONS { . = 0x80000000; .text : { *(.text.entry) *(.text*) } . = ALIGN(16) + 0x4000; _stack_top = .; }`;

if (!have(QEMU) || !have(CC) || !have('gdb-multiarch')) {
  console.error(`needs ${QEMU}, ${CC} and gdb-multiarch`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'espalgo-bench-call-'));
try {
  const elf = compileRv32(dir, 'p.elf', { 'p.S': PROGRAM }, LD, ['-g']);
  const sum7 = elfSymbols(elf).get('sum7')!;

  // espalgo
  const qemu = await startQemu(elf);
  let espalgoMs: number;
  let espalgoBatches: number[];
  let espalgoMedian: number;
  let espalgoP99: number;
  let packetsPerCall: number;
  let floorMs: number;
  try {
    const target = await connectRemote('127.0.0.1', qemu.port);
    const runner = new AlgorithmRunner(target, { workArea: { start: 0x80100000, end: 0x80110000 } });
    const image: StubImage = { name: 'sum7', architecture: 'riscv32', entry: sum7, segments: [], bss: [], stackSize: 1024, symbols: {} };
    await target.addBreakpoint(sum7 - 4, 'software'); // the `j loop` before sum7: run the program into its loop
    await target.resume();
    await target.waitForHalt(5000);
    await target.removeBreakpoint(sum7 - 4, 'software');
    const loaded = await runner.load(image);
    const args = [1, 2, 3, 4, 5, 6, 7];
    // Warm up (the JIT compiles the hot path) before measuring.
    for (let i = 0; i < WARMUP; i++) await runner.run(loaded, { args });
    const sent0 = target.stats.packetsSent;
    const batches: number[] = [];
    const perCall: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) {
        const ti = performance.now();
        const r = await runner.run(loaded, { args });
        perCall.push(performance.now() - ti);
        if (r.value !== 28) throw new Error(`espalgo: sum7 returned ${r.value}`);
      }
      batches.push((performance.now() - t0) / CALLS);
    }
    espalgoMs = Math.min(...batches);
    espalgoBatches = batches;
    packetsPerCall = (target.stats.packetsSent - sent0) / (CALLS * BATCHES);
    perCall.sort((a, b) => a - b);
    espalgoMedian = perCall[Math.floor(perCall.length / 2)]!;
    espalgoP99 = perCall[Math.floor(perCall.length * 0.99)]!;
    // The context really is back on the CPU (not only in the client's cache) after the last call.
    await target.flushRegisters({ refetch: true });
    await runner.unload(loaded);
    // The floor any caller pays on this server: one resume that ends on a breakpoint.
    await target.writeRegister('pc', sum7 - 4);
    await target.addBreakpoint(sum7 - 4, 'software');
    const floors: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const f0 = performance.now();
      for (let i = 0; i < CALLS; i++) {
        await target.resume();
        await target.waitForHalt(5000);
      }
      floors.push((performance.now() - f0) / CALLS);
    }
    floorMs = Math.min(...floors);
    await target.removeBreakpoint(sum7 - 4, 'software');
    await target.close();
  } finally {
    await qemu.stop();
  }

  // gdb-multiarch -batch: N inferior calls in one session, minus the same session with none.
  const gdbRun = async (n: number): Promise<number> => {
    const q = await startQemu(elf);
    try {
      // Run the program to its loop first (so sp is set up), then call.
      const args = ['-nx', '-batch', '-ex', `file ${elf}`, '-ex', `target remote 127.0.0.1:${q.port}`,
        '-ex', 'break loop', '-ex', 'continue', '-ex', 'delete'];
      for (let i = 0; i < n; i++) args.push('-ex', 'print (int) sum7(1,2,3,4,5,6,7)');
      args.push('-ex', 'detach');
      const t0 = performance.now();
      const r = spawnSync('gdb-multiarch', args, { encoding: 'utf8' });
      const ms = performance.now() - t0;
      const results = (r.stdout.match(/= 28$/gm) ?? []).length;
      if (results !== n) throw new Error(`gdb: expected ${n} results of 28, got ${results}\n${r.stdout.slice(-500)}${r.stderr.slice(-500)}`);
      return ms;
    } finally {
      await q.stop();
    }
  };
  const bases: number[] = [];
  const fulls: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    bases.push(await gdbRun(0));
    fulls.push(await gdbRun(CALLS));
  }
  const base = Math.min(...bases);
  const gdbBatches = fulls.map((full) => Math.max(0, full - base) / CALLS);
  const gdbMs = Math.min(...gdbBatches);

  const ratio = gdbMs / espalgoMs;
  const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' / ');
  console.log(`calls per side           ${BATCHES} batches of ${CALLS}; each side's best batch counts (espalgo ${list(espalgoBatches)}; gdb ${list(gdbBatches)} ms/call)`);
  console.log(`espalgo runner           ${espalgoMs.toFixed(3)} ms/call (median call ${espalgoMedian.toFixed(3)}, p99 ${espalgoP99.toFixed(3)}), ${packetsPerCall.toFixed(1)} RSP packets/call (stub already loaded)`);
  console.log(`gdb-multiarch -batch     ${gdbMs.toFixed(3)} ms/call (inferior call \`print sum7(...)\`, session start subtracted)`);
  console.log(`resume→stop floor        ${floorMs.toFixed(3)} ms (QEMU: one continue that ends on a breakpoint; no call can be faster)`);
  console.log(`ratio (gdb / espalgo)    ${ratio.toFixed(1)}x   target >= ${TARGET}x: ${ratio >= TARGET ? 'met' : 'NOT met'} (at most ${(gdbMs / floorMs).toFixed(1)}x possible on this server)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
