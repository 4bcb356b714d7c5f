/**
 * A GDB server for the client's fault tests: espalgo's server core over a fake target, behind a
 * framing layer that misbehaves on request: NAKs, corrupt checksums, silent drops, delays,
 * garbage, disconnects mid-reply, rewritten replies, QEMU's silent drop of oversize packets.
 */
import { createServer, type Socket } from 'node:net';
import { RspFramer } from '../../src/gdb/framer.js';
import { encodePacket, encodeRunLength, ACK, NAK } from '../../src/gdb/codec.js';
import { bytesToText, textToBytes } from '../../src/gdb/hex.js';
import { GdbServerCore, type ServerReply } from '../../src/gdb/server-core.js';
import { FakeTarget } from './fake-target.js';
import { connectRemote, type RemoteOptions, type RemoteTarget } from '../../src/gdb/remote-target.js';

export interface FaultAction {
  /** Ignore the packet entirely: no ack, no reply. */
  readonly drop?: boolean;
  /** Answer `-` this many times before accepting the packet. */
  readonly nak?: number;
  /** Send the reply with a wrong checksum this many times (the client NAKs; we resend). */
  readonly corrupt?: number;
  /** Wait before replying. */
  readonly delayMs?: number;
  /** Bytes to send before the reply. */
  readonly garbage?: string;
  /** Reply with this instead of what the core says. */
  readonly reply?: string;
  /** Send half of the reply, then close the connection. */
  readonly cutMidReply?: boolean;
  /** Run-length encode the reply. */
  readonly runLength?: boolean;
}

export interface FaultPlan {
  /** Called for every valid packet, with its text and a per-connection index. */
  readonly on?: (packet: string, index: number) => FaultAction | undefined;
  /** Rewrite the qSupported reply (e.g. drop features, change PacketSize). */
  readonly supported?: (reply: string) => string;
  /** Drop packets whose payload is longer than this, silently (QEMU does so above 4094). */
  readonly maxPayload?: number;
  /** Send this stop reply as soon as a client connects (QEMU when the VM was running). */
  readonly stopOnConnect?: string;
  /** Never answer anything (a port that accepts but is dead). */
  readonly mute?: boolean;
  /**
   * Hold back the news of a halt until a packet this accepts arrives, then send the stop reply
   * before that packet's own reply (OpenOCD reports a halt only once a poll has seen it).
   */
  readonly reportStopOn?: (packet: string) => boolean;
}

export interface FaultServer {
  readonly port: number;
  readonly target: FakeTarget;
  readonly seen: string[];
  close(): Promise<void>;
}

export async function startFaultServer(plan: FaultPlan = {}, target = new FakeTarget()): Promise<FaultServer> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    serve(socket, plan, target, seen);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port, target, seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await target.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Start a server with `plan`, connect a client with `options`, run `body`, then close both. */
export async function withFaultServer(
  plan: FaultPlan,
  options: RemoteOptions,
  body: (target: RemoteTarget, server: FaultServer) => Promise<void>,
): Promise<void> {
  const server = await startFaultServer(plan);
  const target = await connectRemote('127.0.0.1', server.port, options);
  try {
    await body(target, server);
  } finally {
    await target.close();
    await server.close();
  }
}

function serve(socket: Socket, plan: FaultPlan, target: FakeTarget, seen: string[]): void {
  const core = new GdbServerCore(target);
  const framer = new RspFramer({ runLength: false, maxPayload: 1 << 20 });
  let noAck = false;
  let index = 0;
  let queue = Promise.resolve();
  let lastGood: Uint8Array | undefined;
  let corruptLeft = 0;
  const naks = new Map<string, number>();
  const write = (b: Uint8Array | string) => {
    if (!socket.destroyed) socket.write(typeof b === 'string' ? textToBytes(b) : b);
  };
  const corrupted = (frame: Uint8Array) => {
    const bad = frame.slice();
    bad[bad.length - 1] = bad[bad.length - 1] === 0x30 ? 0x31 : 0x30;
    return bad;
  };
  let watching = false;
  let heldStop: string | undefined;
  const watch = async () => {
    watching = true;
    while (!socket.destroyed) {
      const stop = await target.waitForHalt(200).catch(() => undefined);
      if (stop) {
        watching = false;
        if (plan.reportStopOn) heldStop = core.stopReply(stop);
        else write(encodePacket(core.stopReply(stop)));
        return;
      }
    }
    watching = false;
  };
  if (plan.stopOnConnect) write(encodePacket(plan.stopOnConnect));

  socket.on('data', (chunk: Buffer) => {
    if (plan.mute) return;
    for (const frame of framer.feed(new Uint8Array(chunk))) {
      if (frame.type === 'nak' && lastGood) {
        if (corruptLeft > 0) {
          corruptLeft--;
          write(corrupted(lastGood));
        } else {
          write(lastGood);
        }
        continue;
      }
      if (frame.type === 'interrupt') {
        if (target.state() === 'running') {
          const watched = watching;
          void target.halt().then((stop) => {
            if (!watched) write(encodePacket(core.stopReply(stop)));
          });
        }
        continue;
      }
      if (frame.type !== 'packet') continue;
      if (!frame.valid) {
        write(Uint8Array.of(NAK));
        continue;
      }
      const text = bytesToText(frame.payload);
      if (plan.maxPayload !== undefined && frame.payload.length > plan.maxPayload) continue;
      const action = plan.on?.(text, index) ?? {};
      if (action.nak) {
        const n = naks.get(text) ?? 0;
        if (n < action.nak) {
          naks.set(text, n + 1);
          write(Uint8Array.of(NAK));
          continue;
        }
      }
      if (action.drop) {
        index++;
        continue;
      }
      index++;
      seen.push(text);
      if (!noAck) write(Uint8Array.of(ACK));
      const payload = frame.payload;
      queue = queue.then(async () => {
        if (action.delayMs) await new Promise((r) => setTimeout(r, action.delayMs));
        let replies: readonly ServerReply[];
        let resumed = false;
        if (action.reply !== undefined) replies = [action.reply];
        else {
          const result = await core.processPacket(payload);
          replies = result.replies;
          if (result.action === 'noack') noAck = true;
          resumed = result.action === 'resume';
          if (text.startsWith('qSupported') && plan.supported) replies = [plan.supported(String(replies[0]))];
        }
        if (heldStop !== undefined && plan.reportStopOn?.(text)) {
          write(encodePacket(heldStop));
          heldStop = undefined;
        }
        if (action.garbage) write(action.garbage);
        for (const r of replies) {
          let body = typeof r === 'string' ? textToBytes(r) : r;
          if (action.runLength) body = encodeRunLength(body);
          const frameOut = encodePacket(body);
          lastGood = frameOut;
          if (action.cutMidReply) {
            write(frameOut.subarray(0, frameOut.length >> 1));
            socket.destroy();
            return;
          }
          if (action.corrupt) {
            corruptLeft = action.corrupt - 1;
            write(corrupted(frameOut));
          } else {
            write(frameOut);
          }
        }
        if (resumed) void watch();
      });
    }
  });
}
