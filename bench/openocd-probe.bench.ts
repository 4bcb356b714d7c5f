/**
 * What a probe costs through OpenOCD (espalgo → Debian's OpenOCD → remote_bitbang JTAG → the
 * simulated ESP32-C3 with the demo firmware) when the session backs up the whole stub image at load
 * and when it backs up the stub's scratch buffer and decoder state only where a call writes them
 * (the default), side by side in one run on the same chain, alternating. The RAM a session borrows
 * is read before the stub is loaded and written back when it closes, both at the link's speed.
 *
 *   npx tsx bench/openocd-probe.bench.ts [runs] (needs openocd)
 */
import { connectRemote } from '../src/gdb/remote-target.js';
import { esp32c3 } from '../src/chips/index.js';
import { openFlashSession } from '../src/flash/session.js';
import { probeWithStub } from '../src/flash/probe.js';
import { OPENOCD, missingTools, startChain } from '../test-peers/openocd/chain.js';
import { median } from './stats.js';

const RUNS = Math.max(1, Number(process.argv[2] ?? 3) | 0);

if (missingTools([OPENOCD])) {
  console.error('needs openocd (apt-get install openocd)');
  process.exit(2);
}

interface Run {
  readonly ms: number;
  readonly backedUp: number;
}

async function probeOnce(port: number, claimOnDemand: boolean): Promise<Run> {
  const target = await connectRemote('127.0.0.1', port, { chip: 'esp32c3', timeoutMs: 20_000 });
  try {
    const t = performance.now();
    const session = await openFlashSession(target, { chip: esp32c3, claimOnDemand });
    let backedUp = 0;
    try {
      const report = await probeWithStub(session.stub, target.description, esp32c3, {}, session.info);
      if (!report.size.bytes || report.mappings.segments.length === 0) throw new Error(`the probe found no size or mappings: ${report.notes.join(' ')}`);
      backedUp = session.loaded.allocator.backedUpBytes;
    } finally {
      await session.close();
    }
    return { ms: performance.now() - t, backedUp };
  } finally {
    await target.close();
  }
}

const chain = await startChain();
try {
  const whole: Run[] = [];
  const onDemand: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    whole.push(await probeOnce(chain.gdbPort, false));
    onDemand.push(await probeOnce(chain.gdbPort, true));
  }
  console.log(`probe through OpenOCD (session open, FLASH_INFO, MAP_GET, host cross-check, close; median of ${RUNS})`);
  console.log('                                              probe    RAM backed up');
  const row = (label: string, runs: Run[]) =>
    console.log(`${label.padEnd(44)} ${median(runs.map((r) => r.ms)).toFixed(0).padStart(6)} ms  ${String(runs[0]!.backedUp).padStart(8)} B`);
  row('whole stub image backed up at load', whole);
  row('scratch and decoder state on demand (default)', onDemand);
  const ratio = median(whole.map((r) => r.ms)) / median(onDemand.map((r) => r.ms));
  console.log(`${'speed-up'.padEnd(44)} ${ratio.toFixed(2).padStart(6)}x`);
} finally {
  await chain.stop();
}
