import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dtm, JTAG_IR, DMI_OP, DMI_STATUS, DTMCS_DMIRESET, DTMCS_DMIHARDRESET } from '../../../src/sim/jtag/dtm.js';
import { BitbangSession } from '../../../src/sim/jtag/bitbang-protocol.js';
import { JtagHost } from './jtag-driver.js';

/** A register file standing in for the Debug Module. */
function fakeDm(): { regs: Map<number, number>; log: string[]; dmiRead(a: number): number; dmiWrite(a: number, v: number): void } {
  const regs = new Map<number, number>();
  const log: string[] = [];
  return {
    regs,
    log,
    dmiRead(a) {
      log.push(`r${a.toString(16)}`);
      if (a === 0x7f) throw new Error('broken register');
      return regs.get(a) ?? 0;
    },
    dmiWrite(a, v) {
      log.push(`w${a.toString(16)}=${v.toString(16)}`);
      regs.set(a, v);
    },
  };
}

async function setup(options: { dmiBusyCycles?: number } = {}) {
  const dm = fakeDm();
  const dtm = new Dtm(dm, { idcode: 0x00005c25, ...options });
  const session = new BitbangSession(dtm);
  const host = new JtagHost((bytes) => session.feed(bytes).reply);
  await host.resetToIdle();
  return { dm, dtm, host };
}

test('dtmcs: version 1 (0.13), abits 7, idle 1, dmistat 0', async () => {
  const { host } = await setup();
  await host.scanIr(JTAG_IR.DTMCS);
  const dtmcs = Number(await host.scanDr(0n, 32));
  assert.equal(dtmcs & 0xf, 1);
  assert.equal((dtmcs >> 4) & 0x3f, 7);
  assert.equal((dtmcs >> 10) & 3, 0);
  assert.equal((dtmcs >> 12) & 7, 1);
});

test('DMI: an operation runs at Update-DR, its result comes with the next capture', async () => {
  const { dm, host } = await setup();
  await host.scanIr(JTAG_IR.DMI);
  const w = await host.dmi(DMI_OP.WRITE, 0x04, 0xdeadbeef);
  assert.equal(w.status, DMI_STATUS.OK);
  assert.deepEqual(dm.log, ['w4=deadbeef']);
  const r1 = await host.dmi(DMI_OP.READ, 0x04, 0);
  assert.equal(r1.status, 0);
  const r2 = await host.dmi(DMI_OP.NOP, 0, 0);
  assert.deepEqual(r2, { address: 0x04, data: 0xdeadbeef, status: 0 });
  assert.deepEqual(dm.log, ['w4=deadbeef', 'r4'], 'a nop touches nothing');
  assert.equal(await host.dmiRead(0x04), 0xdeadbeef);
});

test('DMI failed status (2) is sticky until dmireset; later operations are ignored', async () => {
  const { dm, host } = await setup();
  await host.scanIr(JTAG_IR.DMI);
  await host.dmi(DMI_OP.READ, 0x7f, 0); // the DM throws
  assert.equal((await host.dmi(DMI_OP.WRITE, 0x05, 1)).status, DMI_STATUS.FAILED);
  assert.equal((await host.dmi(DMI_OP.NOP, 0, 0)).status, DMI_STATUS.FAILED);
  assert.equal(dm.regs.has(0x05), false, 'the write after the failure was ignored');
  await host.scanIr(JTAG_IR.DTMCS);
  assert.equal((Number(await host.scanDr(0n, 32)) >> 10) & 3, 2, 'dtmcs.dmistat shows it');
  await host.scanDr(BigInt(DTMCS_DMIRESET), 32);
  assert.equal((Number(await host.scanDr(0n, 32)) >> 10) & 3, 0);
  await host.scanIr(JTAG_IR.DMI);
  await host.dmiWrite(0x05, 7);
  assert.equal(dm.regs.get(0x05), 7);
});

test('DMI busy: scanning before the operation completes sets sticky busy (3); more idle cycles avoid it', async () => {
  const { dm, host } = await setup({ dmiBusyCycles: 20 });
  await host.scanIr(JTAG_IR.DMI);
  await host.dmi(DMI_OP.WRITE, 0x04, 1, 0); // no idle cycles after it
  const r = await host.dmi(DMI_OP.WRITE, 0x05, 2, 0);
  assert.equal(r.status, DMI_STATUS.BUSY);
  assert.equal(dm.regs.has(0x05), false);
  const again = await host.dmi(DMI_OP.NOP, 0, 0, 30);
  assert.equal(again.status, DMI_STATUS.BUSY, 'busy is sticky even after the operation completed');
  await host.scanIr(JTAG_IR.DTMCS);
  assert.equal((Number(await host.scanDr(0n, 32)) >> 10) & 3, 3);
  await host.scanDr(BigInt(DTMCS_DMIHARDRESET), 32);
  await host.scanIr(JTAG_IR.DMI);
  await host.dmi(DMI_OP.WRITE, 0x05, 2, 30);
  assert.equal((await host.dmi(DMI_OP.NOP, 0, 0, 30)).status, DMI_STATUS.OK);
  assert.equal(dm.regs.get(0x05), 2);
});
