import { randomBytes } from 'node:crypto';
/**
 * The committed ESP32-C3 flasher stub, run on the simulated ESP32-C3 through the algorithm runner:
 * every command once, the #366 scenarios, and the trap vector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { sha256 } from '@noble/hashes/sha2.js';
import { AlgorithmExceptionError } from '../../src/algorithm/errors.js';
import { StubError, loadEsp32c3FlasherImage } from '../../src/flash/stub-client.js';
import { FLASH_INFO_RESULT_SIZE, MAP_FLAGS, STUB_COMMAND } from '../../src/flash/stub-protocol.js';
import { DeflatedImage } from '../../src/flash/deflated-image.js';
import { stubErrorByName } from '../../src/flash/stub-errors.js';
import { joinedSource } from '../../src/flash/stream-source.js';
import { withStub } from './stub-fixture.js';

test('PING, FLASH_INFO and MAP_GET on the OTA demo image', async () => {
  await withStub('normal', async (stub) => {
    assert.equal(await stub.ping(), 0x45410002);
    const info = await stub.flashInfo();
    assert.equal(info.cleanId.id, 0xef4016);
    assert.equal(info.naiveId.id, 0xef4016);
    assert.equal(info.size, 4 * 1024 * 1024);
    assert.equal(info.romChipSize, 4 * 1024 * 1024);
    const map = await stub.mapGet();
    assert.equal(map.tableOffset, 0x8000);
    assert.equal(map.reason, 'otadata');
    assert.equal(map.appOffset, 0x90000, 'otadata selects ota_1');
    assert.equal(map.header[0], 0xe9);
    assert.deepEqual(map.segments.map((s) => s.kind), ['drom', 'irom']);
    for (const s of map.segments) assert.equal(s.flashOffset % 0x10000, s.vaddr % 0x10000, 'vaddr and flash offset agree mod 64 KiB');
    const forced = await stub.mapGet({ appOffset: 0x10000 });
    assert.equal(forced.reason, 'override');
    assert.equal(forced.appOffset, 0x10000);
    await assert.rejects(stub.mapGet({ tableOffset: 0xc000 }), (e: unknown) => e instanceof StubError && e.code === 'STUB_NO_PARTITION_TABLE');
  });
});

test('MAP_GET on a direct-boot flash (no table, the magic twice at 0x0): the ROM\'s two 1:1 mappings, reason direct-boot', async () => {
  await withStub('normal', async (stub) => {
    const magic = new Uint8Array(8);
    new DataView(magic.buffer).setUint32(0, 0xaedb041d, true);
    new DataView(magic.buffer).setUint32(4, 0xaedb041d, true);
    await stub.erase(0, 0x1000);
    await stub.erase(0x8000, 0x1000); // the table gone: what is left is a direct-boot program at 0
    await stub.write(0, magic);
    const map = await stub.mapGet();
    assert.equal(map.reason, 'direct-boot');
    assert.equal(map.tableOffset, undefined);
    assert.equal(map.appOffset, 0);
    assert.equal(map.appSize, 0x400000);
    assert.ok(map.flags & MAP_FLAGS.DIRECT_BOOT && map.flags & MAP_FLAGS.APP_FOUND && !(map.flags & MAP_FLAGS.HEADER_OK));
    assert.deepEqual(map.segments.map((m) => [m.kind, m.vaddr, m.flashOffset, m.size]), [
      ['drom', 0x3c000000, 0, 0x400000],
      ['irom', 0x42000000, 0, 0x400000],
    ]);
    // A table given where there is none: still the program the ROM boots (as the host reads it);
    // an app offset given is walked as an image.
    assert.equal((await stub.mapGet({ tableOffset: 0xc000 })).reason, 'direct-boot');
    const forced = await stub.mapGet({ appOffset: 0x10000 });
    assert.equal(forced.reason, 'override');
    assert.ok(forced.headerOk);
    // One magic word is not the mark.
    await stub.erase(0, 0x1000);
    await stub.write(0, magic.subarray(0, 4));
    await assert.rejects(stub.mapGet(), (e: unknown) => e instanceof StubError && e.code === 'STUB_NO_PARTITION_TABLE');
  });
});

test("WRITE_DEFLATED programs the same bytes with the ROM's tinfl_decompress and the stub's own inflater, and both refuse bad streams", async () => {
  await withStub('normal', async (stub, sim) => {
    const code = new Uint8Array(0x19000).map((_, i) => ((i * 2654435761) >>> ((i >> 9) & 15)) & (i & 0x100 ? 0x0f : 0xff));
    const cases: [string, Uint8Array, number][] = [
      ['mixed, several windows', code, 6],
      ['stored blocks', new Uint8Array(randomBytes(0x5000)), 0],
      ['one long run', new Uint8Array(0x9000), 9],
    ];
    let at = 0x200000;
    for (const [name, data, level] of cases) {
      const packed = deflateRawSync(data, { level });
      for (const inflater of ['rom', 'stub'] as const) {
        await stub.erase(at, Math.ceil(data.length / 0x1000) * 0x1000 + 0x1000);
        await stub.writeDeflated(at, packed, data.length, { inflater });
        assert.deepEqual(sim.flash.bytes.subarray(at, at + data.length), data, `${name}, ${inflater}`);
        assert.equal(sim.flash.bytes[at + data.length], 0xff, `${name}, ${inflater}: nothing past the range`);
        at += 0x20000;
      }
    }
    const text = new TextEncoder().encode('espalgo '.repeat(0x400));
    for (const inflater of ['rom', 'stub'] as const) {
      await stub.erase(at, 0x3000);
      const isStubError = (code: string) => (e: unknown) => e instanceof StubError && e.code === code;
      await assert.rejects(stub.writeDeflated(at, new Uint8Array([0xff, 0xff]), 16, { inflater }), isStubError('STUB_INFLATE'), inflater);
      await assert.rejects(stub.writeDeflated(at, deflateRawSync(text), text.length - 4, { inflater }), isStubError('STUB_SIZE_MISMATCH'), inflater);
      await assert.rejects(stub.writeDeflated(at, deflateRawSync(text), text.length + 4, { inflater }), isStubError('STUB_SIZE_MISMATCH'), inflater);
    }
  });
});

test('READ, SHA256, ERASE, ERASE_CHECK, WRITE and WRITE_DEFLATED agree with the flash contents', async () => {
  await withStub('normal', async (stub, sim) => {
    const before = sim.flash.bytes.slice();
    assert.deepEqual(await stub.read(0x8000, 0x100), before.subarray(0x8000, 0x8100));
    assert.deepEqual(await stub.sha256(0x8000, 0x1003), sha256(before.subarray(0x8000, 0x9003)));
    // One digest per piece, the flash read once; the last piece shorter.
    const pieces = await stub.sha256Pieces(0x10000, 0x2c00, 0x1000);
    assert.deepEqual(pieces, [0, 1, 2].map((i) => sha256(before.subarray(0x10000 + i * 0x1000, Math.min(0x12c00, 0x11000 + i * 0x1000)))));
    assert.deepEqual(await stub.sha256Pieces(0x10000, 0, 0x1000), [sha256(new Uint8Array(0))]);
    await assert.rejects(stub.sha256Pieces(0x10000, 0x2000, 6), RangeError);

    const at = 0x300000;
    await stub.erase(at, 0x2000);
    assert.deepEqual(await stub.eraseCheck(at, 0x2000), { blank: true });
    const data = new Uint8Array(0x1800).map((_, i) => (i * 7 + 3) & 0xff);
    await stub.write(at, data);
    assert.deepEqual(sim.flash.bytes.subarray(at, at + data.length), data);
    assert.deepEqual(await stub.eraseCheck(at + 0x1000, 0x1000), { blank: false, firstNonBlank: at + 0x1000 });
    assert.deepEqual(await stub.eraseCheck(at + 0x1800, 0x800), { blank: true });

    const text = new TextEncoder().encode('espalgo stream '.repeat(700).slice(0, 0x2000));
    await stub.erase(at + 0x10000, 0x3000);
    await stub.writeDeflated(at + 0x10000, deflateRawSync(text, { level: 9 }), text.length);
    assert.deepEqual(sim.flash.bytes.subarray(at + 0x10000, at + 0x10000 + text.length), text);
    assert.equal(sim.flash.bytes[at + 0x10000 + text.length], 0xff, 'nothing written past the range');
    await assert.rejects(stub.writeDeflated(at + 0x12000, new Uint8Array([0xff, 0xff]), 16), (e: unknown) => e instanceof StubError && e.code === 'STUB_INFLATE');

    // Everything outside the touched ranges is unchanged.
    const after = sim.flash.bytes;
    assert.deepEqual(after.subarray(0, at), before.subarray(0, at));
    await assert.rejects(stub.erase(at + 1, 0x1000), (e: unknown) => e instanceof StubError && e.value === -2);
    await assert.rejects(stub.read(0x3ffff0, 0x20), (e: unknown) => e instanceof StubError && e.code === 'STUB_OUT_OF_RANGE');
  });
});

test('READ lands in the two halves of the stub\'s scratch buffer in turn: no work-area RAM borrowed and written back per call, every byte right', async () => {
  await withStub('normal', async (stub, sim) => {
    const scratch = stub.loaded.image.symbols.scratch!;
    const writes: Array<[number, number]> = [];
    const target = sim.target;
    const write = target.writeMemory.bind(target);
    target.writeMemory = (address: number, data: Uint8Array) => {
      writes.push([address, data.length]);
      return write(address, data);
    };
    // Three and a half halves, from an address that is not a multiple of the half.
    const length = Math.floor(scratch.size * 1.75) + 12;
    const got = await stub.read(0x10004, length);
    assert.deepEqual(got, sim.flash.bytes.subarray(0x10004, 0x10004 + length));
    // Only a few words of run records go from the host to RAM: no buffer is borrowed from the work
    // area, so none is backed up and written back per call.
    const written = writes.reduce((sum, [, n]) => sum + n, 0);
    assert.ok(written <= 64, `the host wrote ${written} bytes of RAM during READ: ${JSON.stringify(writes.slice(0, 8))}`);
    assert.ok(!writes.some(([a]) => a >= scratch.address && a < scratch.address + scratch.size), 'the host wrote into the scratch buffer');
  });
});

test('READ_STRIDED gathers a piece of every sector in one call, beyond one scratch half too; bad strides and ranges are refused', async () => {
  await withStub('normal', async (stub, sim, runner) => {
    const flash = sim.flash.bytes;
    const expect = (at: number, piece: number, stride: number, count: number) => {
      const out = new Uint8Array(piece * count);
      for (let i = 0; i < count; i++) out.set(flash.subarray(at + i * stride, at + i * stride + piece), i * piece);
      return out;
    };
    assert.deepEqual(await stub.readStrided(0x9000, 32, 0x1000, 247), expect(0x9000, 32, 0x1000, 247));
    assert.deepEqual(await stub.readStrided(0x8004, 12, 12, 3), flash.subarray(0x8004, 0x8004 + 36), 'stride = piece is a plain read');
    // More pieces than half the scratch buffer holds: several calls, the pieces still in order.
    const half = Math.floor(stub.loaded.image.symbols.scratch!.size / 2);
    const count = Math.floor(half / 0x400) + 3;
    assert.deepEqual(await stub.readStrided(0x10000, 0x400, 0x1000, count), expect(0x10000, 0x400, 0x1000, count));
    const { loaded } = stub;
    const raw = (a: number[]) => runner.run(loaded, { args: [STUB_COMMAND.READ_STRIDED, ...a], memoryArguments: [{ argIndex: 3, size: 64, output: true }] });
    const BAD_ARGUMENT = stubErrorByName('BAD_ARGUMENT')!.value;
    for (const [why, args] of [
      ['no pieces', [0x9000, 32, 0, 0x1000, 0]],
      ['empty pieces', [0x9000, 0, 0, 0x1000, 2]],
      ['stride below the piece', [0x9000, 32, 0, 16, 2]],
      ['unaligned stride', [0x9000, 4, 0, 0x1002, 2]],
      ['unaligned piece', [0x9000, 6, 0, 0x1000, 2]],
    ] as const) assert.equal((await raw([...args])).signedValue, BAD_ARGUMENT, why);
    assert.equal((await raw([0xfff000, 32, 0, 0x1000, 2])).signedValue, stubErrorByName('BEYOND_16MB')!.value, 'the last piece past 16 MiB');
    assert.equal((await raw([0, 4, 0, 0x100000, 0x1000])).signedValue, stubErrorByName('BEYOND_16MB')!.value, 'stride × count past 16 MiB (no wrap-around)');
  });
});

test('ERASE_CHECK finds the first byte that is not 0xFF wherever it lies: in an 8-word group, in the tail, past a read chunk', async () => {
  await withStub('normal', async (stub, sim) => {
    const at = 0x310000;
    await stub.erase(at, 0x3000);
    for (const offset of [0, 1, 3, 4, 31, 32, 33, 0x7fd, 0xfff, 0x1000, 0x1001, 0x2ffe]) {
      const pattern = new Uint8Array(4).fill(0xff);
      pattern[offset & 3] = 0x7f;
      await stub.write(at + (offset & ~3), pattern);
      assert.equal(sim.flash.bytes[at + offset], 0x7f);
      assert.deepEqual(await stub.eraseCheck(at, 0x3000), { blank: false, firstNonBlank: at + offset }, `byte at +0x${offset.toString(16)}`);
      // Shorter ranges that end just past that byte's word (most end in a partial 8-word group).
      if (offset >= 8) assert.deepEqual(await stub.eraseCheck(at + 4, ((offset - 4) & ~3) + 4), { blank: false, firstNonBlank: at + offset });
      assert.deepEqual(await stub.eraseCheck(at + (offset & ~3) + 4, 0x3000 - (offset & ~3) - 4), { blank: true });
      await stub.erase(at, 0x3000);
    }
  });
});

test('STREAM_WRITE programs what the host feeds while the stub runs', async () => {
  await withStub('normal', async (stub, sim) => {
    const at = 0x200000;
    const data = new Uint8Array(0x3000).map((_, i) => (i >> 4) & 0xff);
    await stub.erase(at, data.length);
    const control = await stub.streamWrite(at, data, { ringSize: 0x800 });
    assert.equal(control.stubStatus, 2);
    assert.equal(control.stubConsumed, data.length);
    assert.deepEqual(sim.flash.bytes.subarray(at, at + data.length), data);
  });
});

test('STREAM_WRITE_DEFLATED inflates a stream the host compresses while it runs; a wrong length is refused', async () => {
  await withStub('normal', async (stub, sim) => {
    const at = 0x240000;
    const data = new Uint8Array(0x2c000).map((_, i) => ((i * 2654435761) >>> ((i >> 9) & 15)) & (i & 0x100 ? 0x0f : 0xff));
    await stub.erase(at, 0x30000);
    const source = new DeflatedImage(at, data, 4).stream(at, data.length);
    const control = await stub.streamWrite(at, source, { deflatedTo: data.length, ringSize: 0x1000 });
    assert.equal(control.stubStatus, 2);
    assert.equal(control.stubConsumed, source.length);
    assert.ok(source.length < data.length / 2, `${source.length} stream bytes`);
    assert.deepEqual(sim.flash.bytes.subarray(at, at + data.length), data);
    assert.equal(sim.flash.bytes[at + data.length], 0xff, 'nothing past the range');
    const text = new TextEncoder().encode('espalgo '.repeat(0x200));
    await stub.erase(at, 0x2000);
    await assert.rejects(stub.streamWrite(at, new Uint8Array(deflateRawSync(text)), { deflatedTo: text.length - 4 }), (e: unknown) => e instanceof StubError && e.code === 'STUB_SIZE_MISMATCH');
    assert.deepEqual(sim.flash.bytes.subarray(at + text.length - 4, at + 0x2000), new Uint8Array(0x2000 - text.length + 4).fill(0xff), 'nothing past the range');
  });
});

test('the deflate commands inflate through the window the call names: 4 KiB where the data was compressed for it; a farther match, or a window that is none, is refused', async () => {
  await withStub('normal', async (stub, sim, runner) => {
    const block = new Uint8Array(randomBytes(0x2000));
    const data = new Uint8Array([...block, ...block, ...new Uint8Array(0x3000).fill(0x5a)]); // a match 8 KiB back
    const small = new Uint8Array(deflateRawSync(data, { windowBits: 12 }));
    const large = new Uint8Array(deflateRawSync(data));
    const isStubError = (code: string) => (e: unknown) => e instanceof StubError && e.code === code;
    let at = 0x280000;
    for (const inflater of ['rom', 'stub'] as const) {
      await stub.erase(at, 0x8000);
      await stub.writeDeflated(at, small, data.length, { inflater, window: 0x1000 });
      assert.deepEqual(sim.flash.bytes.subarray(at, at + data.length), data, `${inflater}, 4 KiB window`);
      await stub.erase(at, 0x8000);
      await assert.rejects(stub.writeDeflated(at, large, data.length, { inflater, window: 0x1000 }), isStubError('STUB_INFLATE'), `${inflater}: compressed for 32 KiB`);
      at += 0x10000;
    }
    await stub.erase(at, 0x8000);
    const control = await stub.streamWrite(at, new DeflatedImage(at, data, 4, 0x1000).stream(at, data.length), { deflatedTo: data.length, window: 0x1000 });
    assert.deepEqual([control.stubStatus, control.inflateWindow], [2, 0x1000]);
    assert.deepEqual(sim.flash.bytes.subarray(at, at + data.length), data, 'stream, 4 KiB window');
    await stub.erase(at, 0x8000);
    await assert.rejects(stub.streamWrite(at, large, { deflatedTo: data.length, window: 0x1000 }), isStubError('STUB_INFLATE'), 'stream compressed for 32 KiB');
    // The stub's own check, past the host's (encodeCall refuses such windows): a6 = 0x3000, 0x800.
    const loaded = await runner.load(loadEsp32c3FlasherImage());
    try {
      for (const window of [0x3000, 0x800, 0x10000]) {
        const r = await runner.run(loaded, { args: [STUB_COMMAND.WRITE_DEFLATED, at, small.length, 0, data.length, 0, window], memoryArguments: [{ argIndex: 3, input: small }] });
        assert.equal(r.signedValue, stubErrorByName('BAD_ARGUMENT')!.value, `window ${window}`);
      }
    } finally {
      await runner.unload(loaded);
    }
  });
});

test('STREAM_WRITE_DEFLATED whose compressor fails mid-stream stops at once with that error; the stub is usable after', async () => {
  await withStub('normal', async (stub, sim) => {
    const at = 0x240000;
    const data = new Uint8Array(0x20000).map((_, i) => (i >> 6) & 0xff);
    await stub.erase(at, data.length);
    const half = new DeflatedImage(at, data, 4).stream(at, 0x10000);
    while (!half.ended) await half.next();
    const head = half.bytes(0, half.length - 2); // without the final block: the stream goes on
    const started = performance.now();
    const source = joinedSource([head, Promise.reject(new Error('compressor failed'))], Uint8Array.of(3, 0));
    await assert.rejects(stub.streamWrite(at, source, { deflatedTo: data.length }), /compressor failed/);
    assert.ok(performance.now() - started < 5000, 'not left to time out');
    assert.deepEqual(sim.flash.bytes.subarray(at + 0x10000, at + 0x20000), new Uint8Array(0x10000).fill(0xff), 'nothing past what the stream carried');
    assert.equal(await stub.ping(), 0x45410002);
  });
});

for (const scenario of ['issue-366', 'issue-366-timing', 'issue-366-rom-dummy']) {
  test(`FLASH_INFO reads the right id in scenario ${scenario} and shows the shifted one`, async () => {
    await withStub(scenario, async (stub, sim) => {
      const info = await stub.flashInfo();
      assert.equal(info.cleanId.id, 0xef4016);
      assert.notEqual(info.naiveId.raw, info.cleanId.raw);
      assert.ok(info.clearedNames.includes('USR_DUMMY'));
      assert.equal(info.size, 4 * 1024 * 1024);
      const map = await stub.mapGet();
      assert.equal(map.appOffset, 0x90000);
      assert.deepEqual(await stub.read(0x8000, 0x40), sim.flash.bytes.subarray(0x8000, 0x8040));
    });
  });
}

test('a store fault inside the stub is reported from its own trap record', async () => {
  await withStub('normal', async (_stub, _sim, runner) => {
    const loaded = await runner.load(loadEsp32c3FlasherImage());
    try {
      await assert.rejects(
        runner.run(loaded, { args: [STUB_COMMAND.FLASH_INFO, 0x10], timeoutMs: 5000 }),
        (e: unknown) => e instanceof AlgorithmExceptionError && e.trap.source === 'trap-record' && e.trap.cause === 7 && e.trap.tval === 0x10,
      );
      const ok = await runner.run(loaded, { args: [STUB_COMMAND.FLASH_INFO, 0], memoryArguments: [{ argIndex: 1, size: FLASH_INFO_RESULT_SIZE, output: true }] });
      assert.equal(ok.signedValue, 0, 'the stub runs again after a trap');
    } finally {
      await runner.unload(loaded);
    }
  });
});
