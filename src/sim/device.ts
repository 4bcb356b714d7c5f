/**
 * The contract between the simulated hart's bus and the hardware blocks mapped on it.
 * A device sees offsets relative to where it is mapped. Accesses are little-endian.
 * A device that cannot serve an access throws BusFault; the hart turns that into an access-fault trap.
 */
import { counted } from '../chips/types.js';

export interface MemoryDevice {
  readonly name: string;
  read8(offset: number): number;
  read16(offset: number): number;
  read32(offset: number): number;
  write8(offset: number, value: number): void;
  write16(offset: number, value: number): void;
  write32(offset: number, value: number): void;
}

export type AccessKind = 'fetch' | 'load' | 'store';

/** Thrown by the bus or a device for an access nothing answers (the hart raises an access fault). */
export class BusFault extends Error {
  readonly code = 'SIM_BUS_FAULT';
  constructor(readonly address: number, readonly access: AccessKind, readonly size: number, detail?: string) {
    super(`${access} of ${counted(size, 'byte')} at 0x${(address >>> 0).toString(16).padStart(8, '0')} faulted${detail ? `: ${detail}` : ''}`);
    this.name = 'BusFault';
  }
}
