/** The GDB conformance suite through Debian's OpenOCD driving the simulated ESP32-C3 over JTAG. */
import { test, after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '../../test/gdb/conformance.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { COUNTER, COUNTER_ADDRESS, counterFlash } from '../../test/gdb/counter-flash.js';
import { GDB, OPENOCD, missingTools, startChain, type Chain } from './chain.js';

const skip = missingTools([OPENOCD, GDB]);
if (skip) {
  test('GDB conformance through OpenOCD', { skip }, () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-ocd-'));
  const flash = join(dir, 'counter.bin');
  writeFileSync(flash, counterFlash());
  let chain: Chain | undefined;
  after(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  runConformance('OpenOCD 0.12 (riscv, remote_bitbang) → simulated ESP32-C3', async () => {
    chain = await startChain({ flash });
    return connectRemote('127.0.0.1', chain.gdbPort, { timeoutMs: 5000, chip: 'esp32c3' });
  }, {
    ramBase: 0x3fca0000,
    loopAddress: COUNTER.loopMid,
    loopRange: [COUNTER.loop, COUNTER.loopEnd],
    unmappedAddress: 0x00000000,
    hardwareBreakpoints: true,
    watchAddress: COUNTER_ADDRESS,
    haltTimeoutMs: 10_000,
  });
}
