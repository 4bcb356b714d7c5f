/**
 * Differential ISA test: each program in isa-programs/ is compiled with the RISC-V cross compiler
 * and run on QEMU (virt) and on the simulator; the final registers, result words and trap log that
 * the program prints over the UART must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, makeTempDir, missingPeers, readFile, runOnQemu, runOnSim } from './isa-harness.js';

const PROGRAMS: ReadonlyArray<readonly [string, string[]]> = [
  ['alu', ['alu.S']],
  ['mext', ['mext.S']],
  ['mem', ['mem.S']],
  ['branch', ['branch.S']],
  ['csr', ['csr.S']],
  ['cprog', ['cprog.c']],
];

const missing = missingPeers();
const inCi = process.env.CI === 'true';

test('differential ISA programs: simulator matches QEMU', { skip: missing.length > 0 && !inCi ? `missing ${missing.join(', ')}` : false, timeout: 120_000 }, async (t) => {
  assert.deepEqual(missing, [], `peers missing under CI: ${missing.join(', ')}`);
  const tmp = makeTempDir();
  try {
    for (const [name, sources] of PROGRAMS) {
      await t.test(name, async () => {
        const elf = buildProgram(tmp.dir, name, sources);
        const qemu = await runOnQemu(elf, 30_000);
        assert.equal(qemu.exitCode, 0, `QEMU exit code for ${name}`);
        const sim = runOnSim(readFile(elf), 50_000_000);
        assert.equal(sim.finisher, 0x5555, `${name} reached the test finisher on the simulator`);
        const qLines = qemu.output.split('\n');
        const sLines = sim.output.split('\n');
        // regs (32) + results (256) + trap log (49) + 3 headers + trailing empty line
        assert.equal(qLines.length, 341, `QEMU printed the full dump for ${name}`);
        for (let i = 0; i < qLines.length; i++) {
          assert.equal(sLines[i], qLines[i], `${name}: line ${i} differs (sim vs QEMU)`);
        }
      });
    }
  } finally {
    tmp.remove();
  }
});
