/**
 * The flash probe on the simulated ESP32-C3 running the demo firmware: every #366 scenario, the
 * table at 0xC000, the OTA layout, overrides, an id the size table does not know, a stub that
 * cannot run, and — every time — SPI1 and the MMU bit-exact afterwards and the firmware carrying on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotOnceAdvanced } from './flash-fixture.js';
import { readFileSync } from 'node:fs';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { probeFlash } from '../../src/flash/probe.js';
import type { ProbeReport } from '../../src/flash/probe-report.js';
import { buildOtadata } from '../../src/image/otadata.js';
import { mcubootApp, type McubootAppSpec } from '../image/support/mcuboot-app.js';
import { createSimulatedEsp32c3, type SimulatedEsp32c3, type SimulatedEsp32c3Options } from '../../src/sim/esp32c3/create.js';
import { demoStub, firmwareSymbol, STUB } from '../algorithm/sim-fixture.js';
import { directBootFlash, DIRECT_COUNTER_ADDR, simpleBootFlash } from '../sim/esp32c3/fixture.js';

const BUILD = 'firmware/build/';
const HEARTBEAT = firmwareSymbol('demo_heartbeat');
const FAILURES = firmwareSymbol('demo_selfcheck_failures');
const SPI1 = 0x60002000;
const MMU = 0x600c5000;
const MiB = 0x100000;

const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);

async function snapshot(sim: SimulatedEsp32c3) {
  const t = sim.target;
  const wasRunning = t.state() === 'running';
  if (wasRunning) await t.halt();
  const spi1 = await t.readMemory(SPI1, 0x100);
  const mmu = await t.readMemory(MMU, 128 * 4);
  const heartbeat = u32(await t.readMemory(HEARTBEAT, 4));
  const failures = u32(await t.readMemory(FAILURES, 4));
  if (wasRunning) await t.resume();
  return { spi1, mmu, heartbeat, failures };
}

/**
 * Boot, let the firmware run, probe, and prove the chip was left as found and still runs.
 * `afterBoot` may change the flash behind the running firmware first (as a programmer would).
 */
async function probeOn(options: SimulatedEsp32c3Options, probe: Parameters<typeof probeFlash>[1] = {}, afterBoot?: (flash: Uint8Array) => void): Promise<ProbeReport> {
  const sim = createSimulatedEsp32c3(options);
  try {
    afterBoot?.(sim.flash.bytes);
    await new Promise((r) => setTimeout(r, 20));
    const before = await snapshot(sim);
    const report = await probeFlash(sim.target, { timeoutScale: 10, ...probe });
    assert.equal(sim.target.state(), 'running', 'the probe resumes the firmware');
    const after = await snapshotOnceAdvanced(() => snapshot(sim), (s) => s.heartbeat > before.heartbeat);
    assert.deepEqual(after.spi1, before.spi1, 'SPI1 registers 0x60002000..0x600020FF bit-exact');
    assert.deepEqual(after.mmu, before.mmu, 'MMU table bit-exact');
    assert.ok(after.heartbeat > before.heartbeat, `heartbeat advances (${before.heartbeat} → ${after.heartbeat})`);
    assert.equal(after.failures, 0, 'self-check failures stay 0');
    return report;
  } finally {
    await sim.close();
  }
}

const FACTORY_MAP = [
  { kind: 'drom', flashOffset: 0x10020, vaddr: 0x3c010020 },
  { kind: 'irom', flashOffset: 0x20020, vaddr: 0x42000020 },
];
const shape = (r: ProbeReport) => r.mappings.segments.map((s) => ({ kind: s.kind, flashOffset: s.flashOffset, vaddr: s.vaddr }));

for (const [scenario, naive, cycles, field] of [
  ['issue-366', 0xde802d, 1, 'USER.USR_DUMMY'],
  ['issue-366-timing', 0xbd005b, 2, 'TIMING_CALI.EXTRA_DUMMY_CYCLELEN'],
  ['issue-366-rom-dummy', 0xde802d, 1, 'g_rom_spiflash_dummy_len_plus[1]'],
] as const) {
  test(`#366 scenario ${scenario}: right size and mappings, the cleared dummy named, chip untouched`, async () => {
    const r = await probeOn({ flash: BUILD + 'demo-micropython-4MB.bin', scenario });
    assert.equal(r.method, 'stub');
    assert.equal(r.degraded, false);
    assert.equal(r.id!.clean, 0xef4016);
    assert.equal(r.id!.naive, naive);
    assert.equal(r.id!.analysis.extraDummyCycles, cycles);
    assert.equal(r.id!.analysis.shiftExplained, true, 'the naive id is the clean one shifted by the extra cycles');
    assert.equal(r.size.bytes, 4 * MiB);
    assert.equal(r.size.source, 'jedec');
    const sentence = r.id!.analysis.sentence!;
    assert.match(sentence, /USER\.USR_DUMMY/);
    assert.ok(sentence.includes(field), sentence);
    assert.match(sentence, /OpenOCD ≤ 2024\) reads [0-9A-F ]+ .*flash size 0 \(error -9\)\. espalgo cleared (it|them) for the ID read and restored/);
    assert.ok(r.notes.includes(sentence), 'the sentence is among the notes');
    assert.equal(r.openocd!.retcode, -9);
    assert.equal(r.openocd!.gdbConnects, false);
    assert.deepEqual(shape(r), FACTORY_MAP);
    assert.equal(r.mappings.source, 'stub');
    assert.equal(r.mappings.crossCheck!.agree, true);
    assert.deepEqual(r.restored, { resumed: true, ramRestored: true, registersCompared: true, registersIntact: true });
  });
}

test('the issue-366 sentence reads as the user needs it', async () => {
  const r = await probeOn({ flash: BUILD + 'demo-micropython-4MB.bin', scenario: 'issue-366' });
  assert.equal(
    r.id!.analysis.sentence,
    'The application left SPI1 with 1 extra dummy cycle (USER.USR_DUMMY); a stub that does not clear it (OpenOCD ≤ 2024) reads DE 80 2D (EF 40 16 shifted by 1 bit) and reports flash size 0 (error -9). espalgo cleared it for the ID read and restored it.',
  );
});

test('MicroPython 32 MiB header on a 4 MiB chip: the chip wins, header and table disagreements explained', async () => {
  const r = await probeOn({ flash: BUILD + 'demo-micropython-32MB-header.bin', scenario: 'issue-366' });
  assert.equal(r.size.bytes, 4 * MiB);
  assert.deepEqual(r.size.sources.map((s) => [s.kind, s.bytes]), [['jedec', 4 * MiB], ['bootloader-header', 32 * MiB], ['partition-table', 32 * MiB]]);
  assert.equal(r.size.disagreements.length, 2);
  assert.match(r.size.disagreements[0]!, /bootloader header says 32 MiB but the flash chip says 4 MiB/);
  assert.match(r.size.disagreements[1]!, /reaches 0x02000000 \("vfs"\) but the flash is 4 MiB/);
});

test('a clean SPI1 (normal): no #366 sentence, OpenOCD would have succeeded', async () => {
  const r = await probeOn({ flash: BUILD + 'demo-micropython-4MB.bin' });
  assert.equal(r.id!.analysis.sentence, null);
  assert.equal(r.id!.naive, r.id!.clean);
  assert.equal(r.openocd!.retcode, 0);
  assert.equal(r.openocd!.gdbConnects, true);
  assert.deepEqual(r.openocd!.mappings.map((m) => m.flashOffset), [0x10020, 0x20020]);
  assert.deepEqual(r.notes, []);
  // The table at its default place: the host reads it, the bootloader and the app headers, not the 64 KiB head.
  assert.ok(r.bytesRead < 0x2000, `${r.bytesRead} bytes read`);
});

test('OTA layout: otadata selects ota_1; OpenOCD would map ota_0, the wrong app', async () => {
  const r = await probeOn({ flash: BUILD + 'demo-ota.bin' });
  assert.equal(r.mappings.appOffset, 0x90000);
  assert.equal(r.mappings.appLabel, 'ota_1');
  assert.equal(r.mappings.choice, 'otadata');
  assert.match(r.mappings.choiceReason, /ota_seq 2/);
  assert.deepEqual(r.mappings.segments.map((s) => s.flashOffset), [0x90020, 0xa0020]);
  assert.equal(r.mappings.crossCheck!.agree, true);
  assert.deepEqual(r.openocd!.mappings.map((m) => m.flashOffset), [0x10020, 0x20020]);
  assert.match(r.openocd!.sentence, /wrong app/);
});

test('table at 0xC000 is found by searching; --table-offset gives it directly', async () => {
  const opts = { flash: BUILD + 'demo-table-0xc000.bin', tableOffset: 0xc000 };
  const searched = await probeOn(opts);
  assert.equal(searched.mappings.tableOffset, 0xc000);
  assert.match(searched.mappings.tableNote, /found at 0x0000c000 by searching/);
  assert.deepEqual(shape(searched), FACTORY_MAP);
  assert.equal(searched.mappings.crossCheck!.agree, true);
  assert.equal(searched.openocd!.retcode, -6, 'the legacy stub only looks at 0x8000');
  const given = await probeOn(opts, { tableOffset: 0xc000 });
  assert.equal(given.mappings.tableOffset, 0xc000);
  assert.deepEqual(shape(given), FACTORY_MAP);
});

test('overrides: --app-offset picks ota_0, --flash-size wins over the id with a warning', async () => {
  const r = await probeOn({ flash: BUILD + 'demo-ota.bin' }, { appOffset: 0x10000, flashSize: 8 * MiB });
  assert.equal(r.mappings.appOffset, 0x10000);
  assert.equal(r.mappings.choice, 'override');
  assert.deepEqual(r.mappings.segments.map((s) => s.flashOffset), [0x10020, 0x20020]);
  assert.equal(r.size.bytes, 8 * MiB);
  assert.equal(r.size.source, 'override');
  assert.ok(r.size.disagreements.some((d) => /You gave --flash-size 8 MiB but the flash chip's JEDEC id says 4 MiB/.test(d)));
});

test('an id the size table does not know: size from the header, mappings still there, a sentence', async () => {
  const r = await probeOn({ flash: BUILD + 'demo-micropython-4MB.bin', jedecId: 0xef40ff, flashSize: 4 * MiB });
  assert.equal(r.degraded, true);
  assert.equal(r.id!.clean, 0xef40ff);
  assert.equal(r.size.bytes, 4 * MiB);
  assert.equal(r.size.source, 'bootloader-header');
  assert.match(r.size.explanation, /EF 40 FF, whose capacity byte 0xff is not in the size table.*bootloader header's 4 MiB.*--flash-size/);
  assert.ok(r.notes.includes(r.size.explanation));
  assert.deepEqual(shape(r), FACTORY_MAP);
  assert.equal(r.openocd!.retcode, -9);
});

const MCUBOOT_MAP = (at: number) => [
  [1, 'drom', at + 0x20040, 0x3c020040, 0x800],
  [0, 'irom', at + 0x10020, 0x42000020, 0x1000],
];
const rows = (r: ProbeReport) => r.mappings.segments.map((s) => [s.segment, s.kind, s.flashOffset, s.vaddr, s.size]);

/** The 4 MiB demo flash with an MCUboot app's headers (test/image/support/mcuboot-app.ts) at `at`. */
function demoWithMcuboot(at: number, spec: McubootAppSpec = {}): Uint8Array {
  const flash = new Uint8Array(4 * MiB).fill(0xff);
  flash.set(readFileSync(BUILD + 'demo-micropython-4MB.bin'));
  flash.set(mcubootApp(spec), at);
  return flash;
}

test('MCUboot image at --app-offset: MAP_GET reads its load header, the host agreeing', async () => {
  const at = 0x300000;
  const r = await probeOn({ flash: demoWithMcuboot(at) }, { appOffset: at });
  assert.equal(r.mappings.source, 'stub');
  assert.equal(r.mappings.format, 'mcuboot');
  assert.equal(r.mappings.choice, 'override');
  assert.deepEqual(r.mappings.stub, { ok: true, reason: 'override', error: null });
  assert.equal(r.mappings.crossCheck?.agree, true, r.mappings.crossCheck?.differences.join('; '));
  assert.deepEqual(rows(r), MCUBOOT_MAP(at));
  assert.equal(r.mappings.formatNote, 'MCUboot image: IROM/DROM taken from its Espressif load header at 0x00300020');
  assert.equal(r.degraded, false);
  assert.ok(!r.notes.some((n) => /MAP_GET failed|differs from MAP_GET/.test(n)), r.notes.join('\n'));
});

test('MCUboot app in the OTA slot otadata selects (written after boot, not yet booted): MAP_GET and the host take its load header; the firmware runs on', async () => {
  // demo-ota.bin boots ota_1 (0x90000); an update then wrote an MCUboot image into ota_0 and made otadata select it.
  const r = await probeOn({ flash: BUILD + 'demo-ota.bin' }, {}, (flash) => {
    flash.set(buildOtadata(3), 0xd000);
    flash.set(mcubootApp(), 0x10000);
  });
  assert.equal(r.mappings.source, 'stub');
  assert.equal(r.mappings.stub?.reason, 'otadata');
  assert.equal(r.mappings.choice, 'otadata');
  assert.equal(r.mappings.appLabel, 'ota_0');
  assert.equal(r.mappings.appOffset, 0x10000);
  assert.equal(r.mappings.format, 'mcuboot');
  assert.equal(r.mappings.crossCheck?.agree, true, r.mappings.crossCheck?.differences.join('; '));
  assert.deepEqual(rows(r), MCUBOOT_MAP(0x10000));
  assert.equal(r.degraded, false, r.notes.join('\n'));
});

test('MCUboot header size 0x200: the load header read at +0x200 by MAP_GET and by the host', async () => {
  const at = 0x300000;
  const r = await probeOn({ flash: demoWithMcuboot(at, { headerSize: 0x200, layout: 'earlier' }) }, { appOffset: at });
  assert.equal(r.mappings.source, 'stub');
  assert.equal(r.mappings.format, 'mcuboot');
  assert.equal(r.mappings.crossCheck?.agree, true, r.mappings.crossCheck?.differences.join('; '));
  assert.deepEqual(rows(r), MCUBOOT_MAP(at));
  assert.equal(r.mappings.formatNote, 'MCUboot image: IROM/DROM taken from its Espressif load header at 0x00300200');
});

test('MCUboot image without a load header: MAP_GET fails with MCUBOOT_LOAD_HEADER, the host says what is there; no mappings', async () => {
  const at = 0x300000;
  const r = await probeOn({ flash: demoWithMcuboot(at, { magic: 0 }) }, { appOffset: at });
  assert.equal(r.mappings.source, 'host');
  assert.equal(r.mappings.format, 'mcuboot');
  assert.equal(r.mappings.stub?.ok, false);
  assert.match(r.mappings.stub!.error!, /^MAP_GET at 0x00300020 failed: The application is an MCUboot image, but no Espressif load header the stub recognises follows its header.*\(stub error -21, MCUBOOT_LOAD_HEADER\)/);
  assert.deepEqual(r.mappings.segments, []);
  assert.equal(r.degraded, true);
  assert.ok(r.notes.some((n) => /^MAP_GET failed \(.*\); the host's reading of the MCUboot image's Espressif load header finds no mapping either\.$/.test(n)), r.notes.join('\n'));
  assert.equal(r.mappings.crossCheck?.sentence, "MAP_GET failed (see the notes); up to where it stopped, the host's own reading of the MCUboot image's Espressif load header agrees with it: same table, same app.");
  assert.ok(r.notes.some((n) => n.includes("The app at 0x00300000 has no IROM/DROM segment (MCUboot image without a load header espalgo recognises: the load header at +0x20 starts with 0x00000000, not Espressif's load header magic 0xACE637D3; give the mapping by hand)")), r.notes.join('\n'));
});

test('a stub that cannot run: MMU and DROM window reads still give the running app', async () => {
  const broken = { ...demoStub(), entry: 0x40380000 + STUB.fault };
  const r = await probeOn({ flash: BUILD + 'demo-ota.bin' }, { image: broken });
  assert.equal(r.method, 'memory-window');
  assert.equal(r.degraded, true);
  assert.equal(r.id, null);
  assert.equal(r.size.bytes, null);
  assert.equal(r.mappings.source, 'memory-window');
  assert.equal(r.mappings.appOffset, 0x90000);
  assert.deepEqual(r.mappings.segments.map((s) => [s.kind, s.flashOffset, s.vaddr]), [['drom', 0x90020, 0x3c010020], ['irom', 0xa0020, 0x42000020]]);
  assert.ok(r.mappings.mmuRuns!.length >= 2);
  assert.match(r.notes[0]!, /flasher stub could not run .*MMU table and the DROM window/);
  assert.ok(r.notes.some((n) => /--flash-size/.test(n)));
});

test('a stub that cannot run, an MCUboot app mapped: the DROM window finds its header and the load header gives the mappings', async () => {
  // As Espressif's MCUboot port leaves the MMU: the load header's regions mapped, the header's page among them.
  const at = 0x300000;
  const spec: McubootAppSpec = { drom: [0x3c000080, 0x80, 0x800], irom: [0x42010020, 0x10020, 0x1000] };
  const sim = createSimulatedEsp32c3({ flash: demoWithMcuboot(at, spec), run: false });
  try {
    sim.chip.mmu.invalidateAll();
    sim.chip.mmu.set(0, at >>> 16); // DROM 0x3C000000 ← the header's page
    sim.chip.mmu.set(1, (at >>> 16) + 1); // IROM 0x42010000 ← the next (one table for both windows)
    const r = await probeFlash(sim.target, { timeoutScale: 10, image: { ...demoStub(), entry: 0x40380000 + STUB.fault } });
    assert.equal(r.method, 'memory-window');
    assert.equal(r.mappings.source, 'memory-window');
    assert.equal(r.mappings.format, 'mcuboot');
    assert.equal(r.mappings.appOffset, at);
    assert.deepEqual(r.mappings.segments.map((s) => [s.kind, s.flashOffset, s.vaddr, s.size]), [
      ['drom', at + 0x80, 0x3c000080, 0x800],
      ['irom', at + 0x10020, 0x42010020, 0x1000],
    ]);
    assert.ok(r.notes.some((n) => n.includes(`MCUboot image at 0x00300000 found through the DROM window`)), r.notes.join('\n'));
  } finally {
    await sim.close();
  }
});

test('an unsupported chip is reported, not thrown', async () => {
  const sim = createSimulatedEsp32c3({ flash: BUILD + 'demo-micropython-4MB.bin' });
  try {
    const { esp32s3 } = await import('../../src/chips/esp32s3.js');
    const r = await probeFlash(sim.target, { chip: esp32s3 });
    assert.equal(r.method, 'memory-window');
    assert.equal(r.mappings.source, 'none');
    assert.match(r.notes.join(' '), /no flasher stub for ESP32-S3/);
    assert.equal(sim.target.state(), 'running');
  } finally {
    await sim.close();
  }
  assert.equal(esp32c3.name, 'esp32c3');
});

test('a Simple Boot app at 0 (no bootloader, no table): its flash segments from MAP_GET, the host agreeing; the firmware runs on', async () => {
  const SIMPLE_MAP = [
    [3, 'irom', 0x10020, 0x42000020, 0x28c],
    [5, 'drom', 0x20020, 0x3c010020, 0x180],
  ];
  const r = await probeOn({ flash: simpleBootFlash() });
  assert.equal(r.degraded, false, r.notes.join('\n'));
  assert.equal(r.mappings.source, 'stub');
  assert.equal(r.mappings.stub?.reason, 'simple-boot');
  assert.equal(r.mappings.crossCheck?.agree, true, r.mappings.crossCheck?.differences.join('; '));
  assert.equal(r.mappings.format, 'simple-boot');
  assert.equal(r.mappings.choice, 'simple-boot');
  assert.equal(r.mappings.appOffset, 0);
  assert.equal(r.mappings.tableOffset, null);
  assert.match(r.mappings.choiceReason, /no partition table, and the image at 0x00000000 is a Simple Boot app/);
  assert.match(r.mappings.formatNote!, /the ROM loads the 2 RAM segments its header counts, the app maps the 2 flash segments after its checksum itself$/);
  assert.deepEqual(r.mappings.segments.map((s) => [s.segment, s.kind, s.flashOffset, s.vaddr, s.size]), SIMPLE_MAP);
  assert.ok(!r.notes.some((n) => /MAP_GET failed|No mapping could be determined/.test(n)), r.notes.join('\n'));
  assert.equal(r.openocd?.retcode, -6, 'OpenOCD\'s 2024 stub finds no table at 0x8000');
  assert.match(r.openocd!.sentence, /cannot set software breakpoints in flash \(hardware ones, hbreak, still work\)/);
  // The header at 0x0 is the app's own, not a bootloader's; the host read only image headers.
  assert.deepEqual(r.size.sources.map((s) => [s.kind, s.bytes]), [['jedec', 4 * MiB], ['app-header', 2 * MiB]]);
  assert.ok(r.size.disagreements.some((d) => d.startsWith("The app's image header at 0x0 says 2 MiB")), r.size.disagreements.join('\n'));
  assert.match(r.mappings.crossCheck!.sentence, /^The host's own reading of the Simple Boot image's segment headers \(through the stub's READ\) agrees/);
  // --app-offset 0 names it too, as an override.
  const given = await probeOn({ flash: simpleBootFlash() }, { appOffset: 0 });
  assert.equal(given.mappings.format, 'simple-boot');
  assert.equal(given.mappings.choice, 'override');
  assert.equal(given.size.sources.find((x) => x.kind !== 'jedec')?.kind, 'app-header');
  assert.deepEqual(given.mappings.segments.map((s) => [s.segment, s.kind, s.flashOffset, s.vaddr, s.size]), SIMPLE_MAP);
});

test('a direct-boot program (no bootloader, no table): the ROM\'s 1:1 mappings from MAP_GET, the host agreeing; the program runs on', async () => {
  const sim = createSimulatedEsp32c3({ flash: directBootFlash() });
  try {
    await new Promise((r) => setTimeout(r, 20));
    await sim.target.halt();
    const mmu = await sim.target.readMemory(MMU, 128 * 4);
    const spi1 = await sim.target.readMemory(SPI1, 0x100);
    const count0 = u32(await sim.target.readMemory(DIRECT_COUNTER_ADDR, 4));
    await sim.target.resume();
    const r = await probeFlash(sim.target, { timeoutScale: 10 });
    assert.equal(r.size.bytes, 4 * MiB);
    assert.equal(r.mappings.source, 'stub');
    assert.equal(r.mappings.stub?.reason, 'direct-boot');
    assert.equal(r.mappings.crossCheck?.agree, true, r.mappings.crossCheck?.differences.join('; '));
    assert.equal(r.degraded, false);
    assert.equal(r.mappings.format, 'direct-boot');
    assert.equal(r.mappings.choice, 'direct-boot');
    assert.equal(r.mappings.appOffset, 0);
    assert.match(r.mappings.choiceReason, /direct-boot magic 0xaedb041d/i);
    assert.deepEqual(r.mappings.segments.map((s) => [s.kind, s.vaddr, s.flashOffset, s.size]), [
      ['drom', 0x3c000000, 0, 4 * MiB],
      ['irom', 0x42000000, 0, 4 * MiB],
    ]);
    assert.ok(!r.notes.some((n) => /MAP_GET failed/.test(n)), r.notes.join('\n'));
    assert.ok(!r.notes.some((n) => /No mapping could be determined/.test(n)));
    assert.equal(sim.target.state(), 'running');
    await new Promise((r) => setTimeout(r, 20));
    await sim.target.halt();
    assert.deepEqual(await sim.target.readMemory(MMU, 128 * 4), mmu, 'MMU table bit-exact');
    assert.deepEqual(await sim.target.readMemory(SPI1, 0x100), spi1, 'SPI1 bit-exact');
    assert.ok(u32(await sim.target.readMemory(DIRECT_COUNTER_ADDR, 4)) > count0, 'the program counts on');
    // --app-offset 0 names it too; another offset does not.
    await sim.target.resume();
    const given = await probeFlash(sim.target, { timeoutScale: 10, appOffset: 0 });
    assert.equal(given.mappings.format, 'direct-boot');
    assert.equal(given.mappings.choice, 'override');
  } finally {
    await sim.close();
  }
});
