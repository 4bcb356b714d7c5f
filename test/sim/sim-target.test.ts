import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../src/sim/esp32c3/create.js';
import { HardwareBreakpointLimitError, WatchpointLimitError } from '../../src/sim/sim-target.js';
import { TargetStateError } from '../../src/target/errors.js';
import { BOOT_STACK_POINTER } from '../../src/sim/esp32c3/boot.js';
import { buildFlash, IROM_CODE, COUNTER_ADDR } from './esp32c3/fixture.js';

function newSim(run = false) {
  return createSimulatedEsp32c3({ flash: buildFlash().flash, run, sliceInstructions: 50000 });
}
const LW = IROM_CODE + 4;
const SW = IROM_CODE + 12;

test('starts halted at the app entry when run is false; step executes one instruction', async () => {
  const sim = newSim();
  const t = sim.target;
  assert.equal(t.state(), 'halted');
  assert.equal(await t.readRegister('pc'), IROM_CODE);
  const s = await t.step();
  assert.equal(s.reason, 'step');
  assert.equal(s.pc, IROM_CODE + 4);
  assert.equal(await t.readRegister('a0'), 0x3fc80000);
  assert.equal(await t.readRegister('x10'), 0x3fc80000);
  assert.equal((await t.readRegister('dcsr')) & (1 << 15), 1 << 15, 'ebreakm set on attach');
  assert.equal(await t.readRegister('misa'), 0x40101104);
  await sim.close();
});

test('halt while running, memory while running, registers refused while running', async () => {
  const sim = newSim(true);
  const t = sim.target;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.state(), 'running');
  const m = await t.readMemory(COUNTER_ADDR, 4);
  assert.equal(m.length, 4);
  await t.writeMemory(0x3fca0000, new Uint8Array([1, 2, 3, 4]));
  await assert.rejects(t.readRegister('pc'), TargetStateError);
  const stop = await t.halt();
  assert.equal(stop.reason, 'interrupt');
  assert.equal(t.state(), 'halted');
  const pc = await t.readRegister('pc');
  assert.ok(pc >= IROM_CODE && pc < IROM_CODE + 20);
  await sim.close();
  // Closed: said as such, not "halt needs the target halted, but it is disconnected".
  await assert.rejects(t.halt(), (e: unknown) => e instanceof TargetStateError && e.message === 'cannot halt: the target is disconnected (closed, or its link dropped); connect again');
});

test('a read while running lets the hart run first: back-to-back reads see the program move', async () => {
  const sim = newSim(true);
  const t = sim.target;
  try {
    await new Promise((r) => setTimeout(r, 5));
    // No event-loop turn between the reads (only microtasks): the hart advances because each read
    // runs its next slice first, as a chip's CPU runs on while a debugger's request travels.
    const counter = async () => new DataView((await t.readMemory(COUNTER_ADDR, 4)).buffer).getUint32(0, true);
    const first = await counter();
    const second = await counter();
    assert.ok(second > first, `counter ${first} then ${second}`);
    await t.halt();
    const halted = await counter();
    assert.equal(await counter(), halted, 'halted: reads change nothing');
  } finally {
    await sim.close();
  }
});

test('software breakpoint in flash halts before the instruction; resume continues past it', async () => {
  const sim = newSim();
  const t = sim.target;
  await t.addBreakpoint(SW, 'software');
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'breakpoint');
  assert.equal(stop.pc, SW);
  const before = sim.chip.bus.read32(COUNTER_ADDR);
  await t.resume();
  const again = await t.waitForHalt(2000);
  assert.equal(again.pc, SW);
  assert.equal(sim.chip.bus.read32(COUNTER_ADDR), before + 1, 'one store per loop between the two hits');
  await t.removeBreakpoint(SW, 'software');
  await sim.close();
});

test('hardware breakpoints use the 8 triggers; a ninth is a typed error', async () => {
  const sim = newSim();
  const t = sim.target;
  await t.addBreakpoint(LW, 'hardware');
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'hw-breakpoint');
  assert.equal(stop.pc, LW);
  await t.removeBreakpoint(LW, 'hardware');
  for (let i = 0; i < 8; i++) await t.addBreakpoint(0x40390000 + 4 * i, 'hardware');
  await assert.rejects(t.addBreakpoint(0x40391000, 'hardware'), HardwareBreakpointLimitError);
  await sim.close();
});

test('watchpoints stop before the access on the hart\'s triggers: write, read, access, ranges', async () => {
  const sim = newSim();
  const t = sim.target;
  // The loop: lw a1, 0(a0) at LW; addi; sw a1, 0(a0) at SW; a0 = COUNTER_ADDR.
  await t.addWatchpoint(COUNTER_ADDR, 4, 'write');
  await t.resume();
  let stop = await t.waitForHalt(2000);
  assert.deepEqual(stop, { reason: 'watchpoint', signal: 5, pc: SW, watchpoint: { kind: 'write', address: COUNTER_ADDR } });
  assert.equal(sim.chip.bus.read32(COUNTER_ADDR), 0, 'the store has not been done yet');
  await t.removeWatchpoint(COUNTER_ADDR, 4, 'write');
  await t.step();
  assert.equal(sim.chip.bus.read32(COUNTER_ADDR), 1, 'with the watchpoint removed, a step does the store');

  // A read watchpoint on the counter's second byte (one byte: exact match) catches the 4-byte load.
  await t.addWatchpoint(COUNTER_ADDR + 1, 1, 'read');
  await t.resume();
  stop = await t.waitForHalt(2000);
  assert.equal(stop.pc, LW);
  assert.deepEqual(stop.watchpoint, { kind: 'read', address: COUNTER_ADDR + 1 });
  await t.removeWatchpoint(COUNTER_ADDR + 1, 1, 'read');

  // Access, over a range that is not a power of two (armed as the aligned range holding it): the load first.
  await t.addWatchpoint(COUNTER_ADDR + 2, 3, 'access');
  await t.resume();
  stop = await t.waitForHalt(2000);
  assert.equal(stop.pc, LW);
  assert.equal(stop.watchpoint?.kind, 'access');
  await t.removeWatchpoint(COUNTER_ADDR + 2, 3, 'access');

  // A hardware breakpoint's stop is not a watchpoint, though a watchpoint is also set elsewhere.
  await t.addWatchpoint(0x3fc90000, 4, 'write');
  await t.addBreakpoint(SW, 'hardware');
  await t.resume();
  stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'hw-breakpoint');
  assert.equal(stop.watchpoint, undefined);
  await t.removeBreakpoint(SW, 'hardware');
  await t.removeWatchpoint(0x3fc90000, 4, 'write');
  await sim.close();
});

test('watchpoints and hardware breakpoints share the 8 triggers; watchpoints are armed again after a reset', async () => {
  const sim = newSim();
  const t = sim.target;
  for (let i = 0; i < 4; i++) await t.addBreakpoint(0x40390000 + 4 * i, 'hardware');
  for (let i = 0; i < 3; i++) await t.addWatchpoint(0x3fca0000 + 4 * i, 4, 'write');
  await t.addWatchpoint(COUNTER_ADDR, 4, 'write');
  await assert.rejects(t.addWatchpoint(0x3fcb0000, 4, 'read'), WatchpointLimitError);
  await assert.rejects(t.addBreakpoint(0x40391000, 'hardware'), HardwareBreakpointLimitError);
  await t.removeWatchpoint(0x3fca0000, 4, 'write');
  await t.addWatchpoint(0x3fcb0000, 4, 'read');
  sim.reboot();
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'watchpoint', 'the watchpoint survived the reset');
  assert.equal(stop.pc, SW);
  await sim.close();
});

test('stepping from reset: the ROM reads as what runs (jal to the boot call, mv sp, jr a0), each step one instruction or one ROM call', async () => {
  const sim = newSim();
  const t = sim.target;
  await t.reset('halt');
  assert.equal(await t.readRegister('pc'), 0x40000000);
  // jal ra, 0x40000008; c.mv sp, a1; c.jr a0 — as a debugger that decodes the instruction at pc sees them.
  assert.deepEqual(await t.readMemory(0x40000000, 8), Uint8Array.of(0xef, 0x00, 0x80, 0x00, 0x2e, 0x81, 0x02, 0x85));
  assert.deepEqual(await t.readMemory(0x40000008, 2), Uint8Array.of(0x82, 0x80), 'the boot call reads as ret');
  assert.deepEqual(await t.readMemory(0x40000050, 2), Uint8Array.of(0x82, 0x80), 'a ROM function (ets_delay_us) reads as ret');
  const resetSp = 0x3fc9fff0; // whatever sp holds when the boot is called
  await t.writeRegister('sp', resetSp);
  assert.equal((await t.step()).pc, 0x40000008);
  assert.equal(await t.readRegister('ra'), 0x40000004);
  assert.equal((await t.step()).pc, 0x40000004, 'the boot returns to ra');
  assert.equal(await t.readRegister('a0'), IROM_CODE, 'with the app entry in a0');
  assert.equal(await t.readRegister('a1'), BOOT_STACK_POINTER, 'and the app\'s stack pointer in a1');
  assert.equal(await t.readRegister('sp'), resetSp, 'leaving sp as it was, as a called function does');
  assert.equal((await t.step()).pc, 0x40000006);
  assert.equal(await t.readRegister('sp'), BOOT_STACK_POINTER);
  const stop = await t.step();
  assert.equal(stop.pc, IROM_CODE);
  assert.equal(stop.reason, 'step');
  // Resumed from reset, the program runs as before.
  await t.reset('halt');
  await t.addBreakpoint(SW, 'software');
  await t.resume();
  assert.equal((await t.waitForHalt(2000)).pc, SW);
  await sim.close();
});

test('waitForHalt times out with a typed error while the program runs; reset halt and reset run', async () => {
  const sim = newSim(true);
  const t = sim.target;
  await assert.rejects(t.waitForHalt(30), /did not complete within 30 ms/);
  await t.reset('halt');
  assert.equal(t.state(), 'halted');
  assert.equal(await t.readRegister('pc'), 0x40000000);
  // Resuming runs the ROM start-up (boot from flash) and then the app.
  await t.addBreakpoint(IROM_CODE, 'software');
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.pc, IROM_CODE);
  await t.removeBreakpoint(IROM_CODE, 'software');
  await t.reset('run');
  assert.equal(t.state(), 'running');
  await t.halt();
  await sim.close();
});

test('ebreak in the program halts (ebreakm), events are emitted', async () => {
  const sim = newSim();
  const t = sim.target;
  const events: string[] = [];
  t.on((e) => events.push(e.type));
  await t.writeMemory(0x40380100, new Uint8Array([0x73, 0x00, 0x10, 0x00]));
  await t.resume(0x40380100);
  const stop = await t.waitForHalt(1000);
  assert.equal(stop.reason, 'breakpoint');
  assert.equal(stop.pc, 0x40380100);
  assert.deepEqual(events, ['resumed', 'halted']);
  await sim.close();
  assert.equal(t.state(), 'disconnected');
});

test('reboot keeps the run state and what the debugger set: ebreakm, hardware breakpoints', async () => {
  const sim = newSim();
  const t = sim.target;
  await t.addBreakpoint(LW, 'hardware');
  const events: string[] = [];
  t.on((e) => events.push(e.type));
  sim.reboot();
  assert.equal(t.state(), 'halted', 'halted stays halted');
  assert.deepEqual(events, ['reset']);
  assert.equal((await t.readRegister('dcsr')) & (1 << 15), 1 << 15, 'ebreakm set again after the boot reset dcsr');
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'hw-breakpoint', 'the hardware breakpoint survived the reboot');
  assert.equal(stop.pc, LW);
  // An ebreak in the program still halts instead of trapping.
  await t.removeBreakpoint(LW, 'hardware');
  await t.writeMemory(0x40380100, new Uint8Array([0x73, 0x00, 0x10, 0x00]));
  sim.reboot();
  await t.resume(0x40380100);
  assert.equal((await t.waitForHalt(1000)).reason, 'breakpoint');
  await sim.close();
});

test('close rejects a pending waitForHalt instead of leaving it hanging', async () => {
  const sim = newSim(true);
  const wait = sim.target.waitForHalt(5000);
  await sim.close();
  await assert.rejects(wait, /simulator was closed/);
});
