// Ctrl-C during a flash write to a target behind a GDB server: the write stops between two stub
// calls and the target is given back (RAM restored, program resumed) before the command exits 130.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGdbServer } from '../../src/gdb/server.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { firmwareSymbol, FIRMWARE } from '../algorithm/sim-fixture.js';
import { tempDir } from './helpers.js';

test('Ctrl-C during flash write --target HOST:PORT stops at the next step, gives the target back and exits 130', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data.bin');
  writeFileSync(data, Uint8Array.from({ length: 0x200000 }, (_, i) => (i * 131 + (i >> 9)) & 0xff));
  const sim = createSimulatedEsp32c3({ flash: FIRMWARE });
  const server = await startGdbServer(sim.target, { port: 0 });
  const word = async (name: string) => new DataView((await sim.target.readMemory(firmwareSymbol(name), 4)).buffer).getUint32(0, true);
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'flash', 'write', data, '0x100000', '--target', `127.0.0.1:${server.port}`, '--timeout-scale', '10', '--json', '--no-compress', '--mode', 'calls'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!interrupted && /"phase":"write","state":"progress"/.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(interrupted, `the write reached its programming phase: ${stderr}`);
    assert.equal(code, 130, stderr);
    const last = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { ok: boolean; code: string; error: string };
    assert.deepEqual([last.ok, last.code], [false, 'FLASH_INTERRUPTED']);
    assert.match(last.error, /interrupted during write, \d+ of \d+ bytes done .*run the same command again/);
    assert.match(stderr, /stopping after the current step, then giving the target back/);
    assert.equal(sim.target.state(), 'running', 'the program was resumed');
    const beat = await word('demo_heartbeat');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok((await word('demo_heartbeat')) > beat, 'the firmware runs on');
    assert.equal(await word('demo_selfcheck_failures'), 0, 'its RAM was given back intact');
  } finally {
    await server.close();
    await sim.close();
  }
});
