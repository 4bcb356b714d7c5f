import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checksum, encodePacket, escapeBinary, unescapeBinary, escapedLength, fitEscaped, decodeRunLength, encodeRunLength,
  isConsoleOutput, decodeConsoleOutput, encodeConsoleOutput, parseErrorReply,
} from '../../src/gdb/codec.js';
import { RspFramer } from '../../src/gdb/framer.js';
import { bytesToText, textToBytes, hexToBytes, bytesToHex, valueToLeHex, leHexToValue } from '../../src/gdb/hex.js';
import { parseStopReply, toStopInfo, formatStopReply, isStopReply } from '../../src/gdb/stop-reply.js';
import { parseSupported, hasFeature } from '../../src/gdb/features.js';
import { planChunks, writeChunkSize, readChunkSize, hexFrame, hexPayload } from '../../src/gdb/remote-memory.js';

const text = (b: Uint8Array) => bytesToText(b);

test('checksum and framing', () => {
  assert.equal(checksum(textToBytes('OK')), 0x9a);
  assert.equal(text(encodePacket('OK')), '$OK#9a');
  assert.equal(text(encodePacket('')), '$#00');
  assert.equal(text(encodePacket('qSupported')), '$qSupported#37');
});

test('binary escaping of # $ } * and back', () => {
  const data = Uint8Array.of(0x23, 0x24, 0x7d, 0x2a, 0x00, 0x03, 0xff, 0x41);
  const esc = escapeBinary(data);
  assert.deepEqual([...esc], [0x7d, 0x03, 0x7d, 0x04, 0x7d, 0x5d, 0x7d, 0x0a, 0x00, 0x03, 0xff, 0x41]);
  assert.equal(escapedLength(data), esc.length);
  assert.deepEqual(unescapeBinary(esc), data);
  assert.equal(unescapeBinary(Uint8Array.of(0x41, 0x7d)), undefined, 'a lone trailing escape is an error');
  for (let n = 0; n < 300; n++) {
    const d = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    assert.deepEqual(unescapeBinary(escapeBinary(d)), d);
  }
});

test('fitEscaped never exceeds the budget', () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 0x7d : 0x41));
  for (const budget of [0, 1, 2, 3, 10, 57, 200]) {
    const end = fitEscaped(data, 0, data.length, budget);
    assert.ok(escapedLength(data, 0, end) <= budget, 'escapedLength(data, 0, end) <= budget');
    if (end < data.length) assert.ok(escapedLength(data, 0, end + 1) > budget, 'escapedLength(data, 0, end + 1) > budget');
  }
});

test('run-length decoding and encoding', () => {
  assert.equal(text(decodeRunLength(textToBytes('0* '))!), '0000');
  assert.equal(text(decodeRunLength(textToBytes('ab*"c'))!), 'abbbbbbc');
  assert.equal(decodeRunLength(textToBytes('*"')), undefined);
  assert.equal(decodeRunLength(textToBytes('a*')), undefined);
  for (const s of ['', '0', '00000000', 'a'.repeat(200), '1234' + '0'.repeat(35) + 'ff' + 'e'.repeat(8), 'x'.repeat(7) + 'y'.repeat(8)]) {
    const enc = encodeRunLength(textToBytes(s));
    for (const c of text(enc).split('*').slice(1).map((p) => p[0])) assert.ok(!'#$+-'.includes(c!), `count char ${c} avoided`);
    assert.equal(text(decodeRunLength(enc)!), s);
  }
  assert.ok(encodeRunLength(textToBytes('0'.repeat(64))).length < 10, 'encodeRunLength(textToBytes(0.repeat(64))).length < 10');
});

test('framer: packets, acks, NAKs, interrupts, notifications, garbage, split delivery', () => {
  const f = new RspFramer();
  const wire = textToBytes('+-\x03junk$OK#9a%Stop:T05#xx$m0*"#00');
  const frames = [];
  for (const b of wire) frames.push(...f.feed(Uint8Array.of(b)));
  assert.deepEqual(frames.slice(0, 3).map((x) => x.type), ['ack', 'nak', 'interrupt']);
  const ok = frames[3]!;
  assert.ok(ok.type === 'packet' && ok.valid && text(ok.payload) === 'OK', 'ok.type === packet && ok.valid && text(ok.payload) === OK');
  assert.equal(frames[4]!.type, 'notification');
  const last = frames[5]!;
  assert.ok(last.type === 'packet' && !last.valid, 'wrong checksum is reported invalid');
  assert.equal(f.garbageBytes, 4);
});

test('framer: checksum covers the encoded form; run-length expands after; a $ restarts a frame', () => {
  const f = new RspFramer();
  const body = textToBytes('0*"');
  const frames = f.feed(encodePacket(body));
  assert.ok(frames[0]!.type === 'packet' && frames[0]!.valid && text(frames[0]!.payload) === '000000', 'frames[0]!.type === packet && frames[0]!.valid && text(frames[0]!.payl');
  const raw = new RspFramer({ runLength: false }).feed(encodePacket(body));
  assert.ok(raw[0]!.type === 'packet' && text(raw[0]!.payload) === '0*"', 'raw[0]!.type === packet && text(raw[0]!.payload) === 0*"');
  const restarted = f.feed(textToBytes('$abc$OK#9a'));
  assert.equal(restarted.length, 1);
  assert.ok(restarted[0]!.type === 'packet' && text(restarted[0]!.payload) === 'OK', 'restarted[0]!.type === packet && text(restarted[0]!.payload) === OK');
});

test('framer: oversize frames are dropped and reported', () => {
  const f = new RspFramer({ maxPayload: 16 });
  const frames = f.feed(encodePacket('x'.repeat(40)));
  assert.deepEqual(frames, [{ type: 'overflow', length: 40 }]);
  assert.equal(f.feed(encodePacket('OK'))[0]!.type, 'packet');
});

test('framer: binary payload bytes 0x03 and + inside a packet are data', () => {
  const f = new RspFramer();
  const payload = Uint8Array.of(0x58, 0x03, 0x2b, 0x2d);
  const frames = f.feed(encodePacket(payload));
  assert.equal(frames.length, 1);
  assert.ok(frames[0]!.type === 'packet' && frames[0]!.valid, 'frames[0]!.type === packet && frames[0]!.valid');
  assert.deepEqual(frames[0]!.payload, payload);
});

test('console output packets', () => {
  assert.equal(encodeConsoleOutput('hi\n'), 'O68690a');
  assert.ok(isConsoleOutput('O68690a'), 'isConsoleOutput(O68690a)');
  assert.ok(!isConsoleOutput('OK'), '!isConsoleOutput(OK)');
  assert.equal(decodeConsoleOutput('O68690a'), 'hi\n');
  assert.equal(parseErrorReply('E14'), 0x14);
  assert.equal(parseErrorReply('E.bad'), -1);
  assert.equal(parseErrorReply('OK'), undefined);
});

test('hex helpers', () => {
  assert.equal(bytesToHex(Uint8Array.of(0, 0xab, 0xff)), '00abff');
  assert.deepEqual(hexToBytes('00ABff'), Uint8Array.of(0, 0xab, 0xff));
  assert.equal(hexToBytes('0g'), undefined);
  assert.equal(valueToLeHex(0x80000010, 4), '10000080');
  assert.equal(leHexToValue('10000080'), 0x80000010);
  assert.equal(valueToLeHex(-1, 4), 'ffffffff');
});

test('stop replies: parse, name, format', () => {
  const noBp = () => undefined;
  const ctx = { stepping: false, interrupting: false, pcRegnum: 32, breakpointAt: noBp };
  assert.ok(isStopReply('T05thread:p01.01;'), 'isStopReply(T05thread:p01.01;)');
  assert.ok(isStopReply('S02') && isStopReply('W00') && isStopReply('X09'), 'isStopReply(S02) && isStopReply(W00) && isStopReply(X09)');
  assert.ok(!isStopReply('OK') && !isStopReply('E14') && !isStopReply('Sxx'), '!isStopReply(OK) && !isStopReply(E14) && !isStopReply(Sxx)');
  const t = parseStopReply('T05thread:p01.01;20:10000080;swbreak:;')!;
  assert.equal(t.thread, 'p01.01');
  assert.deepEqual(toStopInfo(t, ctx), { reason: 'breakpoint', signal: 5, pc: 0x80000010, thread: 'p01.01' });
  assert.equal(toStopInfo(parseStopReply('T05hwbreak:;')!, ctx).reason, 'hw-breakpoint');
  assert.equal(toStopInfo(parseStopReply('T05watch:80000100;')!, ctx).reason, 'watchpoint');
  assert.equal(toStopInfo(parseStopReply('T02thread:01;')!, ctx).reason, 'interrupt');
  assert.equal(toStopInfo(parseStopReply('S05')!, { ...ctx, stepping: true }).reason, 'step');
  assert.equal(toStopInfo(parseStopReply('T05')!, { ...ctx, pc: 0x40, breakpointAt: (a) => (a === 0x40 ? 'hardware' : undefined) }).reason, 'hw-breakpoint');
  assert.deepEqual(toStopInfo(parseStopReply('W03')!, ctx), { reason: 'exited', exitCode: 3 });
  assert.equal(toStopInfo(parseStopReply('X09')!, ctx).reason, 'killed');
  assert.equal(toStopInfo(parseStopReply('S0b')!, ctx).reason, 'exception');
  const fmt = { pcRegnum: 32, pcBytes: 4, reasons: true };
  assert.equal(formatStopReply({ reason: 'breakpoint', pc: 0x80000010 }, fmt), 'T0520:10000080;thread:1;swbreak:;');
  assert.equal(formatStopReply({ reason: 'hw-breakpoint' }, fmt), 'T05thread:1;hwbreak:;');
  assert.equal(formatStopReply({ reason: 'interrupt' }, { ...fmt, reasons: false }), 'T02thread:1;');
  assert.equal(formatStopReply({ reason: 'exited', exitCode: 1 }, fmt), 'W01');
});

test('qSupported parsing', () => {
  const f = parseSupported('PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+;QStartNoAckMode-');
  assert.equal(f.packetSize, 4096);
  assert.ok(hasFeature(f, 'qXfer:features:read'), 'hasFeature(f, qXfer:features:read)');
  assert.ok(!hasFeature(f, 'QStartNoAckMode'), '!hasFeature(f, QStartNoAckMode)');
});

test('transfer sizes keep packets within the server limit', () => {
  // QEMU: PacketSize 0x1000, oversize packets are dropped silently.
  const m = writeChunkSize(0x1000, false);
  assert.ok(1 + 8 + 1 + 8 + 1 + 2 * m + 4 <= 0x1000, '1 + 8 + 1 + 8 + 1 + 2 * m + 4 <= 0x1000');
  assert.equal(m % 4, 0);
  assert.ok(m >= 2032, 'm >= 2032');
  assert.ok(2 * readChunkSize(0x1000, false) + 4 <= 0x1000, '2 * readChunkSize(0x1000, false) + 4 <= 0x1000');
  const chunks = planChunks(0x80000001, 10000, m);
  assert.equal(chunks[0]![1], m - 1, 'the first chunk ends on a 4-byte boundary');
  assert.equal(chunks.reduce((s, c) => s + c[1], 0), 10000);
  for (const [o, n] of chunks) assert.ok(n <= m && o >= 0, 'n <= m && o >= 0');
});

test('an M frame built in one buffer equals the framed hex payload', () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  assert.deepEqual(hexFrame('M80000000,12c:', data, 0, 300), encodePacket(hexPayload('M80000000,12c:', data, 0, 300)));
  assert.deepEqual(hexFrame('M1,2:', data, 5, 7), encodePacket('M1,2:232a'));
});
