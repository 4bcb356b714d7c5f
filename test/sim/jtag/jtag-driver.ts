/**
 * A small JTAG host for tests: builds remote_bitbang byte strings the way a bit-banging adapter
 * does (set TCK low with TMS/TDI, sample TDO with 'R', raise TCK) and decodes the replies.
 * `transport` carries bytes to the simulated adapter (a BitbangSession, or a socket).
 */
export type Transport = (bytes: Uint8Array) => Promise<Uint8Array> | Uint8Array;

export class JtagHost {
  constructor(private readonly transport: Transport) {}

  private bits: string[] = [];
  private reads = 0;

  private clock(tms: number, tdi: number, read: boolean): void {
    this.bits.push(String((tms << 1) | tdi));
    if (read) {
      this.bits.push('R');
      this.reads++;
    }
    this.bits.push(String(4 | (tms << 1) | tdi));
  }

  private async flush(): Promise<string> {
    const text = this.bits.join('');
    const expected = this.reads;
    this.bits = [];
    this.reads = 0;
    const reply = await this.transport(new TextEncoder().encode(text));
    const s = new TextDecoder().decode(reply);
    if (s.length !== expected) throw new Error(`expected ${expected} TDO replies, got ${s.length}`);
    return s;
  }

  /** Five TMS=1 clocks then one TMS=0: Run-Test/Idle from any state. */
  async resetToIdle(): Promise<void> {
    for (let i = 0; i < 5; i++) this.clock(1, 0, false);
    this.clock(0, 0, false);
    await this.flush();
  }

  /** From Run-Test/Idle: shift `length` bits of `value` through IR (ir) or DR, back to Run-Test/Idle. Returns the bits shifted out. */
  async scan(ir: boolean, value: bigint, length: number, idleCycles = 0): Promise<bigint> {
    this.clock(1, 0, false); // Select-DR
    if (ir) this.clock(1, 0, false); // Select-IR
    this.clock(0, 0, false); // Capture
    this.clock(0, 0, false); // Shift
    for (let i = 0; i < length; i++) {
      const last = i === length - 1;
      this.clock(last ? 1 : 0, Number((value >> BigInt(i)) & 1n), true); // last bit → Exit1
    }
    this.clock(1, 0, false); // Update
    this.clock(0, 0, false); // Run-Test/Idle
    for (let i = 0; i < idleCycles; i++) this.clock(0, 0, false);
    const out = await this.flush();
    let result = 0n;
    for (let i = 0; i < out.length; i++) if (out[i] === '1') result |= 1n << BigInt(i);
    return result;
  }

  async scanIr(value: number): Promise<number> {
    return Number(await this.scan(true, BigInt(value), 5));
  }

  async scanDr(value: bigint, length: number, idleCycles = 0): Promise<bigint> {
    return this.scan(false, value, length, idleCycles);
  }

  /** One DMI scan (IR must be DMI): returns {address, data, op/status} captured from the previous operation. */
  async dmi(op: number, address: number, data: number, idleCycles = 1): Promise<{ address: number; data: number; status: number }> {
    const v = (BigInt(address) << 34n) | (BigInt(data >>> 0) << 2n) | BigInt(op);
    const r = await this.scanDr(v, 41, idleCycles);
    return { address: Number(r >> 34n), data: Number((r >> 2n) & 0xffffffffn) >>> 0, status: Number(r & 3n) };
  }

  async dmiRead(address: number): Promise<number> {
    await this.dmi(1, address, 0);
    const r = await this.dmi(0, 0, 0);
    if (r.status !== 0) throw new Error(`DMI read of 0x${address.toString(16)} failed with status ${r.status}`);
    return r.data;
  }

  async dmiWrite(address: number, value: number): Promise<void> {
    await this.dmi(2, address, value);
    const r = await this.dmi(0, 0, 0);
    if (r.status !== 0) throw new Error(`DMI write of 0x${address.toString(16)} failed with status ${r.status}`);
  }
}
