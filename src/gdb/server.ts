/** The TCP shell of espalgo's GDB server: one client at a time, loopback by default. */
import { createServer, type Socket } from 'node:net';
import type { Target } from '../target/types.js';
import { GdbServerCore } from './server-core.js';
import { GdbServerSession } from './server-session.js';
import { RspFramer } from './framer.js';
import { ACK, encodePacket } from './codec.js';
import { joinBytes } from './hex.js';
import { GdbListenError } from './errors.js';

/** Said to a client that connects while another is being served (GDB shows it as the failure). */
const BUSY_REPLY = 'E.another GDB client is already connected to this server; disconnect it first';
/** How long a client that arrives while another is served has to send its first packet. */
const BUSY_TIMEOUT_MS = 2000;

export interface GdbServerOptions {
  /** TCP port; 0 picks a free one (see the returned `port`). */
  readonly port: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Published through qXfer:memory-map:read when given. */
  readonly memoryMapXml?: string;
  /** Largest packet accepted. Default 0x4000. */
  readonly packetSize?: number;
  /** How long a client that connects while another is served has to send its first packet, in ms. Default 2000. */
  readonly busyTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface GdbServerHandle {
  readonly port: number;
  close(): Promise<void>;
}

export function startGdbServer(target: Target, options: GdbServerOptions): Promise<GdbServerHandle> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  let active: { socket: Socket; session: GdbServerSession } | undefined;
  /** The last client's session winding up after its connection went (see GdbServerSession.close). */
  let windingUp: Promise<void> = Promise.resolve();
  /** Clients that connected while another was served, held until their first packet. */
  const waiting = new Set<Socket>();
  const serve = (socket: Socket, received: readonly Buffer[] = []): void => {
    socket.setNoDelay(true);
    const core = new GdbServerCore(target, {
      ...(options.memoryMapXml ? { memoryMapXml: options.memoryMapXml } : {}),
      ...(options.packetSize ? { packetSize: options.packetSize } : {}),
      log,
    });
    const session = new GdbServerSession(core, {
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      // The session is over (detach, kill): the next client may connect at once, even before
      // this one has closed its end of the socket.
      end: () => {
        socket.end();
        if (active === current) active = undefined;
      },
    }, log, windingUp);
    const current = { socket, session };
    active = current;
    log(`client ${socket.remoteAddress}:${socket.remotePort} connected`);
    const receive = (chunk: Buffer): void => {
      target.noteDebuggerActivity?.();
      session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    };
    socket.on('data', receive);
    socket.on('error', (err) => log(`client error: ${err.message}`));
    socket.on('close', () => {
      windingUp = session.close();
      if (active === current) active = undefined;
      log('client disconnected');
    });
    received.forEach(receive);
  };
  const server = createServer((socket) => {
    if (!active) return serve(socket);
    // Busy, perhaps only until the previous client's close reaches us (gdb's `disconnect` and a
    // new `target remote` come back to back): decide once this client has sent its first packet.
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
    whenFirstPacket(socket, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, (received) => {
      waiting.delete(socket);
      if (!active) return serve(socket, received);
      log(`refusing ${socket.remoteAddress}:${socket.remotePort}: a client is already connected`);
      socket.end(joinBytes([Uint8Array.of(ACK), encodePacket(BUSY_REPLY)]));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new GdbListenError(host, options.port, error)));
    server.listen(options.port, host, () => {
      server.removeListener('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      log(`GDB server for ${target.description} on ${host}:${port}`);
      resolve({
        port,
        close: () => new Promise<void>((done) => {
          active?.session.close();
          active?.socket.destroy();
          // A client held until its first packet would otherwise keep server.close() waiting.
          for (const socket of waiting) socket.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

/** Hold a client's data until its first whole packet, then hand it over (or drop the client if none comes). */
function whenFirstPacket(socket: Socket, timeoutMs: number, then: (received: Buffer[]) => void): void {
  const framer = new RspFramer();
  const received: Buffer[] = [];
  const onError = (): void => {
    socket.destroy();
  };
  socket.setTimeout(timeoutMs, onError);
  socket.on('error', onError);
  const onData = (chunk: Buffer): void => {
    received.push(chunk);
    if (!framer.feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)).some((f) => f.type === 'packet')) return;
    socket.off('data', onData);
    socket.setTimeout(0);
    then(received);
  };
  socket.on('data', onData);
}
