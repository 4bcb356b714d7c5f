#!/usr/bin/env node
// Runs node's test runner over every *.test.ts file below the given folders (Node 20's
// `node --test` has no glob support and no TypeScript loader of its own).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
}
for (const root of roots.length ? roots : ['test']) {
  if (!existsSync(root)) {
    console.error(`run-tests: no folder ${root}`);
    process.exit(2);
  }
  if (statSync(root).isDirectory()) walk(root);
  else files.push(root);
}
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(2);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...passThrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
