/**
 * What a short session costs through OpenOCD (espalgo → Debian's OpenOCD → remote_bitbang JTAG →
 * the simulated ESP32-C3 with the demo firmware), where most of it is backing up the RAM the stub
 * borrows and writing it back at the link's ~70 KiB/s. Side by side in one run on the same chain,
 * alternating, median of N:
 *   - a probe with the whole stub image backed up at load vs its scratch buffer and decoder state
 *     backed up only where a call writes them (the default);
 *   - a 4 KiB flash write session (open, write, close) deflated, which borrows the inflate window and
 *     decoder state, vs the default, which sends so short a write plain through a ring its size;
 *   - a 64 KiB write session deflated through the 32 KiB inflate window and a ring of all the
 *     scratch buffer left (the default before the ring was sized to the link and the window chosen),
 *     vs the default: plain through a ring of what the link fills in RING_FILL_MS (~16 KiB here),
 *     since deflate's window and state would cost more to back up and write back than compression
 *     saves;
 *   - a 256 KiB write session of machine code plain, deflated through the 32 KiB window, and the
 *     default: deflated through the 4 KiB window (15 KiB of window and state borrowed, not 43).
 *
 *   npx tsx bench/openocd-session.bench.ts [runs] (needs openocd)
 */
import { connectRemote } from '../src/gdb/remote-target.js';
import { esp32c3 } from '../src/chips/index.js';
import { eraseFlash } from '../src/flash/erase.js';
import { openFlashSession, type FlashSession } from '../src/flash/session.js';
import { probeWithStub } from '../src/flash/probe.js';
import type { TransferMode } from '../src/flash/transfer.js';
import { writeFlash } from '../src/flash/write.js';
import { OPENOCD, missingTools, startChain } from '../test-peers/openocd/chain.js';
import { benchImages } from './images.js';
import { median } from './stats.js';

const RUNS = Math.max(1, Number(process.argv[2] ?? 3) | 0);
const WRITE_AT = 0x300000;
const code = benchImages(0x40000, ['code'])[0]!.bytes;

if (missingTools([OPENOCD])) {
  console.error('needs openocd (apt-get install openocd)');
  process.exit(2);
}

interface Run {
  readonly ms: number;
  readonly backedUp: number;
  /** The transfer the write used (mode, window). */
  readonly mode?: string;
}

/** Connect, open a session, run `work`, close; timed from the open to the close. */
async function session(port: number, claimOnDemand: boolean, work: (s: FlashSession) => Promise<string | undefined>): Promise<Run> {
  const target = await connectRemote('127.0.0.1', port, { chip: 'esp32c3', timeoutMs: 20_000 });
  try {
    const t = performance.now();
    const s = await openFlashSession(target, { chip: esp32c3, claimOnDemand });
    let backedUp = 0;
    let mode: string | undefined;
    try {
      mode = await work(s);
      backedUp = s.loaded.allocator.backedUpBytes;
    } finally {
      await s.close();
    }
    return { ms: performance.now() - t, backedUp, ...(mode ? { mode } : {}) };
  } finally {
    await target.close();
  }
}

const probe = async (s: FlashSession): Promise<undefined> => {
  const report = await probeWithStub(s.stub, s.target.description, esp32c3, {}, s.info);
  if (!report.size.bytes || report.mappings.segments.length === 0) throw new Error(`the probe found no size or mappings: ${report.notes.join(' ')}`);
  return undefined;
};

const write = (bytes: number, mode: TransferMode | undefined, options: { ringSize?: number; window?: number } = {}) => async (s: FlashSession): Promise<string | undefined> => {
  const data = code.subarray(0, bytes);
  await eraseFlash(s, WRITE_AT, data.length);
  const r = await writeFlash(s, WRITE_AT, data, { ...(mode ? { mode } : {}), ...options, skipUnchanged: false });
  return r.transfer && `${r.transfer.mode}${r.transfer.window ? `, ${r.transfer.window / 1024} KiB window` : ''}`;
};

const chain = await startChain();
try {
  const rows: [string, Run[]][] = [
    ['probe, whole stub image backed up at load', []],
    ['probe, scratch and decoder state on demand (default)', []],
    ['4 KiB write session, deflate', []],
    ['4 KiB write session, default', []],
    ['64 KiB write session, deflate, 32 KiB window, ring of all', []],
    ['64 KiB write session, default', []],
    ['256 KiB write session, plain', []],
    ['256 KiB write session, deflate, 32 KiB window', []],
    ['256 KiB write session, default', []],
  ];
  for (let i = 0; i < RUNS; i++) {
    rows[0]![1].push(await session(chain.gdbPort, false, probe));
    rows[1]![1].push(await session(chain.gdbPort, true, probe));
    rows[2]![1].push(await session(chain.gdbPort, true, write(0x1000, 'deflate')));
    rows[3]![1].push(await session(chain.gdbPort, true, write(0x1000, undefined)));
    rows[4]![1].push(await session(chain.gdbPort, true, write(0x10000, 'deflate', { ringSize: 0x10000, window: 0x8000 })));
    rows[5]![1].push(await session(chain.gdbPort, true, write(0x10000, undefined)));
    rows[6]![1].push(await session(chain.gdbPort, true, write(0x40000, 'stream')));
    rows[7]![1].push(await session(chain.gdbPort, true, write(0x40000, 'deflate', { window: 0x8000 })));
    rows[8]![1].push(await session(chain.gdbPort, true, write(0x40000, undefined)));
  }
  const ms = (runs: Run[]) => median(runs.map((r) => r.ms));
  console.log(`short sessions through OpenOCD (open to close; median of ${RUNS})`);
  console.log(`${''.padEnd(54)}    time   RAM backed up   mode`);
  for (const [label, runs] of rows) {
    console.log(`${label.padEnd(54)} ${ms(runs).toFixed(0).padStart(6)} ms  ${String(runs[0]!.backedUp).padStart(8)} B   ${runs[0]!.mode ?? ''}`);
  }
  console.log(`${'speed-up: probe'.padEnd(54)} ${(ms(rows[0]![1]) / ms(rows[1]![1])).toFixed(2).padStart(6)}x`);
  console.log(`${'speed-up: 4 KiB write'.padEnd(54)} ${(ms(rows[2]![1]) / ms(rows[3]![1])).toFixed(2).padStart(6)}x`);
  console.log(`${'speed-up: 64 KiB write'.padEnd(54)} ${(ms(rows[4]![1]) / ms(rows[5]![1])).toFixed(2).padStart(6)}x`);
  console.log(`${'speed-up: 256 KiB write, default vs plain'.padEnd(54)} ${(ms(rows[6]![1]) / ms(rows[8]![1])).toFixed(2).padStart(6)}x`);
  console.log(`${'speed-up: 256 KiB write, default vs 32 KiB window'.padEnd(54)} ${(ms(rows[7]![1]) / ms(rows[8]![1])).toFixed(2).padStart(6)}x`);
} finally {
  await chain.stop();
}
