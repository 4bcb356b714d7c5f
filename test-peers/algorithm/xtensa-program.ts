/**
 * The Xtensa peer test's pieces: QEMU's lx60-nommu board (de212 core) started by pid with its
 * gdbstub on 127.0.0.1, a RemoteTarget that knows de212's `g` layout (QEMU sends no target
 * description), and programs assembled here:
 *
 * - vectors at VECBASE 0x60000000: window overflow/underflow handlers for call8 frames, every other
 *   vector parks in `j .`;
 * - the interrupted program at 0x40000000: main keeps invariants in a2..a7 and SAR, and calls
 *   work(6), which recurses 7 frames deep (the 32 ARs overflow and underflow all the time), runs a
 *   zero-overhead loop in each frame and checks a per-frame marker. main counts iterations at
 *   DATA+0 and broken invariants at DATA+4;
 * - the stub at 0x40010000: mix5(a, b, c, d, e) = 3a + b − c + (d ^ e), a leaf; and
 *   deep(n, b, c, d, e) = b + c + d + e + 2n, which recurses n frames (spilling the trampoline's
 *   frame), runs a loop and sets SAR on its way; ill() executes an illegal instruction.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connectRemote, type RemoteTarget } from '../../src/gdb/remote-target.js';
import { RspConnection } from '../../src/gdb/connection.js';
import { qemuDe212Registers } from '../../src/target/xtensa-qemu-de212.js';
import type { StubImage } from '../../src/algorithm/stub-image.js';
import * as x from '../../src/algorithm/xtensa/encode.js';
import { XtensaAsm, type Assembled } from './xtensa-asm.js';
import { freePort } from '../free-ports.js';

export const QEMU_XTENSA = 'qemu-system-xtensa';
export const VECBASE = 0x60000000;
export const PROGRAM_ORIGIN = 0x40000000;
export const STUB_ORIGIN = 0x40010000;
export const DATA = 0x3ffe0000;
const PROGRAM_STACK = 0x3fff8000 - 32;
const MARKERS = [0x12345678, 0x9abcdef0, 0x0badf00d, 0x55aa55aa];
const WORK_DEPTH = 6;
const WORK_LOOP = 50;

const { entry, retw, callx, mov, movi, addi, add, sub, xor, or, addx2, l32i, s32i, s32e, l32e, rfwo, rfwu, rsr, wsr, rsync, XTENSA_SR: SR } = x;

/** Window vectors for call8 frames (the only call size used here); all others park. */
export function buildVectors(): Assembled {
  const a = new XtensaAsm(VECBASE);
  const park = (offset: number, name: string) => a.org(VECBASE + offset).label(name).j(name);
  park(0x00, 'of4');
  park(0x40, 'uf4');
  a.org(VECBASE + 0x80).label('of8')
    .i(s32e(0, 9, -16)).i(l32e(0, 1, -12)).i(s32e(1, 9, -12)).i(s32e(2, 9, -8)).i(s32e(3, 9, -4))
    .i(s32e(4, 0, -32)).i(s32e(5, 0, -28)).i(s32e(6, 0, -24)).i(s32e(7, 0, -20)).i(rfwo());
  a.org(VECBASE + 0xc0).label('uf8')
    .i(l32e(0, 9, -16)).i(l32e(1, 9, -12)).i(l32e(2, 9, -8)).i(l32e(7, 1, -12)).i(l32e(3, 9, -4))
    .i(l32e(4, 7, -32)).i(l32e(5, 7, -28)).i(l32e(6, 7, -24)).i(l32e(7, 7, -20)).i(rfwu());
  park(0x100, 'of12');
  park(0x140, 'uf12');
  for (const [off, name] of [[0x180, 'level2'], [0x1c0, 'level3'], [0x200, 'level4'], [0x240, 'level5'], [0x280, 'debug'],
    [0x2c0, 'nmi'], [0x300, 'kernel'], [0x340, 'user'], [0x3c0, 'double']] as const) park(off, name);
  return a.assemble();
}

/** The interrupted program. Entry: `_start`. */
export function buildProgram(): Assembled {
  const a = new XtensaAsm(PROGRAM_ORIGIN);
  a.label('L_stack').word(PROGRAM_STACK).label('L_ps').word(0x40020).label('L_main').word('main').label('L_work').word('work');
  a.label('L_data').word(DATA);
  MARKERS.forEach((m, k) => a.label(`L_m${k}`).word(m));

  a.align(4).label('_start')
    .l32r(1, 'L_stack')
    .i(addi(2, 1, 32)).i(addi(3, 1, -16)).i(s32i(2, 3, 4)) // [sp - 12] = a fake caller's sp
    .i(movi(2, 1)).i(wsr(2, SR.windowstart))
    .l32r(2, 'L_ps').i(wsr(2, SR.ps)).i(rsync())
    .l32r(8, 'L_main').i(callx(8, 8))
    .label('halt').j('halt');

  a.align(4).label('main').i(entry(1, 48))
    .l32r(2, 'L_work').l32r(3, 'L_data')
    .l32r(4, 'L_m0').l32r(5, 'L_m1').l32r(6, 'L_m2').l32r(7, 'L_m3')
    .i(movi(8, 7)).i(wsr(8, SR.sar))
    .label('main_loop')
    .i(mov(8, 2)).i(movi(10, WORK_DEPTH)).i(callx(8, 8))
    // a11 = OR of (result ^ expected) and (invariant ^ its value): zero when all hold
    .i(movi(9, (WORK_DEPTH + 1) * WORK_LOOP)).i(xor(11, 10, 9));
  for (let k = 0; k < 4; k++) a.l32r(9, `L_m${k}`).i(xor(9, 4 + k, 9)).i(or(11, 11, 9));
  a.l32r(9, 'L_work').i(xor(9, 2, 9)).i(or(11, 11, 9))
    .l32r(9, 'L_data').i(xor(9, 3, 9)).i(or(11, 11, 9))
    .i(rsr(9, SR.sar)).i(movi(12, 7)).i(xor(9, 9, 12)).i(or(11, 11, 9))
    .beqz(11, 'main_ok')
    .i(l32i(9, 3, 4)).i(addi(9, 9, 1)).i(s32i(9, 3, 4))
    .label('main_ok')
    .i(l32i(9, 3, 0)).i(addi(9, 9, 1)).i(s32i(9, 3, 0))
    .j('main_loop');

  // work(n): 50 loop iterations per frame, recursion to n = 0; result (n + 1) * 50.
  a.align(4).label('work').i(entry(1, 32))
    .i(addi(3, 2, 100)) // frame marker
    .i(movi(4, WORK_LOOP)).i(movi(5, 0))
    .loop(4, 'work_loop_end').i(addi(5, 5, 1)).label('work_loop_end')
    .beqz(2, 'work_leaf')
    .i(addi(10, 2, -1)).l32r(8, 'L_work').i(callx(8, 8))
    .i(addi(9, 2, 100)).i(xor(9, 3, 9)).beqz(9, 'work_marker_ok')
    .l32r(9, 'L_data').i(l32i(11, 9, 4)).i(addi(11, 11, 1)).i(s32i(11, 9, 4))
    .label('work_marker_ok')
    .i(add(2, 10, 5)).i(retw())
    .label('work_leaf').i(mov(2, 5)).i(retw());
  return a.assemble();
}

/** The stub: routines called through the runner. */
export function buildStub(): { image: StubImage; symbols: ReadonlyMap<string, number> } {
  const a = new XtensaAsm(STUB_ORIGIN);
  a.label('L_deep').word('deep');
  a.align(4).label('mix5').i(entry(1, 32))
    .i(addx2(7, 2, 2)).i(add(7, 7, 3)).i(sub(7, 7, 4)).i(xor(8, 5, 6)).i(add(2, 7, 8)).i(retw());
  // deep(n, b, c, d, e): n == 0 → b + c + d + e; else deep(n - 1, b + 1, c, d, e) + 1.
  a.align(4).label('deep').i(entry(1, 32))
    .i(wsr(2, SR.sar)) // SAR = n: the restore must bring back the program's SAR
    .i(movi(8, 3)).loop(8, 'deep_loop_end').i(addi(9, 9, 1)).label('deep_loop_end')
    .bnez(2, 'deep_recurse')
    .i(add(2, 3, 4)).i(add(2, 2, 5)).i(add(2, 2, 6)).i(retw())
    .label('deep_recurse')
    .i(addi(10, 2, -1)).i(addi(11, 3, 1)).i(mov(12, 4)).i(mov(13, 5)).i(mov(14, 6))
    .l32r(8, 'L_deep').i(callx(8, 8))
    .i(addi(2, 10, 1)).i(retw());
  a.align(4).label('ill').i(entry(1, 32)).raw(Uint8Array.of(0, 0, 0)).i(retw()); // `ill`
  const out = a.assemble();
  const image: StubImage = {
    name: 'xtensa-qemu-stub',
    architecture: 'xtensa',
    entry: out.symbols.get('mix5')!,
    segments: [{ address: STUB_ORIGIN, bytes: out.bytes, executable: true }],
    bss: [],
    stackSize: 2048,
    symbols: {},
  };
  return { image, symbols: out.symbols };
}

export interface XtensaQemu {
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Start `qemu-system-xtensa -M lx60-nommu` halted, with no kernel: the test writes its program itself. */
export async function startXtensaQemu(): Promise<XtensaQemu> {
  const port = await freePort();
  const child = spawn(QEMU_XTENSA, ['-M', 'lx60-nommu', '-nographic', '-monitor', 'none', '-serial', 'none', '-gdb', `tcp:127.0.0.1:${port}`, '-S'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      try { process.kill(child.pid!, 'SIGKILL'); } catch { /* already gone */ }
      resolve();
    }, 2000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    try { process.kill(child.pid, 'SIGTERM'); } catch { resolve(); }
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`QEMU exited at once: ${stderr}`);
    try {
      const conn = await RspConnection.connect('127.0.0.1', port, { timeoutMs: 500 });
      await conn.close();
      return { port, process: child, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await stop();
  throw new Error(`QEMU's gdb port ${port} did not open within 5 s: ${stderr}`);
}

/** Connect to QEMU's Xtensa gdbstub (discovery knows de212's layout by its 640-byte `g` packet). */
export async function connectXtensaQemu(port: number, timeoutMs = 5000): Promise<RemoteTarget> {
  const target = await connectRemote('127.0.0.1', port, { timeoutMs });
  if (target.architecture !== 'xtensa' || target.registers.length !== qemuDe212Registers().length) {
    await target.close();
    throw new Error(`QEMU's Xtensa stub was not recognised as the de212 core (architecture ${target.architecture})`);
  }
  return target;
}
