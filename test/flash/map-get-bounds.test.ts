/**
 * Where MAP_GET's walk of the app must end, the committed stub on the simulated ESP32-C3 against the
 * host's reading (probe-mappings.ts hostLayout): inside the app's partition, whether the partition
 * was chosen from the table or its offset given (--app-offset), else inside the flash; a partition
 * running past the flash end is cut there; an app offset near 4 GiB is refused without reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { buildPartitionTable } from '../../src/image/partition-table.js';
import { hostLayout, SparseFlash } from '../../src/flash/probe-mappings.js';
import { StubError, type StubClient } from '../../src/flash/stub-client.js';
import { mcubootApp } from '../image/support/mcuboot-app.js';
import { mapGetOutcome, withStub } from './stub-fixture.js';

// demo-ota.bin: ota_1 at 0x90000, 0x80000 bytes (it ends at 0x110000), which otadata selects; the
// vfs data partition at 0x300000 is no app partition.
const OTA1 = 0x90000;
const OTA1_END = 0x110000;
const DATA = 0x300000;

/** An ESP image header with one segment loading `size` bytes at `vaddr` (only the headers: the walk reads no more). */
function espHeaders(vaddr: number, size: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  b[0] = 0xe9;
  b[1] = 1; // segments
  v.setUint32(4, 0x42000020, true); // entry
  v.setUint32(24, vaddr, true);
  v.setUint32(28, size, true);
  return b;
}

async function readings(stub: StubClient, at: number, bytes: Uint8Array, appOffset?: number) {
  await stub.erase(at, 0x1000);
  await stub.write(at, bytes);
  const { map, error } = await mapGetOutcome(stub, { appOffset });
  const host = await hostLayout(new SparseFlash((o, n) => stub.read(o, n), 0x400000), { chip: esp32c3, appOffset });
  return { map, error, host };
}

test('an ESP app\'s segments must end inside its partition, chosen from the table or given by offset, for MAP_GET and the host alike', async () => {
  await withStub('normal', async (stub) => {
    const fits = espHeaders(0x3c020020, OTA1_END - OTA1 - 32);
    const past = espHeaders(0x3c020020, OTA1_END - OTA1 - 28);
    for (const appOffset of [undefined, OTA1]) {
      const what = appOffset === undefined ? 'chosen by otadata' : 'given by offset';
      const ok = await readings(stub, OTA1, fits, appOffset);
      assert.equal(ok.error, undefined, `${what}: ${ok.error?.message}`);
      assert.equal(ok.map.reason, appOffset === undefined ? 'otadata' : 'override', what);
      assert.equal(ok.map.appSize, OTA1_END - OTA1, `${what}: the partition's size`);
      assert.deepEqual(ok.map.segments.map((s) => [s.flashOffset, s.size]), [[OTA1 + 32, OTA1_END - OTA1 - 32]], what);
      assert.deepEqual(ok.host.segments.map((s) => [s.flashOffset, s.size]), [[OTA1 + 32, OTA1_END - OTA1 - 32]], `${what}: the host agrees`);

      const bad = await readings(stub, OTA1, past, appOffset);
      assert.equal(bad.error?.code, 'STUB_BAD_IMAGE_HEADER', what);
      assert.equal(bad.map.problemOffset, OTA1 + 24, `${what}: the segment header that claims too much`);
      assert.deepEqual(bad.map.segments, [], what);
      assert.equal(bad.host.format, 'not-an-image', what);
      assert.match(bad.host.formatNote!, /segment 0 at 0x00090018 claims 0x0007ffe4 bytes, beyond the partition or flash end/, what);
    }
  });
});

test('an app offset where no app partition starts: the walk may run to the flash end, for MAP_GET and the host alike', async () => {
  await withStub('normal', async (stub) => {
    const { map, error, host } = await readings(stub, DATA, espHeaders(0x3c020020, 0x400000 - DATA - 32), DATA);
    assert.equal(error, undefined, error?.message);
    assert.equal(map.appSize, 0);
    assert.deepEqual(map.segments.map((s) => [s.flashOffset, s.size]), [[DATA + 32, 0x400000 - DATA - 32]]);
    assert.deepEqual(host.segments.map((s) => [s.flashOffset, s.size]), [[DATA + 32, 0x400000 - DATA - 32]], 'the host agrees');
  });
});

test('an MCUboot app given by the offset of an app partition: its regions must end inside that partition, for MAP_GET and the host alike', async () => {
  await withStub('normal', async (stub) => {
    const atEnd = await readings(stub, OTA1, mcubootApp({ irom: [0x42000020, 0x70020, 0xffe0] }), OTA1);
    assert.equal(atEnd.error, undefined, atEnd.error?.message);
    assert.equal(atEnd.map.appSize, OTA1_END - OTA1);
    assert.deepEqual(atEnd.map.segments.map((s) => s.kind), ['drom', 'irom']);
    assert.deepEqual(atEnd.host.segments.map((s) => [s.kind, s.flashOffset, s.size]), atEnd.map.segments.map((s) => [s.kind, s.flashOffset, s.size]), 'the host agrees');

    const past = await readings(stub, OTA1, mcubootApp({ irom: [0x42000020, 0x70020, 0x10000] }), OTA1);
    assert.equal(past.error?.code, 'STUB_MCUBOOT_LOAD_HEADER');
    assert.equal(past.map.problemOffset, OTA1 + 0x20);
    assert.deepEqual(past.host.segments, [], 'the host agrees');
    assert.match(past.host.formatNote!, /ends at flash 0x00110020, past the end of the app's partition at 0x00110000/);
  });
});

test('a chosen app partition that runs past the flash end is walked up to the flash end; one that starts there is refused, for MAP_GET and the host alike', async () => {
  await withStub('normal', async (stub) => {
    const useTable = async (factory: number) => {
      const table = buildPartitionTable([
        { type: 1, subtype: 2, offset: 0x9000, size: 0x6000, label: 'nvs' },
        { type: 0, subtype: 0, offset: factory, size: 0x200000, label: 'factory' },
      ]);
      await stub.erase(0x8000, 0x1000);
      await stub.write(0x8000, table);
    };
    const APP = 0x310000; // the partition ends at 0x510000, the 4 MiB flash at 0x400000
    await useTable(APP);
    const fits = await readings(stub, APP, espHeaders(0x3c020020, 0x400000 - APP - 32));
    assert.equal(fits.error, undefined, fits.error?.message);
    assert.equal(fits.map.reason, 'factory');
    assert.equal(fits.map.appSize, 0x400000 - APP, 'the partition cut at the flash end');
    assert.deepEqual(fits.map.segments.map((s) => [s.flashOffset, s.size]), [[APP + 32, 0x400000 - APP - 32]]);
    assert.deepEqual(fits.host.segments.map((s) => [s.flashOffset, s.size]), [[APP + 32, 0x400000 - APP - 32]], 'the host agrees');

    const past = await readings(stub, APP, espHeaders(0x3c020020, 0x400000 - APP - 28));
    assert.equal(past.error?.code, 'STUB_BAD_IMAGE_HEADER');
    assert.equal(past.map.problemOffset, APP + 24);
    assert.equal(past.host.format, 'not-an-image', 'the host agrees');

    await useTable(0x400000);
    const outside = await mapGetOutcome(stub);
    assert.equal(outside.error?.code, 'STUB_BAD_PARTITION');
    assert.equal(outside.map.problemOffset, 0x400000);
    assert.match(outside.error!.message, /starts at or beyond the end of the flash/);
  });
});

test('an app offset near 4 GiB is refused as out of range before anything is read there', async () => {
  await withStub('normal', async (stub) => {
    for (const appOffset of [0xffffffe8, 0xfffffffc, 0x400000]) {
      await assert.rejects(stub.mapGet({ appOffset }), (e: unknown) => {
        assert.ok(e instanceof StubError);
        assert.equal(e.code, 'STUB_OUT_OF_RANGE', `0x${appOffset.toString(16)}: ${e.message}`);
        assert.equal(e.details!.flashMap!.problemOffset, appOffset);
        return true;
      });
    }
  });
});
