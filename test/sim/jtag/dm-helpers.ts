/** Helpers for Debug Module tests: DMI-level operations a debugger performs. */
import { DebugModule } from '../../../src/sim/jtag/debug-module.js';
import { DM, DMCONTROL } from '../../../src/sim/jtag/dm-registers.js';
import { counterMachine, type CounterMachine } from './counter-fixture.js';

export const ACTIVE = DMCONTROL.dmactive;

export interface DmRig extends CounterMachine {
  readonly dm: DebugModule;
  /** Access Register command word for a 32-bit transfer of regno. */
  reg(regno: number, write?: boolean, extra?: number): number;
  readReg(regno: number): number;
  writeReg(regno: number, value: number): void;
  /** abstractcs.cmderr. */
  cmderr(): number;
  clearCmderr(): void;
  halt(): void;
  status(): number;
}

export function dmRig(options: { halted?: boolean; progbufSize?: number } = {}): DmRig {
  const m = counterMachine({ halted: options.halted ?? false });
  const dm = new DebugModule(m.hart, m.bus, options.progbufSize === undefined ? {} : { progbufSize: options.progbufSize });
  dm.dmiWrite(DM.dmcontrol, ACTIVE);
  const reg = (regno: number, write = false, extra = 0): number => ((2 << 20) | (1 << 17) | (write ? 1 << 16 : 0) | extra | regno) >>> 0;
  const cmderr = (): number => (dm.dmiRead(DM.abstractcs) >>> 8) & 7;
  return {
    ...m,
    dm,
    reg,
    cmderr,
    clearCmderr: () => dm.dmiWrite(DM.abstractcs, 7 << 8),
    readReg(regno) {
      dm.dmiWrite(DM.command, reg(regno));
      const e = cmderr();
      if (e !== 0) throw new Error(`reading register 0x${regno.toString(16)} failed with cmderr ${e}`);
      return dm.dmiRead(DM.data0);
    },
    writeReg(regno, value) {
      dm.dmiWrite(DM.data0, value);
      dm.dmiWrite(DM.command, reg(regno, true));
      const e = cmderr();
      if (e !== 0) throw new Error(`writing register 0x${regno.toString(16)} failed with cmderr ${e}`);
    },
    halt() {
      dm.dmiWrite(DM.dmcontrol, ACTIVE | DMCONTROL.haltreq);
      dm.dmiWrite(DM.dmcontrol, ACTIVE);
    },
    status: () => dm.dmiRead(DM.dmstatus),
  };
}
