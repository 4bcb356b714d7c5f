/**
 * The simulated ROM's write loop hands whole runs of page programs to the chip in one step when
 * SPI1 would send its frames unshifted. These tests hold it to the same outcome as sending every
 * frame through the registers: flash contents, the chip's status, every SPI1 register, the ROM's
 * result — in plain and in shifted (#366) controller states, with odd lengths and page crossings,
 * with the chip busy or protected, and with a power cut armed inside the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3, type SimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { SPI_CMD, SPI_MEM_SIZE, SPI_REG } from '../../../src/sim/esp32c3/spi-mem-regs.js';
import { buildFlash } from './fixture.js';
import { callRom, SCRATCH } from './rom-call.js';

const OK = 0;

function pair(scenario = 'normal'): { fast: SimulatedEsp32c3; frames: SimulatedEsp32c3 } {
  const image = buildFlash().flash;
  const fast = createSimulatedEsp32c3({ flash: image.slice(), run: false, scenario });
  const frames = createSimulatedEsp32c3({ flash: image.slice(), run: false, scenario });
  // The reference: every chunk as frames through the registers.
  frames.chip.spi1.programPagesAtChip = () => 0;
  return { fast, frames };
}

/** Every SPI1 register as software reads it (CMD last: reading it counts as a poll). */
function spi1Registers(sim: SimulatedEsp32c3): number[] {
  const out: number[] = [];
  for (let off = 0; off < SPI_MEM_SIZE; off += 4) if (off !== SPI_REG.CMD) out.push(sim.chip.spi1.peek(off));
  out.push(sim.chip.spi1.read32(SPI_REG.CMD));
  return out;
}

async function writeBoth(p: { fast: SimulatedEsp32c3; frames: SimulatedEsp32c3 }, dest: number, data: Uint8Array): Promise<number[]> {
  const results: number[] = [];
  for (const sim of [p.fast, p.frames]) {
    await sim.target.writeMemory(SCRATCH, data);
    results.push(await callRom(sim, 'esp_rom_spiflash_write', [dest, SCRATCH, data.length]));
  }
  return results;
}

function assertSame(p: { fast: SimulatedEsp32c3; frames: SimulatedEsp32c3 }, what: string): void {
  assert.ok(Buffer.from(p.fast.flash.bytes).equals(Buffer.from(p.frames.flash.bytes)), `${what}: flash contents`);
  assert.equal(p.fast.flash.status1, p.frames.flash.status1, `${what}: status register 1`);
  assert.equal(p.fast.flash.status2, p.frames.flash.status2, `${what}: status register 2`);
  assert.equal(p.fast.flash.busy, p.frames.flash.busy, `${what}: busy`);
  assert.deepEqual(spi1Registers(p.fast), spi1Registers(p.frames), `${what}: SPI1 registers`);
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 11 + (i >> 5)) & 0xff);

test('ROM write in one step leaves flash, chip status and every SPI1 register as the frame-by-frame loop', async () => {
  const p = pair();
  try {
    const cases: [number, number][] = [
      [0x300000, 0x1000],
      [0x3010f0, 300], // starts 16 bytes before a page end
      [0x302004, 4],
      [0x302100, 28], // no full chunk: frames only
      [0x303000, 0x2000 + 36],
      [0x305ffc, 8], // crosses a sector boundary
    ];
    for (const [i, [dest, len]] of cases.entries()) {
      const r = await writeBoth(p, dest, pattern(len, i));
      assert.deepEqual(r, [OK, OK], `write ${len} bytes at 0x${dest.toString(16)}`);
      assertSame(p, `write ${len} bytes at 0x${dest.toString(16)}`);
    }
    // Programming over programmed bytes only clears bits, in both.
    assert.deepEqual(await writeBoth(p, 0x300000, pattern(0x800, 99)), [OK, OK]);
    assertSame(p, 'rewrite without erase');
    assert.ok(p.fast.flash.stats.oneStepPrograms > 0, 'the one-step path was taken');
    assert.equal(p.frames.flash.stats.oneStepPrograms, 0);
    assert.equal(p.fast.flash.stats.changeCommands, p.frames.flash.stats.changeCommands, 'the same number of page programs');
  } finally {
    await p.fast.close();
    await p.frames.close();
  }
});

test('ROM write with a shifted SPI1 (#366 extra dummy) gives the same outcome as frames; no one-step path', async () => {
  for (const scenario of ['issue-366-timing', 'issue-366-rom-dummy']) {
    const p = pair(scenario);
    try {
      const r = await writeBoth(p, 0x300000, pattern(0x400, 3));
      assert.equal(r[0], r[1], `${scenario}: same ROM result`);
      assertSame(p, scenario);
      assert.equal(p.fast.flash.stats.oneStepPrograms, 0, `${scenario}: status reads would be shifted, so every frame is sent`);
    } finally {
      await p.fast.close();
      await p.frames.close();
    }
  }
});

test('ROM write on a busy or write-protected chip: same outcome as frames', async () => {
  const p = pair();
  try {
    for (const sim of [p.fast, p.frames]) sim.flash.beginBusy(5);
    assert.deepEqual(await writeBoth(p, 0x300000, pattern(0x200, 1)), [OK, OK]);
    assertSame(p, 'busy at the start');
    // Block-protect bits set: the chip refuses every program.
    for (const sim of [p.fast, p.frames]) {
      sim.chip.spi1.write32(SPI_REG.RD_STATUS, 0x1c);
      await callRom(sim, 'esp_rom_spiflash_write_enable');
      sim.chip.spi1.write32(SPI_REG.CMD, SPI_CMD.WRSR);
      while (sim.flash.busy) sim.chip.spi1.write32(SPI_REG.CMD, SPI_CMD.RDSR);
    }
    const before = p.fast.flash.bytes.slice(0x304000, 0x304200);
    const r = await writeBoth(p, 0x304000, pattern(0x200, 2));
    assert.equal(r[0], r[1]);
    assertSame(p, 'block-protected');
    assert.deepEqual(p.fast.flash.bytes.slice(0x304000, 0x304200), before, 'nothing programmed while protected');
  } finally {
    await p.fast.close();
    await p.frames.close();
  }
});

test('a power cut armed inside a one-step run hits the same page program as with frames', async () => {
  const p = pair();
  try {
    const cuts: unknown[] = [];
    for (const sim of [p.fast, p.frames]) sim.flash.armPowerCut(7, () => 0.5, () => cuts.push(sim.flash.lastCut));
    const r = await writeBoth(p, 0x300000, pattern(0x400, 5));
    assert.equal(r[0], r[1]);
    assert.equal(cuts.length, 2);
    assert.deepEqual(cuts[0], cuts[1], 'the cut interrupted the same program');
    assert.deepEqual(cuts[0], { interrupted: 'program', address: 0x300000 + 6 * 32, bytesDone: 16, bytesTotal: 32 });
    assert.ok(Buffer.from(p.fast.flash.bytes).equals(Buffer.from(p.frames.flash.bytes)), 'flash contents after the cut');
    assert.ok(p.fast.flash.powerLost);
    for (const sim of [p.fast, p.frames]) sim.flash.restorePower();
    assert.deepEqual(await writeBoth(p, 0x300000, pattern(0x400, 5)), [OK, OK]);
    assertSame(p, 'after power came back');
  } finally {
    await p.fast.close();
    await p.frames.close();
  }
});
