/**
 * Shared harness for the differential ISA tests and the MIPS benchmark: builds the RV32 test
 * programs in isa-programs/ with the cross compiler, runs them on QEMU (virt machine) and on the
 * simulator, and returns what each printed on the virt UART.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from '../../src/sim/bus.js';
import { Hart } from '../../src/sim/hart/index.js';
import type { MemoryDevice } from '../../src/sim/device.js';

export const PROGRAMS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'isa-programs');
export const GCC = 'riscv64-unknown-elf-gcc';
export const QEMU = 'qemu-system-riscv32';
export const RAM_BASE = 0x80000000;
export const RAM_SIZE = 8 << 20;

function onPath(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Which peers are missing ([] when all are there). */
export function missingPeers(): string[] {
  return [GCC, QEMU].filter((c) => !onPath(c));
}

export function makeTempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-isa-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Compiles start.S + the given sources from isa-programs/ into `${outDir}/${name}.elf`. */
export function buildProgram(outDir: string, name: string, sources: string[]): string {
  const out = join(outDir, `${name}.elf`);
  const args = [
    '-march=rv32imc', '-mabi=ilp32', '-nostdlib', '-ffreestanding', '-O2', '-mcmodel=medany',
    '-T', join(PROGRAMS_DIR, 'link.ld'),
    join(PROGRAMS_DIR, 'start.S'), ...sources.map((s) => join(PROGRAMS_DIR, s)), '-lgcc', '-o', out,
  ];
  const r = spawnSync(GCC, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.stderr}`);
  return out;
}

export interface ElfSegment {
  readonly address: number;
  readonly data: Uint8Array;
  readonly memSize: number;
}

/** Minimal ELF32 little-endian reader: PT_LOAD segments (physical addresses) and the entry. */
export function readElf(bytes: Uint8Array): { entry: number; segments: ElfSegment[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46 || bytes[4] !== 1 || bytes[5] !== 1) throw new Error('not an ELF32 little-endian file');
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (dv.getUint32(o, true) !== 1) continue;
    const offset = dv.getUint32(o + 4, true);
    const paddr = dv.getUint32(o + 12, true);
    const filesz = dv.getUint32(o + 16, true);
    const memsz = dv.getUint32(o + 20, true);
    segments.push({ address: paddr, data: bytes.subarray(offset, offset + filesz), memSize: memsz });
  }
  return { entry, segments };
}

/** ns16550 transmit side: THR writes collect text; LSR says the transmitter is empty. */
class UartStub implements MemoryDevice {
  readonly name = 'virt-uart';
  text = '';
  read8(offset: number): number {
    return offset === 5 ? 0x60 : 0;
  }
  read16(offset: number): number {
    return this.read8(offset);
  }
  read32(offset: number): number {
    return this.read8(offset);
  }
  write8(offset: number, value: number): void {
    if (offset === 0) this.text += String.fromCharCode(value);
  }
  write16(offset: number, value: number): void {
    this.write8(offset, value & 0xff);
  }
  write32(offset: number, value: number): void {
    this.write8(offset, value & 0xff);
  }
}

/** The virt test finisher: a write stops the hart and records the value. */
class FinisherStub implements MemoryDevice {
  readonly name = 'virt-test-finisher';
  value: number | undefined;
  constructor(private readonly hart: () => Hart) {}
  read8(): number { return 0; }
  read16(): number { return 0; }
  read32(): number { return 0; }
  write8(_o: number, v: number): void { this.finish(v); }
  write16(_o: number, v: number): void { this.finish(v); }
  write32(_o: number, v: number): void { this.finish(v); }
  private finish(v: number): void {
    this.value = v;
    this.hart().requestHalt();
  }
}

export interface SimRun {
  readonly output: string;
  readonly finisher: number | undefined;
  readonly instructions: number;
  readonly ms: number;
  readonly hart: Hart;
}

/** Runs an ELF on the simulator (RAM at 0x80000000, virt UART and finisher) until the finisher. */
export function runOnSim(elf: Uint8Array, maxInstructions = 2_000_000_000): SimRun {
  const bus = new Bus();
  const ram = new Uint8Array(RAM_SIZE);
  bus.mapRam(RAM_BASE, RAM_SIZE, ram, 0, { name: 'dram' });
  const uart = new UartStub();
  bus.mapDevice(0x10000000, 0x100, uart);
  let hart: Hart | undefined;
  const finisher = new FinisherStub(() => hart!);
  bus.mapDevice(0x100000, 0x1000, finisher);
  const { entry, segments } = readElf(elf);
  for (const s of segments) bus.writeBlock(s.address, s.data);
  hart = new Hart(bus, { resetVector: entry, romRange: null });
  const t0 = performance.now();
  let executed = 0;
  while (executed < maxInstructions) {
    const r = hart.run(Math.min(1_000_000, maxInstructions - executed));
    executed += r.executed;
    if (r.reason === 'error') throw r.error;
    if (r.reason !== 'budget') break;
  }
  const ms = performance.now() - t0;
  return { output: uart.text, finisher: finisher.value, instructions: executed, ms, hart };
}

export interface QemuRun {
  readonly output: string;
  readonly exitCode: number | null;
  readonly ms: number;
}

/**
 * Runs an ELF on qemu-system-riscv32 -M virt until it writes the test finisher (or the timeout).
 * The UART goes to a file next to the ELF, not to a pipe: QEMU's 16550 drops a character after a
 * few retries when its chardev would block, which a pipe does whenever this process is slow to
 * drain it (a loaded machine lost one line of 341 that way); a file never blocks.
 */
export function runOnQemu(elfPath: string, timeoutMs = 60_000): Promise<QemuRun> {
  const uartPath = `${elfPath}.uart`;
  rmSync(uartPath, { force: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(QEMU, [
      '-M', 'virt', '-cpu', 'rv32,a=false,f=false,d=false', '-bios', 'none', '-kernel', elfPath,
      '-display', 'none', '-monitor', 'none', '-nodefaults',
      '-chardev', `file,id=uart,path=${uartPath}`, '-serial', 'chardev:uart',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const uartText = () => (existsSync(uartPath) ? readFileSync(uartPath).toString('latin1') : '');
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`QEMU did not finish within ${timeoutMs} ms; output so far:\n${uartText()}\n${err}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ output: uartText(), exitCode: code, ms: performance.now() - t0 });
    });
  });
}

export function readFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
