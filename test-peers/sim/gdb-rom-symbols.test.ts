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
import { CALLER, PRINT_PC, RETURN_ADDRESS, STEPI_INTO_CALL, callerBytes, printedPcs } from './rom-caller.js';

const ELF = resolve('firmware/build/espalgo-demo.elf');

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
      ...STEPI_INTO_CALL,
      'detach',
    ],
    (out, status) => {
      assert.doesNotMatch(out, /not meaningful in the outermost frame/, out);
      assert.match(out, /^ets_delay_us in section \.text of /m, out);
      assert.match(out, /Hardware assisted breakpoint 1 at 0x40000050/, out);
      assert.match(out, /Breakpoint 1, 0x40000050 in ets_delay_us \(\)/, out);
      const backtrace = new RegExp(`#0  0x40000050 in ets_delay_us \\(\\)\\n#1  0x${RETURN_ADDRESS.toString(16)} in \\?\\? \\(\\)`, 'g');
      assert.equal([...out.matchAll(backtrace)].length, 2, `bt names the ROM function and its caller twice\n${out}`);
      const pcs = printedPcs(out);
      assert.deepEqual(pcs, [RETURN_ADDRESS, 0x40000050, RETURN_ADDRESS], out);
      assert.equal(status, 0, out);
    },
    { prepare: (dir) => writeFileSync(join(dir, 'caller.bin'), callerBytes()) },
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
      const pcs = printedPcs(out);
      assert.deepEqual(pcs, [0x40000004, running.sim.boot.entry], out);
      assert.equal(status, 0, out);
    },
    { timeoutMs: 30_000 },
  );
});
