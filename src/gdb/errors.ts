/** Errors of the GDB RSP layer. Each names the request that failed and keeps a stable `code`. */
import { TargetError, TargetDisconnectedError, TargetTimeoutError } from '../target/errors.js';

/** Shorten a request for a message: binary and long payloads are cut. */
export function describeRequest(request: string): string {
  const printable = request.replace(/[^\x20-\x7e]/g, '.');
  return printable.length > 40 ? `${printable.slice(0, 37)}...` : printable;
}

/** The server did not answer a request in time. Also an instance of TargetTimeoutError. */
export class GdbTimeoutError extends TargetTimeoutError {
  override readonly code: string = 'GDB_TIMEOUT';
  constructor(readonly request: string, timeoutMs: number, readonly server: string) {
    super(`GDB request '${describeRequest(request)}' to ${server}`, timeoutMs);
    this.message += '; the server may have dropped the packet (too large?) or stopped answering — check that it is alive and retry';
  }
}

/** The connection dropped (or was closed) while a request was outstanding. Also a TargetDisconnectedError. */
export class GdbDisconnectedError extends TargetDisconnectedError {
  override readonly code: string = 'GDB_DISCONNECTED';
  constructor(readonly request: string, detail?: string) {
    super(`GDB request '${describeRequest(request)}'`, `${detail ?? 'the connection closed'}; reconnect to continue`);
  }
}

/** The server sent something the protocol does not allow (bad checksum in no-ack mode, garbage, a malformed reply). */
export class GdbProtocolError extends TargetError {
  constructor(readonly request: string, detail: string) {
    super('GDB_PROTOCOL', `GDB request '${describeRequest(request)}': ${detail}; the server or the link is misbehaving — reconnect and retry`);
  }
}

/** The server answered `E NN`. */
export class GdbErrorReplyError extends TargetError {
  constructor(readonly request: string, readonly reply: string) {
    super('GDB_ERROR_REPLY', `GDB request '${describeRequest(request)}' failed: the server replied ${reply}`);
  }
}

/** Connecting failed (refused, unreachable, or the handshake did not complete). */
export class GdbConnectError extends TargetError {
  constructor(readonly host: string, readonly port: number, detail: string, options?: { cause?: unknown }) {
    super('GDB_CONNECT', `cannot connect to the GDB server at ${host}:${port}: ${detail}`, options);
  }
}

/** The GDB server could not listen on its address (the port taken, say). */
export class GdbListenError extends TargetError {
  constructor(readonly host: string, readonly port: number, cause: unknown) {
    super('GDB_LISTEN', `cannot listen for GDB on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}; pick another port (0 chooses a free one)`, { cause });
  }
}
