/** Where a command writes, and whether it may use colour. Commands take this so tests can capture output. */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** ANSI colour on stdout. */
  readonly color: boolean;
  /** Terminal width in columns (80 when unknown). */
  readonly columns: number;
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

/**
 * A writer to stdout or stderr that outlives its reader: once the other end is gone (EPIPE, e.g.
 * `espalgo flash write … --json | head -1`) further text is dropped instead of the process dying
 * of an unhandled 'error' event, so a command under way still finishes and puts the target back.
 */
function writerTo(stream: NodeJS.WriteStream): (text: string) => void {
  const state = stream as NodeJS.WriteStream & { espalgoGone?: boolean };
  if (state.espalgoGone === undefined) {
    state.espalgoGone = false;
    stream.on('error', () => void (state.espalgoGone = true));
  }
  return (text) => {
    if (!state.espalgoGone) stream.write(text);
  };
}

export function processIo(): CliIo {
  return {
    out: writerTo(process.stdout),
    err: writerTo(process.stderr),
    color: wantsColor(process.stdout, process.env),
    columns: process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80,
  };
}

/** An in-memory CliIo for tests. */
export function memoryIo(options: { color?: boolean; columns?: number } = {}): CliIo & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    color: options.color ?? false,
    columns: options.columns ?? 100,
    stdout: () => out,
    stderr: () => err,
  };
}
