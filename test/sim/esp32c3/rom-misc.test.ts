import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { romSymbolTable, ROM_SERVICES, TINFL_FLAG, TINFL_STATUS } from '../../../src/sim/esp32c3/rom/index.js';
import { buildFlash } from './fixture.js';
import { callRom, readWord, SCRATCH, TRAMPOLINE, STACK_TOP } from './rom-call.js';

function newSim() {
  return createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
}

/** Where the tinfl_decompress tests keep the decompressor, the two size words, input and output window. */
const TINFL = { r: SCRATCH, inSize: SCRATCH + 0x3000, outSize: SCRATCH + 0x3004, input: SCRATCH + 0x4000, window: SCRATCH + 0x8000 } as const;
const u32 = (v: number) => new Uint8Array(new Uint32Array([v >>> 0]).buffer);

/** One tinfl_decompress call: input[inAt, +inLen) into window[outAt, +outLen), with the sizes it reports back. */
async function tinflCall(sim: ReturnType<typeof newSim>, inAt: number, inLen: number, outAt: number, outLen: number, flags: number) {
  const { r, inSize, outSize, input, window } = TINFL;
  await sim.target.writeMemory(inSize, u32(inLen));
  await sim.target.writeMemory(outSize, u32(outLen));
  const status = (await callRom(sim, 'tinfl_decompress', [r, input + inAt, inSize, window, window + outAt, outSize, flags])) | 0;
  return { status, consumed: await readWord(sim, inSize), written: await readWord(sim, outSize) };
}

test('crc32_le follows the ROM convention (0 → standard CRC-32)', async () => {
  const sim = newSim();
  await sim.target.writeMemory(SCRATCH, new TextEncoder().encode('123456789'));
  assert.equal(await callRom(sim, 'crc32_le', [0, SCRATCH, 9]), 0xcbf43926);
  await sim.close();
});

test('ets_delay_us lets simulated time pass: the cycle count (mcycle and the systimer derive from it) moves on by the delay', async () => {
  const sim = newSim();
  try {
    const hart = sim.chip.hart;
    const before = hart.instructionsRetired;
    await callRom(sim, 'ets_delay_us', [1000]);
    const cycles = hart.instructionsRetired - before;
    // 1000 us at the ROM's CPU frequency (160 MHz unless the ROM variable says otherwise), plus the call's few instructions.
    assert.ok(cycles >= 160_000 && cycles < 161_000, `${cycles} cycles for 1 ms`);
  } finally {
    await sim.close();
  }
});

test('ets_printf formats into the console', async () => {
  const sim = newSim();
  await sim.target.writeMemory(SCRATCH, new TextEncoder().encode('id=%06x n=%d s=%s%%\n\0'));
  await sim.target.writeMemory(SCRATCH + 0x40, new TextEncoder().encode('ok\0'));
  const n = await callRom(sim, 'ets_printf', [SCRATCH, 0xef40, -5, SCRATCH + 0x40]);
  assert.equal(sim.chip.consoleText, 'id=00ef40 n=-5 s=ok%\n');
  assert.equal(n, sim.chip.consoleText.length);
  await sim.close();
});

test('Cache_Dbus_MMU_Set maps pages and reports bad arguments; ends are ROM variables', async () => {
  const sim = newSim();
  assert.equal(await callRom(sim, 'Cache_Dbus_MMU_Set', [0, 0x3c050000, 0x300000, 64, 2, 0]), 0);
  assert.deepEqual([sim.chip.mmu.entries[5], sim.chip.mmu.entries[6]], [0x30, 0x31]);
  assert.deepEqual(await sim.target.readMemory(0x3c060000, 4), sim.flash.bytes.slice(0x310000, 0x310004));
  assert.equal(await callRom(sim, 'Cache_Dbus_MMU_Set', [0, 0x3c050100, 0x300000, 64, 1, 0]), 2);
  assert.equal(await callRom(sim, 'Cache_Dbus_MMU_Set', [0, 0x3c050000, 0x300000, 32, 1, 0]), 3);
  assert.equal(await callRom(sim, 'Cache_Ibus_MMU_Set', [0, 0x427f0000, 0x300000, 64, 2, 0]), 4);
  await callRom(sim, 'Cache_Set_IDROM_MMU_Size', [0x40, 0x1c0]);
  assert.equal(await callRom(sim, 'Cache_Get_IROM_MMU_End'), 0x40);
  assert.equal(await callRom(sim, 'Cache_Get_DROM_MMU_End'), 0x200);
  // Suspended cache: the windows fault until resumed.
  const autoload = await callRom(sim, 'Cache_Suspend_ICache');
  await assert.rejects(sim.target.readMemory(0x3c000020, 4), /suspended/);
  await callRom(sim, 'Cache_Resume_ICache', [autoload]);
  assert.equal((await sim.target.readMemory(0x3c000020, 4)).length, 4);
  await sim.close();
});

test('an unimplemented ROM function halts the hart with an error naming it', async () => {
  const sim = newSim();
  const t = sim.target;
  await t.writeMemory(TRAMPOLINE, new Uint8Array([0xe7, 0x80, 0x08, 0x00, 0x73, 0x00, 0x10, 0x00]));
  await t.writeRegisters({ pc: TRAMPOLINE, a7: 0x40000110, sp: STACK_TOP - 16 });
  await t.resume();
  const stop = await t.waitForHalt(2000);
  assert.equal(stop.reason, 'exception');
  assert.match(t.lastError?.message ?? '', /0x40000110 \(esp_rom_spiflash_write_encrypted\)/);
  await sim.close();
});

test('the ROM symbol table names every service and marks what is implemented', () => {
  const rows = romSymbolTable();
  const read = rows.find((r) => r.name === 'esp_rom_spiflash_read');
  assert.deepEqual(read, { name: 'esp_rom_spiflash_read', address: 0x40000130, implemented: true });
  assert.equal(rows.find((r) => r.name === 'tinfl_decompress')?.implemented, true);
  assert.equal(rows.find((r) => r.name === 'mz_crc32')?.implemented, true);
  assert.equal(rows.find((r) => r.name === 'esp_rom_spiflash_write_encrypted')?.implemented, false);
  assert.equal(rows.filter((r) => r.implemented).length, ROM_SERVICES.length);
});

test('tinfl_decompress: wrapping output, HAS_MORE_OUTPUT until DONE, input in pieces, the ROM statuses', async () => {
  const sim = newSim();
  const { r, inSize, outSize, input, window } = TINFL; // a 32 KiB window, wrapping
  const data = new Uint8Array(0x11000).map((_, i) => ((i * 2654435761) >>> ((i >> 9) & 15)) & (i & 0x100 ? 0x0f : 0xff));
  const packed = new Uint8Array(deflateRawSync(data));
  const trailing = 3;
  const call = (inAt: number, inLen: number, outAt: number, outLen: number, flags: number) => tinflCall(sim, inAt, inLen, outAt, outLen, flags);
  await sim.target.writeMemory(input, Uint8Array.from([...packed, 1, 2, 3]));

  // Whole input at once, output through the 32 KiB window: two full windows, then the rest and DONE.
  await sim.target.writeMemory(r, u32(0)); // tinfl_init
  const out: Uint8Array[] = [];
  let used = 0;
  let produced = 0;
  let last;
  do {
    const at = produced & 0x7fff;
    last = await call(used, packed.length + trailing - used, at, 0x8000 - at, 0);
    used += last.consumed;
    out.push(await sim.target.readMemory(window + at, last.written));
    produced += last.written;
  } while (last.status === TINFL_STATUS.HAS_MORE_OUTPUT);
  assert.equal(last.status, TINFL_STATUS.DONE);
  assert.deepEqual(Buffer.concat(out), Buffer.from(data));
  assert.equal(used, packed.length, 'the trailing bytes are not consumed');
  assert.notEqual(await readWord(sim, r), 0, 'm_state moved on');

  // Input in pieces with TINFL_FLAG_HAS_MORE_INPUT: NEEDS_MORE_INPUT until the stream ends.
  await sim.target.writeMemory(r, u32(0));
  const statuses = new Set<number>();
  produced = 0;
  for (let at = 0, calls = 0; calls < 1000; calls++) {
    const o = produced & 0x7fff;
    const s = await call(at, Math.min(1000, packed.length - at), o, 0x8000 - o, TINFL_FLAG.HAS_MORE_INPUT);
    statuses.add(s.status);
    at += s.consumed;
    produced += s.written;
    if (s.status === TINFL_STATUS.DONE) break;
  }
  assert.equal(produced, data.length);
  assert.ok(statuses.has(TINFL_STATUS.NEEDS_MORE_INPUT) && statuses.has(TINFL_STATUS.DONE), [...statuses].join());

  // A buffer that is not a power of two; a state this ROM never started; a corrupt stream.
  assert.equal((await call(0, 10, 0, 0x7000, 0)).status, TINFL_STATUS.BAD_PARAM);
  await sim.target.writeMemory(r + 0x100, u32(7));
  await sim.target.writeMemory(inSize, u32(10));
  await sim.target.writeMemory(outSize, u32(0x8000));
  assert.equal((await callRom(sim, 'tinfl_decompress', [r + 0x100, input, inSize, window, window, outSize, 0])) | 0, TINFL_STATUS.FAILED);
  await sim.target.writeMemory(r, u32(0));
  await sim.target.writeMemory(input, Uint8Array.of(0x07, 0x00));
  assert.equal((await call(0, 2, 0, 0x8000, 0)).status, TINFL_STATUS.FAILED);
  await sim.close();
});

test('tinfl_decompress: a wrapping buffer smaller than 32 KiB is the dictionary; a match reaching past it fails', async () => {
  const sim = newSim();
  const { r, input, window } = TINFL; // only its first 4 KiB used, wrapping
  const block = new Uint8Array(randomBytes(0x2000));
  const data = new Uint8Array([...block, ...block]); // the second half matches 8 KiB back
  const inflate = async (packed: Uint8Array, flags: number): Promise<{ status: number; out: Uint8Array }> => {
    await sim.target.writeMemory(input, packed);
    await sim.target.writeMemory(r, u32(0));
    const out: Uint8Array[] = [];
    let used = 0;
    let produced = 0;
    for (;;) {
      const at = produced & 0xfff;
      const { status, consumed, written } = await tinflCall(sim, used, packed.length - used, at, 0x1000 - at, flags);
      used += consumed;
      out.push(await sim.target.readMemory(window + at, written));
      produced += written;
      if (status !== TINFL_STATUS.HAS_MORE_OUTPUT) return { status, out: Buffer.concat(out) };
    }
  };
  for (const flags of [0, TINFL_FLAG.HAS_MORE_INPUT]) {
    const small = await inflate(new Uint8Array(deflateRawSync(data, { windowBits: 12 })), flags);
    assert.equal(small.status, TINFL_STATUS.DONE, 'compressed with a 4 KiB window');
    assert.deepEqual(Buffer.from(small.out), Buffer.from(data));
    const far = await inflate(new Uint8Array(deflateRawSync(data)), flags);
    assert.equal(far.status, TINFL_STATUS.FAILED, 'compressed with a 32 KiB window');
    assert.ok(far.out.length >= 0x2000 && far.out.length < data.length, `${far.out.length} bytes before the failure`);
  }
  await sim.close();
});
