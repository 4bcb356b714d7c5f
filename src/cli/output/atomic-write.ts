/**
 * Write a file so that it is either complete or absent: write a temp file beside it, then rename.
 * Check an output path before the work: a folder that can be written, not one of the inputs.
 */
import { accessSync, chmodSync, constants, lstatSync, readdirSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliInputError } from './exit-codes.js';

/**
 * Write `data` to `path` so that a regular file is either complete or left as it was: a temp file
 * beside it, renamed over it, with the old file's permissions. A symbolic link is followed (the file
 * it names is replaced, the link stays); a device, FIFO or socket (/dev/null, a named pipe) is
 * written to as it is, since replacing it would destroy it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const target = linkTarget(path);
  const existing = statOrUndefined(target);
  if (existing && !existing.isFile()) {
    writeFileSync(target, data);
    return;
  }
  const tmp = join(dirname(target), tempName(basename(target), process.pid, Date.now()));
  try {
    writeFileSync(tmp, data);
    if (existing) chmodSync(tmp, existing.mode & 0o7777);
    renameSync(tmp, target);
    removeLeftTemps(target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file was never created
    }
    throw err;
  }
}

/** The hidden temp file a write of `name` uses: `.NAME.PID.MS.tmp`. */
function tempName(name: string, pid: number, ms: number): string {
  return `.${name}.${pid}.${ms}.tmp`;
}

/** A temp file older than this, of a process that has ended, is a leftover (not one being written now, here or on another host). */
const LEFTOVER_AGE_MS = 60_000;

/**
 * Remove the temp files earlier writes of `target` left when killed between writing and renaming
 * (SIGKILL, power loss): ours by name, their process gone, and a minute old. Best effort: a write
 * that succeeded does not fail over a leftover it cannot remove.
 */
function removeLeftTemps(target: string): void {
  const folder = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!m || name !== tempName(basename(target), Number(m[1]), Number(m[2])) || processRuns(Number(m[1]))) continue;
    const path = join(folder, name);
    try {
      const s = lstatSync(path);
      if (s.isFile() && Date.now() - s.mtimeMs > LEFTOVER_AGE_MS) unlinkSync(path);
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // runs, as another user
  }
}

/** The path a chain of symbolic links ends at (a link to a file not there yet: where it points); `path` itself otherwise. */
function linkTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // missing, or a dangling link
  }
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      if (!lstatSync(at).isSymbolicLink()) return at;
      link = readlinkSync(at);
    } catch {
      return at;
    }
    at = resolve(dirname(at), link);
  }
  return at;
}

/** writeFileAtomic for a command's output file: a failure is bad input (`code`, one line naming the file). */
export function writeOutputFile(path: string, data: string | Uint8Array, code = 'OUTPUT_UNWRITABLE'): void {
  checkOutputWritable(path, code); // names a missing folder or a folder given as the file, not the temp file
  try {
    writeFileAtomic(path, data);
  } catch (err) {
    throw new CliInputError(code, `cannot write ${path}: ${writeFailure(err, dirname(path))}`);
  }
}

/** Why a write failed, in words about the file asked for (Node's message names the temp file beside it). */
function writeFailure(err: unknown, folder: string): string {
  const words: Record<string, string> = {
    EACCES: `no permission to write in ${folder}`,
    EPERM: `the system does not allow replacing it (an immutable file or folder?)`,
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is used up',
    ENOENT: `no new file can be made in ${folder} (a virtual file system?)`,
  };
  const errno = (err as NodeJS.ErrnoException).code;
  return errno !== undefined && Object.hasOwn(words, errno) ? `${words[errno]} (${errno})` : (err as Error).message;
}

/**
 * Check, before long work, that `path` can be written: its folder exists and is writable, and it
 * is not a folder itself. The write can still fail later (a full disk); this catches the typos.
 */
export function checkOutputWritable(path: string, code = 'OUTPUT_UNWRITABLE'): void {
  // '' would pass every check below (its folder is '.') and fail only when written, after the work.
  if (path === '') throw new CliInputError(code, 'the output file name is empty: name a file (or - for stdout)');
  const folder = dirname(path);
  try {
    if (!statSync(folder).isDirectory()) throw new Error(`${folder} is not a folder`);
    accessSync(folder, constants.W_OK);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new CliInputError(code, `cannot write ${path}: ${errno === 'ENOENT' ? `no folder ${folder}` : errno === 'EACCES' ? `no permission to write in ${folder}` : (err as Error).message}`);
  }
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isFolder) throw new CliInputError(code, `cannot write ${path}: it is a folder`);
}

/**
 * Refuse an output path that names one of the command's input files (by any path: the same file
 * on disk): the output would replace the input the user still needs. An output that does not
 * exist yet cannot be an input.
 */
export function checkOutputNotInput(path: string, inputs: readonly string[]): void {
  const out = statOrUndefined(path);
  if (!out) return;
  for (const input of inputs) {
    const s = statOrUndefined(input);
    if (s && s.dev === out.dev && s.ino === out.ino) {
      throw new CliInputError('OUTPUT_IS_INPUT', `cannot write ${path}: it is the input ${input}, which writing would destroy; give another output file`);
    }
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
