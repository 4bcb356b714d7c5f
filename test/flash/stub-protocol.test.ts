import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeStubError, STUB_ERRORS, stubErrorByName } from '../../src/flash/stub-errors.js';
import {
  APP_REASONS,
  decodeFlashInfo,
  decodeJedecId,
  decodeMapResult,
  decodeStreamControl,
  encodeCall,
  FLASH_INFO_RESULT_SIZE,
  flashSizeFromCapacity,
  MAP_FLAGS,
  MAP_RESULT_SIZE,
  STREAM_CONTROL_SIZE,
  STUB_COMMAND,
  STUB_COMMAND_COUNT,
  INFLATE_WINDOW_MAX,
  INFLATE_WINDOW_MIN,
  INFLATE_WINDOWS,
  checkInflateWindow,
  windowBits,
  initialStreamControl,
  STUB_PING_REPLY,
  stubCommandName,
} from '../../src/flash/stub-protocol.js';

const stubSource = (file: string) => readFileSync(new URL(`../../stub/src/${file}`, import.meta.url), 'utf8');

function bytesWithWords(size: number, words: Record<number, number>): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (const [offset, value] of Object.entries(words)) v.setUint32(Number(offset), value >>> 0, true);
  return b;
}

test('command numbers match stub.h and are contiguous', () => {
  const header = stubSource('stub.h');
  const fromC = new Map([...header.matchAll(/CMD_([A-Z0-9_]+) = (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  assert.equal(fromC.get('COUNT'), STUB_COMMAND_COUNT);
  fromC.delete('COUNT');
  assert.deepEqual(Object.fromEntries(fromC), { ...STUB_COMMAND });
  const values = Object.values(STUB_COMMAND).sort((a, b) => a - b);
  assert.deepEqual(values, Array.from({ length: STUB_COMMAND_COUNT }, (_, i) => i));
  assert.equal(stubCommandName(7), 'MAP_GET');
  assert.equal(stubCommandName(99), undefined);
  const ping = header.match(/STUB_PING_REPLY \(0x([0-9a-fA-F]+)u \| STUB_PROTOCOL_VERSION\)/);
  assert.ok(ping);
  assert.equal(STUB_PING_REPLY, (parseInt(ping[1]!, 16) | Number(header.match(/#define STUB_PROTOCOL_VERSION (\d+)u/)![1])) >>> 0);
});

test('the inflate windows match inflate.h, and the deflate commands keep theirs at the start of the scratch buffer', () => {
  const header = stubSource('inflate.h');
  assert.equal(parseInt(header.match(/#define INFLATE_WINDOW_MAX 0x([0-9a-fA-F]+)u/)![1]!, 16), INFLATE_WINDOW_MAX);
  assert.equal(parseInt(header.match(/#define INFLATE_CHUNK 0x([0-9a-fA-F]+)u/)![1]!, 16), INFLATE_WINDOW_MIN);
  assert.match(header, /#define INFLATE_WINDOW_MIN INFLATE_CHUNK/);
  assert.deepEqual(INFLATE_WINDOWS, [INFLATE_WINDOW_MIN, 0x2000, 0x4000, INFLATE_WINDOW_MAX]);
  assert.match(stubSource('flash_cmds.c'), /struct inflate_sink sink = \{stub_scratch, window_size,/);
  assert.match(stubSource('stream.c'), /struct inflate_sink sink = \{stub_scratch, window_size,/);
  for (const w of INFLATE_WINDOWS) assert.equal(2 ** windowBits(w), w);
  for (const bad of [0, 0x800, 0x3000, 0x10000]) assert.throws(() => checkInflateWindow(bad), RangeError);
});

test('error table mirrors every STUB_E_* code of stub.h, each with a sentence and an action', () => {
  const fromC = [...stubSource('stub.h').matchAll(/#define STUB_E_([A-Z0-9_]+) \((-\d+)\)/g)].map((m) => ({ name: m[1]!, value: Number(m[2]) }));
  assert.ok(fromC.length >= 20);
  assert.deepEqual(
    STUB_ERRORS.map((e) => ({ name: e.name, value: e.value })),
    fromC,
  );
  const values = new Set(STUB_ERRORS.map((e) => e.value));
  assert.equal(values.size, STUB_ERRORS.length);
  for (const e of STUB_ERRORS) {
    assert.ok(e.value < 0, e.name);
    assert.match(e.message, /^[A-Z].*\.$/, `${e.name} message`);
    assert.match(e.action, /^[A-Z].*\.$/, `${e.name} action`);
    assert.equal(describeStubError(e.value), e);
    assert.equal(stubErrorByName(e.name), e);
  }
  const unknown = describeStubError(-99);
  assert.equal(unknown.name, 'UNKNOWN');
  assert.match(unknown.message, /-99/);
  // Unsigned form of a negative code (as read from a0) decodes the same.
  assert.equal(describeStubError(0xfffffff9).name, 'FLASH_ID');
});

test('flash size table covers the JEDEC range incl. 0x20-0x22 and MXIC 0x3x', () => {
  const MiB = 1024 * 1024;
  const cases: [number, number][] = [
    [0x10, 64 * 1024], [0x14, MiB], [0x16, 4 * MiB], [0x18, 16 * MiB], [0x19, 32 * MiB], [0x1a, 64 * MiB], [0x1c, 256 * MiB],
    [0x20, 64 * MiB], [0x21, 128 * MiB], [0x22, 256 * MiB],
    [0x36, 4 * MiB], [0x38, 16 * MiB], [0x39, 32 * MiB], [0x3a, 64 * MiB], [0x3c, 256 * MiB],
    [0x00, 0], [0x0f, 0], [0x1d, 0], [0x1f, 0], [0x23, 0], [0x31, 0], [0x3d, 0], [0xff, 0],
  ];
  for (const [cap, size] of cases) assert.equal(flashSizeFromCapacity(cap), size, `capacity 0x${cap.toString(16)}`);
});

test('JEDEC ids decode byte 0 as manufacturer', () => {
  const id = decodeJedecId(0x001640ef);
  assert.deepEqual({ m: id.manufacturer, t: id.memoryType, c: id.capacity, id: id.id, ok: id.plausible }, { m: 0xef, t: 0x40, c: 0x16, id: 0xef4016, ok: true });
  assert.equal(decodeJedecId(0xffffff).plausible, false);
  assert.equal(decodeJedecId(0).plausible, false);
});

test('result struct sizes match the static asserts in the C sources', () => {
  const size = (file: string, struct: string) => {
    const m = stubSource(file).match(new RegExp(`sizeof\\(struct ${struct}\\) == (\\d+)`));
    assert.ok(m, `${file}: static assert on ${struct}`);
    return Number(m[1]);
  };
  assert.equal(size('flash_info.c', 'flash_info_result'), FLASH_INFO_RESULT_SIZE);
  assert.equal(size('map_get.c', 'map_result'), MAP_RESULT_SIZE);
  assert.equal(size('stream.c', 'stream_control'), STREAM_CONTROL_SIZE);
});

test('decodeFlashInfo reads every field', () => {
  const b = bytesWithWords(FLASH_INFO_RESULT_SIZE, {
    0: FLASH_INFO_RESULT_SIZE, 4: 0b10111, 8: 0x002d80de, 12: 0x001640ef, 16: 0xa0000000, 20: 0x5c000000, 24: 0x7000009f,
    28: 0x00202000, 32: 0x0000000f, 36: 1, 40: 0b110101, 44: 1, 48: 0x16, 52: 0x400000, 56: 0, 60: 0x400000, 64: 0xef4016,
    68: 0x3fcdf000, 72: 3,
  });
  const info = decodeFlashInfo(b);
  assert.equal(info.naiveId.raw, 0x2d80de);
  assert.equal(info.cleanId.id, 0xef4016);
  assert.equal(info.found.user, 0xa0000000);
  assert.equal(info.found.timingCali, 0xf);
  assert.equal(info.found.romDummyLenPlus1, 1);
  assert.deepEqual(info.clearedNames, ['USR_DUMMY', 'TIMING_CALI', 'ROM_DUMMY', 'CTRL_MODE']);
  assert.equal(info.size, 0x400000);
  assert.equal(info.romChipSize, 0x400000);
  assert.equal(info.romDataPointer, 0x3fcdf000);
  assert.equal(info.busyPolls, 3);
  // Without the ROM data flag the ROM fields are undefined.
  const noRom = decodeFlashInfo(bytesWithWords(FLASH_INFO_RESULT_SIZE, { 4: 0b100, 36: 0xffffffff, 60: 0xffffffff }));
  assert.equal(noRom.found.romDummyLenPlus1, undefined);
  assert.equal(noRom.romChipSize, undefined);
  assert.throws(() => decodeFlashInfo(new Uint8Array(8)), RangeError);
});

test('decodeMapResult reads the table, app, header and segments', () => {
  const b = bytesWithWords(MAP_RESULT_SIZE, {
    4: 0b1011111, 8: 0x8000, 12: 0x90000, 16: 0x80000, 20: 2, 24: 2, 28: 2, 32: 0x400000, 36: 0x400000, 40: 0xffffffff,
    44: 5, 48: 2,
    80: 0x90020, 84: 0x3c010020, 88: 384, 92: 1,
    96: 0xa0020, 100: 0x42000020, 104: 652, 108: 2,
  });
  b[52] = 0xe9;
  b[53] = 5;
  const map = decodeMapResult(b);
  assert.equal(map.tableOffset, 0x8000);
  assert.equal(map.tableSearched, true);
  assert.equal(map.appOffset, 0x90000);
  assert.equal(map.reason, 'otadata');
  assert.equal(map.otaSeq, 2);
  assert.equal(map.problemOffset, undefined);
  assert.equal(map.header[0], 0xe9);
  assert.equal(map.header.length, 24);
  assert.deepEqual(map.segments, [
    { flashOffset: 0x90020, vaddr: 0x3c010020, size: 384, kind: 'drom' },
    { flashOffset: 0xa0020, vaddr: 0x42000020, size: 652, kind: 'irom' },
  ]);
  assert.deepEqual(APP_REASONS, ['none', 'override', 'otadata', 'factory', 'ota_0', 'first-app', 'direct-boot', 'simple-boot'], "the stub's enum app_reason, in order");
  const none = decodeMapResult(bytesWithWords(MAP_RESULT_SIZE, { 8: 0xffffffff, 12: 0xffffffff, 40: 0x8000 }));
  assert.equal(none.tableOffset, undefined);
  assert.equal(none.appOffset, undefined);
  assert.equal(none.problemOffset, 0x8000);
  assert.equal(none.mcuboot, false);
  const mcuboot = decodeMapResult(bytesWithWords(MAP_RESULT_SIZE, { 4: 0b1000011000, 12: 0x10000, 20: 3, 40: 0xffffffff, 44: 2, 48: 2 }));
  assert.ok(mcuboot.mcuboot && mcuboot.headerOk);
  assert.equal(mcuboot.segmentCount, 2);
});

test('MAP_GET result flags mirror the MAP_* bits of map_get.c', () => {
  const fromC = Object.fromEntries([...stubSource('map_get.c').matchAll(/#define MAP_([A-Z_]+) \(1u << (\d+)\)/g)].map((m) => [m[1]!, 1 << Number(m[2])]));
  assert.deepEqual(fromC, MAP_FLAGS);
});

test('stream control block decodes a negative status', () => {
  const c = decodeStreamControl(bytesWithWords(STREAM_CONTROL_SIZE, { 0: 100, 4: 96, 8: -12, 16: 7, 20: 3, 24: 0x1000 }));
  assert.deepEqual(c, { hostWritten: 100, stubConsumed: 96, stubStatus: -12, hostCommand: 0, idleMax: 7, writes: 3, inflateWindow: 0x1000 });
});

test('argument layouts: a0 is the command, memory arguments patch the documented slots', () => {
  const read = encodeCall.read(0x1000, 64);
  assert.deepEqual(read.args, [STUB_COMMAND.READ, 0x1000, 64, 0]);
  assert.deepEqual(read.memoryArguments, [{ argIndex: 3, size: 64, output: true }]);
  const data = new Uint8Array(16);
  const w = encodeCall.write(0x2000, data);
  assert.deepEqual(w.args, [STUB_COMMAND.WRITE, 0x2000, 16, 0]);
  assert.equal(w.memoryArguments[0]!.input, data);
  const wd = encodeCall.writeDeflated(0x3000, new Uint8Array(5), 4096);
  assert.deepEqual(wd.args, [STUB_COMMAND.WRITE_DEFLATED, 0x3000, 5, 0, 4096, 0, 0x8000]);
  assert.equal(wd.window, 0x8000);
  const small = encodeCall.writeDeflated(0x3000, new Uint8Array(5), 4096, { inflater: 'stub', staged: 0x3fc80000, window: 0x1000 });
  assert.deepEqual([small.args, small.window, small.memoryArguments], [[STUB_COMMAND.WRITE_DEFLATED, 0x3000, 5, 0x3fc80000, 4096, 1, 0x1000], 0x1000, []]);
  assert.throws(() => encodeCall.writeDeflated(0x3000, new Uint8Array(5), 4096, { window: 0x3000 }), RangeError);
  assert.deepEqual(encodeCall.erase(0x10000, 0x20000).args, [STUB_COMMAND.ERASE, 0x10000, 0x20000]);
  assert.deepEqual(encodeCall.eraseCheck(0x10000, 8).args, [STUB_COMMAND.ERASE_CHECK, 0x10000, 8]);
  const map = encodeCall.mapGet(0xc000, 0);
  assert.deepEqual(map.args, [STUB_COMMAND.MAP_GET, 0xc000, 0, 0]);
  assert.equal(map.memoryArguments[0]!.size, MAP_RESULT_SIZE);
  assert.deepEqual(encodeCall.sha256(0, 10).memoryArguments, [{ argIndex: 3, size: 32, output: true }]);
  const pieces = encodeCall.sha256(0x1000, 0x2800, 0x1000);
  assert.deepEqual(pieces.args, [STUB_COMMAND.SHA256, 0x1000, 0x2800, 0, 0x1000]);
  assert.deepEqual(pieces.memoryArguments, [{ argIndex: 3, size: 3 * 32, output: true }], 'one digest per piece, the last one shorter');
  assert.equal(encodeCall.sha256(0, 0x800, 0x1000).memoryArguments[0]!.size, 32, 'a piece longer than the range: one digest');
  const stream = encodeCall.streamWrite(0x4000, 0x8000, 0x1000, 50);
  assert.deepEqual(stream.args, [STUB_COMMAND.STREAM_WRITE, 0x4000, 0x8000, 0, 0x1000, 0, 50]);
  assert.deepEqual(stream.memoryArguments.map((m) => m.argIndex), [3, 5]);
  assert.equal(stream.memoryArguments[1]!.input!.length, STREAM_CONTROL_SIZE);
  assert.equal(stream.window, undefined);
  const deflatedStream = encodeCall.streamWrite(0x4000, 0x8000, 0x1000, 0, undefined, 0x2000);
  assert.deepEqual([deflatedStream.command, deflatedStream.inflater, deflatedStream.window], ['STREAM_WRITE_DEFLATED', 'rom', 0x2000]);
  assert.equal(decodeStreamControl(deflatedStream.memoryArguments[1]!.input!).inflateWindow, 0x2000, 'the window travels in the control block');
  assert.deepEqual(initialStreamControl(), new Uint8Array(STREAM_CONTROL_SIZE));
  for (const call of [read, w, wd, map, stream, encodeCall.flashInfo()]) {
    assert.ok(call.args.length <= 7, `${call.command}: at most 7 register arguments`);
    for (const m of call.memoryArguments) assert.ok(m.argIndex > 0 && m.argIndex < call.args.length, `${call.command}: slot ${m.argIndex}`);
  }
});
