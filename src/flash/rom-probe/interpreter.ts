/**
 * Runs the steps of a RomProbePlan on a halted target: debugger memory reads and writes for the
 * registers, the runner's trampoline for the ROM calls. Variables hold what was read; a step whose
 * condition or value needs a variable that was never set is skipped (that is how the restore steps
 * undo exactly what was done, however far the probe got).
 */
import type { AlgorithmRunner } from '../../algorithm/runner.js';
import type { LoadedStub } from '../../algorithm/loader.js';
import type { WorkArea } from '../../algorithm/work-area.js';
import { hex32 } from '../../chips/types.js';
import type { Target } from '../../target/types.js';
import type { FlashReader, StridedReader } from '../probe-mappings.js';
import { flashSizeFromCapacity } from '../stub-protocol.js';
import type { Expr, PlanAddress, PlanStep, When } from './plan.js';

export type RomProbeErrorCode = 'ROM_PROBE_UNSUPPORTED' | 'ROM_PROBE_STOPPED' | 'ROM_PROBE_POLL_TIMEOUT' | 'ROM_PROBE_READ_FAILED';

export class RomProbeError extends Error {
  constructor(readonly code: RomProbeErrorCode, message: string, readonly address?: number) {
    super(message);
    this.name = 'RomProbeError';
  }
}

class MissingVariable extends Error {}

/**
 * The host's part of the plan: given ROM-backed readers (contiguous, and pieces at a stride) and
 * the bytes they may read, decode the flash.
 */
export type FlashReadsHandler = (read: FlashReader, limit: number, strided: StridedReader) => Promise<void>;

const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
const word = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};

export class PlanInterpreter {
  readonly vars = new Map<string, number>();
  romCalls = 0;

  constructor(
    private readonly target: Target,
    private readonly runner: AlgorithmRunner,
    private readonly loaded: LoadedStub,
    private readonly onFlashReads: FlashReadsHandler,
    private readonly timeoutMs: number,
  ) {}

  private get(name: string): number {
    const v = this.vars.get(name);
    if (v === undefined) throw new MissingVariable(name);
    return v;
  }

  evaluate(e: Expr): number {
    if (typeof e === 'number') return e >>> 0;
    if ('var' in e) return this.get(e.var);
    if ('and' in e) return (this.evaluate(e.and[0]) & e.and[1]) >>> 0;
    if ('or' in e) return (this.evaluate(e.or[0]) | this.evaluate(e.or[1])) >>> 0;
    return (this.evaluate(e.minusOne) - 1) >>> 0;
  }

  private address(a: PlanAddress): number {
    return typeof a === 'number' ? a : (this.get(a.ptr) + a.offset) >>> 0;
  }

  private holds(w: When | undefined): boolean {
    if (!w) return true;
    const v = this.get(w.var) & (w.mask ?? 0xffffffff);
    return w.nonzero ? v !== 0 : v === 0;
  }

  private async read32(address: number): Promise<number> {
    return u32(await this.target.readMemory(address, 4));
  }

  private async poll(address: number, mask: number, equals: number, maxPolls: number): Promise<number | undefined> {
    for (let n = 0; n < maxPolls; n++) if (((await this.read32(address)) & mask) >>> 0 === equals >>> 0) return n;
    return undefined;
  }

  /** Call a ROM function through the trampoline; the result register's value. */
  async call(address: number, args: readonly number[]): Promise<number> {
    this.romCalls++;
    const r = await this.runner.run(this.loaded, { entry: address, args, timeoutMs: this.timeoutMs });
    return r.value;
  }

  /**
   * The flash-reads step: a read buffer borrowed from the work area (backed up when taken, put back
   * at the end; taken again larger only when a read needs more, up to `chunk` bytes), each ROM
   * read filling it and only the bytes wanted read back: a contiguous read all of them, a strided
   * read the pieces of each span one read covers.
   */
  private async flashReads(s: Extract<PlanStep, { op: 'flash-reads' }>): Promise<void> {
    const limit = Math.min(s.limit, this.vars.get('chipSizeNow') ?? s.limit);
    const allocator = this.loaded.allocator;
    let buffer: WorkArea | undefined;
    const romRead = async (offset: number, n: number): Promise<number> => {
      if (!buffer || buffer.size < n) {
        if (buffer) await allocator.release(buffer); // its backup written back; released twice is a no-op
        buffer = await allocator.allocate(n, 'ROM read buffer');
      }
      const value = await this.call(s.fn.address, [offset >>> 0, buffer.address, n]);
      if (value !== 0) {
        const why = value === 1 ? 'ERR' : value === 2 ? 'TIMEOUT' : `result ${value}`;
        throw new RomProbeError('ROM_PROBE_READ_FAILED', `${s.fn.name}(${hex32(offset)}, …, ${n}) returned ${why}`, offset);
      }
      return buffer.address;
    };
    const read: FlashReader = async (offset, length) => {
      const out = new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const n = Math.min(s.chunk, length - done);
        const at = await romRead(offset + done, n);
        out.set(await this.target.readMemory(at, n), done);
        done += n;
      }
      return out;
    };
    const strided: StridedReader = async (offset, piece, stride, count) => {
      if (piece > s.chunk) throw new RangeError(`ROM strided read: a ${piece}-byte piece exceeds the ${s.chunk}-byte read buffer`);
      const out = new Uint8Array(piece * count);
      for (let first = 0; first < count; ) {
        // As many pieces as one read of the buffer's size covers.
        let last = first;
        while (last + 1 < count && (((last + 1 - first) * stride + piece + 3) & ~3) <= s.chunk) last++;
        const start = offset + first * stride;
        const at = await romRead(start, ((last - first) * stride + piece + 3) & ~3);
        const pieces = await Promise.all(Array.from({ length: last - first + 1 }, (_, k) => this.target.readMemory(at + k * stride, piece)));
        pieces.forEach((bytes, k) => out.set(bytes, (first + k) * piece));
        first = last + 1;
      }
      return out;
    };
    try {
      await this.onFlashReads(read, limit, strided);
    } finally {
      if (buffer) await allocator.release(buffer);
    }
  }

  /** Run `steps` in order; the first failure throws. */
  async runSteps(steps: readonly PlanStep[]): Promise<void> {
    for (const s of steps) {
      try {
        if (!this.holds(s.when)) continue;
      } catch (error) {
        if (error instanceof MissingVariable) continue;
        throw error;
      }
      await this.step(s);
    }
  }

  /** Run every cleanup step that can run; errors are collected, not thrown. */
  async runCleanup(steps: readonly PlanStep[]): Promise<string[]> {
    const problems: string[] = [];
    for (const s of steps) {
      try {
        if (!this.holds(s.when)) continue;
        await this.step(s);
      } catch (error) {
        if (error instanceof MissingVariable) continue;
        problems.push(`${s.what}: ${(error as Error).message}`);
      }
    }
    return problems;
  }

  private async step(s: PlanStep): Promise<void> {
    const t = this.target;
    switch (s.op) {
      case 'read': {
        const at = this.address(s.address);
        this.vars.set(s.into, s.width === 8 ? (await t.readMemory(at, 1))[0]! : await this.read32(at));
        return;
      }
      case 'check-range': {
        const v = this.get(s.var);
        if (v < s.range.start || v + 28 > s.range.end) throw new RomProbeError('ROM_PROBE_STOPPED', `${s.failure} (${s.var} = ${hex32(v)})`, v);
        return;
      }
      case 'call': {
        const value = await this.call(s.fn.address, s.args.map((a) => this.evaluate(a)));
        if (s.into) this.vars.set(s.into, value);
        return;
      }
      case 'poll': {
        if ((await this.poll(s.address, s.mask, s.equals, s.maxPolls)) === undefined) {
          throw new RomProbeError('ROM_PROBE_POLL_TIMEOUT', `${s.what}: ${hex32(s.address)} & 0x${s.mask.toString(16)} never read 0x${s.equals.toString(16)} in ${s.maxPolls} reads`, s.address);
        }
        return;
      }
      case 'stop-if':
        throw new RomProbeError('ROM_PROBE_STOPPED', s.failure);
      case 'save':
        for (const r of s.registers) this.vars.set(`saved.${r.name}`, await this.read32(r.address));
        return;
      case 'restore': {
        const values = s.registers.map((r) => this.get(`saved.${r.name}`));
        for (let i = s.registers.length - 1; i >= 0; i--) await t.writeMemory(s.registers[i]!.address, word(values[i]!));
        return;
      }
      case 'write': {
        const at = this.address(s.address);
        const v = this.evaluate(s.value);
        await t.writeMemory(at, s.width === 8 ? Uint8Array.of(v & 0xff) : word(v));
        return;
      }
      case 'command': {
        await t.writeMemory(s.cmd, word(s.bits));
        if ((await this.poll(s.cmd, s.bits, 0, s.maxPolls)) === undefined) {
          throw new RomProbeError('ROM_PROBE_POLL_TIMEOUT', `${s.what}: the command bits 0x${s.bits.toString(16)} never cleared`, s.cmd);
        }
        return;
      }
      case 'command-until': {
        let n = 0;
        for (; n < s.maxPolls; n++) {
          await t.writeMemory(s.w0, word(0));
          await t.writeMemory(s.cmd, word(s.bits));
          if ((await this.poll(s.cmd, s.bits, 0, 1000)) === undefined) {
            throw new RomProbeError('ROM_PROBE_POLL_TIMEOUT', `${s.what}: the command bits 0x${s.bits.toString(16)} never cleared`, s.cmd);
          }
          if (((await this.read32(s.w0)) & s.mask) >>> 0 === s.equals) break;
        }
        this.vars.set(s.into, n);
        if (n === s.maxPolls) this.vars.set(`${s.into}.exhausted`, 1);
        return;
      }
      case 'read-id':
        this.vars.set(s.into, (await this.read32(s.w0)) & 0xffffff);
        return;
      case 'raise-chip-size': {
        const current = this.get(s.sizeVar);
        const detected = Math.min(flashSizeFromCapacity((this.get(s.idVar) >>> 16) & 0xff), s.limit);
        const raise = detected > current;
        if (raise) await t.writeMemory(this.address(s.address), word(detected));
        this.vars.set(s.into, raise ? 1 : 0);
        this.vars.set('chipSizeNow', raise ? detected : current);
        return;
      }
      case 'flash-reads':
        await this.flashReads(s);
        return;
    }
  }
}
