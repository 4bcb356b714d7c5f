/**
 * The package as a library user sees it: the entry points package.json exports, the names the
 * README's Library section imports from them, the types a user needs to name what exported
 * functions take and return, and the pure layers (chips, image) free of Node modules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  AppChoice, AppFormat, DeflatedImage, DummySource, HostLayoutOptions, MmuLayout, ProbeReport, SizeInputs, SizeSourceKind,
  StreamSource, StubClient, TransferOptions, WalkedApp,
} from '../src/flash/index.js';
import type { Elf2ImageGroup, ElfLoadablePiece } from '../src/image/index.js';
import type { ResetRequest, SimTarget } from '../src/sim/index.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, string>; files: string[] };

/** src/…/index.ts behind an export target such as ./dist/flash/index.js. */
const sourceOf = (target: string): string => target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');

test('every entry point package.json exports is built from a source index that exists', () => {
  const code = Object.entries(pkg.exports).filter(([, target]) => target.startsWith('./dist/'));
  assert.ok(code.length >= 8);
  for (const [name, target] of code) {
    assert.match(target, /^\.\/dist\/.*index\.js$/, name);
    assert.ok(existsSync(sourceOf(target)), `${name}: ${sourceOf(target)}`);
  }
});

test('the shipped stub, firmware and OpenOCD config can be located by package name (import.meta.resolve)', () => {
  for (const file of ['config/openocd-esp32c3-sim.cfg', 'firmware/build/demo-micropython-4MB.bin', 'stub/build/esp32c3-flasher.elf', 'package.json']) {
    assert.ok(file === 'package.json' || pkg.files.some((shipped) => file.startsWith(`${shipped}/`)), `${file} is in the package`);
    assert.equal(fileURLToPath(import.meta.resolve(`espalgo/${file}`)), resolve(file));
  }
});

test('the source maps the build writes point at sources the package ships', () => {
  const base = JSON.parse(readFileSync('tsconfig.json', 'utf8')) as { compilerOptions: { sourceMap?: boolean; inlineSources?: boolean } };
  const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: { rootDir: string; sourceMap?: boolean } };
  const maps = build.compilerOptions.sourceMap ?? base.compilerOptions.sourceMap ?? false;
  if (maps && !base.compilerOptions.inlineSources) assert.ok(pkg.files.includes(build.compilerOptions.rootDir), `"files" holds ${build.compilerOptions.rootDir}, which dist/**/*.js.map name`);
});

test("every name the README's Library section imports is exported by that entry point", async () => {
  const readme = readFileSync('README.md', 'utf8');
  const library = readme.slice(readme.indexOf('\n## Library'), readme.indexOf('\n## ', readme.indexOf('\n## Library') + 1));
  const imports = [...library.matchAll(/import \{([^}]+)\} from '(espalgo[^']*)'/g)];
  assert.ok(imports.length >= 5, 'the Library section imports from the package');
  for (const [, names, from] of imports) {
    const target = pkg.exports[from!.replace(/^espalgo/, '.')];
    assert.ok(target, `${from} is an entry point`);
    const module = (await import(`../${sourceOf(target)}`)) as Record<string, unknown>;
    for (const name of names!.split(',').map((n) => n.trim()).filter(Boolean)) {
      assert.notEqual(module[name], undefined, `${from} exports ${name}`);
    }
  }
});

test('chips and image import no Node module (they also run in a browser)', () => {
  for (const entry of ['src/chips/index.ts', 'src/image/index.ts']) {
    const seen = new Set<string>();
    const outside = new Set<string>();
    const queue = [entry];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (spec!.startsWith('.')) queue.push(join(dirname(file), spec!.replace(/\.js$/, '.ts')));
        else outside.add(spec!);
      }
      assert.doesNotMatch(text, /\bBuffer\.|\bprocess\.|\brequire\(/, `${file} uses a Node global`);
    }
    assert.ok(seen.size > 5, `${entry}: its imports were followed`);
    assert.deepEqual([...outside].filter((spec) => !spec.startsWith('@noble/hashes/')), [], `${entry} imports only pure modules`);
  }
});

// The types of what exported functions take and return can be named by a user (checked by the
// typecheck `npm test` runs first); each line ties a name to where the API uses it.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const named: readonly true[] = [
  true satisfies Same<AppChoice, ProbeReport['mappings']['choice']>,
  true satisfies Same<SizeSourceKind, ProbeReport['size']['sources'][number]['kind']>,
  true satisfies Same<readonly DummySource[], NonNullable<ProbeReport['id']>['analysis']['extraDummy']>,
  true satisfies Same<StreamSource | Uint8Array, Parameters<StubClient['streamWrite']>[1]>,
  true satisfies Same<DeflatedImage | undefined, TransferOptions['deflated']>,
  true satisfies Same<ResetRequest | undefined, Parameters<SimTarget['reboot']>[0]>,
  true satisfies Same<Elf2ImageGroup, ElfLoadablePiece['group']>,
];
void named;
void (undefined as unknown as [AppFormat, HostLayoutOptions, MmuLayout, SizeInputs, WalkedApp]);
