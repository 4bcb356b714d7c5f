/**
 * The flash driver through Debian's OpenOCD (GDB server → JTAG → the simulated ESP32-C3 running the
 * demo firmware in the #366 state): the probe finds the right size and mappings and names the dummy
 * cycles it cleared; a 64 KiB write into the data partition verifies; the firmware runs on. A
 * table away from 0x8000 is found by the host's search too (READ_STRIDED through OpenOCD); a
 * direct-boot program gets the ROM's mappings from MAP_GET, the host agreeing, and a Simple Boot
 * app the flash segments after its checksum, an MCUboot app at --app-offset the regions of its
 * load header; the ROM-call probe
 * (no stub) searches a flash without a table in a few dozen ROM calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { esp32c3 } from '../../src/chips/index.js';
import { connectRemote, type RemoteTarget } from '../../src/gdb/remote-target.js';
import { openFlashSession, probeFlash, verifyFlash, writeFlash } from '../../src/flash/index.js';
import { romProbe } from '../../src/flash/rom-probe/index.js';
import { firmwareSymbol } from '../../test/algorithm/sim-fixture.js';
import { directBootFlash, simpleBootFlash } from '../../test/sim/esp32c3/fixture.js';
import { mcubootApp } from '../../test/image/support/mcuboot-app.js';
import { runProbe } from '../../src/cli/commands/probe.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { GDB, OPENOCD, missingTools, startChain } from './chain.js';

const skip = missingTools([OPENOCD, GDB]);

test('probe and a 64 KiB write/verify through OpenOCD', { skip, timeout: 300_000 }, async () => {
  const chain = await startChain({ scenario: 'issue-366' });
  try {
    const target = await connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 20_000, chip: 'esp32c3' });
    const word = async (name: string) => new DataView((await target.readMemory(firmwareSymbol(name), 4)).buffer).getUint32(0, true);
    try {
      await target.resume();
      const heartbeat0 = await word('demo_heartbeat');

      const report = await probeFlash(target, { chip: esp32c3 });
      assert.equal(report.size.bytes, 4 << 20, JSON.stringify(report.size));
      assert.equal(report.id?.clean.toString(16), 'ef4016');
      assert.equal(report.id?.naive.toString(16), 'de802d', 'the bit-shifted id OpenOCD would have read');
      assert.match(JSON.stringify(report.notes) + JSON.stringify(report.id), /dummy/i);
      assert.deepEqual(
        report.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset]),
        [['drom', 0x3c010020, 0x10020], ['irom', 0x42000020, 0x20020]],
      );
      assert.equal(report.restored?.registersIntact, true);

      const data = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
      const session = await openFlashSession(target, { chip: esp32c3 });
      try {
        await writeFlash(session, 0x200000, data);
        const v = await verifyFlash(session, 0x200000, data);
        assert.equal(v.match, true);
      } finally {
        await session.close();
      }
      assert.equal(target.state(), 'running', 'the session resumed the firmware');
      await new Promise((r) => setTimeout(r, 200));
      assert.ok((await word('demo_heartbeat')) > heartbeat0, 'heartbeat advanced');
      assert.equal(await word('demo_selfcheck_failures'), 0);
    } finally {
      await target.close();
    }
    // `espalgo probe` through OpenOCD finds the chip halted, as OpenOCD halts it for every client:
    // its text says so instead of "left as found", and the chip runs on after (the config's detach handler).
    const io = memoryIo({ columns: 200 });
    assert.equal(await runProbe({ target: `127.0.0.1:${chain.gdbPort}`, chip: 'esp32c3' }, io), 0, io.stderr());
    assert.match(io.stdout(), /Target\s+left halted, as OpenOCD handed it over \(it halts the chip as a client attaches; its detach handler decides whether it runs on\)/);
  } finally {
    await chain.stop();
  }
});

test('probe through OpenOCD: a table at 0xC000, searched by the stub and by the host (one READ_STRIDED)', { skip, timeout: 300_000 }, async () => {
  const chain = await startChain({ flash: 'firmware/build/demo-table-0xc000.bin', tableOffset: 0xc000 });
  try {
    const target = await connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 20_000, chip: 'esp32c3' });
    try {
      await target.resume();
      const report = await probeFlash(target, { chip: esp32c3 });
      assert.equal(report.mappings.tableOffset, 0xc000);
      assert.match(report.mappings.tableNote, /found at 0x0000c000 by searching|searched by the stub/);
      assert.equal(report.mappings.crossCheck?.agree, true, JSON.stringify(report.mappings.crossCheck));
      assert.deepEqual(
        report.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset]),
        [['drom', 0x3c010020, 0x10020], ['irom', 0x42000020, 0x20020]],
      );
    } finally {
      await target.close();
    }
  } finally {
    await chain.stop();
  }
});

/** OpenOCD on the simulator booting `flash`, the chip running: `body` gets the target. */
async function onFlashChain(flash: Uint8Array, body: (target: RemoteTarget) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-flash-'));
  const file = join(dir, 'flash.bin');
  writeFileSync(file, flash);
  const chain = await startChain({ flash: file });
  try {
    const target = await connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 20_000, chip: 'esp32c3' });
    try {
      await target.resume();
      await body(target);
    } finally {
      await target.close();
    }
  } finally {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('probe through OpenOCD: a direct-boot program, its mappings from MAP_GET with the host agreeing', { skip, timeout: 300_000 }, async () => {
  await onFlashChain(directBootFlash(), async (target) => {
    const report = await probeFlash(target, { chip: esp32c3 });
    assert.equal(report.degraded, false, report.notes.join('\n'));
    assert.equal(report.mappings.source, 'stub');
    assert.equal(report.mappings.stub?.reason, 'direct-boot');
    assert.equal(report.mappings.crossCheck?.agree, true, JSON.stringify(report.mappings.crossCheck));
    assert.deepEqual(
      report.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset, s.size]),
      [['drom', 0x3c000000, 0, 0x400000], ['irom', 0x42000000, 0, 0x400000]],
    );
  });
});

test('probe through OpenOCD: a Simple Boot app at 0, its flash segments from MAP_GET with the host agreeing; the demo runs on', { skip, timeout: 300_000 }, async () => {
  await onFlashChain(simpleBootFlash(), async (target) => {
    const heartbeat = async () => new DataView((await target.readMemory(firmwareSymbol('demo_heartbeat'), 4)).buffer).getUint32(0, true);
    const report = await probeFlash(target, { chip: esp32c3 });
    assert.equal(report.degraded, false, report.notes.join('\n'));
    assert.equal(report.mappings.source, 'stub');
    assert.equal(report.mappings.stub?.reason, 'simple-boot');
    assert.equal(report.mappings.format, 'simple-boot');
    assert.equal(report.mappings.crossCheck?.agree, true, JSON.stringify(report.mappings.crossCheck));
    assert.deepEqual(
      report.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset, s.size]),
      [['irom', 0x42000020, 0x10020, 0x28c], ['drom', 0x3c010020, 0x20020, 0x180]],
    );
    assert.equal(report.restored?.registersIntact, true);
    await target.halt();
    const before = await heartbeat();
    await target.resume();
    await new Promise((r) => setTimeout(r, 300));
    await target.halt();
    assert.ok((await heartbeat()) > before, 'the demo firmware runs on after the probe');
  });
});

test('probe through OpenOCD: an MCUboot app at --app-offset, the regions of its load header from MAP_GET with the host agreeing', { skip, timeout: 300_000 }, async () => {
  const flash = new Uint8Array(4 << 20).fill(0xff);
  flash.set(readFileSync('firmware/build/demo-micropython-4MB.bin'));
  flash.set(mcubootApp(), 0x300000);
  await onFlashChain(flash, async (target) => {
    const report = await probeFlash(target, { chip: esp32c3, appOffset: 0x300000 });
    assert.equal(report.degraded, false, report.notes.join('\n'));
    assert.equal(report.mappings.source, 'stub');
    assert.equal(report.mappings.format, 'mcuboot');
    assert.equal(report.mappings.stub?.ok, true);
    assert.equal(report.mappings.crossCheck?.agree, true, JSON.stringify(report.mappings.crossCheck));
    assert.deepEqual(
      report.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset, s.size]),
      [['drom', 0x3c020040, 0x320040, 0x800], ['irom', 0x42000020, 0x310020, 0x1000]],
    );
    assert.equal(report.restored?.registersIntact, true);
  });
});

test('ROM-call probe through OpenOCD: a flash with no table searched to 1 MiB in a few dozen ROM calls, SPI1 and the firmware as found', { skip, timeout: 300_000 }, async () => {
  await onFlashChain(directBootFlash(), async (target) => {
    const report = await romProbe(target, { chip: esp32c3, timeoutMs: 10_000 });
    assert.equal(report.size.bytes, 4 << 20, JSON.stringify(report.size));
    assert.equal(report.mappings.tableOffset, null);
    assert.deepEqual(
      report.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset, s.size]),
      [['drom', 0x3c000000, 0, 0x400000], ['irom', 0x42000000, 0, 0x400000]],
    );
    // 247 boundaries from 0x9000 to 1 MiB, a 16 KiB span (four of them) per read.
    assert.ok(report.romCalls < 100, `${report.romCalls} ROM calls`);
    assert.deepEqual(report.restored, { resumed: true, ramRestored: true, registersCompared: true, registersIntact: true });
    assert.equal(target.state(), 'running');
  });
});
