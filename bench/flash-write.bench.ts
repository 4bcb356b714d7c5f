/**
 * Flash write throughput through the simulator's GDB server over loopback, next to the raw memory
 * write throughput of the same bytes (target.writeMemory into RAM over the same link), measured in
 * one run. For each image: bytes on the wire per flash byte, and the write phase's KiB/s with and
 * without deflate, against raw.
 *
 * Images: "firmware" = firmware/build/espalgo-demo.bin padded with 0xFF to 256 KiB (a small
 * app and erased flash: it compresses to under 1 %); "code" = 256 KiB from the middle of the
 * .text section of a real compiled program (/usr/bin/openocd, x86-64 machine code, when present;
 * it compresses to ~55 %, as ESP32 application code does); "random" = 256 KiB that does not
 * compress.
 *
 * With deflate, writeFlash compresses the planned image on the thread pool while it surveys the
 * target, so its write phase mostly finds the data compressed; the "whole write" column includes
 * the plan. The extra row "on, no survey" (skipUnchanged false: the plan reads nothing) shows the
 * write phase when compression overlaps the stream instead (no goal).
 *
 * Targets: uncompressed flash write >= 0.8 x raw memory write; deflated >= 1.5 x raw. Each image
 * and mode gets WARMUP unmeasured rounds (default 20: the steady state, with V8's optimised code,
 * is what a long write sees), then ROUNDS measured ones (default 5, median).
 *
 * Last, "deflate budget" lines turn the 1.5 x goal into milliseconds for each compressible image
 * and set beside it the two parts of a deflated write measured alone: the link carrying only the
 * deflated bytes, and the stub inflating and programming them (compressed beforehand) on the
 * in-process target.
 *
 *   npx tsx bench/flash-write.bench.ts [rounds] [warm-up rounds] [images, e.g. code,random]
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { connectRemote } from '../src/gdb/remote-target.js';
import { startGdbServer } from '../src/gdb/server.js';
import { eraseFlash } from '../src/flash/erase.js';
import { openFlashSession, type FlashSession } from '../src/flash/session.js';
import type { TransferMode } from '../src/flash/transfer.js';
import { writeFlash } from '../src/flash/write.js';
import { createSimulatedEsp32c3 } from '../src/sim/esp32c3/create.js';
import type { Target } from '../src/target/types.js';
import { benchImages } from './images.js';
import { median } from './stats.js';

const ROUNDS = Math.max(1, Number(process.argv[2] ?? 5) | 0);
const WARMUP = Math.max(0, Number(process.argv[3] ?? 20) | 0);
const ONLY = process.argv[4]?.split(',');
const SIZE = Number(process.env.BENCH_SIZE ?? 0x40000);
const AT = 0x200000;
const RAM = 0x3fcb0000; // 64 KiB of SRAM above the stub's work area
const RAM_WINDOW = 0x10000;

async function rawWrite(target: Target, bytes: Uint8Array): Promise<number> {
  const t = performance.now();
  for (let at = 0; at < bytes.length; at += RAM_WINDOW) await target.writeMemory(RAM, bytes.subarray(at, at + RAM_WINDOW));
  return performance.now() - t;
}

interface Variant {
  readonly mode: TransferMode;
  readonly survey: boolean;
  readonly label: string;
  /** Ratio to raw it must reach; undefined: shown for information. */
  readonly goal: number | undefined;
}

async function flashWrite(session: FlashSession, bytes: Uint8Array, v: Variant): Promise<{ writeMs: number; totalMs: number; wire: number }> {
  await eraseFlash(session, AT, bytes.length); // not timed: every run programs erased flash
  const r = await writeFlash(session, AT, bytes, { mode: v.mode, verify: false, skipUnchanged: v.survey });
  if (r.bytesProgrammed === 0) throw new Error('nothing was programmed');
  return { writeMs: r.ms.write, totalMs: r.ms.total, wire: r.wireBytes };
}

const kbps = (bytes: number, ms: number) => bytes / 1024 / (ms / 1000);

/** Median of `rounds` timings of `f` after `warmup` unmeasured ones. */
async function timed(warmup: number, rounds: number, f: () => Promise<number>): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const t: number[] = [];
  for (let i = 0; i < rounds; i++) t.push(await f());
  return median(t);
}

/**
 * The deflate goal as a time budget, and the two parts that fill it, each measured alone: the link
 * carrying just the deflated bytes (a raw RAM write of that many bytes over the same connection) and
 * the stub inflating and programming them on the in-process target (no link). On one thread the
 * parts add up; their sum against the budget says how far the goal is from this design.
 */
async function deflateBudget(remote: Target, local: FlashSession, images: readonly { name: string; bytes: Uint8Array }[]): Promise<void> {
  for (const { name, bytes } of images) {
    const packed = deflateRawSync(bytes);
    const raw = await timed(WARMUP, ROUNDS, () => rawWrite(remote, bytes));
    const link = await timed(WARMUP, ROUNDS, () => rawWrite(remote, packed));
    // The stream alone, its data compressed beforehand (writeFlash's write phase can also wait for
    // compression still on the thread pool; that belongs to neither part).
    const stub = await timed(WARMUP, ROUNDS, async () => {
      await eraseFlash(local, AT, bytes.length);
      const t = performance.now();
      await local.stub.streamWrite(AT, packed, { deflatedTo: bytes.length });
      return performance.now() - t;
    });
    console.log(
      `deflate budget, ${name}: 1.5 x raw means the write phase in <= ${(raw / 1.5).toFixed(2)} ms (raw ${raw.toFixed(2)} ms); ` +
        `the link for the ${packed.length} deflated bytes alone ${link.toFixed(2)} ms + inflating and programming in process alone ${stub.toFixed(2)} ms ` +
        `= ${(link + stub).toFixed(2)} ms (${(raw / (link + stub)).toFixed(2)} x raw at best on one thread; with an inflater and flash that took no time at all, ` +
        `the link alone would allow ${(raw / link).toFixed(2)} x)`,
    );
  }
}

async function main(): Promise<void> {
  const sim = createSimulatedEsp32c3({ flash: 'firmware/build/demo-micropython-4MB.bin', run: false });
  const server = await startGdbServer(sim.target, { port: 0 });
  const remote = await connectRemote('127.0.0.1', server.port, { timeoutMs: 5000 });
  let ok = true;
  try {
    const session = await openFlashSession(remote, { timeoutScale: 20 });
    const uncompressedMode: TransferMode = remote.capabilities.memoryWhileRunning ? 'stream' : 'calls';
    console.log(`flash write bench: ${SIZE / 1024} KiB per image, ${WARMUP} warm-up + ${ROUNDS} rounds (median), sim GDB server on 127.0.0.1:${server.port}, uncompressed mode ${uncompressedMode}`);
    console.log('image     deflate             wire/flash   raw RAM KiB/s   flash write KiB/s   ratio to raw   whole write KiB/s');
    const variants: Variant[] = [
      { mode: uncompressedMode, survey: true, label: 'off', goal: 0.8 },
      { mode: 'deflate', survey: true, label: 'on', goal: 1.5 },
      { mode: 'deflate', survey: false, label: 'on, no survey', goal: undefined },
    ];
    for (const image of benchImages(SIZE, ONLY)) {
      const bytes = image.bytes;
      const deflated = deflateRawSync(bytes).length;
      for (const v of variants) {
        const raw: number[] = [];
        const write: number[] = [];
        const total: number[] = [];
        let wire = 0;
        // Unmeasured rounds first: V8 compiles the hot paths of both over the first few dozen calls,
        // so the comparison is of steady states, as in a long write.
        for (let round = 0; round < WARMUP; round++) {
          await session.stub.ping();
          await rawWrite(remote, bytes);
          await flashWrite(session, bytes, v);
        }
        for (let round = 0; round < ROUNDS; round++) {
          // Side by side: the same bytes into RAM, then into flash, in each round.
          await session.stub.ping(); // the target is halted by the session
          raw.push(await rawWrite(remote, bytes));
          const f = await flashWrite(session, bytes, v);
          write.push(f.writeMs);
          total.push(f.totalMs);
          wire = f.wire;
        }
        const rawK = kbps(bytes.length, median(raw));
        const writeK = kbps(bytes.length, median(write));
        const ratio = writeK / rawK;
        // Random data does not compress: deflate has no goal there.
        const goal = image.name === 'random' && v.mode === 'deflate' ? undefined : v.goal;
        const pass = goal === undefined || ratio >= goal;
        if (!pass) ok = false;
        const verdict = goal === undefined ? (v.goal === undefined ? 'info' : 'n/a (incompressible)') : pass ? 'PASS' : 'NOT MET';
        const label = v.mode === 'deflate' ? `${v.label} (${((deflated / bytes.length) * 100).toFixed(1)}%)` : v.label;
        console.log(
          `${image.name.padEnd(9)} ${label.padEnd(19)} ${(wire / bytes.length).toFixed(3).padStart(10)}   ` +
            `${rawK.toFixed(0).padStart(13)}   ${writeK.toFixed(0).padStart(17)}   ${ratio.toFixed(2).padStart(6)} ${goal === undefined ? '' : `(goal ${goal}) `}${verdict}   ${kbps(bytes.length, median(total)).toFixed(0).padStart(8)}`,
        );
      }
    }
    await session.close();
    // Where the time goes: the same uncompressed write on the in-process target, no link at all.
    const local = await openFlashSession(sim.target, { timeoutScale: 20 });
    const bytes = new Uint8Array(randomBytes(SIZE));
    const f = await flashWrite(local, bytes, variants[0]!);
    console.log(
      `in-process (no GDB link), random, ${uncompressedMode}: ${kbps(SIZE, f.writeMs).toFixed(0)} KiB/s — the stub and the simulated flash alone; ` +
        'over loopback the simulator, the GDB server and the client share one thread, so their work adds up',
    );
    await deflateBudget(remote, local, benchImages(SIZE, ONLY).filter((i) => i.name !== 'random'));
    await local.close();
  } finally {
    await remote.close();
    await server.close();
    await sim.close();
  }
  console.log(ok ? 'overall: PASS' : 'overall: NOT MET');
  if (!ok) process.exitCode = 1;
}

await main();
