/** `espalgo probe` and `espalgo flash-map --target`: in process (exit codes, text, JSON) and one spawn. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProbe } from '../../src/cli/commands/probe.js';
import { runFlashMapLive } from '../../src/cli/commands/flash-map.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { serveSim } from '../gdb/sim-server.js';
import { runCli, runCliAsync } from './helpers.js';
import { demoFirmwarePath } from '../../src/cli/target-connect.js';
import { shellWord } from '../../src/cli/output/format.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

const BUILD = 'firmware/build/';

test('probe --scenario issue-366: exit 0, the #366 sentence and what OpenOCD would conclude', async () => {
  const io = memoryIo({ columns: 200 });
  assert.equal(await runProbe({ target: 'sim', scenario: 'issue-366', flash: BUILD + 'demo-micropython-32MB-header.bin' }, io), 0);
  const out = io.stdout();
  assert.match(out, /Flash id\s+EF 40 16 \(read with SPI1 cleaned\); DE 80 2D as the application left SPI1/);
  assert.match(out, /The application left SPI1 with 1 extra dummy cycle \(USER\.USR_DUMMY\); a stub that does not clear it \(OpenOCD ≤ 2024\) reads DE 80 2D/);
  assert.match(out, /Flash size\s+4 MiB from the JEDEC id \(cleaned\)/);
  assert.match(out, /bootloader header says 32 MiB but the flash chip says 4 MiB/);
  assert.match(out, /0x00010020\s+0x3c010020/);
  assert.match(out, /0x00020020\s+0x42000020/);
  assert.match(out, /GDB would refuse to connect/);
  assert.match(out, /SPI1 registers and MMU table\s+bit-exact/);
  assert.match(out, /Probed\.\n$/);
  assert.equal(io.stderr(), '');
});

test('probe --json: the report as JSON, overrides applied', async () => {
  const io = memoryIo();
  assert.equal(await runProbe({ target: 'sim', flash: BUILD + 'demo-ota.bin', appOffset: 0x10000, flashSize: 0x400000, json: true }, io), 0);
  const r = JSON.parse(io.stdout());
  assert.equal(r.ok, true);
  assert.equal(r.method, 'stub');
  assert.equal(r.size.bytes, 0x400000);
  assert.equal(r.size.source, 'override');
  assert.equal(r.mappings.appOffset, 0x10000);
  assert.equal(r.mappings.choice, 'override');
  assert.deepEqual(r.mappings.segments.map((s: { flashOffset: number }) => s.flashOffset), [0x10020, 0x20020]);
  assert.equal(r.restored.registersIntact, true);
});

test('probe --flash-size: the size is said to be given with the option', async () => {
  const io = memoryIo({ columns: 200 });
  assert.equal(await runProbe({ target: 'sim', flashSize: 0x400000 }, io), 0);
  assert.match(io.stdout(), /Flash size\s+4 MiB given with --flash-size\n/);
});

test('probe with the table at 0xC000 (the simulator boots with --table-offset)', async () => {
  const io = memoryIo();
  assert.equal(await runProbe({ target: 'sim', flash: BUILD + 'demo-table-0xc000.bin', tableOffset: 0xc000, json: true }, io), 0);
  const r = JSON.parse(io.stdout());
  assert.equal(r.mappings.tableOffset, 0xc000);
  assert.equal(r.openocd.retcode, -6);
});

test('probe: bad input and unreachable targets exit 2 with one line', async () => {
  const cases: [Parameters<typeof runProbe>[0], RegExp][] = [
    [{ target: 'nonsense' }, /--target must be "sim" or HOST:PORT/],
    [{ target: '127.0.0.1:99999' }, /^espalgo: --target 127\.0\.0\.1:99999: a port is 1 to 65535 \(OpenOCD's GDB server listens on 3333\)\n$/],
    [{ target: 'localhost:0' }, /^espalgo: --target localhost:0: a port is 1 to 65535/],
    // The server named once, with the reason and what to check.
    [{ target: '127.0.0.1:1' }, /^espalgo: cannot connect to the GDB server at 127\.0\.0\.1:1: connect ECONNREFUSED [^\n]*; is it running and listening there\?\n$/],
    [{ target: 'sim', scenario: 'no-such' }, /unknown scenario "no-such"/],
    [{ target: 'sim', flash: BUILD + 'no-such.bin' }, /no-such\.bin/],
    [{ target: 'sim', flash: BUILD + 'espalgo-demo.elf' }, /espalgo-demo\.elf is an ELF file \(a linked program\), not flash contents: .* then merge it with a bootloader and partition table into a flash file \(espalgo image merge\) and boot the simulator from that\n$/],
    [{ target: 'sim', chip: 'esp8266' }, /unknown chip "esp8266"/],
    [{ target: 'sim', flashSize: 0 }, /--flash-size 0 bytes is not a flash size: give a power of two from 64K to 1G/],
    [{ target: 'sim', flashSize: 1 }, /--flash-size 1 byte is not a flash size/],
    [{ target: 'sim', flashSize: 0x300000 }, /--flash-size 3 MiB is not a flash size/],
    [{ target: 'sim', flashSize: 0x80000000 }, /--flash-size 2 GiB is not a flash size/],
    // Offsets past 32 bits used to wrap to 0; unaligned ones came back as an unrelated stub BAD_ARGUMENT.
    [{ target: 'sim', appOffset: 0x100000000 }, /--app-offset 0x100000000 is beyond the 32-bit flash address range/],
    [{ target: 'sim', appOffset: 0x10001 }, /--app-offset 0x00010001 is not a multiple of 0x10000: an app image starts on a 64 KiB MMU page/],
    // The same sentence as --table-offset's parser (tableOffsetProblem), for callers with an options object.
    [{ target: 'sim', tableOffset: 0x8001 }, /^espalgo: --table-offset 0x00008001 cannot hold a partition table: it starts on a 4 KiB flash sector after the bootloader \(ESP-IDF's default 0x8000\)\n$/],
    [{ target: 'sim', tableOffset: 0 }, /^espalgo: --table-offset 0x00000000 cannot hold a partition table/],
    [{ target: 'sim', tableOffset: 0x100000000 }, /--table-offset 0x100000000 is beyond the 32-bit/],
  ];
  for (const [o, message] of cases) {
    const io = memoryIo();
    assert.equal(await runProbe(o, io), 2, JSON.stringify(o));
    assert.match(io.stderr(), message);
    assert.equal(io.stderr().split('\n').length, 2, 'one line');
    assert.equal(io.stdout(), '');
  }
});

test('flash-map --target sim: the offline report computed live, JSON with the live facts', async () => {
  const io = memoryIo({ columns: 120 });
  assert.equal(await runFlashMapLive({ target: 'sim', flash: BUILD + 'demo-ota.bin', scenario: 'issue-366' }, io), 0);
  const out = io.stdout();
  assert.match(out, /^Live\s+read 1 MiB through the flasher stub on sim:esp32c3; the chip's JEDEC id says 4 MiB/);
  // The size's source is the chip, not an option nobody gave.
  assert.match(out, /Flash size\s+4 MiB \(from the chip's JEDEC id, read live\)/);
  assert.match(out, /booting the OTA app "ota_1" at 0x00090000/);
  assert.match(out, /0x00090020\s+0x3c010020/);
  const j = memoryIo();
  assert.equal(await runFlashMapLive({ target: 'sim', flash: BUILD + 'demo-micropython-32MB-header.bin', json: true }, j), 1, 'the vfs partition beyond the 4 MiB chip is an error finding');
  const r = JSON.parse(j.stdout());
  assert.equal(r.live.detectedFlashSize, 0x400000);
  assert.equal(r.live.bytesRead, 0x100000);
  assert.equal(r.flashSize.bytes, 0x400000);
  assert.equal(r.flashSize.source, 'jedec');
  assert.equal(r.bootApp.flashOffset, 0x10000);
  assert.ok(r.findings.some((f: { severity: string }) => f.severity === 'error'));
  const bad = memoryIo();
  assert.equal(await runFlashMapLive({ target: 'sim', chip: 'esp32s3' }, bad), 2);
  assert.match(bad.stderr(), /ESP32-C3 only/);
  // An --svg into a folder that does not exist is refused before any target is tried.
  const nowhere = memoryIo();
  assert.equal(await runFlashMapLive({ target: '127.0.0.1:1', svg: '/no-such-folder/map.svg' }, nowhere), 2);
  assert.match(nowhere.stderr(), /^espalgo: cannot write \/no-such-folder\/map\.svg: no folder \/no-such-folder/);
});

test('espalgo probe from the command line: --help teaches #366, --json parses, usage errors exit 2', () => {
  const h = runCli(['probe', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /#366/);
  assert.match(h.stdout, /DE 80 2D/);
  assert.match(h.stdout, /Exit codes: 0 probed/);
  const r = runCli(['probe', '--scenario', 'issue-366-timing', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.id.analysis.extraDummyCycles, 2);
  assert.equal(j.size.bytes, 0x400000);
  const bad = runCli(['probe', '--app-offset', 'banana']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--app-offset must be a number like 0x8000/);
  const huge = runCli(['probe', '--flash-size', '5G']);
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /--flash-size 5G is too large: at most 4G/, 'a size past 32 bits is named as such, not as a malformed number');
  const noFile = runCli(['flash-map']);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /missing required argument 'file'/);
  const both = runCli(['flash-map', 'x.bin', '--target', '127.0.0.1:3333']);
  assert.equal(both.code, 2);
});

test('the demo firmware in examples (probe --help, the demo) is a path that works from any folder', (t) => {
  const here = process.cwd();
  t.after(() => process.chdir(here));
  assert.equal(demoFirmwarePath('demo-ota.bin'), 'firmware/build/demo-ota.bin', 'from the project folder, as typed there');
  // A fresh folder, not the temp folder itself: a checkout may live below that (a CI clone in /tmp).
  const away = mkdtempSync(join(tmpdir(), 'espalgo-cwd-'));
  t.after(() => rmSync(away, { recursive: true, force: true }));
  process.chdir(away);
  const elsewhere = demoFirmwarePath('demo-ota.bin');
  assert.ok(isAbsolute(elsewhere) && existsSync(elsewhere), elsewhere);
  const help = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(here, 'src/cli/main.ts'), 'probe', '--help'], { encoding: 'utf8', cwd: away });
  const shown = /espalgo probe --flash (\S+)/.exec(help.stdout)?.[1];
  assert.ok(shown !== undefined && existsSync(resolve(away, shown)), `probe --help names ${shown}`);
});

test('the probe examples of --help and the README run on the simulator and probe without degrading', async () => {
  const help = runCli(['probe', '--help']).stdout;
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### `espalgo probe`'), readme.indexOf('### `espalgo flash …`'));
  const examples = [
    ...[...help.matchAll(/^\s*\$ espalgo probe(.*?)(?:\s+\(.*\))?$/gm)].map((m) => m[1]!),
    ...[...section.matchAll(/^espalgo probe(.*?)(?:\s+#.*)?$/gm)].map((m) => m[1]!),
  ].map((args) => args.trim().split(/\s+/).filter(Boolean));
  const onSim = examples.filter((a) => !a.includes('--dry-run') && !a.includes('--target'));
  assert.ok(onSim.some((a) => a.includes('--table-offset')) && onSim.some((a) => a.includes('--app-offset')), JSON.stringify(onSim));
  const runs = await Promise.all(onSim.map((a) => runCliAsync(['probe', ...a])));
  runs.forEach((r, i) => {
    const args = onSim[i]!.join(' ');
    assert.equal(r.code, 0, `espalgo probe ${args}: ${r.stderr}`);
    if (onSim[i]!.includes('--json')) assert.equal((JSON.parse(r.stdout) as { degraded: boolean }).degraded, false, `espalgo probe ${args} is not degraded`);
    else assert.match(r.stdout, /\nProbed\.\n$/, `espalgo probe ${args} is not degraded`);
  });
});

test('an --app-offset beyond the flash: the OpenOCD line says its mapping cannot be predicted, in a sentence about the flash read', async () => {
  const io = memoryIo();
  assert.equal(await runProbe({ target: 'sim', appOffset: 0x800000, json: true }, io), 0);
  const r = JSON.parse(io.stdout()) as { degraded: boolean; openocd: { sentence: string } };
  assert.equal(r.degraded, true);
  assert.match(r.openocd.sentence, /^OpenOCD ≤ 2024 would read EF 40 16, take the flash for 4 MiB; app at 0x00800000 \(given app offset \(esp appimage_offset\)\) is not in the flash the probe read; cannot predict its mappings\.$/);
});

test('paths printed in command lines to copy are one shell word: quoted where the folder names have spaces or quotes', () => {
  assert.equal(shellWord('firmware/build/demo-ota.bin'), 'firmware/build/demo-ota.bin');
  assert.equal(shellWord('/opt/My Tools/espalgo/config/openocd-esp32c3-sim.cfg'), "'/opt/My Tools/espalgo/config/openocd-esp32c3-sim.cfg'");
  assert.equal(shellWord("/home/o'neil/x.bin"), "'/home/o'\\''neil/x.bin'");
  assert.equal(shellWord('/tmp/$HOME'), "'/tmp/$HOME'");
});

test("probe through the simulator's GDB server says the server halted the chip and lets it run on, and the firmware does run on", async (t) => {
  const { sim, port } = await serveSim(t, { flash: demoFirmwarePath('demo-micropython-4MB.bin') });
  const io = memoryIo({ columns: 200 });
  assert.equal(await runProbe({ target: `127.0.0.1:${port}`, chip: 'esp32c3' }, io), 0, io.stderr());
  // Not "left as found (halted)": the server halted it for espalgo and resumes it at detach.
  assert.match(io.stdout(), /Target\s+left halted, as the simulator's GDB server handed it over \(it halts the chip as a client attaches, and lets it run on at detach if it was running\)/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(sim.target.state(), 'running', 'the firmware runs on after the detach');
});
