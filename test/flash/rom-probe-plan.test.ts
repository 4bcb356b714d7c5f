/** The ROM-call probe plan as data: per-chip addresses, what is saved/cleared/restored, and its text and JSON forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHIPS, esp32, esp32c3, esp32s3 } from '../../src/chips/index.js';
import { planToJson, renderPlanText, romProbePlan, type PlanStep, type RomProbePlan } from '../../src/flash/rom-probe/index.js';

const calls = (p: RomProbePlan, steps: readonly PlanStep[] = p.steps) =>
  steps.flatMap((s) => (s.op === 'call' || s.op === 'flash-reads' ? [`${s.fn.name}@${s.fn.address.toString(16)}`] : []));
const saveSet = (p: RomProbePlan) => {
  const s = p.steps.find((x) => x.op === 'save');
  assert.ok(s && s.op === 'save');
  return s.registers;
};

/** Invariants every supported plan keeps: nothing is written that is not put back. */
function checkInvariants(p: RomProbePlan): void {
  const saved = new Set(saveSet(p).map((r) => r.address));
  const spi = { start: 0x60002000, end: 0x60003000 };
  const cmd = 0x60002000;
  for (const s of p.steps) {
    if (s.op === 'write' && typeof s.address === 'number' && s.address >= spi.start && s.address < spi.end) {
      assert.ok(saved.has(s.address), `${s.what}: written but not saved`);
    }
    if (s.op === 'command' || s.op === 'command-until') assert.equal(s.cmd, cmd);
    if ((s.op === 'write' || s.op === 'raise-chip-size') && typeof s.address !== 'number') {
      const off = s.address.offset;
      assert.ok(p.cleanup.some((c) => c.op === 'write' && typeof c.address !== 'number' && c.address.offset === off), `ROM data +${off} is written but never restored`);
    }
  }
  const restore = p.cleanup.find((c) => c.op === 'restore');
  assert.ok(restore && restore.op === 'restore' && restore.registers.length === saved.size, 'the whole saved set is restored at the end');
  const suspends = p.steps.filter((s) => s.op === 'call' && /Suspend/.test(s.fn.name)).length;
  const resumes = p.cleanup.filter((s) => s.op === 'call' && /Resume/.test(s.fn.name)).length;
  assert.equal(resumes, suspends, 'every cache suspended is resumed');
  // The naive read happens with SPI1 as found, before dummy_len_plus[1] is cleared.
  const naive = p.steps.findIndex((s) => s.op === 'read-id' && s.into === 'naiveId');
  const clearRom = p.steps.findIndex((s) => s.op === 'write' && typeof s.address !== 'number' && s.address.offset === 25);
  const clean = p.steps.findIndex((s) => s.op === 'read-id' && s.into === 'cleanId');
  assert.ok(naive > 0 && naive < clearRom && clearRom < clean);
}

test('ESP32-C3 plan: esp_rom_spiflash_read at 0x40000130, ROM data pointer 0x3FCDFFF0, ICache suspend/resume, no octal step', () => {
  const p = romProbePlan(esp32c3);
  assert.equal(p.supported, true);
  assert.deepEqual(calls(p), ['Cache_Suspend_ICache@40000524', 'esp_rom_spiflash_read@40000130']);
  assert.deepEqual(calls(p, p.cleanup), ['Cache_Resume_ICache@40000528']);
  const ptr = p.steps[0]!;
  assert.ok(ptr.op === 'read' && ptr.address === 0x3fcdfff0);
  const names = saveSet(p).map((r) => r.name);
  for (const n of ['CTRL', 'USER', 'USER1', 'USER2', 'TIMING_CALI', 'MISO_DLEN', 'W0', 'W15']) assert.ok(names.includes(n), n);
  assert.ok(!names.includes('DDR'), 'the C3 has no DDR register at 0xE0');
  assert.ok(saveSet(p).every((r) => r.address >= 0x60002004 && r.address < 0x60002100));
  assert.equal(p.steps.some((s) => s.op === 'stop-if'), false);
  checkInvariants(p);
});

test('ESP32-S3 plan: 0x40000A20 read, 0x3FCEFFE4 data, octal check first, I+D cache suspend with the CACHE_STATE poll, DDR cleared', () => {
  const p = romProbePlan(esp32s3);
  assert.equal(p.supported, true);
  assert.equal(p.architecture, 'xtensa');
  assert.deepEqual(calls(p), ['ets_efuse_flash_octal_mode@40002004', 'rom_Cache_Suspend_ICache@4000189c', 'rom_Cache_Suspend_DCache@400018b4', 'esp_rom_spiflash_read@40000a20']);
  assert.deepEqual(calls(p, p.cleanup), ['Cache_Resume_DCache@400018c0', 'Cache_Resume_ICache@400018a8']);
  const ptr = p.steps[0]!;
  assert.ok(ptr.op === 'read' && ptr.address === 0x3fceffe4);
  // The octal stop comes before any cache or SPI1 change.
  const stop = p.steps.findIndex((s) => s.op === 'stop-if');
  const firstChange = p.steps.findIndex((s) => s.op === 'write' || (s.op === 'call' && /Suspend/.test(s.fn.name)));
  assert.ok(stop > 0 && stop < firstChange);
  const polls = p.steps.filter((s) => s.op === 'poll' && s.address === 0x600c4130);
  assert.deepEqual(polls.map((s) => (s.op === 'poll' ? [s.mask, s.equals] : [])), [[0xfff, 1], [0xfff000, 0x1000]]);
  assert.ok(saveSet(p).some((r) => r.name === 'DDR' && r.address === 0x600020e0));
  assert.ok(p.steps.some((s) => s.op === 'write' && s.address === 0x600020e0 && s.value === 0));
  assert.ok(p.caveats.some((c) => /Octal flash/.test(c)) && p.caveats.some((c) => /Not run on hardware/.test(c)));
  checkInvariants(p);
});

test('chips without ROM facts get an unsupported plan with the reason', () => {
  for (const chip of CHIPS.filter((c) => c !== esp32c3 && c !== esp32s3)) {
    const p = romProbePlan(chip);
    assert.equal(p.supported, false, chip.name);
    assert.match(p.reason!, /no ROM flash function addresses/);
    assert.deepEqual(p.steps, []);
  }
  assert.match(renderPlanText(romProbePlan(esp32)), /Not available: espalgo has no ROM flash function addresses/);
});

test('text: numbered steps grouped by phase, every register and ROM function with its address', () => {
  const text = renderPlanText(romProbePlan(esp32s3));
  for (const needle of [
    'ROM-call probe plan for the ESP32-S3 (xtensa)',
    'octal ← call ets_efuse_flash_octal_mode @0x40002004()',
    'poll read32 [0x600c4130] & 0xfff = 0x1 (≤ 1000 reads)  if icacheCtrl & 0x1 ≠ 0',
    'dummyLenPlus1 ← read8 [romData+25]',
    'write32 [0x600020a8] ← saved.TIMING_CALI & ~0x1e',
    'write32 [0x60002020] ← 0x7000009f',
    'write32 [0x60002000] ← 0x40000; poll until those bits read 0',
    'cleanId ← read32 [0x60002058] & 0xffffff',
    'call esp_rom_spiflash_read @0x40000a20(offset, buffer, length)',
    'write8 [romData+25] ← dummyLenPlus1',
    'call Cache_Resume_ICache @0x400018a8(icacheAutoload)  if icacheCtrl & 0x1 ≠ 0',
    'PS = 0x00060025',
    'Restore (always',
  ]) assert.ok(text.includes(needle), `missing: ${needle}`);
  const numbers = [...text.matchAll(/^\s+(\d+)\. /gm)].map((m) => Number(m[1]));
  assert.deepEqual(numbers, numbers.map((_, i) => i + 1));
});

test('JSON: the same steps with their pseudo-code, addresses as 0x… strings', () => {
  const plan = romProbePlan(esp32c3);
  const json = planToJson(plan) as { chip: string; supported: boolean; steps: { text: string; op: string; address?: unknown; maxPolls?: unknown }[]; cleanup: unknown[]; workArea: { start: string } };
  assert.equal(json.chip, 'esp32c3');
  assert.equal(json.supported, true);
  assert.equal(json.steps.length, plan.steps.length);
  assert.equal(json.cleanup.length, plan.cleanup.length);
  assert.equal(json.steps[0]!.address, '0x3fcdfff0');
  assert.equal(json.workArea.start, '0x3fc80000');
  assert.ok(json.steps.every((s) => typeof s.text === 'string' && s.text.length > 0));
  assert.ok(json.steps.filter((s) => s.maxPolls !== undefined).every((s) => typeof s.maxPolls === 'number'));
  JSON.stringify(json);
});
