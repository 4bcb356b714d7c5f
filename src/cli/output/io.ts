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

export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
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
