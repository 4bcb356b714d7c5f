/**
 * What one algorithm call costs through OpenOCD (espalgo → Debian's OpenOCD → remote_bitbang JTAG
 * → the simulated ESP32-C3 with the demo firmware), with the client's two OpenOCD measures and
 * without them, side by side in one run on the same chain:
 *   - asking OpenOCD to poll for the halt (`monitor poll`) while waiting, instead of waiting for its
 *     background poll (~100 ms);
 *   - sending a run's changed registers as single P packets, since OpenOCD turns a G into a write
 *     of every register.
 * Rows: a stub call that returns at once (ping; median of N), and a whole `probe` (one run).
 *
 *   npx tsx bench/openocd-call.bench.ts [calls] (needs openocd)
 */
import { connectRemote, type RemoteOptions } from '../src/gdb/remote-target.js';
import { esp32c3 } from '../src/chips/index.js';
import { openFlashSession } from '../src/flash/session.js';
import { probeFlash } from '../src/flash/probe.js';
import { OPENOCD, missingTools, startChain } from '../test-peers/openocd/chain.js';
import { median } from './stats.js';

const CALLS = Math.max(5, Number(process.argv[2] ?? 20) | 0);

if (missingTools([OPENOCD])) {
  console.error('needs openocd (apt-get install openocd)');
  process.exit(2);
}

interface Figures {
  readonly callMs: number;
  readonly probeMs: number;
  readonly polls: number;
}

async function measure(port: number, options: RemoteOptions): Promise<Figures> {
  const target = await connectRemote('127.0.0.1', port, { chip: 'esp32c3', timeoutMs: 20_000, ...options });
  try {
    const session = await openFlashSession(target, { chip: esp32c3 });
    const calls: number[] = [];
    try {
      for (let i = 0; i <= CALLS; i++) {
        const t = performance.now();
        await session.stub.ping();
        if (i > 0) calls.push(performance.now() - t); // the first call is a warm-up
      }
    } finally {
      await session.close();
    }
    const t = performance.now();
    const report = await probeFlash(target, { chip: esp32c3 });
    const probeMs = performance.now() - t;
    if (report.method !== 'stub' || !report.size.bytes) throw new Error(`the probe did not run the stub or found no size: ${report.notes.join(' ')}`);
    return { callMs: median(calls), probeMs, polls: target.haltPolls };
  } finally {
    await target.close();
  }
}

const chain = await startChain();
try {
  const before = await measure(chain.gdbPort, { pollForHalt: false, singleRegisterWrites: 1 });
  const after = await measure(chain.gdbPort, {});
  console.log(`algorithm calls through OpenOCD (${CALLS} pings, median; one probe each)`);
  console.log('                                         stub call     probe    halt polls');
  const row = (label: string, f: Figures) =>
    console.log(`${label.padEnd(40)} ${f.callMs.toFixed(1).padStart(6)} ms  ${f.probeMs.toFixed(0).padStart(6)} ms  ${String(f.polls).padStart(8)}`);
  row('waiting for OpenOCD\'s poll, G writes', before);
  row('asking for the halt, P writes (default)', after);
  console.log(`${'speed-up'.padEnd(40)} ${(before.callMs / after.callMs).toFixed(1).padStart(6)}x    ${(before.probeMs / after.probeMs).toFixed(1).padStart(5)}x`);
} finally {
  await chain.stop();
}
