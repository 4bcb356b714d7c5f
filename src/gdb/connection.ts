/**
 * The client side of an RSP link: sends requests, handles `+`/`-` acknowledgement and
 * retransmission, no-ack mode, pipelining, console output and stop replies that arrive on their own.
 * Every request is bounded by a timeout; a dropped connection rejects everything outstanding.
 */
import { Socket, connect as netConnect } from 'node:net';
import { ACK, NAK, INTERRUPT, encodePacket, isConsoleOutput, decodeConsoleOutput } from './codec.js';
import { RspFramer, type RspFrame } from './framer.js';
import { bytesToText, joinBytes } from './hex.js';
import { isStopReply } from './stop-reply.js';
import { GdbTimeoutError, GdbDisconnectedError, GdbProtocolError, GdbConnectError } from './errors.js';

export type Expect = 'reply' | 'stop' | 'none';

export interface RequestOptions {
  readonly timeoutMs?: number;
  /** 'reply' (default), 'stop' (a stop reply is the answer, as for `?`), 'none' (resume packets: done once acknowledged). */
  readonly expect?: Expect;
  /** `O` packets that arrive before the reply (qRcmd). */
  readonly onOutput?: (text: string) => void;
  /** A reply this rejects is not the answer to this request (a late answer to an older one) and is dropped. */
  readonly accept?: (reply: string) => boolean;
  /**
   * A small request with a short reply (a register write, a resume): where pipelining is on, up to
   * CONTROL_BURST of these may be in flight together, beyond the pipeline depth.
   */
  readonly control?: boolean;
}

export interface ConnectionOptions {
  /** Default request timeout. */
  readonly timeoutMs?: number;
  /** How many `-` replies to one packet before giving up. Default 4. */
  readonly maxRetransmits?: number;
  /** After a timeout, how long to wait (dropping late replies) before sending again. Default 100 ms. */
  readonly resyncMs?: number;
  readonly log?: (line: string) => void;
}

interface Request {
  readonly text: string;
  readonly frame: Uint8Array;
  readonly expect: Expect;
  readonly timeoutMs: number;
  readonly onOutput: ((text: string) => void) | undefined;
  readonly accept: ((reply: string) => boolean) | undefined;
  readonly control: boolean;
  /** The resynchronisation probe (its own timeout starts no new probe). */
  readonly probe?: boolean;
  readonly resolve: (reply: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  acked: boolean;
  naks: number;
  badReplies: number;
  /** When it times out (set once it is the oldest in flight). */
  deadline?: number;
  /**
   * Ack mode: a resume went out after this request, so the target may be running when its reply
   * comes. The reply is not acked: the server already took the next packet's `$` as the end of
   * this exchange, and a `+` reaching QEMU while the CPU runs would stop it like a Ctrl-C.
   */
  answeredWhileRunning?: boolean;
}

export interface ConnectionStats {
  packetsSent: number;
  packetsReceived: number;
  retransmits: number;
  strayReplies: number;
  timeouts: number;
}

const EMPTY = new Uint8Array(0);
/** A packet from the server: console output, a stop nobody asked for, the answer to the oldest request, or none of these. */
type PacketKind = 'output' | 'stop' | 'reply' | 'stray';
/** Control requests in flight at once where pipelining is on. */
const CONTROL_BURST = 12;

export class RspConnection {
  private readonly framer = new RspFramer({ interrupts: false });
  private readonly waiting: Request[] = [];
  private readonly inflight: Request[] = [];
  private out: Uint8Array[] = [];
  private flushScheduled = false;
  private quietUntil = 0;
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private watchdogAt = 0;
  private closedError: Error | undefined;
  private noAckMode = false;
  /** Requests that may be outstanding at once in no-ack mode (1 = no pipelining). */
  pipelineDepth = 1;
  /**
   * Also pipeline in ack mode (for servers known to take packets back to back, like QEMU's
   * gdbstub): acks and naks then refer to the oldest request not yet acked, replies come in order.
   */
  ackModePipelining = false;
  readonly stats: ConnectionStats = { packetsSent: 0, packetsReceived: 0, retransmits: 0, strayReplies: 0, timeouts: 0 };
  private spokeYet = false;
  /** A stop reply nobody asked for (the target stopped on its own, or an unsolicited stop on connect). */
  onStop: (reply: string) => void = () => {};
  /** Console output outside qRcmd. */
  onOutput: (text: string) => void = () => {};
  /** The connection closed; `error` says why when it was not our own close(). */
  onClose: (error?: Error) => void = () => {};
  readonly timeoutMs: number;
  private readonly maxRetransmits: number;
  private readonly resyncMs: number;
  private readonly log: (line: string) => void;

  private constructor(private readonly socket: Socket, readonly server: string, options: ConnectionOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxRetransmits = options.maxRetransmits ?? 4;
    this.resyncMs = options.resyncMs ?? 100;
    this.log = options.log ?? (() => {});
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(undefined));
  }

  /** The server sent something besides acknowledgements (+/-): a packet, or bytes of anything else. */
  get spoke(): boolean {
    return this.spokeYet;
  }

  /** Open a TCP connection; rejects with GdbConnectError within `timeoutMs`. */
  static connect(host: string, port: number, options: ConnectionOptions = {}): Promise<RspConnection> {
    const timeoutMs = options.timeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new GdbConnectError(host, port, `no answer within ${timeoutMs} ms; is it running and listening there?`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new GdbConnectError(host, port, `${err.message}; is it running and listening there?`, { cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RspConnection(socket, `${host}:${port}`, options));
      });
    });
  }

  get noAck(): boolean {
    return this.noAckMode;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Switch to no-ack mode (after the server said OK to QStartNoAckMode). */
  enterNoAckMode(): void {
    this.noAckMode = true;
  }

  /** Send a request and resolve with the reply payload (run-length expanded, not unescaped). */
  request(payload: string | Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const text = typeof payload === 'string' ? payload : bytesToText(payload, 0, Math.min(payload.length, 64));
    return this.requestFramed(encodePacket(payload), text, options);
  }

  /** Send an already framed packet (`$...#xx`); `text` names it in errors. */
  requestFramed(frame: Uint8Array, text: string, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.closedError) return Promise.reject(new GdbDisconnectedError(text, this.closedError.message));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({
        text,
        frame,
        expect: options.expect ?? 'reply',
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        onOutput: options.onOutput,
        accept: options.accept,
        control: options.control === true,
        resolve,
        reject,
        acked: false,
        naks: 0,
        badReplies: 0,
      });
      this.pump();
    });
  }

  /** Send a request and return its reply as text (latin1). */
  async requestText(payload: string | Uint8Array, options: RequestOptions = {}): Promise<string> {
    return bytesToText(await this.request(payload, options));
  }

  /** Send the interrupt byte (Ctrl-C). */
  interrupt(): void {
    if (this.closedError) return;
    this.write(Uint8Array.of(INTERRUPT));
  }

  /** Close the socket; outstanding requests reject with GdbDisconnectedError. */
  close(): Promise<void> {
    if (this.closedError) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 500);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.flush();
      this.socket.end();
      this.fail(new Error('closed by the client'), true);
    });
  }

  private get maxInflight(): number {
    return this.noAckMode || this.ackModePipelining ? Math.max(1, this.pipelineDepth) : 1;
  }

  /**
   * Whether the next request may go out now: while fewer than the pipeline depth are in flight.
   * Where pipelining is on at all, control requests (register writes, a resume, a flag's write:
   * small packets with short replies) do not count against the depth, up to CONTROL_BURST of them
   * in flight beyond it — so a run's set-up and resume go out as one burst, and the first data
   * written while it runs does not wait for their replies.
   */
  private canSend(next: Request): boolean {
    const n = this.inflight.length;
    const depth = this.maxInflight;
    if (n < depth) return true;
    if (depth === 1 || n >= depth + CONTROL_BURST) return false;
    let bulk = 0;
    for (const r of this.inflight) if (!r.control) bulk++;
    return next.control || bulk < depth;
  }

  private pump(): void {
    if (this.closedError) return;
    const now = Date.now();
    if (now < this.quietUntil) {
      this.quietTimer ??= setTimeout(() => {
        this.quietTimer = undefined;
        this.pump();
      }, this.quietUntil - now);
      return;
    }
    while (this.waiting.length > 0 && this.canSend(this.waiting[0]!)) {
      const req = this.waiting.shift()!;
      this.write(req.frame);
      this.stats.packetsSent++;
      if (req.expect === 'none' && this.noAckMode) {
        req.resolve(EMPTY);
        continue;
      }
      if (req.expect === 'none') for (const earlier of this.inflight) earlier.answeredWhileRunning = true;
      this.inflight.push(req);
      this.armHead();
    }
  }

  /**
   * Replies come in order, so only the oldest request in flight is timed: a pipelined request's
   * clock starts when the one before it was answered, and a slow server (OpenOCD writing memory
   * over JTAG) is not mistaken for a dead one.
   */
  private armHead(): void {
    const head = this.inflight[0];
    if (!head || head.deadline !== undefined) return;
    head.deadline = Date.now() + head.timeoutMs;
    this.armWatchdog(head.deadline);
  }

  /** One watchdog timer for the link, not one per request: when it fires it checks the oldest request in flight. */
  private armWatchdog(deadline: number): void {
    if (this.watchdog && this.watchdogAt <= deadline) return;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdogAt = deadline;
    this.watchdog = setTimeout(() => this.watch(), Math.max(0, deadline - Date.now()));
    this.watchdog.unref?.();
  }

  private watch(): void {
    this.watchdog = undefined;
    const head = this.inflight[0];
    if (!head || head.deadline === undefined) return;
    if (head.deadline <= Date.now()) this.timeout(head);
    else this.armWatchdog(head.deadline);
  }

  private complete(req: Request, reply: Uint8Array): void {
    this.remove(req);
    req.resolve(reply);
    this.pump();
  }

  private abort(req: Request, error: Error): void {
    this.remove(req);
    req.reject(error);
    this.pump();
  }

  private remove(req: Request): void {
    const i = this.inflight.indexOf(req);
    if (i >= 0) this.inflight.splice(i, 1);
    this.armHead();
  }

  private timeout(req: Request): void {
    this.stats.timeouts++;
    this.log(`timeout: ${req.text.slice(0, 40)}`);
    // Replies come in order: once one is missing, the ones sent after it cannot be matched safely.
    const abandoned = this.inflight.splice(0);
    this.quietUntil = Date.now() + this.resyncMs;
    if (!req.probe) this.resync();
    for (const r of abandoned) {
      r.reject(r === req
        ? new GdbTimeoutError(req.text, req.timeoutMs, this.server)
        : new GdbProtocolError(r.text, `abandoned because an earlier pipelined request ('${req.text.slice(0, 20)}') got no reply`));
    }
    this.pump();
  }

  /**
   * After a timeout the reply may still come and would be taken for the next request's. Send `qC`
   * first and drop everything until its `QC` answer: from then on replies match requests again.
   * If the server has no qC the probe times out and the quiet period alone has to do.
   */
  private resync(): void {
    const text = 'qC';
    this.waiting.unshift({
      text, frame: encodePacket(text), expect: 'reply', timeoutMs: Math.min(this.timeoutMs, 1000), onOutput: undefined,
      accept: (r) => r.startsWith('QC'), probe: true, control: false,
      resolve: () => this.log('resynchronised after a timeout'),
      reject: () => this.log('no qC answer; relying on the quiet period'),
      acked: false, naks: 0, badReplies: 0,
    });
  }

  private write(bytes: Uint8Array): void {
    this.out.push(bytes);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.socket.destroyed) {
      this.out = [];
      return;
    }
    const parts = this.out;
    this.out = [];
    // One write for the acks and the requests queued together: copying a few KiB is cheaper than
    // the scatter-gather path (writev) a corked socket takes.
    this.socket.write(joinBytes(parts));
  }

  private receive(chunk: Uint8Array): void {
    this.spokeYet ||= chunk.some((b) => b !== ACK && b !== NAK);
    for (const frame of this.framer.feed(chunk)) this.handle(frame);
    // Acks go out with whatever the replies just handled make the callers send next: write() flushes
    // once the microtasks that follow this chunk have run, so the ack and the next request share
    // one write (one system call) instead of two.
  }

  private handle(frame: RspFrame): void {
    const head = this.inflight[0];
    switch (frame.type) {
      case 'ack': {
        const first = this.oldestUnacked();
        if (first) {
          first.acked = true;
          if (first.expect === 'none') this.complete(first, EMPTY);
        }
        return;
      }
      case 'nak': {
        const first = this.oldestUnacked();
        if (first && !this.noAckMode && this.inflight.length > 1) {
          this.stats.retransmits++;
          this.leavePipelining(first);
          return;
        }
        if (first && !this.noAckMode) {
          first.naks++;
          if (first.naks > this.maxRetransmits) {
            this.abort(first, new GdbProtocolError(first.text, `the server rejected the packet ${first.naks} times (bad checksum on the link?)`));
          } else {
            this.stats.retransmits++;
            this.write(first.frame);
          }
        }
        return;
      }
      case 'notification':
      case 'interrupt':
        return; // Notifications are for non-stop mode, which we never enable.
      case 'overflow':
        if (head) this.abort(head, new GdbProtocolError(head.text, `reply of ${frame.length} bytes is larger than any packet we accept`));
        return;
      case 'packet':
        this.stats.packetsReceived++;
        if (!frame.valid) {
          this.invalidPacket(head, frame.reason ?? 'bad packet');
          return;
        }
        {
          const kind = this.classify(head, frame.payload);
          if (!this.noAckMode && !(kind === 'reply' && head!.answeredWhileRunning)) this.write(Uint8Array.of(ACK));
          this.route(head, frame.payload, kind);
        }
    }
  }

  /**
   * A NAK while several requests are in flight: the server dropped one packet but may have run the
   * ones behind it, so replies can no longer be matched by order. Go back to one request at a time,
   * resynchronise (qC), and send the requests in flight again in order — they are reads and writes
   * of memory and registers, which may safely run twice. A run-control request among them (which
   * must not) fails with a protocol error instead.
   */
  private leavePipelining(nakked: Request): void {
    this.log(`NAK with ${this.inflight.length} requests in flight: pipelining off, resending them one by one`);
    this.ackModePipelining = false;
    this.pipelineDepth = 1;
    const again = this.inflight.splice(0);
    for (const r of again) {
      r.deadline = undefined;
      r.acked = false;
    }
    nakked.naks++;
    const runControl = (r: Request) => r.expect === 'stop' || r.expect === 'none';
    for (const r of again.filter(runControl)) r.reject(new GdbProtocolError(r.text, 'the link corrupted a packet while requests were pipelined; the run-control request may or may not have run'));
    this.waiting.unshift(...again.filter((r) => !runControl(r)));
    this.quietUntil = Date.now() + this.resyncMs;
    this.resync();
    this.pump();
  }

  /** The request an ack or nak refers to: the oldest one in flight the server has not acked. */
  private oldestUnacked(): Request | undefined {
    for (const r of this.inflight) if (!r.acked) return r;
    return undefined;
  }

  private invalidPacket(head: Request | undefined, reason: string): void {
    if (this.noAckMode) {
      if (head) this.abort(head, new GdbProtocolError(head.text, `corrupt reply (${reason}) and no way to ask again in no-ack mode`));
      return;
    }
    if (!head) {
      this.write(Uint8Array.of(NAK));
      return;
    }
    head.badReplies++;
    if (head.badReplies > this.maxRetransmits) {
      this.write(Uint8Array.of(ACK));
      this.abort(head, new GdbProtocolError(head.text, `${head.badReplies} corrupt replies in a row (${reason})`));
    } else {
      this.write(Uint8Array.of(NAK));
    }
  }

  /** What a packet from the server is, given the request waiting for an answer (decided on a short prefix). */
  private classify(head: Request | undefined, payload: Uint8Array): PacketKind {
    const first = payload[0];
    if (first === 0x4f && isConsoleOutput(bytesToText(payload))) return 'output';
    const stop = (first === 0x54 || first === 0x53 || first === 0x57 || first === 0x58) && isStopReply(bytesToText(payload, 0, Math.min(payload.length, 256)));
    if (stop && head?.expect !== 'stop') return 'stop';
    return head && head.expect !== 'none' ? 'reply' : 'stray';
  }

  private route(head: Request | undefined, payload: Uint8Array, kind: PacketKind): void {
    switch (kind) {
      case 'output': {
        const text = decodeConsoleOutput(bytesToText(payload));
        if (head?.onOutput) head.onOutput(text);
        else this.onOutput(text);
        return;
      }
      case 'stop':
        this.onStop(bytesToText(payload));
        return;
      case 'reply':
        // Binary replies stay bytes; `accept` looks at a short prefix.
        if (head!.accept && !head!.accept(bytesToText(payload, 0, Math.min(payload.length, 64)))) break;
        head!.acked = true;
        this.complete(head!, payload);
        return;
    }
    this.stray(payload);
  }

  private stray(payload: Uint8Array): void {
    this.stats.strayReplies++;
    this.log(`dropped a reply nobody waits for: ${bytesToText(payload, 0, Math.min(40, payload.length))}`);
  }

  private fail(error: Error | undefined, ours = false): void {
    if (this.closedError) return;
    this.closedError = error ?? new Error('the server closed the connection');
    if (this.quietTimer) clearTimeout(this.quietTimer);
    const all = [...this.inflight.splice(0), ...this.waiting.splice(0)];
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    for (const r of all) {
      r.reject(new GdbDisconnectedError(r.text, this.closedError.message));
    }
    if (!ours) this.socket.destroy();
    this.onClose(ours ? undefined : this.closedError);
  }
}

