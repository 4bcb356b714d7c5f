/**
 * One client of the GDB server: framing, `+`/`-`, no-ack mode, Ctrl-C, and watching a running
 * target so its stop is reported. Packets are handled one at a time, in order. Replies to packets
 * that arrived together leave together: they are written once nothing received is still waiting
 * to be handled (one socket write instead of one per reply), and at the latest on the next turn
 * of the event loop, so a slow packet never holds back the replies before it for long.
 */
import type { Target, StopInfo } from '../target/types.js';
import { TargetTimeoutError } from '../target/errors.js';
import { ACK, NAK, encodePacket } from './codec.js';
import { RspFramer } from './framer.js';
import { bytesToText, joinBytes, textToBytes } from './hex.js';
import type { GdbServerCore, ServerReply } from './server-core.js';

export interface SessionIo {
  write(bytes: Uint8Array): void;
  /** End the connection (after detach or kill). */
  end(): void;
}

/** How long each wait for the running target lasts before checking again whether we should still watch. */
const WATCH_SLICE_MS = 250;
const MAX_RESENDS = 8;

export class GdbServerSession {
  private readonly framer: RspFramer;
  private noAck = false;
  private queue: Promise<void> = Promise.resolve();
  private lastFrame: Uint8Array | undefined;
  private resends = 0;
  private watching = false;
  private closed = false;
  private readonly target: Target;
  /** Packets received and not yet handled. */
  private pending = 0;
  /** Bytes written since the last flush. */
  private outbox: Uint8Array[] = [];
  private flushTimer: NodeJS.Immediate | undefined;

  /**
   * `after`: the previous client's session winding up (see close). This session's packets wait for
   * it, and the run state this client finds is taken once it is done, before its first packet.
   */
  constructor(private readonly core: GdbServerCore, private readonly io: SessionIo, private readonly log: (line: string) => void, after?: Promise<void>) {
    this.target = core.target;
    if (after) this.queue = after.then(() => core.takeFoundState());
    // 0x03 is an interrupt only between packets; our clients never run-length encode.
    this.framer = new RspFramer({ runLength: false, maxPayload: core.packetSize * 2 + 64 });
  }

  receive(chunk: Uint8Array): void {
    for (const frame of this.framer.feed(chunk)) {
      switch (frame.type) {
        case 'ack':
          this.resends = 0;
          break;
        case 'nak':
          if (this.lastFrame && !this.noAck && this.resends++ < MAX_RESENDS) this.write(this.lastFrame);
          break;
        case 'interrupt':
          void this.interrupt();
          break;
        case 'overflow':
          this.log(`dropped a ${frame.length}-byte packet (larger than we accept)`);
          if (!this.noAck) this.write(Uint8Array.of(NAK));
          break;
        case 'notification':
          break;
        case 'packet':
          if (!frame.valid) {
            this.log(`bad packet (${frame.reason}); asking again`);
            if (!this.noAck) this.write(Uint8Array.of(NAK));
            break;
          }
          if (!this.noAck) this.write(Uint8Array.of(ACK));
          this.enqueue(frame.payload);
      }
    }
    this.settle();
  }

  /**
   * The connection is gone: stop watching the target and, once the packets still being handled are
   * done, let go of it as after a detach, unless the client detached or killed already (see
   * GdbServerCore.release). Resolves once that is done.
   */
  close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    this.watching = false;
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    this.outbox = [];
    this.queue = this.queue.then(() => this.core.release('gone'));
    return this.queue;
  }

  private enqueue(payload: Uint8Array): void {
    this.pending++;
    this.queue = this.queue
      .then(() => this.handle(payload))
      .catch((err: unknown) => {
        this.log(`internal error: ${(err as Error).message}`);
        this.send('E05');
      })
      .finally(() => {
        this.pending--;
        this.settle();
      });
  }

  /** Queue bytes for the client; they leave with the next flush. */
  private write(bytes: Uint8Array): void {
    if (this.closed) return;
    this.outbox.push(bytes);
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = undefined;
      this.flush();
    });
  }

  /** Flush once every packet received so far has been handled. */
  private settle(): void {
    if (this.pending === 0) this.flush();
  }

  private flush(): void {
    const parts = this.outbox;
    if (parts.length === 0 || this.closed) return;
    this.outbox = [];
    this.io.write(joinBytes(parts));
  }

  private async handle(payload: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.log(`<- ${bytesToText(payload, 0, Math.min(payload.length, 60))}`);
    if (payload[0] === 0x3f) this.watching = false; // '?' halts and reports the stop itself
    const result = await this.core.processPacket(payload);
    for (const r of result.replies) this.send(r);
    switch (result.action) {
      case 'noack':
        this.noAck = true;
        break;
      case 'resume':
        this.watch();
        break;
      case 'detach':
      case 'kill':
        this.watching = false;
        if (!result.keepOpen) this.end();
        break;
    }
  }

  private end(): void {
    this.flush();
    this.io.end();
  }

  private send(reply: ServerReply): void {
    if (this.closed) return;
    const frame = encodePacket(typeof reply === 'string' ? textToBytes(reply) : reply);
    this.lastFrame = frame;
    this.resends = 0;
    this.log(`-> ${bytesToText(frame, 0, Math.min(frame.length, 60))}`);
    this.write(frame);
  }

  /** Wait (in bounded slices) for the running target to stop, then report it once. */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      while (this.watching && !this.closed) {
        let stop: StopInfo;
        try {
          stop = await this.target.waitForHalt(WATCH_SLICE_MS);
        } catch (err) {
          if (err instanceof TargetTimeoutError) continue;
          this.log(`lost the target while it ran: ${(err as Error).message}`);
          this.watching = false;
          return;
        }
        if (!this.watching) return;
        this.watching = false;
        this.send(this.core.stopReply(stop));
        this.settle();
      }
    })();
  }

  private async interrupt(): Promise<void> {
    if (this.target.state() !== 'running') return; // already stopped: nothing to report, as QEMU does
    // The watcher reports the stop if one runs; otherwise (e.g. after `monitor reset run`) we do.
    const watched = this.watching;
    try {
      const stop = await this.target.halt();
      if (!watched) {
        this.send(this.core.stopReply(stop));
        this.settle();
      }
    } catch (err) {
      this.log(`Ctrl-C: ${(err as Error).message}`);
    }
  }
}
