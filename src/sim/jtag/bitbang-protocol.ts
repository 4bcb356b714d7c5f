/**
 * The remote_bitbang wire protocol (OpenOCD's `remote_bitbang` adapter), one ASCII byte per
 * action:
 *   '0'..'7'  set pins: value = tck<<2 | tms<<1 | tdi
 *   'R'       read TDO: reply '0' or '1'
 *   'r' 's' 't' 'u'  reset lines: value - 'r' = trst<<1 | srst (1 = asserted)
 *   'B' 'b'   LED on/off
 *   'Q'       quit (close the connection)
 * Anything else (whitespace from a hand-typed session, for instance) is ignored.
 *
 * This part is pure: feed it a chunk, it returns the TDO replies for that chunk in one buffer.
 */
import { Dtm } from './dtm.js';

export interface BitbangSignals {
  /** The adapter drove SRST (system reset); true while asserted. */
  onSystemReset?(asserted: boolean): void;
  /** The adapter switched its LED. */
  onLed?(on: boolean): void;
}

export interface FeedResult {
  /** The bytes to send back ('0'/'1' per 'R'), possibly empty. */
  readonly reply: Uint8Array;
  /** True once 'Q' was seen; bytes after it are not processed. */
  readonly quit: boolean;
}

const CH_0 = 0x30;
const CH_7 = 0x37;
const CH_R = 0x52;
const CH_r = 0x72;
const CH_u = 0x75;
const CH_B = 0x42;
const CH_b = 0x62;
const CH_Q = 0x51;

export class BitbangSession {
  private trst = false;
  private srst = false;
  private replyBuffer = new Uint8Array(256);
  /** Counts of what the session has seen, for diagnostics and benchmarks. */
  readonly stats = { bytes: 0, reads: 0 };

  constructor(readonly dtm: Dtm, private readonly signals: BitbangSignals = {}) {}

  feed(chunk: Uint8Array): FeedResult {
    const tap = this.dtm.tap;
    if (this.replyBuffer.length < chunk.length) this.replyBuffer = new Uint8Array(chunk.length);
    const out = this.replyBuffer;
    let n = 0;
    let quit = false;
    let i = 0;
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c >= CH_0 && c <= CH_7) {
        const v = c - CH_0;
        // While TRST is asserted the TAP stays in Test-Logic-Reset.
        if (this.trst) continue;
        tap.setPins(v & 4, (v >> 1) & 1, v & 1);
      } else if (c === CH_R) {
        out[n++] = CH_0 + tap.tdo;
      } else if (c >= CH_r && c <= CH_u) {
        const v = c - CH_r;
        const trst = (v & 2) !== 0;
        const srst = (v & 1) !== 0;
        if (trst) tap.reset();
        this.trst = trst;
        if (srst !== this.srst) {
          this.srst = srst;
          this.signals.onSystemReset?.(srst);
        }
      } else if (c === CH_B || c === CH_b) {
        this.signals.onLed?.(c === CH_B);
      } else if (c === CH_Q) {
        quit = true;
        i++;
        break;
      }
    }
    this.stats.bytes += i;
    this.stats.reads += n;
    return { reply: out.slice(0, n), quit };
  }
}
