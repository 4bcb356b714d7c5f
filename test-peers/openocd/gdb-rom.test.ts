/**
 * gdb-multiarch inside the simulated ESP32-C3's ROM through Debian's OpenOCD (JTAG over
 * remote_bitbang), with the ROM symbols of `sim --rom-elf`: a plain `break` on a ROM function, `bt`
 * naming it and its caller, `finish` back to the caller, `stepi` into the call; from reset, `stepi`
 * into the boot the reset vector calls and `finish` back to `_start`. OpenOCD 0.12 writes no ebreak
 * into the ROM, so this works only because config/openocd-esp32c3-sim.cfg gives gdb a memory map in
 * which the ROM is flash (gdb then uses hardware breakpoints there, for its own stepping too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GDB, OPENOCD, gdbBatch, missingTools, startChain } from './chain.js';
import { CALLER, PRINT_PC, RETURN_ADDRESS, ROM_FUNCTION, STEPI_INTO_CALL, callerBytes, printedPcs } from '../sim/rom-caller.js';

const ELF = resolve('firmware/build/espalgo-demo.elf');

test('gdb-multiarch through OpenOCD with the ROM ELF: break in a ROM function, bt, finish to the caller, stepi into the call; from reset, stepi into the boot and finish to _start', { skip: missingTools([GDB, OPENOCD]), timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-ocd-rom-'));
  const romElf = join(dir, 'rom.elf');
  writeFileSync(join(dir, 'caller.bin'), callerBytes());
  const chain = await startChain({ romElf });
  try {
    const r = await gdbBatch([
      `file ${ELF}`,
      `add-symbol-file ${romElf}`,
      `target extended-remote 127.0.0.1:${chain.gdbPort}`,
      'monitor halt',
      `restore ${join(dir, 'caller.bin')} binary ${CALLER}`,
      `set $pc = ${CALLER}`,
      // A plain break: gdb turns it into a hardware breakpoint because the memory map says flash.
      'break ets_delay_us',
      'continue',
      'bt',
      'finish',
      PRINT_PC,
      // Into the call with stepi (gdb steps RISC-V with a breakpoint on the next instruction, here in the ROM).
      'delete',
      ...STEPI_INTO_CALL,
      // From reset: OpenOCD does not tell gdb that the registers changed, so flush gdb's copy.
      'monitor reset halt',
      'maintenance flush register-cache',
      PRINT_PC,
      'stepi',
      'bt',
      'finish',
      PRINT_PC,
      'detach',
    ]);
    const out = r.output;
    assert.doesNotMatch(out, /Cannot insert breakpoint|Cannot access memory|not meaningful in the outermost frame/, out);
    assert.match(out, /Note: automatically using hardware breakpoints for read-only addresses/, out);
    assert.match(out, new RegExp(`Breakpoint 1, 0x${ROM_FUNCTION.toString(16)} in ets_delay_us \\(\\)`), out);
    const backtrace = new RegExp(`#0  0x${ROM_FUNCTION.toString(16)} in ets_delay_us \\(\\)\\n#1  0x${RETURN_ADDRESS.toString(16)} in \\?\\? \\(\\)`, 'g');
    assert.equal([...out.matchAll(backtrace)].length, 2, `bt names the ROM function and its caller, after the break and after stepi\n${out}`);
    assert.match(out, /#0  0x40000008 in sim_rom_boot \(\)\n#1  0x40000004 in _start \(\)/, out);
    assert.deepEqual(printedPcs(out), [RETURN_ADDRESS, ROM_FUNCTION, RETURN_ADDRESS, 0x40000000, 0x40000004], out);
    assert.equal(r.status, 0, out);
    const errors = chain.log().split('\n').filter((l) => /^Error/.test(l) && /breakpoint/i.test(l));
    assert.deepEqual(errors, [], 'OpenOCD failed no breakpoint');
  } finally {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
