/** Register access over RSP: the whole file with `g`/`G` (cached until the target runs), single ones with `p`/`P`. */
import type { RegisterInfo } from '../target/types.js';
import { TargetRegisterError } from '../target/errors.js';
import type { RspConnection } from './connection.js';
import type { RegisterFile } from './register-file.js';
import { parseErrorReply } from './codec.js';
import { valueToLeHex, leHexToValue } from './hex.js';
import { GdbErrorReplyError, GdbProtocolError } from './errors.js';

const OK_OR_ERROR = (r: string) => r === 'OK' || r === '' || r[0] === 'E';
const REGISTER_REPLY = (r: string) => r === '' || /^[0-9a-fA-FxE]/.test(r);

export class RemoteRegisters {
  private gCache: string | undefined;
  /** gCache decoded, worked out on first use. */
  private gValues: Map<RegisterInfo, number> | undefined;
  /** Registers outside the `g` file whose value is known while the target stays halted. */
  private readonly pCache = new Map<RegisterInfo, number>();

  constructor(private readonly conn: RspConnection, private readonly file: RegisterFile) {}

  /** Forget cached values (the target ran, stopped or was reset). */
  invalidate(): void {
    this.gCache = undefined;
    this.gValues = undefined;
    this.pCache.clear();
  }

  private async readG(): Promise<string> {
    if (this.gCache === undefined) {
      const g = await this.conn.requestText('g', { accept: REGISTER_REPLY });
      if (parseErrorReply(g) !== undefined) throw new GdbErrorReplyError('g', g);
      if (g.length < this.file.gLength * 2) throw new GdbProtocolError('g', `the reply has ${g.length / 2} bytes, expected ${this.file.gLength}`);
      this.gCache = g;
      this.gValues = undefined;
    }
    return this.gCache;
  }

  private async readGValues(): Promise<Map<RegisterInfo, number>> {
    const g = await this.readG();
    if (!this.gValues) this.gValues = this.file.decodeG(g);
    return this.gValues;
  }

  /** Values by name; all registers when `names` is omitted (then those the server will not serve are left out). */
  async read(names?: readonly string[]): Promise<Map<string, number>> {
    const file = this.file;
    const wanted = names ? names.map((n) => [n, file.get(n)] as const) : file.registers.map((r) => [r.name, r] as const);
    const out = new Map<string, number>();
    if (wanted.some(([, r]) => file.inG(r))) {
      const values = await this.readGValues();
      for (const [name, reg] of wanted) {
        const v = values.get(reg);
        if (v !== undefined) out.set(name, v);
      }
    }
    const single = wanted.filter(([, r]) => !file.inG(r));
    const results = await Promise.allSettled(single.map(([, r]) => this.readP(r)));
    results.forEach((res, i) => {
      const [name] = single[i]!;
      if (res.status === 'fulfilled') out.set(name, res.value);
      else if (names) throw res.reason; // asked by name: say why it failed
    });
    if (names) for (const [name] of wanted) if (!out.has(name)) throw new TargetRegisterError(name, 'the server reports it unavailable');
    return out;
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

  /** One register in the `g` file goes by P (G if P is not served); several by one G; the rest by P. */
  async write(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    const file = this.file;
    const entries = values instanceof Map ? [...values.entries()] : Object.entries(values as Record<string, number>);
    const inG = new Map<RegisterInfo, number>();
    const single: Array<[RegisterInfo, number]> = [];
    for (const [name, value] of entries) {
      const reg = file.get(name);
      if (file.inG(reg)) inG.set(reg, value);
      else if (this.pCache.get(reg) !== value >>> 0) single.push([reg, value]); // already holds it: nothing to send
    }
    // The single writes are independent of the G: all go out at once (pipelined where the link
    // allows), and every one of them is awaited before returning.
    const singles = Promise.allSettled(single.map(([reg, value]) => this.writeP(reg, value, false)));
    try {
      if (inG.size === 1) {
        const [[reg, value]] = [...inG];
        if (await this.writeP(reg, value, true)) inG.clear();
      }
      if (inG.size > 0) {
        const image = file.encodeG(await this.readG(), inG);
        const reply = await this.conn.requestText(`G${image}`, { accept: OK_OR_ERROR });
        if (reply !== 'OK') throw new TargetRegisterError([...inG.keys()].map((r) => r.name).join(','), `the server replied '${reply}' to G`);
        this.gCache = image;
        this.gValues = undefined;
      }
    } finally {
      for (const result of await singles) if (result.status === 'rejected') throw result.reason;
    }
  }

  /** P one register; false when the server does not do P and `fallback` allows using G instead. */
  private async writeP(reg: RegisterInfo, value: number, fallback: boolean): Promise<boolean> {
    const request = `P${reg.regnum.toString(16)}=${valueToLeHex(value, Math.ceil(reg.bitsize / 8))}`;
    const reply = await this.conn.requestText(request, { accept: OK_OR_ERROR });
    if (reply === 'OK') {
      if (this.gCache !== undefined && this.file.inG(reg)) {
        this.gCache = this.file.encodeG(this.gCache, new Map([[reg, value]]));
        this.gValues = undefined;
      }
      if (!this.file.inG(reg)) this.pCache.set(reg, value >>> 0);
      return true;
    }
    if (reply === '' && fallback) return false;
    throw new TargetRegisterError(reg.name, `the server replied '${reply}' to '${request}'`);
  }
}
