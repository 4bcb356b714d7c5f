/**
 * Flash-map analysis speed against reading the file: a 32 MiB MicroPython-like flash file
 * (bootloader, table, app, then 0xFF up to 32 MiB) is written to a temp folder; then, side by
 * side in one run, we time reading it once (fs.readFileSync) and analysing it (analyzeFlashMap,
 * default options: no hashing). Target: analysis < 5 % of the read.
 *
 *   npx tsx --expose-gc bench/flash-map.bench.ts [repetitions]
 *
 * With --expose-gc a collection runs before each timed step, so neither side pays for the
 * other's garbage (each read leaves a 32 MiB buffer behind).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleFlash } from '../src/image/examples/index.js';
import { analyzeFlashMap } from '../src/image/flash-map/index.js';

const SIZE = 32 * 1024 * 1024;
const TARGET = 0.05;
const reps = Math.max(3, Math.min(101, Number(process.argv[2] ?? 21) | 0));
const collect = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const dir = mkdtempSync(join(tmpdir(), 'espalgo-bench-'));
try {
  const file = join(dir, 'micropython-32MiB.bin');
  writeFileSync(file, buildExampleFlash('micropython', { padTo: SIZE }).bytes);

  // Warm up: the page cache for the read, the JIT for the analysis. The first (cold) analysis
  // is reported too: it is what a one-shot CLI run pays.
  let bytes = new Uint8Array(readFileSync(file));
  const c0 = performance.now();
  analyzeFlashMap(bytes);
  const coldMs = performance.now() - c0;
  for (let i = 0; i < 20; i++) analyzeFlashMap(bytes);

  const readMs: number[] = [];
  const analyzeMs: number[] = [];
  let sink = 0;
  for (let i = 0; i < reps; i++) {
    collect();
    const t0 = performance.now();
    const buf = readFileSync(file);
    const t1 = performance.now();
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    collect();
    const t2 = performance.now();
    const report = analyzeFlashMap(bytes);
    const t3 = performance.now();
    sink += report.apps.length + buf.length;
    readMs.push(t1 - t0);
    analyzeMs.push(t3 - t2);
  }
  const r = median(readMs);
  const a = median(analyzeMs);
  const ratio = a / r;
  const check = analyzeFlashMap(bytes);
  // For information: the same with every 4 KiB boundary probed (no skipping of partition areas).
  const allMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    collect();
    const t = performance.now();
    analyzeFlashMap(bytes, { scanAllTables: true });
    allMs.push(performance.now() - t);
  }
  console.log(`flash-map bench: ${SIZE / 1048576} MiB MicroPython-like flash file, ${reps} repetitions (median)${collect.name === 'gc' ? '' : ' — run with --expose-gc for steadier numbers'}`);
  console.log(`  read file once (fs.readFileSync): ${r.toFixed(3)} ms`);
  console.log(`  analyzeFlashMap:                  ${a.toFixed(3)} ms  (${check.apps.length} app, ${check.bootApp?.mappings.length ?? 0} mappings, table at 0x${(check.partitionTable.flashOffset ?? 0).toString(16)}; ${check.partitionTable.scan})`);
  console.log(`  first (cold) analyzeFlashMap call: ${coldMs.toFixed(3)} ms  (${((coldMs / r) * 100).toFixed(1)} % of the read)`);
  console.log(`  same with scanAllTables:           ${median(allMs).toFixed(3)} ms  (every 4 KiB boundary probed; for information)`);
  console.log(`  ratio analysis/read:              ${(ratio * 100).toFixed(2)} %  (target < ${TARGET * 100} %)`);
  console.log(ratio < TARGET ? 'PASS' : 'FAIL');
  if (sink < 0) console.log(sink); // keep the work observable
} finally {
  rmSync(dir, { recursive: true, force: true });
}
