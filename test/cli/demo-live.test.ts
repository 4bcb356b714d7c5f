/** `espalgo demo` (npm start): the live demonstration runs in process, every section holds, exit 0. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLiveDemo, demoPayload, DEMO_WRITE_LENGTH } from '../../src/cli/commands/demo.js';
import { memoryIo } from '../../src/cli/output/io.js';

test('the live demo probes through #366, writes and verifies 64 KiB, and the firmware runs on', async () => {
  const io = memoryIo({ columns: 100 });
  assert.equal(await runLiveDemo(io), 0, io.stderr() + io.stdout());
  const out = io.stdout();
  for (const title of ['1. The chip', '2. Probe: what OpenOCD would have got, what espalgo got', '3. Write and verify 64 KiB in the vfs partition at 0x00200000', '4. The firmware kept running']) {
    assert.ok(out.includes(title), title);
  }
  assert.match(out, /OpenOCD ≤ 2024: id DE 80 2D, size 0, MAP_GET -9, GDB refuses to connect/);
  assert.match(out, /espalgo: {8}id EF 40 16, size 4 MiB \(jedec\), app at 0x00010000, 2 mappings \(MAP_GET = host reading\)/);
  assert.match(out, /verify {2}SHA-256 on the chip matches the host's/);
  assert.match(out, /exactly these bytes/);
  const beat = /heartbeat {4}(\d+) → (\d+) \(advancing\)/.exec(out);
  assert.ok(beat && Number(beat[2]) > Number(beat[1]), 'heartbeat advances');
  assert.match(out, /failures 0 \(none\)/);
  assert.match(out, /USR_DUMMY is still set, as the application left it/);
  assert.match(out, /Done in \d+\.\d s\./);
  assert.equal(io.stderr(), '');
});

test('the demo payload is 64 KiB and recognisable', () => {
  const p = demoPayload();
  assert.equal(p.length, DEMO_WRITE_LENGTH);
  assert.match(new TextDecoder().decode(p.subarray(0, 16)), /^espalgo wrote th/);
  assert.ok(p.filter((b) => b === 0xff).length < p.length / 64, 'almost no 0xFF bytes, so a blank flash cannot pass for it');
});
