import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stubImageToJson } from '../../src/algorithm/index.js';
import { esp32c3, esp32s3 } from '../../src/chips/index.js';
import { findSymbol, parseElf } from '../../src/image/elf.js';
import { runCall, type CallOptions } from '../../src/cli/commands/call.js';
import { functionNameAt } from '../../src/cli/function-names.js';
import { DEMO_ELF } from '../../src/cli/target-connect.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { runGuardedAsync } from '../../src/cli/output/command-support.js';
import { serveSim } from '../gdb/sim-server.js';
import { demoStub, FIRMWARE, STUB } from '../algorithm/sim-fixture.js';

const base: CallOptions = { target: 'sim', timeout: 3000 };

async function call(args: string[], options: Partial<CallOptions>) {
  const io = memoryIo();
  const code = await runGuardedAsync(io, () => runCall(args, { ...base, ...options }, io), options.json === true);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('espalgo call --onboard on the simulated demo firmware prints the result and the restore', async () => {
  const r = await call(['1', '2', '3'], { onboard: 'demo_onboard_sum' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /result {3}0x5a5a5a78/);
  assert.match(r.out, /restored and read back: \d+ registers bit-exact/);
});

test('espalgo call --onboard with an entry index names the function there (text and JSON; errors use the same name)', async () => {
  const r = await call(['1', '2'], { onboard: '3' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^routine {2}demo_onboard_sum \(debug-stubs entry 3\) at 0x42000206$/m);
  const j = await call([], { onboard: '0x3', json: true });
  assert.equal(JSON.parse(j.out).routine, 'demo_onboard_sum (debug-stubs entry 3)');
  // An entry that holds no function (past the table, or empty) is refused naming those that do.
  for (const index of ['4', '9', '1']) {
    const none = await call([], { onboard: index });
    assert.equal(none.code, 2, index);
    assert.equal(none.err, `espalgo: debug-stubs entry ${index} holds no function: the table offers entry 3 (demo_onboard_sum)\n`);
  }
});

test('functionNameAt: the ELF symbol at an address, else the chip\'s ROM function there', () => {
  const elf = parseElf(readFileSync(DEMO_ELF));
  const sum = findSymbol(elf, 'demo_onboard_sum')!;
  assert.equal(functionNameAt(sum.value, { elf, chip: esp32c3 }), 'demo_onboard_sum');
  assert.equal(functionNameAt(0x40000130, { chip: esp32c3 }), 'esp_rom_spiflash_read');
  assert.equal(functionNameAt(0x40000628, { chip: esp32c3 }), 'crc32_le');
  assert.equal(functionNameAt(esp32s3.romFlash!.spiflashRead.address, { chip: esp32s3 }), 'esp_rom_spiflash_read');
  assert.equal(functionNameAt(0x40000130, {}), undefined, 'no chip, no ROM names');
  assert.equal(functionNameAt(0x42000000, { chip: esp32c3 }), undefined);
});

test('espalgo call --image with a JSON stub descriptor, --json output, and a trapping routine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-call-'));
  try {
    const image = demoStub();
    const path = join(dir, 'stub.json');
    writeFileSync(path, JSON.stringify(stubImageToJson(image)));
    const ok = await call(['40', '2'], { image: path, json: true });
    assert.equal(ok.code, 0, ok.err);
    const json = JSON.parse(ok.out);
    assert.equal(json.result, 42);
    assert.equal(json.context.verified, true);
    assert.ok(json.context.ramBytes > 0);

    const trapping = { ...image, entry: image.entry + STUB.fault };
    writeFileSync(path, JSON.stringify(stubImageToJson(trapping)));
    const bad = await call([], { image: path });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /load access fault.*restored/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('espalgo call takes negative arguments as their two\'s complement, down to -0x80000000', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-call-'));
  try {
    const path = join(dir, 'stub.json');
    writeFileSync(path, JSON.stringify(stubImageToJson(demoStub())));
    const sum = async (args: string[]) => {
      const r = await call(args, { image: path, json: true });
      assert.equal(r.code, 0, r.err);
      return JSON.parse(r.out) as { result: number; signed: number };
    };
    assert.equal((await sum(['5', '-1'])).result, 4);
    assert.equal((await sum(['-0x10'])).signed, -16);
    assert.equal((await sum(['-2147483648'])).result, 0x80000000);
    for (const bad of ['-2147483649', '-0x80000001', '-', '-x1']) {
      const r = await call([bad], { image: path });
      assert.equal(r.code, 2, bad);
      assert.equal(r.err, `espalgo: argument "${bad}" is not a 32-bit number (e.g. 42, 0x2a, -1)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('espalgo call refuses bad input with exit code 2', async () => {
  assert.equal((await call([], {})).code, 2);
  assert.equal((await call(['x1'], { onboard: '3' })).code, 2);
  assert.equal((await call([], { onboard: '3', target: 'nowhere' })).code, 2);
  const r = await call([], { onboard: 'main' });
  assert.equal(r.code, 2);
  assert.match(r.err, /not offered in the debug-stubs table/);
  // The simulator's options are refused behind a GDB server, not silently ignored.
  for (const given of [{ flash: 'my-flash.bin' }, { scenario: 'issue-366' }]) {
    const remote = await call([], { onboard: '3', target: '127.0.0.1:1', elf: DEMO_ELF, ...given });
    assert.equal(remote.code, 2);
    assert.equal(remote.err, `espalgo: --${Object.keys(given)[0]} is for --target sim (it sets up the simulated chip); the target at 127.0.0.1:1 runs what it runs\n`);
  }
});

test('espalgo call --image with a broken JSON descriptor prints one line and exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-call-'));
  try {
    const path = join(dir, 'stub.json');
    writeFileSync(path, '{bad');
    const notJson = await call([], { image: path });
    assert.equal(notJson.code, 2);
    assert.match(notJson.err, /^espalgo: .*stub\.json is not valid JSON .*\n$/);
    const source = join(dir, 'stub.c');
    writeFileSync(source, 'int main(void) { return 0; }\n');
    const notElf = await call([], { image: source });
    assert.equal(notElf.code, 2);
    assert.equal(notElf.err, `espalgo: ${source} is not an ELF file (it does not start with 7f 45 4c 46) nor a JSON descriptor (a .json file): --image takes a stub ELF or an espalgo-stub-image descriptor\n`);
    writeFileSync(path, JSON.stringify({ ...stubImageToJson(demoStub()), segments: [{ address: 0x40380000 }] }));
    const noBytes = await call([], { image: path });
    assert.equal(noBytes.code, 2);
    assert.match(noBytes.err, /^espalgo: stub image "demo-stub": segment 0 needs .* \[ALGO_LOAD\]\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('espalgo call: input the call cannot start with (too many arguments, no room, link address out of the work area, wrong architecture) is exit 2, not a failed run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-call-'));
  try {
    const image = demoStub();
    const path = join(dir, 'stub.json');
    const write = (img: typeof image) => writeFileSync(path, JSON.stringify(stubImageToJson(img)));
    write(image);
    const many = await call(['1', '2', '3', '4', '5', '6', '7', '8'], { image: path });
    assert.equal(many.code, 2, many.err);
    assert.match(many.err, /8 arguments given, riscv32 calls take at most 7 \[ALGO_ARGS\]/);
    write({ ...image, stackSize: 0x100000 });
    const big = await call([], { image: path, json: true });
    assert.equal(big.code, 2, big.err);
    assert.equal(JSON.parse(big.out).code, 'ALGO_WORK_AREA');
    write({ ...image, segments: [{ ...image.segments[0]!, address: 0x10000000 }, image.segments[1]!] });
    const outside = await call([], { image: path });
    assert.equal(outside.code, 2, outside.err);
    assert.match(outside.err, /needs 0x10000000\.\.0x10000098 but the work area is 0x3fc80000\.\.0x3fca4000; link the stub inside the chip's work area \(code may use the same RAM's instruction-bus addresses 0x40380000\.\.0x403a4000\) \[ALGO_WORK_AREA\]/);
    write({ ...image, architecture: 'xtensa' });
    const arch = await call([], { image: path });
    assert.equal(arch.code, 2, arch.err);
    assert.equal((await call([], { onboard: '3', table: 0x3fc80000 })).code, 2);
    write({ ...image, entry: image.entry + STUB.spin });
    assert.equal((await call([], { image: path, timeout: 50 })).code, 1, 'a run that timed out is still exit 1');
    // With --json the failure is a JSON line, and on stderr as well, as every other failure is.
    const timedOut = await call([], { image: path, timeout: 50, json: true });
    assert.equal(timedOut.code, 1);
    assert.equal(JSON.parse(timedOut.out).code, 'ALGO_TIMEOUT');
    assert.match(timedOut.err, /^espalgo: .* did not finish within 50 ms.* \[ALGO_TIMEOUT\]\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the --help example with the shipped flasher stub works: PING answers', async () => {
  const r = await call(['0'], { image: 'stub/build/esp32c3-flasher.elf' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /result {3}0x45410002/);
  const help = (await import('node:child_process')).execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'call', '--help'], { encoding: 'utf8' });
  assert.match(help, /espalgo call --image stub\/build\/esp32c3-flasher\.elf 0\n.*0x45410002/);
});

test('espalgo call --image behind a GDB server without --chip: a stub linked in ESP32-C3 RAM is refused at once, naming --chip esp32c3; with it the call runs', async (t) => {
  const { port } = await serveSim(t, { flash: FIRMWARE });
  const target = `127.0.0.1:${port}`;
  const bare = await call(['0'], { target, image: 'stub/build/esp32c3-flasher.elf', json: true });
  assert.equal(bare.code, 2, bare.err);
  const line = JSON.parse(bare.out) as { code: string; error: string };
  assert.equal(line.code, 'CHIP_NEEDED');
  assert.match(line.error, /linked at 0x[0-9a-f]{8}, in the RAM of the ESP32-C3: pass --chip esp32c3\./);
  const withChip = await call(['0'], { target, chip: 'esp32c3', image: 'stub/build/esp32c3-flasher.elf' });
  assert.equal(withChip.code, 0, withChip.err);
  assert.match(withChip.out, /result {3}0x45410002/);
});
