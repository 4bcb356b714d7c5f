import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TapController, TapState, nextTapState, TAP_STATE_NAMES, BYPASS_REGISTER, type DataRegister } from '../../../src/sim/jtag/tap.js';
import { Dtm, JTAG_IR } from '../../../src/sim/jtag/dtm.js';
import { BitbangSession } from '../../../src/sim/jtag/bitbang-protocol.js';
import { JtagHost } from './jtag-driver.js';

const S = TapState;

test('TAP state machine follows IEEE 1149.1 on every edge of a full walk', () => {
  // [tms, expected state after the edge], starting in Test-Logic-Reset.
  const walk: [number, TapState][] = [
    [1, S.TestLogicReset], [0, S.RunTestIdle], [0, S.RunTestIdle], [1, S.SelectDrScan], [0, S.CaptureDr],
    [0, S.ShiftDr], [0, S.ShiftDr], [1, S.Exit1Dr], [0, S.PauseDr], [0, S.PauseDr], [1, S.Exit2Dr],
    [0, S.ShiftDr], [1, S.Exit1Dr], [1, S.UpdateDr], [1, S.SelectDrScan], [1, S.SelectIrScan],
    [0, S.CaptureIr], [1, S.Exit1Ir], [0, S.PauseIr], [1, S.Exit2Ir], [0, S.ShiftIr], [1, S.Exit1Ir],
    [1, S.UpdateIr], [1, S.SelectDrScan], [0, S.CaptureDr], [1, S.Exit1Dr], [1, S.UpdateDr],
    [0, S.RunTestIdle], [1, S.SelectDrScan], [1, S.SelectIrScan], [1, S.TestLogicReset],
    [0, S.RunTestIdle], [1, S.SelectDrScan], [1, S.SelectIrScan], [0, S.CaptureIr], [0, S.ShiftIr],
    [1, S.Exit1Ir], [0, S.PauseIr], [1, S.Exit2Ir], [1, S.UpdateIr], [0, S.RunTestIdle],
  ];
  const tap = new TapController({ irLength: 5, resetInstruction: 1, dataRegisterFor: () => BYPASS_REGISTER });
  const seen = new Set<TapState>([tap.state]);
  for (const [i, [tms, expected]] of walk.entries()) {
    tap.clock(tms, 0);
    assert.equal(TAP_STATE_NAMES[tap.state], TAP_STATE_NAMES[expected], `edge ${i} (tms=${tms})`);
    seen.add(tap.state);
  }
  assert.equal(seen.size, 16, 'the walk visits all 16 states');
});

test('five TMS=1 clocks reach Test-Logic-Reset from every state and reload IDCODE', () => {
  for (let s = 0 as TapState; s < 16; s = (s + 1) as TapState) {
    let st: TapState = s;
    for (let i = 0; i < 5; i++) st = nextTapState(st, 1);
    assert.equal(st, S.TestLogicReset, `from ${TAP_STATE_NAMES[s]}`);
  }
  const dtm = new Dtm({ dmiRead: () => 0, dmiWrite: () => {} }, { idcode: 0x5c25 });
  const tap = dtm.tap;
  // Load DTMCS into IR by hand, then reset with TMS.
  for (const tms of [0, 1, 1, 0, 0]) tap.clock(tms, 0); // Idle, SelDR, SelIR, CapIR, ShiftIR
  const ir = JTAG_IR.DTMCS;
  for (let i = 0; i < 5; i++) tap.clock(i === 4 ? 1 : 0, (ir >> i) & 1);
  tap.clock(1, 0); // Update-IR
  assert.equal(tap.ir, JTAG_IR.DTMCS);
  for (let i = 0; i < 5; i++) tap.clock(1, 0);
  assert.equal(tap.state, S.TestLogicReset);
  assert.equal(tap.ir, JTAG_IR.IDCODE);
});

test('shift registers: capture, shift LSB first, update only at Update-DR, Pause keeps the bits', () => {
  const updates: bigint[] = [];
  const reg: DataRegister = { length: 41, capture: () => 0x1_2345_6789_abn, update: (v) => updates.push(v) };
  const tap = new TapController({ irLength: 5, resetInstruction: 1, dataRegisterFor: () => reg });
  for (const tms of [0, 1, 0, 0]) tap.clock(tms, 0); // Idle, SelDR, CapDR, ShiftDR
  let out = 0n;
  const input = 0x1_5555_aaaa_33n;
  for (let i = 0; i < 41; i++) {
    if (i === 20) {
      // Exit1 → Pause → Exit2 → Shift in the middle of the scan.
      out |= BigInt(tap.clock(1, Number((input >> BigInt(i)) & 1n))) << BigInt(i);
      tap.clock(0, 0);
      tap.clock(0, 0);
      tap.clock(1, 0);
      tap.clock(0, 0);
      assert.equal(tap.state, S.ShiftDr);
      continue;
    }
    out |= BigInt(tap.clock(i === 40 ? 1 : 0, Number((input >> BigInt(i)) & 1n))) << BigInt(i);
  }
  assert.equal(out, 0x1_2345_6789_abn);
  assert.deepEqual(updates, []);
  tap.clock(1, 0); // Update-DR
  assert.deepEqual(updates, [input]);
});

function sessionHost(): { host: JtagHost; session: BitbangSession } {
  const dtm = new Dtm({ dmiRead: () => 0, dmiWrite: () => {} }, { idcode: 0x00005c25 });
  const session = new BitbangSession(dtm);
  return { session, host: new JtagHost((bytes) => session.feed(bytes).reply) };
}

test('IDCODE through the wire protocol: 0x00005c25 after reset; Capture-IR reads 00001', async () => {
  const { host } = sessionHost();
  await host.resetToIdle();
  assert.equal(Number(await host.scanDr(0n, 32)), 0x00005c25);
  assert.equal(await host.scanIr(JTAG_IR.IDCODE), 0b00001);
  assert.equal(Number(await host.scanDr(0xffffffffn, 32)), 0x00005c25, 'IDCODE is read-only');
});

test('BYPASS is one bit that delays TDI by one clock', async () => {
  const { host } = sessionHost();
  await host.resetToIdle();
  await host.scanIr(JTAG_IR.BYPASS);
  const pattern = 0b1011_0010_1110n;
  const out = await host.scanDr(pattern, 12);
  assert.equal(out, (pattern << 1n) & 0xfffn);
  // An unknown instruction selects BYPASS too.
  await host.scanIr(0x07);
  assert.equal(await host.scanDr(0b111n, 3), 0b110n);
});

test("wire protocol: 'R' samples TDO, 't' resets the TAP, 'Q' stops processing, LED and SRST reach their hooks", () => {
  const events: string[] = [];
  const dtm = new Dtm({ dmiRead: () => 0, dmiWrite: () => {} }, { idcode: 0x00005c25 });
  const session = new BitbangSession(dtm, { onLed: (on) => events.push(`led ${on}`), onSystemReset: (a) => events.push(`srst ${a}`) });
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  // Idle, SelDR, CapDR, ShiftDR: IDCODE LSB first is 1, 0, 1, 0, 0, 1 (0x25).
  const r1 = session.feed(enc('0' + '4' + '2' + '6' + '0' + '4' + '0' + '4' + 'R04R04R04R04R04R04'));
  assert.equal(new TextDecoder().decode(r1.reply), '101001');
  assert.equal(dtm.tap.state, S.ShiftDr);
  session.feed(enc('t'));
  assert.equal(dtm.tap.state, S.TestLogicReset);
  session.feed(enc('0404')); // held in reset while TRST is asserted
  assert.equal(dtm.tap.state, S.TestLogicReset);
  session.feed(enc('r04'));
  assert.equal(dtm.tap.state, S.RunTestIdle);
  session.feed(enc('BbsrR\n'));
  assert.deepEqual(events, ['led true', 'led false', 'srst true', 'srst false']);
  const q = session.feed(enc('RQRRR'));
  assert.equal(q.quit, true);
  assert.equal(q.reply.length, 1, 'nothing after Q is processed');
});
