/**
 * gdb-multiarch inside a ROM function of the simulated ESP32-C3, with the ROM's symbols that
 * `espalgo sim --rom-elf` writes loaded by `add-symbol-file`, as a real chip's ROM ELF would be:
 * `bt` names the ROM function and its caller, and `finish` returns to the caller (without the
 * symbols GDB calls the ROM function the outermost frame and refuses `finish`); also in the boot
 * the reset vector calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSim, type RunningSim } from '../../src/cli/commands/sim.js';
import { memoryIo } from '../../src/cli/output/io.js';
import { GDB, gdbBatch, missingTools } from '../openocd/chain.js';

const ELF = resolve('firmware/build/espalgo-demo.elf');
/** Free SRAM (instruction bus) past the demo firmware's data, bss and stack. */
const CALLER = 0x40390000;
/**
 * A caller of ets_delay_us (ROM 0x40000050): a frame as a compiler makes it, then the call.
 * The call's return address is CALLER + 0x14.
 */
const CALLER_CODE = [
  0xff010113, // addi sp, sp, -16
  0x00112623, // sw ra, 12(sp)
  0x00100513, // li a0, 1
  0x400002b7, // lui t0, 0x40000
  0x050280e7, // jalr ra, 0x50(t0)     ets_delay_us(1)
  0x00c12083, // lw ra, 12(sp)
  0x01010113, // addi sp, sp, 16
  0x0000006f, // j .
];
const RETURN_ADDRESS = CALLER + 0x14;
const JALR = CALLER + 0x10;
/** A gdb command that prints the pc as a line "PC=<hex>". */
const PRINT_PC = 'printf "PC=%x\\n", $pc';

/**
 * `sim --gdb 0 --rom-elf` in a fresh folder, then gdb-multiarch in batch with the demo ELF and the
 * ROM ELF loaded, connected, running `commands(folder)`; `prepare` may put files in the folder first.
 */
async function gdbWithRomElf(
  commands: (dir: string) => string[],
  check: (out: string, status: number | null, running: RunningSim) => void,
  options: { prepare?: (dir: string) => void; timeoutMs?: number } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-rom-elf-'));
  const romElf = join(dir, 'rom.elf');
  options.prepare?.(dir);
  const running = await startSim({ gdb: 0, romElf }, memoryIo());
  try {
    const r = await gdbBatch(
      [`file ${ELF}`, `add-symbol-file ${romElf}`, `target extended-remote 127.0.0.1:${running.gdb!.port}`, ...commands(dir)],
      ...(options.timeoutMs !== undefined ? [options.timeoutMs] : []),
    );
    check(r.output, r.status, running);
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('gdb-multiarch with the ROM ELF of sim --rom-elf: bt names a ROM function and its caller, finish returns to the caller, after a hardware breakpoint and after stepi into the call', { skip: missingTools([GDB]), timeout: 60_000 }, async () => {
  const code = new Uint8Array(CALLER_CODE.length * 4);
  CALLER_CODE.forEach((w, i) => new DataView(code.buffer).setUint32(i * 4, w, true));
  await gdbWithRomElf(
    (dir) => [
      `restore ${join(dir, 'caller.bin')} binary ${CALLER}`,
      `set $pc = ${CALLER}`,
      'info symbol 0x40000050',
      // A hardware breakpoint on the ROM function (by address: without the symbols gdb stops there too).
      'hbreak *0x40000050',
      'continue',
      'delete',
      'bt',
      'finish',
      PRINT_PC,
      // Into the call with stepi, from the jalr.
      `set $pc = ${JALR}`,
      'stepi',
      PRINT_PC,
      'bt',
      'finish',
      PRINT_PC,
      'detach',
    ],
    (out, status) => {
      assert.doesNotMatch(out, /not meaningful in the outermost frame/, out);
      assert.match(out, /^ets_delay_us in section \.text of /m, out);
      assert.match(out, /Hardware assisted breakpoint 1 at 0x40000050/, out);
      assert.match(out, /Breakpoint 1, 0x40000050 in ets_delay_us \(\)/, out);
      const backtrace = new RegExp(`#0  0x40000050 in ets_delay_us \\(\\)\\n#1  0x${RETURN_ADDRESS.toString(16)} in \\?\\? \\(\\)`, 'g');
      assert.equal([...out.matchAll(backtrace)].length, 2, `bt names the ROM function and its caller twice\n${out}`);
      const pcs = [...out.matchAll(/^PC=([0-9a-f]+)$/gm)].map((m) => parseInt(m[1]!, 16));
      assert.deepEqual(pcs, [RETURN_ADDRESS, 0x40000050, RETURN_ADDRESS], out);
      assert.equal(status, 0, out);
    },
    { prepare: (dir) => writeFileSync(join(dir, 'caller.bin'), code) },
  );
});

test('gdb-multiarch with the ROM ELF: from reset, finish in the boot the reset vector calls returns to _start, which then starts the app', { skip: missingTools([GDB]), timeout: 60_000 }, async () => {
  await gdbWithRomElf(
    () => [
      'monitor reset halt',
      'maintenance flush register-cache',
      'stepi',
      'bt',
      // The boot returns the app's stack pointer (a1) and leaves sp alone: had it moved sp, gdb would
      // not know the caller's frame at the return address and would let the app run on.
      'finish',
      PRINT_PC,
      'stepi',
      'stepi',
      PRINT_PC,
      'detach',
    ],
    (out, status, running) => {
      assert.match(out, /#0  0x40000008 in sim_rom_boot \(\)\n#1  0x40000004 in _start \(\)/, out);
      const pcs = [...out.matchAll(/^PC=([0-9a-f]+)$/gm)].map((m) => parseInt(m[1]!, 16));
      assert.deepEqual(pcs, [0x40000004, running.sim.boot.entry], out);
      assert.equal(status, 0, out);
    },
    { timeoutMs: 30_000 },
  );
});
