/**
 * The heart of espalgo's GDB server: one packet in, the replies out. It knows nothing of sockets
 * or acknowledgements; it drives any Target. Resuming packets return an action so the session can
 * watch for the stop and report it later.
 */
import type { Target, StopInfo, RegisterInfo, TargetState } from '../target/types.js';
import { watchKindOfPacketType } from './watch-kinds.js';
import { TargetMemoryError, TargetUnsupportedError, TargetError, UnknownMonitorCommandError } from '../target/errors.js';
import { RISCV_GDB_PC_REGNUM } from '../target/riscv-registers.js';
import { escapeBinary, fitEscaped, unescapeBinary, encodeConsoleOutput, FRAMING_OVERHEAD } from './codec.js';
import { bytesToHex, bytesToText, hexToBytes, hexToUtf8, parseHexNumber, valueToLeHex, leHexToValue, leHexFieldToValue } from './hex.js';
import { formatStopReply } from './stop-reply.js';
import { generateTargetXml } from './target-description.js';
import { parseSupported, hasFeature } from './features.js';

export type ServerReply = string | Uint8Array;

export interface CoreResult {
  readonly replies: readonly ServerReply[];
  /** What the session must do after sending the replies. */
  readonly action?: 'resume' | 'noack' | 'detach' | 'kill';
  /**
   * With `detach` or `kill`: the connection stays open (extended mode, where GDB goes on talking
   * to the server to run or attach again).
   */
  readonly keepOpen?: boolean;
}

export interface ServerCoreOptions {
  /** Largest packet we accept and send. Default 0x4000 (16 KiB, like OpenOCD). */
  readonly packetSize?: number;
  readonly memoryMapXml?: string;
  /** Timeout for halting and stepping the target. Default 2000 ms. */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

const E_FAULT = 'E14';
const E_INVAL = 'E16';
const E_IO = 'E05';
const MONITOR_HELP = 'espalgo GDB server monitor commands:\n  reset halt   reset and stop at the reset vector\n  reset run    reset and run (also: reset)\n  help         this text\n';

const reply = (...replies: ServerReply[]): CoreResult => ({ replies });

export class GdbServerCore {
  readonly packetSize: number;
  private readonly targetXml: string;
  private readonly memoryMapXml: string | undefined;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;
  /** The client announced swbreak+/hwbreak+: stop replies may name the reason. */
  private reasons = false;
  /** The client asked for extended mode (`!`, GDB's `target extended-remote`). */
  private extended = false;
  private readonly gRegisters: RegisterInfo[];
  private readonly gLength: number;
  private readonly gNames: string[];
  private readonly pcRegnum: number;
  /** Breakpoints and watchpoints this client set and has not removed, by packet type, address and length. */
  private readonly inserted = new Map<string, () => Promise<void>>();
  /** The target's run state when the client took it (see takeFoundState). */
  private found: TargetState;
  /** The client holds the target: not yet detached or killed (it may attach again in extended mode). */
  private attached = true;

  constructor(readonly target: Target, options: ServerCoreOptions = {}) {
    this.packetSize = options.packetSize ?? 0x4000;
    this.memoryMapXml = options.memoryMapXml;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.log = options.log ?? (() => {});
    this.targetXml = generateTargetXml(target.architecture, target.registers);
    this.gRegisters = target.registers.filter((r) => r.offset !== undefined).sort((a, b) => a.offset! - b.offset!);
    this.gNames = this.gRegisters.map((r) => r.name);
    this.gLength = this.gRegisters.reduce((end, r) => Math.max(end, r.offset! + Math.ceil(r.bitsize / 8)), 0);
    this.pcRegnum = target.registers.find((r) => r.name === 'pc')?.regnum ?? RISCV_GDB_PC_REGNUM;
    this.found = target.state();
  }

  /**
   * Remember the target's run state as the client finds it, before any packet halts it: when its
   * session begins (the core is made then, and the session takes it again once the previous
   * client's session has wound up), and when a client that detached or killed attaches again in
   * extended mode (vAttach, vRun, `?`).
   */
  takeFoundState(): void {
    this.found = this.target.state();
    this.attached = true;
  }

  /** Format a stop the way this session's client understands. */
  stopReply(stop: StopInfo): string {
    return formatStopReply(stop, { pcRegnum: this.pcRegnum, pcBytes: 4, reasons: this.reasons });
  }

  async processPacket(packet: Uint8Array): Promise<CoreResult> {
    try {
      return await this.dispatch(packet);
    } catch (err) {
      this.log(`${bytesToText(packet, 0, Math.min(packet.length, 30))}: ${(err as Error).message}`);
      if (err instanceof TargetMemoryError) return reply(E_FAULT);
      if (err instanceof TargetUnsupportedError) return reply('');
      if (err instanceof TargetError) return reply(E_IO);
      throw err;
    }
  }

  private async dispatch(packet: Uint8Array): Promise<CoreResult> {
    const first = String.fromCharCode(packet[0] ?? 0);
    // Binary-carrying packets first: their payload is not text.
    if (first === 'X') return this.writeBinary(packet);
    const cmd = bytesToText(packet);
    switch (first) {
      case '?':
        this.attachAgain();
        return reply(this.stopReply(await this.halted()));
      case 'g':
        return reply(await this.readAllRegisters());
      case 'G':
        return reply(await this.writeAllRegisters(cmd.slice(1)));
      case 'p':
        return reply(await this.readOneRegister(cmd.slice(1)));
      case 'P':
        return reply(await this.writeOneRegister(cmd.slice(1)));
      case 'm':
      case 'x':
        return reply(await this.readMemory(cmd.slice(1), first === 'x'));
      case 'M':
        return reply(await this.writeHex(cmd.slice(1)));
      case 'c':
      case 'C':
      case 's':
      case 'S':
        return this.resume(first.toLowerCase() === 's', resumeAddress(cmd));
      case 'v':
        return this.vPacket(cmd);
      case 'Z':
      case 'z':
        return reply(await this.breakpoint(cmd));
      case 'q':
      case 'Q':
        return this.query(cmd);
      case 'H':
      case 'T':
        return reply('OK');
      case '!':
        this.extended = true;
        return reply('OK');
      case 'R':
        // Restart (extended mode only; no reply): the chip resets and stops at its reset vector.
        if (this.extended) await this.target.reset('halt');
        return reply();
      case 'D':
        await this.release('detach');
        return this.ended('detach', ['OK']);
      case 'k':
        await this.release('kill');
        return this.ended('kill', []);
      default:
        return reply('');
    }
  }

  private async resume(step: boolean, address: number | undefined): Promise<CoreResult> {
    if (address !== undefined) await this.target.writeRegister('pc', address);
    if (step) return reply(this.stopReply(await this.target.step(this.timeoutMs)));
    await this.target.resume();
    return { replies: [], action: 'resume' };
  }

  private async vPacket(cmd: string): Promise<CoreResult> {
    if (cmd === 'vCont?') return reply('vCont;c;C;s;S');
    if (cmd.startsWith('vCont;')) {
      // One thread: the first action decides (c, C sig, s, S sig; an optional :thread is ours).
      const action = cmd.slice(6).split(';')[0] ?? '';
      const letter = action[0];
      if (letter === 'c' || letter === 'C') return this.resume(false, undefined);
      if (letter === 's' || letter === 'S') return this.resume(true, undefined);
      return reply(E_INVAL);
    }
    if (cmd === 'vKill' || cmd.startsWith('vKill;')) {
      await this.release('kill');
      return this.ended('kill', ['OK']);
    }
    if (this.extended && cmd.startsWith('vRun;')) return this.run(cmd.slice(5));
    // Attaching stops the chip; signal 0, so GDB shows where it stopped without naming a signal.
    if (this.extended && cmd.startsWith('vAttach;')) {
      this.attachAgain();
      return reply(this.stopReply({ ...(await this.halted()), signal: 0 }));
    }
    return reply('');
  }

  /**
   * Halt the target if it runs, and the stop to report. A target that was halted already gives its
   * last stop, whose pc may be stale (a tool that ran code on it restored the pc since): the pc is
   * read as it is now.
   */
  private async halted(): Promise<StopInfo> {
    const stop = await this.target.halt(this.timeoutMs);
    return { ...stop, pc: await this.target.readRegister('pc') };
  }

  /** Detach or kill: the session ends, unless in extended mode, where GDB may run or attach again. */
  private ended(action: 'detach' | 'kill', replies: ServerReply[]): CoreResult {
    return { replies, action, ...(this.extended ? { keepOpen: true } : {}) };
  }

  /**
   * vRun (GDB's `run`): there is one program, the one in flash, so no file name or arguments;
   * the chip resets and stops at its reset vector, which the stop reply reports.
   */
  private async run(args: string): Promise<CoreResult> {
    if (args.split(';').some((field) => field !== '')) return reply(E_INVAL);
    this.attachAgain();
    await this.target.reset('halt');
    return reply(this.stopReply(await this.halted()));
  }

  private async query(cmd: string): Promise<CoreResult> {
    if (cmd.startsWith('qSupported')) {
      const client = parseSupported(cmd.slice('qSupported:'.length));
      this.reasons = hasFeature(client, 'swbreak') || hasFeature(client, 'hwbreak');
      const caps = this.target.capabilities;
      const features = [
        `PacketSize=${this.packetSize.toString(16)}`, 'qXfer:features:read+',
        ...(this.memoryMapXml ? ['qXfer:memory-map:read+'] : []),
        'QStartNoAckMode+', 'vContSupported+', 'swbreak+', 'hwbreak+', 'binary-upload+', 'espalgo+',
        `espalgo.memoryWhileRunning${caps.memoryWhileRunning ? '+' : '-'}`,
        `espalgo.haltsOnBreak${caps.haltsOnBreakInstruction ? '+' : '-'}`,
        ...(caps.hardwareBreakpoints !== undefined ? [`espalgo.hwbreak=${caps.hardwareBreakpoints.toString(16)}`] : []),
      ];
      return reply(features.join(';'));
    }
    if (cmd === 'QStartNoAckMode') return { replies: ['OK'], action: 'noack' };
    if (cmd.startsWith('qXfer:features:read:')) return reply(this.xfer(cmd.slice(20), (annex) => (annex === 'target.xml' ? this.targetXml : undefined)));
    if (cmd.startsWith('qXfer:memory-map:read:') && this.memoryMapXml) {
      const xml = this.memoryMapXml;
      return reply(this.xfer(cmd.slice(22), () => xml));
    }
    if (cmd.startsWith('qRcmd,')) return this.monitor(hexToUtf8(cmd.slice(6)));
    switch (cmd) {
      case 'qAttached': return reply('1');
      case 'qC': return reply('QC1');
      case 'qfThreadInfo': return reply('m1');
      case 'qsThreadInfo': return reply('l');
      default:
        if (cmd.startsWith('qSymbol')) return reply('OK');
        return reply('');
    }
  }

  /** `annex:offset,length` of a document as an `m`/`l` reply. */
  private xfer(args: string, documentFor: (annex: string) => string | undefined): ServerReply {
    const m = /^([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(args);
    if (!m) return E_INVAL;
    const doc = documentFor(m[1]!);
    if (doc === undefined) return 'E00';
    const bytes = new TextEncoder().encode(doc);
    const offset = parseInt(m[2]!, 16);
    const want = Math.min(parseInt(m[3]!, 16), bytes.length - Math.min(offset, bytes.length));
    const end = fitEscaped(bytes, Math.min(offset, bytes.length), Math.min(offset, bytes.length) + want, this.packetSize - FRAMING_OVERHEAD - 1);
    const start = Math.min(offset, bytes.length);
    const body = escapeBinary(bytes, start, end);
    const out = new Uint8Array(body.length + 1);
    out[0] = (end >= bytes.length ? 'l' : 'm').charCodeAt(0);
    out.set(body, 1);
    return out;
  }

  private async monitor(command: string | undefined): Promise<CoreResult> {
    const text = (command ?? '').trim();
    if (text === 'reset halt') {
      await this.target.reset('halt');
      return reply(encodeConsoleOutput('target reset and halted\n'), 'OK');
    }
    if (text === 'reset run' || text === 'reset') {
      await this.target.reset('run');
      return reply(encodeConsoleOutput('target reset and running\n'), 'OK');
    }
    if (text === 'help') {
      // The target's own commands follow ours (the simulator's `console`, say).
      const more = this.target.monitor ? await this.target.monitor('help') : '';
      return reply(encodeConsoleOutput(MONITOR_HELP + more), 'OK');
    }
    // An unknown command is an error reply after its message, as OpenOCD does: GDB prints both
    // ("Protocol error with Rcmd"), so a script sees the command failed.
    if (!this.target.monitor) return reply(encodeConsoleOutput(`unknown monitor command '${text}'; try 'monitor help'\n`), 'E01');
    try {
      const output = await this.target.monitor(text);
      return reply(...(output ? [encodeConsoleOutput(output)] : []), 'OK');
    } catch (err) {
      if (err instanceof UnknownMonitorCommandError) return reply(encodeConsoleOutput(`${err.message}\n`), 'E01');
      throw err;
    }
  }

  private async readAllRegisters(): Promise<string> {
    const values = await this.target.readRegisters(this.gNames);
    // Registers in offset order; gaps and registers the target did not give read as `xx`
    // (a register overlapping the one before it is left out).
    let image = '';
    let at = 0;
    for (const reg of this.gRegisters) {
      if (reg.offset! < at) continue;
      const size = Math.ceil(reg.bitsize / 8);
      if (reg.offset! > at) image += 'xx'.repeat(reg.offset! - at);
      const v = values.get(reg.name);
      image += v === undefined ? 'xx'.repeat(size) : valueToLeHex(v, size);
      at = reg.offset! + size;
    }
    return at < this.gLength ? image + 'xx'.repeat(this.gLength - at) : image;
  }

  private async writeAllRegisters(hex: string): Promise<string> {
    const values = new Map<string, number>();
    for (const reg of this.gRegisters) {
      const size = Math.ceil(reg.bitsize / 8);
      if (hex.length < (reg.offset! + size) * 2) break; // a short G sets only the registers it carries
      const v = leHexFieldToValue(hex, reg.offset! * 2, size);
      if (v !== undefined) values.set(reg.name, v);
    }
    await this.target.writeRegisters(values);
    return 'OK';
  }

  private findRegister(regnumHex: string): RegisterInfo | undefined {
    const regnum = parseHexNumber(regnumHex);
    return regnum === undefined ? undefined : this.target.registers.find((r) => r.regnum === regnum);
  }

  private async readOneRegister(args: string): Promise<string> {
    const reg = this.findRegister(args);
    if (!reg) return E_INVAL;
    return valueToLeHex(await this.target.readRegister(reg.name), Math.ceil(reg.bitsize / 8));
  }

  private async writeOneRegister(args: string): Promise<string> {
    const [num, value] = args.split('=');
    const reg = this.findRegister(num ?? '');
    const v = leHexToValue(value ?? '');
    if (!reg || v === undefined) return E_INVAL;
    await this.target.writeRegister(reg.name, v);
    return 'OK';
  }

  private async readMemory(args: string, binary: boolean): Promise<ServerReply> {
    const range = parseRange(args);
    if (!range) return E_INVAL;
    const budget = this.packetSize - FRAMING_OVERHEAD;
    const length = Math.min(range.length, binary ? budget - 1 : Math.floor(budget / 2));
    const data = await this.target.readMemory(range.address, length);
    if (!binary) return bytesToHex(data);
    const end = fitEscaped(data, 0, data.length, budget - 1);
    const body = escapeBinary(data, 0, end);
    const out = new Uint8Array(body.length + 1);
    out[0] = 0x62; // 'b'
    out.set(body, 1);
    return out;
  }

  private async writeHex(args: string): Promise<string> {
    const colon = args.indexOf(':');
    const range = parseRange(args.slice(0, colon));
    const data = colon >= 0 ? hexToBytes(args.slice(colon + 1)) : undefined;
    if (!range || !data || data.length !== range.length) return E_INVAL;
    await this.target.writeMemory(range.address, data);
    return 'OK';
  }

  private async writeBinary(packet: Uint8Array): Promise<CoreResult> {
    const colon = packet.indexOf(0x3a);
    const range = colon > 0 ? parseRange(bytesToText(packet, 1, colon)) : undefined;
    const data = colon > 0 ? unescapeBinary(packet, colon + 1) : undefined;
    if (!range || !data || data.length !== range.length) return reply(E_INVAL);
    if (data.length > 0) await this.target.writeMemory(range.address, data);
    return reply('OK');
  }

  private async breakpoint(cmd: string): Promise<string> {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)/.exec(cmd);
    if (!m) return E_INVAL;
    const address = parseInt(m[3]!, 16) >>> 0;
    const length = parseInt(m[4]!, 16);
    const key = `${m[2]},${address},${length}`;
    const watch = watchKindOfPacketType(m[2]!);
    const t = this.target;
    let remove: () => Promise<void>;
    if (watch) {
      // Z2 write, Z3 read, Z4 access: served when the target has watchpoints, unsupported (empty) otherwise.
      if (!t.addWatchpoint || !t.removeWatchpoint) return '';
      remove = () => t.removeWatchpoint!(address, length, watch);
      if (m[1] === 'Z') await t.addWatchpoint(address, length, watch);
    } else {
      const kind = m[2] === '0' ? 'software' : 'hardware';
      remove = () => t.removeBreakpoint(address, kind, length);
      if (m[1] === 'Z') await t.addBreakpoint(address, kind, length);
    }
    if (m[1] === 'Z') {
      this.inserted.set(key, remove);
    } else {
      await remove();
      this.inserted.delete(key);
    }
    return 'OK';
  }

  /** A client that detached or killed takes the target again (extended mode): what it finds now counts. */
  private attachAgain(): void {
    if (!this.attached) this.takeFoundState();
  }

  /**
   * The client lets go of the target: it detaches, kills, or is gone without either (gdb killed,
   * link dropped). Take out the breakpoints and watchpoints it left set (GDB removes its own before
   * detaching, but not when it is killed or its link drops), so that the program does not stop at
   * them later with no client to report to, and the next client does not meet them unseen. Then
   * leave the target as the client found it: after a detach or when the client is gone, a target
   * found running and halted now runs on; a target found halted stays halted. Kill leaves the
   * target as it is (halted, as the client left it). Nothing is ever halted here.
   */
  async release(how: 'detach' | 'kill' | 'gone'): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    await this.removeLeftovers();
    if (how === 'kill' || this.found !== 'running' || this.target.state() !== 'halted') return;
    this.log(`the target was running when the client came: resuming it (${how === 'gone' ? 'the client went away' : 'detach'})`);
    await this.target.resume().catch((error: unknown) => this.log(`resuming the target after the client left: ${(error as Error).message}`));
  }

  private async removeLeftovers(): Promise<void> {
    const left = [...this.inserted.values()];
    this.inserted.clear();
    for (const remove of left) await remove().catch((error: unknown) => this.log(`removing a breakpoint the client left: ${(error as Error).message}`));
    if (left.length > 0) this.log(`removed ${left.length} breakpoint(s) or watchpoint(s) the client left set`);
  }
}

function parseRange(text: string): { address: number; length: number } | undefined {
  const [a, l] = text.split(',');
  const address = parseHexNumber(a ?? '');
  const length = parseHexNumber(l ?? '');
  if (address === undefined || length === undefined) return undefined;
  return { address: address >>> 0, length };
}

/** `c addr` / `s addr` (and `C sig;addr`): the resume address, if given. */
function resumeAddress(cmd: string): number | undefined {
  const rest = cmd[0] === 'C' || cmd[0] === 'S' ? cmd.slice(1).split(';')[1] : cmd.slice(1);
  return rest ? parseHexNumber(rest) : undefined;
}
