/**
 * The host's partition-table search (probe-mappings.ts): with a strided reader (the stub's
 * READ_STRIDED) every 4 KiB boundary up to 1 MiB costs one call, found or not; without one (the
 * ROM-call probe) it reads the first 64 KiB once and a piece per boundary beyond. Both find the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3 } from '../../src/chips/esp32c3.js';
import { SparseFlash, hostLayout, walkApp } from '../../src/flash/probe-mappings.js';
import { buildMcubootHeader } from '../../src/image/mcuboot.js';
import { buildPartitionTable } from '../../src/image/partition-table.js';

const MiB = 0x100000;

/** 4 MiB of erased flash with a partition table at `tableAt` (none if undefined) whose app lies at 1 MiB. */
function flashWithTable(tableAt: number | undefined): Uint8Array {
  const flash = new Uint8Array(4 * MiB).fill(0xff);
  if (tableAt !== undefined) {
    flash.set(buildPartitionTable([
      { type: 1, subtype: 2, offset: tableAt + 0x1000, size: 0x6000, label: 'nvs' },
      { type: 0, subtype: 0, offset: MiB, size: MiB, label: 'factory' },
    ]), tableAt);
  }
  return flash;
}

function counted(flash: Uint8Array, strided: boolean) {
  const calls = { read: 0, strided: 0, bytes: 0 };
  const sparse = new SparseFlash(
    async (at, n) => {
      calls.read++;
      calls.bytes += n;
      return flash.slice(at, at + n);
    },
    flash.length,
    strided
      ? async (at, piece, stride, count) => {
          calls.strided++;
          const out = new Uint8Array(piece * count);
          for (let i = 0; i < count; i++) out.set(flash.subarray(at + i * stride, at + i * stride + piece), i * piece);
          calls.bytes += out.length;
          return out;
        }
      : undefined,
  );
  return { sparse, calls };
}

for (const tableAt of [0xc000, 0xf0000, undefined]) {
  test(`table ${tableAt === undefined ? 'nowhere' : `at 0x${tableAt.toString(16)}`}: one strided call searches what a per-boundary search reads piece by piece`, async () => {
    const flash = flashWithTable(tableAt);
    const fast = counted(flash, true);
    const slow = counted(flash, false);
    const a = await hostLayout(fast.sparse, { chip: esp32c3 });
    const b = await hostLayout(slow.sparse, { chip: esp32c3 });
    assert.equal(a.tableOffset, tableAt ?? null);
    assert.equal(b.tableOffset, tableAt ?? null);
    assert.equal(a.tableNote, b.tableNote);
    assert.deepEqual(a.entries, b.entries);
    if (tableAt !== undefined) assert.equal(a.appOffset, MiB);
    assert.equal(fast.calls.strided, 1, 'one strided read for the whole search');
    assert.ok(fast.calls.read <= 4, `plain reads besides it: header, default place, table, app (${fast.calls.read})`);
    assert.ok(fast.calls.bytes < 0x4000, `bytes read with the strided reader: ${fast.calls.bytes}`);
    // Without it: the 64 KiB head once, then a read per boundary beyond it.
    const beyond = tableAt === undefined ? (MiB - 0xc00 - 0x10000) / 0x1000 + 1 : Math.max(0, (tableAt - 0x10000) / 0x1000 + 1);
    assert.ok(slow.calls.read >= beyond, `per-boundary reads without it: ${slow.calls.read} (≥ ${beyond})`);
  });
}

test('the search stops short of a table that would run past the readable flash', async () => {
  const flash = flashWithTable(undefined).subarray(0, 0x20000);
  const { sparse, calls } = counted(flash, true);
  const layout = await hostLayout(sparse, { chip: esp32c3 });
  assert.equal(layout.tableOffset, null);
  assert.match(layout.tableNote, /up to 0x00020000/);
  assert.equal(calls.strided, 1);
});

test('an MCUboot app ends after its TLV areas, so a live flash map reads all of it', async () => {
  const flash = flashWithTable(0x8000);
  const imageSize = 0x30001; // the TLV area starts unaligned
  flash.set(buildMcubootHeader({ loadAddress: 0, headerSize: 0x20, protectedTlvSize: 8, imageSize, flags: 0, version: { major: 1, minor: 0, revision: 0, build: 0 } }), MiB);
  const tlvAt = MiB + 0x20 + imageSize;
  flash.set([0x08, 0x69, 0x08, 0x00, 1, 2, 3, 4], tlvAt); // protected area, 8 bytes in all
  flash.set([0x07, 0x69, 0x28, 0x00], tlvAt + 8); // then the other one, 0x28 bytes
  const walked = await walkApp(counted(flash, true).sparse, MiB, esp32c3, 2 * MiB);
  assert.equal(walked.format, 'mcuboot');
  assert.equal(walked.imageEnd, tlvAt + 8 + 0x28);
  flash.fill(0xff, tlvAt, tlvAt + 0x30); // unsigned: the image's own end
  assert.equal((await walkApp(counted(flash, true).sparse, MiB, esp32c3, 2 * MiB)).imageEnd, tlvAt);
});
