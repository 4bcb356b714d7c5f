/**
 * TCP server for OpenOCD's remote_bitbang adapter. Each connection gets its own TAP and DTM in
 * front of the shared Debug Module. Whole socket chunks are decoded at once and the TDO replies
 * of a chunk go back in one write. One debugger at a time: a second connection is refused while
 * one is open. Binds 127.0.0.1 unless told otherwise.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { BusyPoll } from './busy-poll.js';
import { BitbangSession } from './bitbang-protocol.js';
import type { DebugModule } from './debug-module.js';
import { Dtm } from './dtm.js';

export const ESP32C3_IDCODE = 0x00005c25;

export interface RemoteBitbangOptions {
  /** TCP port; 0 picks a free one (see the returned port). */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** JTAG IDCODE (default 0x00005c25, the ESP32-C3). */
  readonly idcode?: number;
  /** dtmcs.idle hint (default 1). */
  readonly idleHint?: number;
  /** TCK cycles a DMI operation stays busy (default 0). */
  readonly dmiBusyCycles?: number;
  /** Connection events, for a CLI to print. */
  readonly onEvent?: (event: RemoteBitbangEvent) => void;
  /** Called for every chunk of wire data received (e.g. to keep the CPU's run slices short). */
  readonly onData?: () => void;
  /**
   * After wire data, keep the event loop polling instead of sleeping for this long (default 2 ms;
   * 0 turns it off): the next JTAG exchange is then picked up without a kernel wake-up, which makes
   * OpenOCD's memory writes to a halted hart 1.3-1.7x faster (measured). Costs CPU only while traffic flows.
   */
  readonly busyPollMs?: number;
}

export type RemoteBitbangEvent =
  | { readonly type: 'connect'; readonly remote: string }
  | { readonly type: 'disconnect'; readonly remote: string; readonly bytes: number; readonly reads: number }
  | { readonly type: 'refused'; readonly remote: string }
  | { readonly type: 'quit'; readonly remote: string };

export interface RemoteBitbangServer {
  readonly host: string;
  readonly port: number;
  /** Number of open connections (0 or 1). */
  readonly connections: number;
  /** Traffic since the server started, over all connections: bytes received, bytes sent (TDO), TDO reads. */
  readonly traffic: { readonly bytesIn: number; readonly bytesOut: number };
  /** Stops listening and closes the open connection. */
  close(): Promise<void>;
}

export class RemoteBitbangListenError extends Error {
  readonly code = 'SIM_RBB_LISTEN';
  constructor(readonly host: string, readonly port: number, cause: unknown) {
    super(
      `cannot listen for remote_bitbang on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}; ` +
        'pick another port (0 chooses a free one)',
      { cause },
    );
    this.name = 'RemoteBitbangListenError';
  }
}

const DEFAULT_BUSY_POLL_MS = 2;

export async function startRemoteBitbangServer(dm: DebugModule, options: RemoteBitbangOptions): Promise<RemoteBitbangServer> {
  const host = options.host ?? '127.0.0.1';
  let active: Socket | undefined;
  const traffic = { bytesIn: 0, bytesOut: 0 };
  const busy = new BusyPoll(options.busyPollMs ?? DEFAULT_BUSY_POLL_MS);
  const server: Server = createServer((socket) => {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (active) {
      options.onEvent?.({ type: 'refused', remote });
      socket.destroy();
      return;
    }
    active = socket;
    socket.setNoDelay(true);
    const dtm = new Dtm(dm, {
      idcode: options.idcode ?? ESP32C3_IDCODE,
      idleHint: options.idleHint ?? 1,
      dmiBusyCycles: options.dmiBusyCycles ?? 0,
    });
    const session = new BitbangSession(dtm, { onSystemReset: (asserted) => dm.setSystemResetLine(asserted) });
    options.onEvent?.({ type: 'connect', remote });
    let quit = false;
    socket.on('data', (chunk: Buffer) => {
      if (quit) return;
      traffic.bytesIn += chunk.length;
      busy.touch();
      options.onData?.();
      const result = session.feed(chunk);
      traffic.bytesOut += result.reply.length;
      if (result.reply.length > 0) socket.write(result.reply);
      if (result.quit) {
        quit = true;
        options.onEvent?.({ type: 'quit', remote });
        socket.end();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (active === socket) active = undefined;
      options.onEvent?.({ type: 'disconnect', remote, bytes: session.stats.bytes, reads: session.stats.reads });
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown): void => reject(new RemoteBitbangListenError(host, options.port, error));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    host,
    port,
    get connections() {
      return active ? 1 : 0;
    },
    traffic,
    close: () =>
      new Promise<void>((resolve) => {
        busy.stop();
        active?.destroy();
        server.close(() => resolve());
      }),
  };
}
