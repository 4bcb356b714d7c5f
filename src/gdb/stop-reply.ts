/** Stop replies (`S`, `T`, `W`, `X`): parsing on the client, formatting on the server. */
import type { StopInfo, StopReason } from '../target/types.js';
import { WATCH_STOP_FIELD, watchKindOfStopField } from './watch-kinds.js';
import { leHexToValue, valueToLeHex, isHex } from './hex.js';

export const SIGINT = 2;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGKILL = 9;
export const SIGSEGV = 11;

export interface ParsedStopReply {
  readonly kind: 'signal' | 'exited' | 'killed';
  /** Signal number (`S`/`T`/`X`) or exit code (`W`). */
  readonly code: number;
  readonly thread?: string;
  /** Stop reason named in a `T` reply. */
  readonly reason?: 'swbreak' | 'hwbreak' | 'watch' | 'rwatch' | 'awatch';
  readonly watchAddress?: number;
  /** Register values carried in a `T` reply, regnum → little-endian hex. */
  readonly registers: ReadonlyMap<number, string>;
}

/** True if the payload has the shape of a stop reply. */
export function isStopReply(payload: string): boolean {
  return /^T[0-9a-fA-F]{2}/.test(payload) || /^S[0-9a-fA-F]{2}$/.test(payload) || /^[WX][0-9a-fA-F]{2}(;.*)?$/.test(payload);
}

/** Parse a stop reply; undefined when it is not one. */
export function parseStopReply(payload: string): ParsedStopReply | undefined {
  if (!isStopReply(payload)) return undefined;
  const code = parseInt(payload.slice(1, 3), 16);
  const kind = payload[0] === 'W' ? 'exited' : payload[0] === 'X' ? 'killed' : 'signal';
  const registers = new Map<number, string>();
  let thread: string | undefined;
  let reason: ParsedStopReply['reason'];
  let watchAddress: number | undefined;
  if (payload[0] === 'T') {
    for (const field of payload.slice(3).split(';')) {
      if (field.length === 0) continue;
      const colon = field.indexOf(':');
      const name = colon < 0 ? field : field.slice(0, colon);
      const value = colon < 0 ? '' : field.slice(colon + 1);
      if (name === 'thread') thread = value;
      else if (name === 'swbreak' || name === 'hwbreak') reason = name;
      else if (name === 'watch' || name === 'rwatch' || name === 'awatch') {
        reason = name;
        if (isHex(value)) watchAddress = parseInt(value, 16) >>> 0;
      } else if (isHex(name) && isHex(value)) registers.set(parseInt(name, 16), value);
      // Other fields (core, library, fork, ...) carry nothing we use.
    }
  }
  return { kind, code, registers, ...(thread !== undefined ? { thread } : {}), ...(reason ? { reason } : {}), ...(watchAddress !== undefined ? { watchAddress } : {}) };
}

/** What the client was doing when the stop came, to name a stop the server gave no reason for. */
export interface StopContext {
  readonly stepping: boolean;
  readonly interrupting: boolean;
  readonly pcRegnum: number;
  /** Kind of our breakpoint at an address, if any. */
  readonly breakpointAt: (pc: number) => 'software' | 'hardware' | undefined;
  /** PC read separately when the reply carried none. */
  readonly pc?: number;
}

/** Turn a parsed stop reply into a StopInfo, naming the reason from context where the server did not. */
export function toStopInfo(parsed: ParsedStopReply, context: StopContext): StopInfo {
  const pcHex = parsed.registers.get(context.pcRegnum);
  const pcValue = pcHex !== undefined ? leHexToValue(pcHex) : context.pc;
  const pc = pcValue === undefined ? undefined : pcValue >>> 0;
  const base = { ...(pc !== undefined ? { pc } : {}), ...(parsed.thread !== undefined ? { thread: parsed.thread } : {}) };
  if (parsed.kind === 'exited') return { reason: 'exited', exitCode: parsed.code, ...base };
  if (parsed.kind === 'killed') return { reason: 'killed', signal: parsed.code, ...base };
  let reason: StopReason;
  if (parsed.reason === 'swbreak') reason = 'breakpoint';
  else if (parsed.reason === 'hwbreak') reason = 'hw-breakpoint';
  else if (parsed.reason) {
    const watchpoint = parsed.watchAddress !== undefined ? { kind: watchKindOfStopField(parsed.reason)!, address: parsed.watchAddress } : undefined;
    return { reason: 'watchpoint', signal: parsed.code, ...base, ...(watchpoint ? { watchpoint } : {}) };
  }
  else if (parsed.code === SIGTRAP) {
    const bp = pc !== undefined ? context.breakpointAt(pc) : undefined;
    if (context.stepping) reason = 'step';
    else if (bp === 'software') reason = 'breakpoint';
    else if (bp === 'hardware') reason = 'hw-breakpoint';
    else reason = 'breakpoint';
  } else if (parsed.code === SIGINT) reason = 'interrupt';
  else if (parsed.code === 0) reason = context.interrupting ? 'interrupt' : 'unknown';
  else if (parsed.code === SIGILL || parsed.code === SIGBUS || parsed.code === SIGSEGV) reason = 'exception';
  else reason = 'unknown';
  return { reason, signal: parsed.code, ...base };
}

export interface StopFormat {
  readonly pcRegnum: number;
  readonly pcBytes: number;
  /** Report `swbreak`/`hwbreak` reasons (the client announced support). */
  readonly reasons: boolean;
  readonly thread?: string;
}

/** Signal number a server reports for a stop. */
export function signalFor(stop: StopInfo): number {
  if (stop.signal !== undefined) return stop.signal;
  switch (stop.reason) {
    case 'interrupt': return SIGINT;
    case 'exception': return SIGSEGV;
    case 'killed': return SIGKILL;
    default: return SIGTRAP;
  }
}

/** Format a stop as a `T`, `W` or `X` reply. */
export function formatStopReply(stop: StopInfo, format: StopFormat): string {
  const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, '0');
  if (stop.reason === 'exited') return `W${hex2(stop.exitCode ?? 0)}`;
  if (stop.reason === 'killed') return `X${hex2(stop.signal ?? SIGKILL)}`;
  let out = `T${hex2(signalFor(stop))}`;
  if (stop.pc !== undefined) out += `${format.pcRegnum.toString(16)}:${valueToLeHex(stop.pc >>> 0, format.pcBytes)};`;
  out += `thread:${format.thread ?? '1'};`;
  // A watchpoint is named whatever the client announced: GDB needs it to tell which one was hit.
  if (stop.reason === 'watchpoint' && stop.watchpoint) out += `${WATCH_STOP_FIELD[stop.watchpoint.kind]}:${(stop.watchpoint.address >>> 0).toString(16)};`;
  else if (format.reasons) {
    if (stop.reason === 'breakpoint') out += 'swbreak:;';
    else if (stop.reason === 'hw-breakpoint') out += 'hwbreak:;';
  }
  return out;
}
