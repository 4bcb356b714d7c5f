#!/usr/bin/env node
// Runs the benchmarks in bench/ one after another (they measure time: never two at once), or
// those named: `npm run bench -- flash-write rsp`. Extra arguments after `--args` go to each one.
// A bench that exits with 2 lacks a peer it needs (it says which); that is reported, not failed.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const argv = process.argv.slice(2);
const split = argv.indexOf('--args');
const names = split < 0 ? argv : argv.slice(0, split);
const extra = split < 0 ? [] : argv.slice(split + 1);
const all = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).sort();
const unknown = names.filter((n) => !all.includes(`${n}.bench.ts`) && !all.includes(n));
if (unknown.length > 0) {
  console.error(`run-bench: no bench named ${unknown.join(', ')}; there are: ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}`);
  process.exit(2);
}
const chosen = names.length ? all.filter((f) => names.includes(f) || names.includes(f.replace('.bench.ts', ''))) : all;
const outcome = [];
for (const file of chosen) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', file), ...extra], { stdio: 'inherit' });
  outcome.push([file, r.status === 0 ? 'done' : r.status === 2 ? 'not run: a peer it needs is missing' : `exit ${r.status ?? r.signal}: an error, or a target not met (see above)`]);
}
console.log('\n=== summary');
for (const [file, what] of outcome) console.log(`${file.padEnd(32)} ${what}`);
process.exit(outcome.some(([, what]) => what.startsWith('exit')) ? 1 : 0);
