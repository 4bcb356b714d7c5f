/**
 * Simulator speed: a bitwise CRC32 over 1 MiB (test-peers/sim/isa-programs/crc32.c, built with the
 * cross compiler) on the simulated hart and on QEMU in the same run. QEMU's time is measured for the
 * whole process and an empty program's run is subtracted as its start-up baseline.
 *   npx tsx bench/sim-mips.bench.ts
 */
import { buildProgram, makeTempDir, missingPeers, readFile, runOnQemu, runOnSim } from '../test-peers/sim/isa-harness.js';

const ROUNDS = 3;

async function main(): Promise<void> {
  const missing = missingPeers();
  if (missing.length > 0) {
    console.error(`sim-mips: missing ${missing.join(', ')}`);
    process.exit(2);
  }
  const tmp = makeTempDir();
  try {
    const crcElf = buildProgram(tmp.dir, 'crc32', ['crc32.c']);
    const emptyElf = buildProgram(tmp.dir, 'empty', ['empty.c']);
    const crcBytes = readFile(crcElf);
    const simBest = { ms: Infinity, instructions: 0, result: '' };
    let qemuCrc = Infinity;
    let qemuEmpty = Infinity;
    let qemuResult = '';
    for (let round = 0; round < ROUNDS; round++) {
      const s = runOnSim(crcBytes);
      if (s.finisher !== 0x5555) throw new Error('the CRC32 program did not finish on the simulator');
      if (s.ms < simBest.ms) Object.assign(simBest, { ms: s.ms, instructions: s.instructions, result: s.output.split('\n')[34] ?? '' });
      const q = await runOnQemu(crcElf, 120_000);
      qemuCrc = Math.min(qemuCrc, q.ms);
      qemuResult = q.output.split('\n')[34] ?? '';
      const e = await runOnQemu(emptyElf, 60_000);
      qemuEmpty = Math.min(qemuEmpty, e.ms);
    }
    if (simBest.result !== qemuResult) throw new Error(`CRC differs: sim ${simBest.result}, QEMU ${qemuResult}`);
    const mips = simBest.instructions / simBest.ms / 1000;
    const qemuNet = Math.max(qemuCrc - qemuEmpty, 0.001);
    const qemuMips = simBest.instructions / qemuNet / 1000;
    console.log(`CRC32 over 1 MiB (bitwise), result 0x${simBest.result}, ${simBest.instructions.toLocaleString('en-US')} instructions, best of ${ROUNDS}`);
    console.log(`  simulator : ${simBest.ms.toFixed(1)} ms  ${mips.toFixed(1)} MIPS`);
    console.log(`  QEMU      : ${qemuNet.toFixed(1)} ms  ${qemuMips.toFixed(1)} MIPS  (process ${qemuCrc.toFixed(1)} ms − empty-program baseline ${qemuEmpty.toFixed(1)} ms)`);
    console.log(`  ratio     : simulator time / QEMU time = ${(simBest.ms / qemuNet).toFixed(2)}`);
    console.log(`  target    : ≥ 100 MIPS — ${mips >= 100 ? 'met' : 'NOT met'}`);
  } finally {
    tmp.remove();
  }
}

void main();
