/** ANSI styling that turns into plain text when colour is off. */

export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  blue(s: string): string;
}

const wrap = (on: boolean, open: number, close: number) => (s: string): string => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);

export function makeStyle(color: boolean): Style {
  return {
    color,
    bold: wrap(color, 1, 22),
    dim: wrap(color, 2, 22),
    red: wrap(color, 31, 39),
    yellow: wrap(color, 33, 39),
    green: wrap(color, 32, 39),
    cyan: wrap(color, 36, 39),
    magenta: wrap(color, 35, 39),
    blue: wrap(color, 34, 39),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Printable width of a string (ANSI codes removed). */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}
