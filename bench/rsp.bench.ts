/**
 * RSP client benchmark against QEMU's gdbstub, side by side in one run:
 *  (a) round trip of a 4-byte read: espalgo vs a minimal raw loop;
 *  (b) writing 1 MiB: espalgo vs raw `M` packets at the server's maximum size (the bound), ratio target >= 0.9;
 *  (c) the same 1 MiB through gdb-multiarch `restore ... binary`;
 *  (d) pipelining in no-ack mode against espalgo's own server (QEMU offers no no-ack): depth 1 vs 4.
 * Run: npx tsx bench/rsp.bench.ts
 */
import { connect, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectRemote } from '../src/gdb/remote-target.js';
import { startGdbServer } from '../src/gdb/server.js';
import { encodePacket } from '../src/gdb/codec.js';
import { hexPayload } from '../src/gdb/remote-memory.js';
import { buildProgram, startQemu, have } from '../test-peers/gdb/qemu.js';
import { FakeTarget } from '../test/gdb/fake-target.js';
import { median } from './stats.js';

const ADDRESS = 0x80100000;
const MIB = 1 << 20;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
/** The largest M QEMU takes: 2040 data bytes make a 4094-character payload (4096 is dropped). */
const RAW_M_BYTES = 2040;

const data = Uint8Array.from({ length: MIB }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

/** A minimal ack-mode RSP client: one packet out, wait for its reply packet, ack it. */
class RawClient {
  private buffer = '';
  private wake: (() => void) | undefined;
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.wake?.();
    });
  }
  static async open(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((r, j) => { socket.once('connect', r); socket.once('error', j); });
    const c = new RawClient(socket);
    await new Promise((r) => setTimeout(r, 100)); // let any stop QEMU sends on connect arrive
    socket.write('+');
    c.buffer = '';
    return c;
  }
  async request(frame: Uint8Array | string): Promise<string> {
    this.socket.write(frame);
    const deadline = Date.now() + 5000;
    for (;;) {
      const start = this.buffer.indexOf('$');
      const end = start >= 0 ? this.buffer.indexOf('#', start) : -1;
      if (end >= 0 && this.buffer.length >= end + 3) {
        const payload = this.buffer.slice(start + 1, end);
        this.buffer = this.buffer.slice(end + 3);
        this.socket.write('+');
        return payload;
      }
      if (Date.now() > deadline) throw new Error('raw client: no reply within 5 s');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 100);
      });
      this.wake = undefined;
    }
  }
  close(): void {
    this.socket.destroy();
  }
}

async function main(): Promise<void> {
  for (const tool of ['qemu-system-riscv32', 'riscv64-unknown-elf-gcc']) if (!have(tool)) throw new Error(`${tool} is needed for this benchmark`);
  const program = buildProgram();
  const qemu = await startQemu(program.elf);
  try {
    // (a) round-trip latency of a 4-byte read
    const target = await connectRemote('127.0.0.1', qemu.port, { detachOnClose: false });
    console.log(`server: ${target.description}, PacketSize ${target.server.packetSize}, X ${target.server.binaryWrite}, no-ack ${target.server.noAck}`);
    await target.writeMemory(ADDRESS, data); // warm up (JIT) before anything is timed
    const rtt: number[] = [];
    for (let i = 0; i < 2200; i++) {
      const t0 = performance.now();
      await target.readMemory(ADDRESS, 4);
      if (i >= 200) rtt.push(performance.now() - t0);
    }
    await target.close();
    const raw = await RawClient.open(qemu.port);
    const rawRtt: number[] = [];
    const mFrame = encodePacket(`m${ADDRESS.toString(16)},4`);
    for (let i = 0; i < 2200; i++) {
      const t0 = performance.now();
      await raw.request(mFrame);
      if (i >= 200) rawRtt.push(performance.now() - t0);
    }
    raw.close();
    console.log(`(a) 4-byte read RTT: espalgo median ${us(median(rtt))}, p99 ${us(pct(rtt, 0.99))} | raw loop median ${us(median(rawRtt))}, p99 ${us(pct(rawRtt, 0.99))}`);

    // (b) 1 MiB write, alternating espalgo and the raw bound
    const espalgoMs: number[] = [];
    const rawMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t = await connectRemote('127.0.0.1', qemu.port, { detachOnClose: false });
      let t0 = performance.now();
      await t.writeMemory(ADDRESS, data);
      espalgoMs.push(performance.now() - t0);
      const back = await t.readMemory(ADDRESS, MIB);
      if (!back.every((b, i) => b === data[i])) throw new Error('espalgo write did not read back');
      await t.close();
      const r = await RawClient.open(qemu.port);
      const frames: Uint8Array[] = [];
      for (let off = 0; off < MIB; off += RAW_M_BYTES) {
        const n = Math.min(RAW_M_BYTES, MIB - off);
        frames.push(encodePacket(hexPayload(`M${(ADDRESS + off).toString(16)},${n.toString(16)}:`, data, off, off + n)));
      }
      t0 = performance.now();
      for (const f of frames) {
        const reply = await r.request(f);
        if (reply !== 'OK') throw new Error(`raw M: ${reply}`);
      }
      rawMs.push(performance.now() - t0);
      r.close();
    }
    const e = median(espalgoMs);
    const b = median(rawMs);
    console.log(`(b) 1 MiB write: espalgo ${e.toFixed(1)} ms (${(1000 / e).toFixed(2)} MiB/s), raw M x${RAW_M_BYTES} B ${b.toFixed(1)} ms (${(1000 / b).toFixed(2)} MiB/s)`);
    console.log(`    runs espalgo [${espalgoMs.map((x) => x.toFixed(1)).join(', ')}] raw [${rawMs.map((x) => x.toFixed(1)).join(', ')}]`);
    console.log(`    ratio espalgo/bound (throughput) = ${(b / e).toFixed(3)} (target >= 0.9)`);

    // (c) gdb-multiarch restore
    if (have('gdb-multiarch')) {
      const file = join(program.dir, 'data.bin');
      writeFileSync(file, data);
      const gdb = (restore: boolean) => {
        const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv32', '-ex', `target remote 127.0.0.1:${qemu.port}`];
        if (restore) args.push('-ex', `restore ${file} binary 0x${ADDRESS.toString(16)}`);
        args.push('-ex', 'disconnect');
        const t0 = performance.now();
        const res = spawnSync('gdb-multiarch', args, { encoding: 'utf8', timeout: 60000 });
        if (res.status !== 0) throw new Error(`gdb-multiarch failed: ${res.stderr}`);
        return performance.now() - t0;
      };
      const withRestore: number[] = [];
      const without: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        without.push(gdb(false));
        withRestore.push(gdb(true));
      }
      const g = median(withRestore) - median(without);
      console.log(`(c) gdb-multiarch restore 1 MiB: ${g.toFixed(1)} ms (session with restore ${median(withRestore).toFixed(0)} ms minus without ${median(without).toFixed(0)} ms); espalgo/gdb time ratio ${(e / g).toFixed(3)}`);
    } else {
      console.log('(c) gdb-multiarch not installed: skipped');
    }
  } finally {
    await qemu.stop();
    program.cleanup();
  }

  // (d) pipelining against our own server (no-ack mode), same process: depth 1 vs 4
  const fake = new FakeTarget();
  const server = await startGdbServer(fake, { port: 0 });
  try {
    const t = await connectRemote('127.0.0.1', server.port);
    const times: Record<number, number[]> = { 1: [], 4: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const depth of [1, 4]) {
        t.setPipelineDepth(depth);
        const t0 = performance.now();
        await t.writeMemory(ADDRESS, data);
        await t.readMemory(ADDRESS, MIB);
        times[depth]!.push(performance.now() - t0);
      }
    }
    await t.close();
    const d1 = median(times[1]!);
    const d4 = median(times[4]!);
    console.log(`(d) espalgo server, 1 MiB write + read, no-ack: depth 1 ${d1.toFixed(1)} ms, depth 4 ${d4.toFixed(1)} ms, speed-up ${(d1 / d4).toFixed(2)}x`);
  } finally {
    await server.close();
    await fake.close();
  }
}

await main();
