/**
 * The probe and MAP_GET on a Simple Boot flash (esptool elf2image --ram-only-header at flash 0):
 * the host's header-by-header walk (probe-mappings.ts) and the stub's MAP_GET read the same
 * segments, also where a segment is misaligned or the pairs end early; an ordinary bootloader with
 * no table is not taken for one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { probeFlash } from '../../src/flash/probe.js';
import { SparseFlash, hostLayout, walkSimpleBoot } from '../../src/flash/probe-mappings.js';
import { writeU32 } from '../../src/image/bytes.js';
import { buildImage } from '../../src/image/image-build.js';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { simpleBootFlash } from '../sim/esp32c3/fixture.js';

const IROM_HEADER = 0x10018;
const DROM_PADDING_HEADER = 0x102ac;
const DROM_HEADER = 0x20018;

const sparse = (flash: Uint8Array): SparseFlash => new SparseFlash(async (at, n) => flash.slice(at, at + n), flash.length);
const rows = (segments: readonly { kind: string; flashOffset: number; vaddr: number; size: number }[]) => segments.map((s) => [s.kind, s.flashOffset, s.vaddr, s.size]);

test('the host walk reads only headers: the RAM segments, then each pair; the padding zeros are not read', async () => {
  const flash = simpleBootFlash();
  const reads: [number, number][] = [];
  const counted = new SparseFlash(async (at, n) => (reads.push([at, n]), flash.slice(at, at + n)), flash.length);
  const walked = await walkSimpleBoot(counted, 0, esp32c3);
  assert.equal(walked?.format, 'simple-boot');
  assert.deepEqual(rows(walked!.segments), [['irom', 0x10020, 0x42000020, 0x28c], ['drom', 0x20020, 0x3c010020, 0x180]]);
  assert.equal(walked!.imageEnd, 0x20020 + 0x180);
  assert.ok(reads.every(([, n]) => n <= 24), `header-sized reads only: ${JSON.stringify(reads)}`);
  assert.ok(counted.bytesRead < 128, `${counted.bytesRead} bytes read`);
});

test('a flash segment whose data does not line up with its address modulo 64 KiB is reported as it is, with a sentence', async () => {
  const flash = simpleBootFlash();
  writeU32(flash, IROM_HEADER, 0x42000120);
  const layout = await hostLayout(sparse(flash), { chip: esp32c3 });
  assert.equal(layout.format, 'simple-boot');
  assert.deepEqual(rows(layout.segments)[0], ['irom', 0x10020, 0x42000120, 0x28c]);
  assert.match(layout.formatNote!, /segment 3 \(loads at 0x42000120, data at flash 0x00010020\) differs from its load address modulo the 0x10000 MMU page: the app cannot map it there/);
});

test('pairs end at the first header that is not one: a padding length not a multiple of 4, a load address outside the flash windows', async () => {
  const oddPadding = simpleBootFlash();
  writeU32(oddPadding, DROM_PADDING_HEADER + 4, 0xfd6a);
  const outside = simpleBootFlash();
  writeU32(outside, DROM_HEADER, 0x3fc90000);
  for (const flash of [oddPadding, outside]) {
    const layout = await hostLayout(sparse(flash), { chip: esp32c3 });
    assert.deepEqual(rows(layout.segments), [['irom', 0x10020, 0x42000020, 0x28c]]);
  }
  // Without any pair it is no Simple Boot app: nothing boots.
  const none = simpleBootFlash();
  writeU32(none, IROM_HEADER, 0x3fc90000);
  const layout = await hostLayout(sparse(none), { chip: esp32c3 });
  assert.equal(layout.format, null);
  assert.equal(layout.choice, 'none');
});

test('an ESP-IDF-style RAM-only bootloader at 0 with no table is not a Simple Boot app', async () => {
  const flash = new Uint8Array(0x400000).fill(0xff);
  flash.set(buildImage({ chip: esp32c3, entry: 0x403c8000, segments: [{ loadAddress: 0x3fcd5710, data: new Uint8Array(0x200).fill(9) }, { loadAddress: 0x403cc710, data: new Uint8Array(0x300).fill(10) }] }), 0);
  assert.equal(await walkSimpleBoot(sparse(flash), 0, esp32c3), undefined);
  const layout = await hostLayout(sparse(flash), { chip: esp32c3 });
  assert.equal(layout.choice, 'none');
  assert.match(layout.choiceReason, /no partition table/);
});

test('MAP_GET on the simulator agrees with the host where the pairs end early or a segment is misaligned', async () => {
  const misaligned = simpleBootFlash();
  writeU32(misaligned, IROM_HEADER, 0x42000120);
  const early = simpleBootFlash();
  writeU32(early, DROM_HEADER, 0x3fc90000);
  for (const [flash, expected] of [
    [misaligned, [['irom', 0x10020, 0x42000120, 0x28c], ['drom', 0x20020, 0x3c010020, 0x180]]],
    [early, [['irom', 0x10020, 0x42000020, 0x28c]]],
  ] as const) {
    const sim = createSimulatedEsp32c3({ flash, run: false });
    try {
      const r = await probeFlash(sim.target, { timeoutScale: 10 });
      assert.equal(r.mappings.stub?.reason, 'simple-boot');
      assert.equal(r.mappings.crossCheck?.agree, true, r.mappings.crossCheck?.differences.join('; '));
      assert.deepEqual(rows(r.mappings.segments), expected);
    } finally {
      await sim.close();
    }
  }
});
