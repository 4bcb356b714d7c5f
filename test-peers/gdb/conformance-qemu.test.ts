/** The GDB conformance suite against QEMU's gdbstub (qemu-system-riscv32 -M virt). */
import { test, after } from 'node:test';
import { runConformance } from '../../test/gdb/conformance.js';
import { connectRemote } from '../../src/gdb/remote-target.js';
import { buildProgram, startQemu, missingPeers, QEMU, CC, type QemuInstance, type Program } from './qemu.js';

const skip = missingPeers([QEMU, CC]);
if (skip) {
  test('GDB conformance against QEMU', { skip }, () => {});
} else {
  const program: Program = buildProgram();
  const sym = (n: string) => program.symbols.get(n)!;
  let qemu: QemuInstance | undefined;
  after(async () => {
    await qemu?.stop();
    program.cleanup();
  });
  runConformance('QEMU gdbstub', async () => {
    qemu = await startQemu(program.elf);
    const target = await connectRemote('127.0.0.1', qemu.port, { timeoutMs: 3000 });
    // Let the program set up its stack and trap vector, then stop it in the loop.
    await target.addBreakpoint(sym('loop'), 'software');
    await target.resume();
    await target.waitForHalt(3000);
    await target.removeBreakpoint(sym('loop'), 'software');
    return target;
  }, {
    ramBase: 0x80100000,
    loopAddress: sym('loop_mid'),
    loopRange: [sym('loop'), sym('loop_end')],
    unmappedAddress: 0xf0000000,
    hardwareBreakpoints: true,
    watchAddress: sym('counter'),
  });
}
