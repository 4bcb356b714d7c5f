/**
 * The flash progress event stream on the command line: a bar per phase on a TTY (stderr), one
 * summary line per phase otherwise (stderr), or every event as a JSON line (stdout, --json).
 */
import cliProgress from 'cli-progress';
import type { FlashProgressEvent, FlashProgressListener } from '../../flash/progress.js';
import { counted, hex32 } from '../../chips/types.js';
import { tenths } from './format.js';
import type { CliIo } from './io.js';

export interface ProgressPrinter {
  readonly listener: FlashProgressListener;
  /** Stop any bar still drawn (on success or failure). */
  stop(): void;
}

/** Bytes below 1 KiB (a 16-byte read is not "0.0 KiB"), KiB above. */
const kib = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(n >= 10240 ? 0 : 1)} KiB`);

function summary(e: FlashProgressEvent): string {
  // A verify that stopped at the first difference counts the bytes found equal before it: say of
  // how much. (A plan that surveys nothing, with --no-skip, rightly reads 0 B: it read nothing.)
  const done = e.phase === 'verify' && e.bytesDone < e.bytesTotal ? `${kib(e.bytesDone)} of ${kib(e.bytesTotal)}` : kib(e.bytesDone);
  const parts = [`${e.phase.padEnd(11)} ${done}`];
  if (e.sectorsTotal !== undefined) parts.push(`${counted(e.sectorsTotal, 'sector')}${e.sectorsSkipped ? `, ${e.sectorsSkipped} unchanged` : ''}`);
  if (e.wireBytes !== undefined) parts.push(`${kib(e.wireBytes)} sent`);
  parts.push(`${(e.elapsedMs / 1000).toFixed(2)} s`);
  if (e.kbps !== undefined && e.bytesDone > 0) parts.push(`${e.kbps.toFixed(1)} KiB/s`);
  return parts.join(', ');
}

export function progressPrinter(io: CliIo, options: { json: boolean; tty: boolean }): ProgressPrinter {
  if (options.json) {
    return {
      // Addresses as 0x strings, as in the result and error lines of the same stream.
      listener: (e) =>
        io.out(
          JSON.stringify({
            event: 'progress',
            ...e,
            elapsedMs: Math.round(e.elapsedMs),
            ...(e.kbps !== undefined ? { kbps: tenths(e.kbps) } : {}),
            ...(e.address !== undefined ? { address: hex32(e.address) } : {}),
          }) + '\n',
        ),
      stop: () => undefined,
    };
  }
  if (!options.tty) {
    return {
      listener: (e) => {
        if (e.state === 'done' && (e.bytesTotal > 0 || e.phase === 'plan')) io.err(summary(e) + '\n');
      },
      stop: () => undefined,
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    listener: (e) => {
      if (e.state === 'start') {
        stop();
        if (e.bytesTotal === 0) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            // {size}, not {total}: cli-progress fills {total} itself, with the byte count.
            format: `${e.phase.padEnd(11)} [{bar}] {percentage}% {done}/{size} {speed}{skipped}`,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.bytesTotal, 0, { done: kib(0), size: kib(e.bytesTotal), speed: '', skipped: '' });
        return;
      }
      bar?.update(e.bytesDone, {
        done: kib(e.bytesDone),
        size: kib(e.bytesTotal),
        speed: e.kbps ? `${e.kbps.toFixed(1)} KiB/s` : '',
        skipped: e.sectorsSkipped ? `, ${counted(e.sectorsSkipped, 'sector')} unchanged` : '',
      });
      if (e.state === 'done') stop();
    },
    stop,
  };
}
