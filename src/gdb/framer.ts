/**
 * Incremental RSP frame parser over a byte stream. Feed it whatever the transport delivers;
 * it returns the frames found: packets (with their checksum verdict), acks, NAKs, the interrupt
 * byte and notifications. Bytes outside any frame that mean nothing are counted and dropped.
 */
import {
  ACK, NAK, PACKET_START, NOTIFICATION_START, PACKET_END, INTERRUPT, checksum, decodeRunLength,
} from './codec.js';
import { hexDigitValue, joinBytes } from './hex.js';

export type RspFrame =
  | { readonly type: 'packet'; readonly payload: Uint8Array; readonly valid: boolean; readonly reason?: string }
  | { readonly type: 'notification'; readonly payload: Uint8Array }
  | { readonly type: 'ack' }
  | { readonly type: 'nak' }
  | { readonly type: 'interrupt' }
  /** A frame longer than the limit was discarded. */
  | { readonly type: 'overflow'; readonly length: number };

export interface FramerOptions {
  /** Expand `*` run-length encoding in packets (replies from a stub). Default true. */
  readonly runLength?: boolean;
  /** Longest payload accepted before the frame is dropped as an overflow. Default 1 MiB. */
  readonly maxPayload?: number;
  /** Report 0x03 outside a frame as an interrupt (servers). Default true. */
  readonly interrupts?: boolean;
}

const enum State { Idle, Body, Sum1, Sum2 }

export class RspFramer {
  private state = State.Idle;
  private notification = false;
  private parts: Uint8Array[] = [];
  private length = 0;
  private sumHi = 0;
  private overflowed = false;
  /** Bytes seen outside any frame that mean nothing (line noise, stray text). */
  garbageBytes = 0;
  private readonly runLength: boolean;
  private readonly maxPayload: number;
  private readonly interrupts: boolean;

  constructor(options: FramerOptions = {}) {
    this.runLength = options.runLength ?? true;
    this.maxPayload = options.maxPayload ?? 1 << 20;
    this.interrupts = options.interrupts ?? true;
  }

  /** Parse more bytes; returns the frames they complete, in order. */
  feed(chunk: Uint8Array): RspFrame[] {
    const frames: RspFrame[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case State.Idle: {
          const b = chunk[i++]!;
          if (b === PACKET_START || b === NOTIFICATION_START) this.begin(b === NOTIFICATION_START);
          else if (b === ACK) frames.push({ type: 'ack' });
          else if (b === NAK) frames.push({ type: 'nak' });
          else if (b === INTERRUPT && this.interrupts) frames.push({ type: 'interrupt' });
          else this.garbageBytes++;
          break;
        }
        case State.Body: {
          const end = chunk.indexOf(PACKET_END, i);
          const restart = indexOfStart(chunk, i, end < 0 ? chunk.length : end);
          if (restart >= 0) {
            // A new frame began before this one ended: the partial frame is lost.
            this.garbageBytes += this.length + (restart - i);
            this.begin(chunk[restart] === NOTIFICATION_START);
            i = restart + 1;
            break;
          }
          const stop = end < 0 ? chunk.length : end;
          this.append(chunk.subarray(i, stop));
          i = stop;
          if (end >= 0) {
            i++;
            this.state = State.Sum1;
          }
          break;
        }
        case State.Sum1:
          this.sumHi = hexDigitValue(chunk[i++]!);
          this.state = State.Sum2;
          break;
        case State.Sum2: {
          const lo = hexDigitValue(chunk[i++]!);
          frames.push(this.finish(this.sumHi, lo));
          this.state = State.Idle;
          break;
        }
      }
    }
    return frames;
  }

  /** Drop any partial frame (after a reconnect or a resync). */
  reset(): void {
    this.state = State.Idle;
    this.parts = [];
    this.length = 0;
    this.overflowed = false;
  }

  private begin(notification: boolean): void {
    this.state = State.Body;
    this.notification = notification;
    this.parts = [];
    this.length = 0;
    this.overflowed = false;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.length += bytes.length;
    if (this.length > this.maxPayload) {
      this.overflowed = true;
      this.parts = [];
      return;
    }
    if (!this.overflowed) this.parts.push(bytes.slice());
  }

  private finish(hi: number, lo: number): RspFrame {
    if (this.overflowed) {
      const length = this.length;
      this.reset();
      return { type: 'overflow', length };
    }
    const payload = joinBytes(this.parts);
    this.parts = [];
    if (this.notification) return { type: 'notification', payload };
    if (hi < 0 || lo < 0) return { type: 'packet', payload, valid: false, reason: 'checksum digits are not hex' };
    const expected = (hi << 4) | lo;
    const actual = checksum(payload);
    if (expected !== actual) {
      return { type: 'packet', payload, valid: false, reason: `checksum ${actual.toString(16)} != ${expected.toString(16)}` };
    }
    if (!this.runLength) return { type: 'packet', payload, valid: true };
    const expanded = decodeRunLength(payload);
    if (!expanded) return { type: 'packet', payload, valid: false, reason: 'bad run-length encoding' };
    return { type: 'packet', payload: expanded, valid: true };
  }
}

function indexOfStart(chunk: Uint8Array, from: number, to: number): number {
  const k = chunk.indexOf(PACKET_START, from);
  return k >= 0 && k < to ? k : -1;
}

