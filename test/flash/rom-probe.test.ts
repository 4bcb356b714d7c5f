/**
 * The ROM-call probe on the simulated ESP32-C3 running the demo firmware: the same flash size and
 * mappings as the compiled stub's FLASH_INFO + MAP_GET (through StubClient) with the #366 scenarios
 * on and off, SPI1 (0x60002000..0x600020FF) and the ROM's flash record (dummy_len_plus) bit-exact
 * afterwards, and the firmware still running with its self-check clean.
 */
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotOnceAdvanced } from './flash-fixture.js';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { buildPartitionTable } from '../../src/image/partition-table.js';
import { openFlashSession } from '../../src/flash/session.js';
import { romProbe, type RomProbeReport } from '../../src/flash/rom-probe/index.js';
import { createSimulatedEsp32c3, type SimulatedEsp32c3, type SimulatedEsp32c3Options } from '../../src/sim/esp32c3/create.js';
import type { Target } from '../../src/target/types.js';
import { firmwareSymbol } from '../algorithm/sim-fixture.js';

const BUILD = 'firmware/build/';
const HEARTBEAT = firmwareSymbol('demo_heartbeat');
const FAILURES = firmwareSymbol('demo_selfcheck_failures');
const SPI1 = 0x60002000;
const ROM_DATA_PTR = 0x3fcdfff0;
const MiB = 0x100000;

const u32 = (b: Uint8Array, at = 0) => new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true);

async function snapshot(t: Target) {
  const wasRunning = t.state() === 'running';
  if (wasRunning) await t.halt();
  const spi1 = await t.readMemory(SPI1, 0x100);
  const romRecord = await t.readMemory(u32(await t.readMemory(ROM_DATA_PTR, 4)), 28);
  const heartbeat = u32(await t.readMemory(HEARTBEAT, 4));
  const failures = u32(await t.readMemory(FAILURES, 4));
  if (wasRunning) await t.resume();
  return { spi1, romRecord, heartbeat, failures };
}

interface Compared {
  readonly rom: RomProbeReport;
  readonly stubSize: number;
  readonly stubSegments: { kind: string; flashOffset: number; vaddr: number; size: number }[];
  readonly stubNaive: number;
}

/** Boot, run, ROM-probe, prove the chip untouched and running, then ask the compiled stub the same. */
async function compare(options: SimulatedEsp32c3Options, probe: { tableOffset?: number } = {}): Promise<Compared> {
  const sim: SimulatedEsp32c3 = createSimulatedEsp32c3(options);
  try {
    await new Promise((r) => setTimeout(r, 20));
    const before = await snapshot(sim.target);
    const rom = await romProbe(sim.target, { chip: esp32c3, timeoutMs: 30000, ...probe });
    assert.equal(sim.target.state(), 'running', 'the probe resumes the firmware');
    const after = await snapshotOnceAdvanced(() => snapshot(sim.target), (s) => s.heartbeat > before.heartbeat);
    assert.deepEqual(after.spi1, before.spi1, 'SPI1 registers 0x60002000..0x600020FF bit-exact');
    assert.deepEqual(after.romRecord, before.romRecord, "the ROM's flash record (chip_size, dummy_len_plus[0..2]) unchanged");
    assert.ok(after.heartbeat > before.heartbeat, `heartbeat advances (${before.heartbeat} → ${after.heartbeat})`);
    assert.equal(after.failures, 0, 'self-check failures stay 0');
    assert.deepEqual(rom.restored, { resumed: true, ramRestored: true, registersCompared: true, registersIntact: true });

    const session = await openFlashSession(sim.target, { chip: esp32c3, timeoutScale: 10 });
    try {
      const info = session.info ?? (await session.stub.flashInfo());
      const map = await session.stub.mapGet(probe.tableOffset !== undefined ? { tableOffset: probe.tableOffset } : {});
      return {
        rom,
        stubSize: info.size,
        stubNaive: info.naiveId.id,
        stubSegments: map.segments.map((s) => ({ kind: s.kind, flashOffset: s.flashOffset, vaddr: s.vaddr, size: s.size })),
      };
    } finally {
      await session.close();
    }
  } finally {
    await sim.close();
  }
}

const segs = (r: RomProbeReport) => r.mappings.segments.map((s) => ({ kind: s.kind, flashOffset: s.flashOffset, vaddr: s.vaddr, size: s.size }));

for (const [scenario, naive, cycles] of [
  ['normal', 0xef4016, 0],
  ['issue-366', 0xde802d, 1],
  ['issue-366-timing', 0xbd005b, 2],
  ['issue-366-rom-dummy', 0xde802d, 1],
  ['flash-busy', 0xef4016, 0],
] as const) {
  test(`scenario ${scenario}: same size and mappings as the stub's FLASH_INFO + MAP_GET, chip untouched`, async () => {
    const c = await compare({ flash: BUILD + 'demo-micropython-4MB.bin', scenario });
    const r = c.rom;
    assert.equal(r.method, 'rom-call');
    assert.equal(r.degraded, false, r.notes.join(' | '));
    assert.equal(r.size.bytes, 4 * MiB);
    assert.equal(r.size.source, 'jedec');
    assert.equal(r.size.bytes, c.stubSize, 'the stub detects the same size');
    assert.equal(r.id!.clean, 0xef4016);
    assert.equal(r.id!.naive, naive);
    assert.equal(r.id!.naive, c.stubNaive, 'the naive read equals the stub’s naive read');
    assert.equal(r.id!.analysis.extraDummyCycles, cycles);
    if (cycles) {
      assert.equal(r.id!.analysis.shiftExplained, true);
      assert.equal(r.openocd!.retcode, -9, 'OpenOCD ≤ 2024 would fail with -9');
    }
    assert.ok(segs(r).length >= 2);
    assert.deepEqual(segs(r), c.stubSegments, 'the same segments as MAP_GET');
    assert.equal(r.mappings.appLabel, 'factory');
    assert.ok(r.romCalls >= 3, 'cache suspend, at least one read, cache resume');
    if (scenario === 'flash-busy') assert.ok(r.id!.analysis.busyPolls > 0 && r.notes.some((n) => /busy/.test(n)));
  });
}

test('OTA layout: otadata selects ota_1, the same app and segments as MAP_GET', async () => {
  const c = await compare({ flash: BUILD + 'demo-ota.bin' });
  assert.equal(c.rom.mappings.appLabel, 'ota_1');
  assert.equal(c.rom.mappings.choice, 'otadata');
  assert.deepEqual(segs(c.rom), c.stubSegments);
});

test('table at 0xC000: found by searching every 4 KiB, the same mappings as MAP_GET', async () => {
  const c = await compare({ flash: BUILD + 'demo-table-0xc000.bin', tableOffset: 0xc000 });
  assert.equal(c.rom.mappings.tableOffset, 0xc000);
  assert.deepEqual(segs(c.rom), c.stubSegments);
  assert.ok(c.stubSegments.length >= 2);
});

/** The demo firmware with its table at 0xF0000 and its app moved to 0x100000 (entries follow the table). */
function farTableFlash(): Uint8Array {
  const flash = new Uint8Array(4 * MiB).fill(0xff);
  const demo = readFileSync(BUILD + 'demo-micropython-4MB.bin');
  flash.set(demo.subarray(0, 0x8000));
  flash.set(demo.subarray(0x10000), 0x100000);
  flash.set(buildPartitionTable([
    { type: 1, subtype: 2, offset: 0xf1000, size: 0x6000, label: 'nvs' },
    { type: 0, subtype: 0, offset: 0x100000, size: 0x100000, label: 'factory' },
  ]), 0xf0000);
  return flash;
}

test('table far from 0x8000 (0xF0000): the 4 KiB search reads a 16 KiB span per ROM call, the same mappings as MAP_GET', async () => {
  const c = await compare({ flash: farTableFlash(), tableOffset: 0xf0000 });
  assert.equal(c.rom.mappings.tableOffset, 0xf0000);
  assert.equal(c.rom.mappings.appOffset, 0x100000);
  assert.deepEqual(segs(c.rom), c.stubSegments);
  assert.ok(c.stubSegments.length >= 2);
  // 247 boundaries from 0x9000 to 1 MiB, four to a read (they were one ROM call each).
  assert.ok(c.rom.romCalls < 100, `${c.rom.romCalls} ROM calls`);
});

test('a probe of a halted chip leaves the work area it borrowed (trampoline, stack, read buffer) byte for byte', async () => {
  const sim = createSimulatedEsp32c3({ flash: farTableFlash(), tableOffset: 0xf0000 });
  try {
    await new Promise((r) => setTimeout(r, 20));
    await sim.target.halt();
    const { start, end } = esp32c3.stub!.workArea;
    const before = await sim.target.readMemory(start, end - start);
    const r = await romProbe(sim.target, { chip: esp32c3, timeoutMs: 30000 });
    assert.equal(r.mappings.tableOffset, 0xf0000);
    assert.equal(sim.target.state(), 'halted', 'a chip found halted stays halted');
    assert.ok(Buffer.from(await sim.target.readMemory(start, end - start)).equals(before));
  } finally {
    await sim.close();
  }
});

test('32 MiB bootloader header on a 4 MiB flash: the id wins, the disagreement is explained', async () => {
  const c = await compare({ flash: BUILD + 'demo-micropython-32MB-header.bin', scenario: 'issue-366' });
  assert.equal(c.rom.size.bytes, 4 * MiB);
  assert.equal(c.rom.size.bytes, c.stubSize);
  assert.ok(c.rom.size.disagreements.some((d) => /32 MiB/.test(d)), c.rom.size.disagreements.join(' | '));
  assert.deepEqual(segs(c.rom), c.stubSegments);
});
