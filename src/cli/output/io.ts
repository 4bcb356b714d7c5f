/** Where a command writes, and whether it may use colour. Commands take this so tests can capture output. */
import { concatBytes } from '../../image/bytes.js';
import { EXIT_BAD_INPUT } from './exit-codes.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Bytes to stdout exactly as they are: a command's output given as `-o -`. */
  outBytes(data: Uint8Array): void;
  /** ANSI colour on stdout. */
  readonly color: boolean;
  /** Terminal width in columns (80 when unknown). */
  readonly columns: number;
  /** The same two for stderr, where a command's text goes when its data takes stdout (`-o -`). */
  readonly errColor: boolean;
  readonly errColumns: number;
  /** stdout is a terminal (binary output is not written there). */
  readonly outIsTTY: boolean;
}

/** Colour only on a TTY, never with NO_COLOR set (non-empty) or TERM=dumb; FORCE_COLOR=1 forces it, FORCE_COLOR=0 forbids it. */
export function wantsColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force === '0' || force === 'false') return false;
  if (force !== undefined && force !== '') return true;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/** A process stream with what espalgo noted of it: its reader gone, or a write that failed. */
type WatchedStream = NodeJS.WriteStream & { espalgoGone?: boolean; espalgoError?: NodeJS.ErrnoException };

/** Note the first failed write of `stream` (once per stream) instead of dying of an unhandled 'error' event. */
function watch(stream: NodeJS.WriteStream): WatchedStream {
  const state = stream as WatchedStream;
  if (state.espalgoGone === undefined) {
    state.espalgoGone = false;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      state.espalgoGone = true;
      state.espalgoError ??= error;
    });
  }
  return state;
}

/**
 * A writer to stdout or stderr that outlives its reader: once the other end is gone (EPIPE, e.g.
 * `espalgo flash write … --json | head -1`, or `espalgo flash read … -o - | head -c 16`) or a
 * write failed (a full disk), further writes are dropped instead of the process dying of an
 * unhandled 'error' event, so a command under way still finishes and puts the target back;
 * `checkStdout` then turns a failed write (not a closed pipe) into the exit code.
 */
function writerTo(stream: NodeJS.WriteStream): (data: string | Uint8Array) => void {
  const state = watch(stream);
  return (data) => {
    if (!state.espalgoGone) stream.write(data);
  };
}

/**
 * After a command: if standard output failed to take its output (a full disk: ENOSPC, an I/O
 * error), stderr says so and the exit code becomes 2 unless it is an error already. A closed pipe
 * (EPIPE: `| head -1`) is the reader's choice to stop, not a failure: the exit code stays.
 */
export async function checkStdout(): Promise<void> {
  const state = watch(process.stdout);
  if (!state.espalgoGone) await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  const error = state.espalgoError;
  if (!error || error.code === 'EPIPE') return;
  process.stderr.write(`espalgo: standard output did not take the output: ${error.message} [OUTPUT_UNWRITABLE]\n`);
  if (!process.exitCode) process.exitCode = EXIT_BAD_INPUT;
}

export function processIo(): CliIo {
  const out = writerTo(process.stdout);
  return {
    out,
    err: writerTo(process.stderr),
    outBytes: out,
    color: wantsColor(process.stdout, process.env),
    columns: process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80,
    errColor: wantsColor(process.stderr, process.env),
    errColumns: process.stderr.isTTY && process.stderr.columns ? process.stderr.columns : 80,
    outIsTTY: process.stdout.isTTY === true,
  };
}

/** An in-memory CliIo for tests; `outIsTTY` plays a terminal on stdout. */
export function memoryIo(options: { color?: boolean; columns?: number; errColor?: boolean; errColumns?: number; outIsTTY?: boolean } = {}): CliIo & { stdout(): string; stderr(): string; stdoutBytes(): Uint8Array } {
  const out: Uint8Array[] = [];
  let err = '';
  const stdoutBytes = (): Uint8Array => concatBytes(out);
  return {
    out: (t) => void out.push(new TextEncoder().encode(t)),
    err: (t) => void (err += t),
    outBytes: (b) => void out.push(b.slice()),
    color: options.color ?? false,
    columns: options.columns ?? 100,
    errColor: options.errColor ?? false,
    errColumns: options.errColumns ?? 100,
    outIsTTY: options.outIsTTY ?? false,
    stdout: () => new TextDecoder().decode(stdoutBytes()),
    stderr: () => err,
    stdoutBytes,
  };
}
