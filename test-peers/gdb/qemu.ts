/**
 * Starts QEMU's RISC-V virt machine with its gdbstub on a free loopback port, running a tiny
 * counter loop compiled here from our own assembly. Stopped by process id.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from '../free-ports.js';

export const QEMU = 'qemu-system-riscv32';
export const CC = 'riscv64-unknown-elf-gcc';

const START_S = `
  .option norvc
  .option arch, +zicsr
  .section .text.entry, "ax"
  .globl _start
_start:
  la sp, _stack_top
  la t0, trap
  csrw mtvec, t0
  la a0, counter
  .globl loop
loop:
  lw a1, 0(a0)
  addi a1, a1, 1
  sw a1, 0(a0)
  .globl loop_mid
loop_mid:
  addi a2, a2, 3
  j loop
  .globl loop_end
loop_end:
  .globl trap
trap:
  csrr t1, mcause
  la t2, trap_cause
  sw t1, 0(t2)
  j trap
  .section .bss
  .globl counter
counter: .word 0
trap_cause: .word 0
`;

/** Everything in RAM at 0x80000000 (QEMU virt's -kernel address), 16 KiB stack after it. */
export const LINK_LD = `
ENTRY(_start)
SECTIONS {
  . = 0x80000000;
  .text : { *(.text.entry) *(.text*) }
  .data : { *(.data*) *(.sdata*) }
  .bss : { *(.bss*) *(.sbss*) }
  . = ALIGN(16) + 0x4000;
  _stack_top = .;
}
`;

export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Peers missing here: fail under CI, skip otherwise. Returns a skip reason or undefined. */
export function missingPeers(tools: readonly string[]): string | undefined {
  const missing = tools.filter((t) => !have(t));
  if (missing.length === 0) return undefined;
  if (process.env.CI === 'true') throw new Error(`peer tools missing under CI: ${missing.join(', ')}`);
  return `missing ${missing.join(', ')}`;
}

export interface Program {
  readonly dir: string;
  readonly elf: string;
  readonly symbols: ReadonlyMap<string, number>;
  cleanup(): void;
}

/** Compile RV32IMC sources (name → text) with a linker script into DIR/OUT; throws with the compiler's message. */
export function compileRv32(dir: string, out: string, sources: Readonly<Record<string, string>>, ld: string, extraArgs: readonly string[] = []): string {
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, `${out}.ld`), ld);
  const elf = join(dir, out);
  const cc = spawnSync(CC, ['-march=rv32imc', '-mabi=ilp32', '-nostdlib', '-ffreestanding', ...extraArgs, '-T', join(dir, `${out}.ld`),
    ...Object.keys(sources).map((n) => join(dir, n)), '-o', elf], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling ${out} failed: ${cc.stderr}`);
  return elf;
}

/** Symbol name → address of an ELF, from riscv64-unknown-elf-nm. */
export function elfSymbols(elf: string): Map<string, number> {
  const nm = spawnSync('riscv64-unknown-elf-nm', [elf], { encoding: 'utf8' });
  const symbols = new Map<string, number>();
  for (const line of nm.stdout.split('\n')) {
    const m = /^([0-9a-f]+) \w (\S+)$/.exec(line.trim());
    if (m) symbols.set(m[2]!, parseInt(m[1]!, 16));
  }
  return symbols;
}

export function buildProgram(): Program {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-gdb-'));
  const elf = compileRv32(dir, 'prog.elf', { 'start.S': START_S }, LINK_LD);
  return { dir, elf, symbols: elfSymbols(elf), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface QemuInstance {
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Start QEMU halted (-S) with the program; resolves once the gdb port accepts connections. */
export async function startQemu(elf: string, extraArgs: readonly string[] = []): Promise<QemuInstance> {
  const port = await freePort();
  const child = spawn(QEMU, [
    '-M', 'virt', '-cpu', 'rv32,a=false,f=false,d=false', '-bios', 'none', '-kernel', elf,
    '-display', 'none', '-monitor', 'none', '-serial', 'none', '-gdb', `tcp:127.0.0.1:${port}`, '-S', ...extraArgs,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ }
      resolve();
    }, 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try { process.kill(child.pid, 'SIGTERM'); } catch { resolve(); }
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`QEMU exited at once: ${stderr}`);
    if (await canConnect(port)) return { port, process: child, stop };
    await new Promise((r) => setTimeout(r, 20));
  }
  await stop();
  throw new Error(`QEMU's gdb port ${port} did not open within 5 s: ${stderr}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
