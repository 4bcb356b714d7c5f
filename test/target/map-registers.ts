/**
 * The register file of a scripted test target: a name → value map with the Target interface's
 * register methods. Unknown names are an error on write, values are kept as unsigned 32-bit.
 */
export class MapRegisters {
  readonly regs = new Map<string, number>();

  async readRegisters(names?: readonly string[]): Promise<Map<string, number>> {
    return new Map((names ?? [...this.regs.keys()]).map((n) => [n, this.regs.get(n)!]));
  }
  async writeRegisters(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    for (const [n, v] of values instanceof Map ? [...values] : Object.entries(values)) {
      if (!this.regs.has(n)) throw new Error(`no register ${n}`);
      this.regs.set(n, v >>> 0);
    }
  }
  async readRegister(name: string): Promise<number> {
    return this.regs.get(name)!;
  }
  async writeRegister(name: string, value: number): Promise<void> {
    this.regs.set(name, value >>> 0);
  }
}
