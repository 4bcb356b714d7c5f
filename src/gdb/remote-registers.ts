/**
 * Register access over RSP: the whole file with `g`/`G` (cached until the target runs), single ones
 * with `p`/`P`. Writes can be staged: they land in the cache at once and go to the target with the
 * next flush — which the target does before anything that lets the CPU run or the session end — so
 * a run's register set-up and the resume leave in one burst.
 */
import type { RegisterInfo } from '../target/types.js';
import { TargetRegisterError } from '../target/errors.js';
import type { RspConnection } from './connection.js';
import type { RegisterFile } from './register-file.js';
import { parseErrorReply } from './codec.js';
import { valueToLeHex, leHexToValue, bytesToHex, hexToBytes } from './hex.js';
import { GdbErrorReplyError, GdbProtocolError } from './errors.js';

interface Resolved {
  readonly list: ReadonlyArray<readonly [string, RegisterInfo]>;
  readonly inG: ReadonlySet<RegisterInfo>;
  readonly anyInG: boolean;
}

function asMap(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): ReadonlyMap<string, number> {
  return values instanceof Map ? (values as ReadonlyMap<string, number>) : new Map(Object.entries(values as Record<string, number>));
}

const OK_OR_ERROR = (r: string) => r === 'OK' || r === '' || r[0] === 'E';
/** Register writes are control requests: they may share a burst with a resume. */
const WRITE = { accept: OK_OR_ERROR, control: true } as const;
const REGISTER_REPLY = (r: string) => r === '' || /^[0-9a-fA-FxE]/.test(r);

export class RemoteRegisters {
  /**
   * The `g` image as the target will hold it once the staged writes are flushed: as hex (as
   * received, or made again for a G) and as bytes (where staged writes go), each made from the
   * other when needed.
   */
  private gCache: string | undefined;
  private gBytes: Uint8Array | undefined;
  /** The image decoded, worked out on first use. */
  private gValues: Map<RegisterInfo, number> | undefined;
  /** Registers outside the `g` file whose value is known while the target stays halted (staged ones included). */
  private readonly pCache = new Map<RegisterInfo, number>();
  /** Staged writes not yet sent: `g`-file registers, and registers outside it (their values are in pCache). */
  private readonly gStaged = new Set<RegisterInfo>();
  private readonly pStaged = new Set<RegisterInfo>();
  /**
   * Staged writes held back from a run that does not use them (flush with `hold`): the program's
   * values, written with the next flush that holds nothing. They outlive the run's stop.
   */
  private readonly held = new Map<RegisterInfo, number>();

  /**
   * `singleWritesUpTo`: flush up to this many changed registers of the `g` file as single P packets
   * rather than one G. 1 by default (a G is one round trip); more where a G costs a write of every
   * register in the file and a P one write (OpenOCD).
   */
  constructor(
    private readonly conn: RspConnection,
    private readonly file: RegisterFile,
    private readonly options: { readonly singleWritesUpTo?: number } = {},
  ) {}

  /** True while staged writes wait for a flush. */
  get dirty(): boolean {
    return this.gStaged.size > 0 || this.pStaged.size > 0 || this.held.size > 0;
  }

  /**
   * Forget cached values (the target ran or stopped). Staged writes are dropped too (flush first
   * where they matter); held ones stay unless `all` (a reset: the program's context is gone).
   */
  invalidate(all = false): void {
    this.gCache = undefined;
    this.gBytes = undefined;
    this.gValues = undefined;
    this.pCache.clear();
    this.gStaged.clear();
    this.pStaged.clear();
    if (all) this.held.clear();
  }

  private get haveG(): boolean {
    return this.gCache !== undefined || this.gBytes !== undefined;
  }

  /** The image as hex (for a G). */
  private gHex(): string {
    if (this.gCache === undefined) this.gCache = bytesToHex(this.gBytes!);
    return this.gCache;
  }

  private async readG(): Promise<void> {
    if (this.haveG) return;
    const g = await this.conn.requestText('g', { accept: REGISTER_REPLY });
    if (parseErrorReply(g) !== undefined) throw new GdbErrorReplyError('g', g);
    if (g.length < this.file.gLength * 2) throw new GdbProtocolError('g', `the reply has ${g.length / 2} bytes, expected ${this.file.gLength}`);
    this.gCache = g;
    this.gBytes = undefined;
    this.gValues = undefined;
  }

  private gDecoded(): Map<RegisterInfo, number> {
    this.gValues ??= this.gBytes ? this.file.decodeGBytes(this.gBytes) : this.file.decodeG(this.gCache!);
    return this.gValues;
  }

  /** Write staged values into the image. */
  private patchG(changes: ReadonlyMap<RegisterInfo, number>): void {
    this.gBytes ??= hexToBytes(this.gCache!.slice(0, this.file.gLength * 2));
    if (!this.gBytes) {
      // The image has `xx` fields: splice the hex instead.
      this.gCache = this.file.encodeG(this.gCache!, changes);
    } else {
      for (const [reg, value] of changes) this.file.setInGBytes(this.gBytes, reg, value);
      this.gCache = undefined;
    }
    const decoded = this.gValues;
    if (decoded) for (const [reg, value] of changes) decoded.set(reg, value);
  }

  /** Values by name; all registers when `names` is omitted (then those the server will not serve are left out). */
  async read(names?: readonly string[]): Promise<Map<string, number>> {
    const wanted = this.resolve(names);
    const out = new Map<string, number>();
    if (wanted.anyInG) await this.readG();
    const values = wanted.anyInG ? this.gDecoded() : undefined;
    let missing: Array<readonly [string, RegisterInfo]> | undefined;
    for (const entry of wanted.list) {
      const [name, reg] = entry;
      const v = wanted.inG.has(reg) ? values!.get(reg) : this.pCache.get(reg);
      if (v !== undefined) out.set(name, v);
      else if (!wanted.inG.has(reg)) (missing ??= []).push(entry);
    }
    if (missing) {
      const results = await Promise.allSettled(missing.map(([, r]) => this.readP(r)));
      results.forEach((res, i) => {
        const [name] = missing[i]!;
        if (res.status === 'fulfilled') out.set(name, res.value);
        else if (names) throw res.reason; // asked by name: say why it failed
      });
    }
    if (names && out.size < wanted.list.length) {
      for (const [name] of wanted.list) if (!out.has(name)) throw new TargetRegisterError(name, 'the server reports it unavailable');
    }
    return out;
  }

  /** Names resolved to registers, remembered per names array (callers reuse theirs, e.g. a run's context list). */
  private readonly resolved = new WeakMap<readonly string[], Resolved>();
  private all: Resolved | undefined;

  /** The same for short lists built afresh on every call (['pc'], [pc, a0]), by their text. */
  private readonly resolvedShort = new Map<string, Resolved>();

  private resolve(names: readonly string[] | undefined): Resolved {
    const key = names && names.length <= 4 ? names.join(',') : undefined;
    const known = names ? (key !== undefined ? this.resolvedShort.get(key) : this.resolved.get(names)) : this.all;
    if (known) return known;
    const file = this.file;
    const list = names ? names.map((n) => [n, file.get(n)] as const) : file.registers.map((r) => [r.name, r] as const);
    const inG = new Set(list.filter(([, r]) => file.inG(r)).map(([, r]) => r));
    const made: Resolved = { list, inG, anyInG: inG.size > 0 };
    if (key !== undefined) {
      if (this.resolvedShort.size > 256) this.resolvedShort.clear();
      this.resolvedShort.set(key, made);
    } else if (names) this.resolved.set(names, made);
    else this.all = made;
    return made;
  }

  private async readP(reg: RegisterInfo): Promise<number> {
    const cached = this.pCache.get(reg);
    if (cached !== undefined) return cached;
    const request = `p${reg.regnum.toString(16)}`;
    const reply = await this.conn.requestText(request, { accept: REGISTER_REPLY });
    if (reply === '') throw new TargetRegisterError(reg.name, `the server does not serve it ('${request}' got an empty reply)`);
    if (parseErrorReply(reply) !== undefined) throw new TargetRegisterError(reg.name, `the server replied ${reply} to '${request}'`);
    const v = leHexToValue(reply);
    if (v === undefined) throw new TargetRegisterError(reg.name, 'the server reports it unavailable');
    this.pCache.set(reg, v);
    return v;
  }

  /**
   * Stage writes: the cache holds the new values at once, the target gets them with the next
   * flush. Values the target already holds are left out. False (nothing staged) when registers of
   * the `g` file are among them and the file is not cached: then write() is the way.
   */
  stage(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): boolean {
    const file = this.file;
    const map = asMap(values);
    let current: Map<RegisterInfo, number> | undefined;
    for (const name of map.keys()) {
      if (!file.inG(file.get(name))) continue;
      if (!this.haveG) return false;
      current = this.gDecoded();
      break;
    }
    let gChanges: Map<RegisterInfo, number> | undefined;
    for (const [name, raw] of map) {
      const reg = file.get(name);
      const value = raw >>> 0;
      if (file.inG(reg)) {
        if (current!.get(reg) !== value) (gChanges ??= new Map()).set(reg, value);
      } else if (this.pCache.get(reg) !== value) {
        // (equal: the target already holds it, or will: nothing to send)
        this.pCache.set(reg, value);
        this.pStaged.add(reg);
      }
    }
    if (gChanges) {
      this.patchG(gChanges);
      for (const reg of gChanges.keys()) this.gStaged.add(reg);
    }
    return true;
  }

  /**
   * Send the staged writes. Every packet is queued before this returns (P for single registers; one
   * G for several of the `g` file), so whatever the caller queues next follows them on the wire.
   * Resolves once all are answered; on a failure the cache is dropped (the target's state is unknown).
   */
  flush(hold?: readonly string[]): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    const holding = hold && hold.length > 0 ? new Set(hold.map((n) => this.file.get(n))) : undefined;
    const singles: Array<readonly [RegisterInfo, number]> = [];
    for (const reg of this.pStaged) {
      const value = this.pCache.get(reg)!;
      if (holding?.has(reg)) this.held.set(reg, value);
      else {
        singles.push([reg, value]);
        this.held.delete(reg);
      }
    }
    // Held values go out unless this flush holds them again.
    for (const [reg, value] of this.held) {
      if (holding?.has(reg)) continue;
      singles.push([reg, value]);
      this.held.delete(reg);
    }
    const gRegs = [...this.gStaged];
    const image = gRegs.length > 0 ? this.gHex() : undefined;
    this.pStaged.clear();
    this.gStaged.clear();
    const sends: Promise<unknown>[] = singles.map(([reg, value]) => this.sendP(reg, value));
    if (gRegs.length > 0 && gRegs.length <= Math.max(1, this.options.singleWritesUpTo ?? 1)) {
      const values = this.gDecoded();
      for (const reg of gRegs) sends.push(this.sendPInG(reg, values.get(reg)!, image));
    } else if (gRegs.length > 1) {
      sends.push(this.sendG(image!, gRegs));
    }
    return Promise.allSettled(sends).then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        this.invalidate();
        throw failed.reason;
      }
    });
  }

  /** Write now: stage, then flush (with anything staged before). */
  async write(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    if (!this.stage(values)) {
      const file = this.file;
      const entries = [...asMap(values)];
      const inG = entries.filter(([name]) => file.inG(file.get(name)));
      if (inG.length === 1) {
        // One register of an uncached file: P it directly (G, after reading the file, if P is not served).
        const [[name, value]] = inG as [[string, number]];
        this.stage(new Map(entries.filter(([n]) => n !== name)));
        const [flushed, direct] = await Promise.allSettled([this.flush(), this.sendPInG(file.get(name), value >>> 0, undefined)]);
        if (flushed.status === 'rejected') throw flushed.reason;
        if (direct.status === 'rejected') throw direct.reason;
        if (!direct.value) {
          await this.readG();
          this.stage({ [name]: value });
          await this.flush();
        }
        return;
      }
      await this.readG();
      this.stage(values);
    }
    await this.flush();
  }

  /** P one register outside the `g` file; any reply but OK is an error. */
  private async sendP(reg: RegisterInfo, value: number): Promise<void> {
    const request = this.pRequest(reg, value);
    const reply = await this.conn.requestText(request, WRITE);
    if (reply !== 'OK') throw new TargetRegisterError(reg.name, `the server replied '${reply}' to '${request}'`);
  }

  /**
   * P one register of the `g` file. If the server does not do P (empty reply): G with `image` when
   * given, else false for the caller to handle.
   */
  private async sendPInG(reg: RegisterInfo, value: number, image: string | undefined): Promise<boolean> {
    const request = this.pRequest(reg, value);
    const reply = await this.conn.requestText(request, WRITE);
    if (reply === 'OK') return true;
    if (reply !== '') throw new TargetRegisterError(reg.name, `the server replied '${reply}' to '${request}'`);
    if (image === undefined) return false;
    return this.sendG(image, [reg]);
  }

  private pRequest(reg: RegisterInfo, value: number): string {
    return `P${reg.regnum.toString(16)}=${valueToLeHex(value, Math.ceil(reg.bitsize / 8))}`;
  }

  private async sendG(image: string, regs: readonly RegisterInfo[]): Promise<boolean> {
    const reply = await this.conn.requestText(`G${image}`, WRITE);
    if (reply !== 'OK') throw new TargetRegisterError(regs.map((r) => r.name).join(','), `the server replied '${reply}' to G`);
    return true;
  }
}
