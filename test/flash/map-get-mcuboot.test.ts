/**
 * MAP_GET on MCUboot apps, the committed stub on the simulated ESP32-C3, against the host's
 * reading (probe-mappings.ts walkApp, decodeMcubootLoadHeader): the same IROM/DROM regions of
 * Espressif's load header for every layout and header size, and the same refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { hostLayout, SparseFlash, walkApp } from '../../src/flash/probe-mappings.js';
import { MAP_FLAGS } from '../../src/flash/stub-protocol.js';
import { mcubootApp, type McubootAppSpec } from '../image/support/mcuboot-app.js';
import { mapGetOutcome, withStub } from './stub-fixture.js';

const AT = 0x300000; // in the demo's vfs partition
const rows = (segments: readonly { kind: string; flashOffset: number; vaddr: number; size: number }[]) => segments.map((s) => [s.kind, s.flashOffset, s.vaddr, s.size]);

const ACCEPTED: [string, McubootAppSpec, (string | number)[][]][] = [
  ['current layout, header 0x20', {}, [['drom', AT + 0x20040, 0x3c020040, 0x800], ['irom', AT + 0x10020, 0x42000020, 0x1000]]],
  ['earlier layout (no LP-RTC fields)', { layout: 'earlier' }, [['drom', AT + 0x20040, 0x3c020040, 0x800], ['irom', AT + 0x10020, 0x42000020, 0x1000]]],
  ['header size 0x200', { headerSize: 0x200 }, [['drom', AT + 0x20040, 0x3c020040, 0x800], ['irom', AT + 0x10020, 0x42000020, 0x1000]]],
  ['IROM only', { drom: [0, 0, 0] }, [['irom', AT + 0x10020, 0x42000020, 0x1000]]],
  ['DROM only, ending at the window end', { irom: [0, 0, 0], drom: [0x3c7f0040, 0x20040, 0xffc0] }, [['drom', AT + 0x20040, 0x3c7f0040, 0xffc0]]],
  ['IROM ending exactly at the flash end', { irom: [0x42000020, 0xf0020, 0xffe0], drom: [0, 0, 0] }, [['irom', AT + 0xf0020, 0x42000020, 0xffe0]]],
];

const REFUSED: [string, McubootAppSpec, number][] = [
  ['no load header magic', { magic: 0xace637d2 }, AT + 0x20],
  ['header size 0x10, below the header', { headerSize: 0x10 }, AT + 0x10],
  ['IROM at a flash offset that differs from its address modulo 64 KiB', { irom: [0x42000020, 0x10024, 0x1000] }, AT + 0x20],
  ['DROM address in the IROM window', { drom: [0x42020040, 0x20040, 0x800] }, AT + 0x20],
  ['DROM running past the window end', { drom: [0x3c7f0040, 0x20040, 0x10000] }, AT + 0x20],
  ['both regions empty', { irom: [0, 0, 0], drom: [0, 0, 0] }, AT + 0x20],
  ['IROM ending beyond the 4 MiB flash', { irom: [0x42000020, 0x3f0020, 0x1000] }, AT + 0x20],
  ['IROM ending one word past the flash end', { irom: [0x42000020, 0xf0020, 0xffe4], drom: [0, 0, 0] }, AT + 0x20],
  ['DROM at an offset that wraps past 4 GiB to flash 0x00220040', { drom: [0x3c020040, 0xfff20040, 0x800] }, AT + 0x20],
];

async function bothReadings(stub: Parameters<Parameters<typeof withStub>[1]>[0], bytes: Uint8Array, at = AT) {
  await stub.erase(at & ~0xfff, 0x1000);
  await stub.write(at, bytes);
  const { map, error } = await mapGetOutcome(stub, { appOffset: at });
  const host = await walkApp(new SparseFlash((o, n) => stub.read(o, n), 0x400000), at, esp32c3);
  return { map, error, host };
}

test('MAP_GET takes the IROM/DROM regions of an MCUboot app\'s load header as the host does: both layouts, any header size, one region alone', async () => {
  await withStub('normal', async (stub) => {
    for (const [what, spec, expected] of ACCEPTED) {
      const { map, error, host } = await bothReadings(stub, mcubootApp(spec));
      assert.equal(error, undefined, `${what}: ${error?.message}`);
      assert.equal(map.reason, 'override', what);
      assert.equal(map.appOffset, AT, what);
      assert.ok(map.mcuboot && map.headerOk && map.flags & MAP_FLAGS.APP_FOUND, `${what}: flags ${map.flags}`);
      assert.equal(map.flags & MAP_FLAGS.MCUBOOT, MAP_FLAGS.MCUBOOT);
      assert.deepEqual(rows(map.segments), expected, what);
      assert.equal(map.segmentCount, expected.length, what);
      assert.equal(map.problemOffset, undefined, what);
      assert.deepEqual([...map.header.subarray(0, 4)], [0x3d, 0xb8, 0xf3, 0x96], `${what}: the MCUboot header's first bytes`);
      assert.equal(host.format, 'mcuboot', what);
      assert.deepEqual(rows(host.segments), expected, `${what}: the host agrees`);
      assert.match(host.note!, new RegExp(`from its Espressif load header at 0x${(AT + (spec.headerSize ?? 0x20)).toString(16).padStart(8, '0')}$`), what);
    }
  });
});

test('MAP_GET refuses an MCUboot app without a load header it recognises (MCUBOOT_LOAD_HEADER, the load header\'s offset), and so does the host, saying why', async () => {
  await withStub('normal', async (stub) => {
    for (const [what, spec, problemOffset] of REFUSED) {
      const { map, error, host } = await bothReadings(stub, mcubootApp(spec));
      assert.equal(error?.code, 'STUB_MCUBOOT_LOAD_HEADER', what);
      assert.equal(error!.value, -21);
      assert.match(error!.message, /MAP_GET at 0x[0-9a-f]{8} failed: The application is an MCUboot image, but no Espressif load header the stub recognises follows its header/);
      assert.equal(map.problemOffset, problemOffset, what);
      assert.ok(map.mcuboot && !map.headerOk, `${what}: flags ${map.flags}`);
      assert.deepEqual(map.segments, [], what);
      assert.equal(host.format, 'mcuboot', what);
      assert.deepEqual(host.segments, [], `${what}: the host agrees`);
      assert.match(host.note!, /^MCUboot image without a load header espalgo recognises: .*; give the mapping by hand$/, what);
    }
    const notes: string[] = [];
    for (const [, spec] of REFUSED.slice(0, 3)) notes.push((await bothReadings(stub, mcubootApp(spec))).host.note!);
    assert.match(notes[0]!, /the load header at \+0x20 starts with 0xace637d2, not Espressif's load header magic 0xACE637D3/);
    assert.match(notes[1]!, /its header size is 16 bytes, less than the 32 of the MCUboot header, so no load header follows it/);
    assert.match(notes[2]!, /in neither known layout do its IROM and DROM regions lie in the chip's windows \(IROM 0x42000000–0x42800000, DROM 0x3c000000–0x3c800000\) at flash offsets equal to their addresses modulo 64 KiB/);
  });
});

test('an MCUboot load header beyond the end of the flash: MAP_GET refuses it, the host says it is cut short', async () => {
  await withStub('normal', async (stub) => {
    const at = 0x3ff000;
    const { error, map, host } = await bothReadings(stub, mcubootApp({ headerSize: 0xfe0, irom: [0x42000020, 0x10020, 0x1000], drom: [0, 0, 0] }).subarray(0, 0x20), at);
    assert.equal(error?.code, 'STUB_MCUBOOT_LOAD_HEADER');
    assert.equal(map.problemOffset, at + 0xfe0);
    assert.deepEqual(host.segments, []);
    assert.match(host.note!, /the load header at \+0xfe0 \(flash 0x003fffe0\) is cut short \(32 of its 80 bytes there\)/);
  });
});

test('an MCUboot region past the flash end: the host names the region and the end', async () => {
  await withStub('normal', async (stub) => {
    const beyond = (await bothReadings(stub, mcubootApp({ irom: [0x42000020, 0x3f0020, 0x1000] }))).host.note!;
    assert.match(beyond, /the load header at \+0x20 puts the IROM region at \+0x3f0020 \(0x1000 bytes\): it ends at flash 0x006f1020, past the end of the flash at 0x00400000; give the mapping by hand$/);
    const wrapped = (await bothReadings(stub, mcubootApp({ drom: [0x3c020040, 0xfff20040, 0x800] }))).host.note!;
    assert.match(wrapped, /puts the DROM region at \+0xfff20040 \(0x800 bytes\): it ends at flash 0x100220840, past the end of the flash at 0x00400000/);
  });
});

test('an MCUboot app chosen from the table: its regions must end inside its partition, for MAP_GET and the host alike', async () => {
  // demo-ota.bin boots ota_1 (0x90000, 0x80000 bytes: it ends at 0x110000) as otadata selects it.
  const OTA1 = 0x90000;
  await withStub('normal', async (stub) => {
    const chosen = async (spec: McubootAppSpec) => {
      await stub.erase(OTA1, 0x1000);
      await stub.write(OTA1, mcubootApp(spec));
      const { map, error } = await mapGetOutcome(stub);
      const host = await hostLayout(new SparseFlash((o, n) => stub.read(o, n), 0x400000), { chip: esp32c3 });
      return { map, error, host };
    };
    const atEnd = await chosen({ irom: [0x42000020, 0x70020, 0xffe0] });
    assert.equal(atEnd.error, undefined, atEnd.error?.message);
    assert.equal(atEnd.map.reason, 'otadata');
    assert.equal(atEnd.map.appOffset, OTA1);
    assert.equal(atEnd.host.appLabel, 'ota_1');
    const expected = [['drom', OTA1 + 0x20040, 0x3c020040, 0x800], ['irom', OTA1 + 0x70020, 0x42000020, 0xffe0]];
    assert.deepEqual(rows(atEnd.map.segments), expected);
    assert.deepEqual(rows(atEnd.host.segments), expected, 'the host agrees');

    for (const spec of [{ irom: [0x42000020, 0x70020, 0x10000] }, { drom: [0x3c020040, 0x80040, 0x800] }] as McubootAppSpec[]) {
      const past = await chosen(spec);
      assert.equal(past.error?.code, 'STUB_MCUBOOT_LOAD_HEADER', JSON.stringify(spec));
      assert.equal(past.map.reason, 'otadata');
      assert.equal(past.map.problemOffset, OTA1 + 0x20);
      assert.deepEqual(past.map.segments, []);
      assert.equal(past.host.format, 'mcuboot');
      assert.deepEqual(past.host.segments, [], 'the host agrees');
    }
    const note = (await chosen({ irom: [0x42000020, 0x70020, 0x10000] })).host.formatNote!;
    assert.match(note, /the IROM region at \+0x70020 \(0x10000 bytes\): it ends at flash 0x00110020, past the end of the app's partition at 0x00110000/);
  });
});

test('an ESP app image is walked as before: no MCUboot flag', async () => {
  await withStub('normal', async (stub) => {
    const map = await stub.mapGet({ appOffset: 0x10000 });
    assert.equal(map.mcuboot, false);
    assert.equal(map.flags & MAP_FLAGS.MCUBOOT, 0);
    assert.equal(map.header[0], 0xe9);
  });
});
