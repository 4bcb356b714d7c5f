/** RemoteTarget: a Target driven over the GDB Remote Serial Protocol (QEMU, OpenOCD, espalgo's own server). */
import type { Architecture } from '../chips/types.js';
import type {
  Target, TargetCapabilities, RegisterInfo, TargetState, StopInfo, BreakpointKind, WatchpointKind, TargetListener, ResumeOptions,
} from '../target/types.js';
import { TargetEvents } from '../target/events.js';
import {
  TargetStateError, TargetTimeoutError, TargetDisconnectedError, TargetUnsupportedError,
} from '../target/errors.js';
import { RISCV_GDB_PC_REGNUM } from '../target/riscv-registers.js';
import { RspConnection } from './connection.js';
import { discover, runMonitor, type ServerInfo, type ServerKind } from './remote-discovery.js';
import type { MemoryRegion } from './memory-map.js';
import { newMemoryQueue, readRemoteMemory, writeRemoteMemory, writeChunkSize, type MemoryLink } from './remote-memory.js';
import { parseStopReply, toStopInfo } from './stop-reply.js';
import { isHex } from './hex.js';
import { RemoteRegisters } from './remote-registers.js';
import { GdbConnectError, GdbDisconnectedError, GdbErrorReplyError, GdbProtocolError, GdbTimeoutError } from './errors.js';
import { hasFeature } from './features.js';
import { pollUntilHalted } from './halt-poll.js';
import { WATCH_PACKET_TYPE } from './watch-kinds.js';

export interface RemoteOptions {
  /** Timeout of each request and of connecting, in ms. Default 3000. */
  readonly timeoutMs?: number;
  /** Overrides the architecture the target description names. */
  readonly architecture?: Architecture;
  /** The chip behind the server, for messages (e.g. "esp32c3"). */
  readonly chip?: string;
  /** Requests in flight at once in no-ack mode. Default 4 (1 for QEMU, which never offers no-ack anyway). */
  readonly pipelineDepth?: number;
  /** Timeout of monitor commands (a reset can take a while). Default max(timeoutMs, 10000). */
  readonly monitorTimeoutMs?: number;
  /** Send `D` (detach: the target runs on) when closing. Default true. */
  readonly detachOnClose?: boolean;
  /**
   * While waiting for a resumed target to halt, ask the server to look (`monitor poll`) instead of
   * waiting for its own background poll. OpenOCD only (it reports a halt up to ~100 ms late
   * otherwise); default true.
   */
  readonly pollForHalt?: boolean;
  /**
   * Changed registers of the `g` file sent as single P packets before one G carries them. Default
   * 24 on OpenOCD (it writes every register of a G one by one), 1 elsewhere (a G is one round trip).
   */
  readonly singleRegisterWrites?: number;
  readonly log?: (line: string) => void;
}

const KIND_LABEL: Record<ServerKind, string> = { qemu: 'QEMU', openocd: 'OpenOCD', espalgo: 'espalgo', unknown: 'GDB server' };
const OK_OR_ERROR = (r: string) => r === 'OK' || r === '' || r[0] === 'E';
/** Changed registers OpenOCD gets as single P packets before a G (of all 33) is cheaper; measured ~0.3 ms each either way. */
const OPENOCD_SINGLE_WRITES = 24;

/** Connect to a GDB server and learn what it offers. The target is halted once this resolves (servers stop on attach). */
export async function connectRemote(host: string, port: number, options: RemoteOptions = {}): Promise<RemoteTarget> {
  const log = options.log ?? (() => {});
  const conn = await RspConnection.connect(host, port, { timeoutMs: options.timeoutMs ?? 3000, log });
  const target = new RemoteTarget(conn, options);
  try {
    await target.init(await discover(conn, { log, ...(options.architecture ? { architecture: options.architecture } : {}) }));
  } catch (err) {
    await conn.close();
    throw notGdbServer(err, host, port, conn.spoke) ?? err;
  }
  return target;
}

/** No answer, or no RSP answer, to the very first packet: most likely something else listens there, or OpenOCD turned the client away. */
function notGdbServer(err: unknown, host: string, port: number, spoke: boolean): GdbConnectError | undefined {
  // A server that turns a client away with a reason (`E.text`, as a busy one does) is named with it.
  if (err instanceof GdbErrorReplyError && err.request.startsWith('qSupported') && err.reply.startsWith('E.')) {
    return new GdbConnectError(host, port, `the server turned the connection away: ${err.reply.slice(2)}`, { cause: err });
  }
  const first = (err instanceof GdbTimeoutError || err instanceof GdbProtocolError || err instanceof GdbDisconnectedError) && err.request.startsWith('qSupported');
  if (!first) return undefined;
  if (err instanceof GdbDisconnectedError && !spoke) return new GdbConnectError(host, port, TURNED_AWAY, { cause: err });
  const what = err instanceof GdbTimeoutError ? 'did not answer' : err instanceof GdbDisconnectedError ? 'closed it at' : 'answered something other than the GDB remote protocol to';
  return new GdbConnectError(host, port, `it accepted the connection but ${what} GDB's first packet — is this the GDB port? ${PORTS}`, { cause: err });
}

const PORTS = '(OpenOCD serves GDB on 3333; 4444 is its telnet port, 6666 its Tcl port)';

/**
 * A server that accepts and hangs up with nothing but an acknowledgement. OpenOCD does that (a `+`,
 * then closing) to every GDB client when it cannot build their memory map: one flash bank that
 * fails to probe (on an ESP chip, a flash size read as 0 — openocd-esp32 #366) aborts each
 * connection.
 */
const TURNED_AWAY =
  'it accepted the connection and closed it without a reply. OpenOCD turns every GDB client away like this when a flash bank fails to probe ' +
  '(its log: "Connect failed. Consider setting up a gdb-attach event…" and "attempted \'gdb\' connection rejected"; on ESP chips a flash size read as 0, as in openocd-esp32 #366): ' +
  '`espalgo explain` on OpenOCD\'s log tells why. To connect anyway, start OpenOCD with -c "gdb_memory_map disable" ' +
  `(with Espressif's configuration, -c "set ESP_FLASH_SIZE 0" before the target config). Otherwise check that this is the GDB port ${PORTS}`;

export class RemoteTarget implements Target {
  architecture: Architecture = 'riscv32';
  description: string;
  capabilities: TargetCapabilities = { memoryWhileRunning: false, haltsOnBreakInstruction: false, maxTransfer: 0 };
  registers: readonly RegisterInfo[] = [];
  serverKind: ServerKind = 'unknown';
  /** The server's memory map, when it publishes one. */
  memoryMap: readonly MemoryRegion[] | undefined;
  private info!: ServerInfo;
  private link!: MemoryLink;
  private readonly events = new TargetEvents();
  private current: TargetState = 'unknown';
  private lastStop: StopInfo = { reason: 'unknown' };
  private stopInProgress: Promise<StopInfo> | undefined;
  private stopSeq = 0;
  private waiters = new Set<{ resolve: (s: StopInfo) => void; reject: (e: Error) => void }>();
  private stepping = false;
  private interrupting = false;
  /** Resumes sent so far; the halt poller of a run stops when the next one starts. */
  private runs = 0;
  private polledRun = -1;
  /** `monitor poll` requests sent while waiting for halts (see pollForHalt). */
  haltPolls = 0;
  /** A background flush of staged registers failed: the next register or run-control call says so. */
  private deferredError: Error | undefined;
  private autoFlushScheduled = false;
  private regs!: RemoteRegisters;
  private readonly breakpoints = new Map<number, BreakpointKind>();
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly conn: RspConnection, private readonly options: RemoteOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.log = options.log ?? (() => {});
    this.description = conn.server;
    conn.onStop = (reply) => void this.acceptStop(reply);
    conn.onOutput = (text) => this.events.emit({ type: 'output', text });
    conn.onClose = (error) => this.disconnected(error);
  }

  /** @internal Apply what discovery found. */
  async init(info: ServerInfo): Promise<void> {
    this.info = info;
    this.architecture = info.architecture;
    this.registers = info.registers.registers;
    // OpenOCD writes every register of a G one by one, and a P writes one: a run changes a handful.
    const singleWritesUpTo = this.options.singleRegisterWrites ?? (info.serverKind === 'openocd' ? OPENOCD_SINGLE_WRITES : 1);
    this.regs = new RemoteRegisters(this.conn, info.registers, { singleWritesUpTo });
    this.serverKind = info.serverKind;
    this.memoryMap = info.memoryMap;
    // QEMU offers no no-ack mode but takes packets back to back: two in flight keep it busy.
    this.conn.ackModePipelining = !info.noAck && info.serverKind === 'qemu';
    this.conn.pipelineDepth = info.noAck ? (this.options.pipelineDepth ?? 4) : this.conn.ackModePipelining ? (this.options.pipelineDepth ?? 4) : 1;
    this.link = { connection: this.conn, packetSize: info.packetSize, binaryWrite: info.binaryWrite, binaryRead: info.binaryRead, queue: newMemoryQueue(() => this.conn.pipelineDepth) };
    const f = info.features;
    const hw = f.raw.get('espalgo.hwbreak');
    this.capabilities = {
      memoryWhileRunning: info.serverKind === 'openocd' || hasFeature(f, 'espalgo.memoryWhileRunning'),
      haltsOnBreakInstruction: info.serverKind === 'openocd' || hasFeature(f, 'espalgo.haltsOnBreak'),
      maxTransfer: writeChunkSize(info.packetSize, info.binaryWrite),
      ...(typeof hw === 'string' && isHex(hw) ? { hardwareBreakpoints: parseInt(hw, 16) } : {}),
    };
    const chip = this.options.chip ? `, ${this.options.chip}` : '';
    this.description = `${this.conn.server} (${KIND_LABEL[info.serverKind]}${chip})`;
    await this.acceptStop(info.initialStop);
  }

  /** What the server offered and how the link runs. */
  get server(): { readonly packetSize: number; readonly noAck: boolean; readonly binaryWrite: boolean; readonly binaryRead: boolean; readonly pipelineDepth: number } {
    return { packetSize: this.info.packetSize, noAck: this.info.noAck, binaryWrite: this.link.binaryWrite, binaryRead: this.link.binaryRead, pipelineDepth: this.conn.pipelineDepth };
  }

  /** Requests in flight at once (no-ack mode only); for measurements. */
  setPipelineDepth(depth: number): void {
    this.conn.pipelineDepth = this.info.noAck || this.conn.ackModePipelining ? Math.max(1, Math.floor(depth)) : 1;
  }

  get stats() {
    return this.conn.stats;
  }

  state(): TargetState {
    return this.current;
  }

  on(listener: TargetListener): () => void {
    return this.events.on(listener);
  }

  // ---- run control -------------------------------------------------------------------------

  async halt(timeoutMs = this.timeoutMs): Promise<StopInfo> {
    this.assertConnected('halt');
    if (this.stopInProgress) return this.stopInProgress;
    if (this.current === 'halted') return this.lastStop;
    this.interrupting = true;
    this.conn.interrupt();
    try {
      return await this.waitForHalt(timeoutMs);
    } catch (err) {
      if (!(err instanceof TargetTimeoutError)) throw err;
      // The stop may have been lost: ask for the state (this also stops servers that stop on any packet).
      this.log('no stop after Ctrl-C; asking with ?');
      return this.acceptStop(await this.conn.requestText('?', { expect: 'stop', timeoutMs }));
    } finally {
      this.interrupting = false;
    }
  }

  async resume(address?: number, options: ResumeOptions = {}): Promise<void> {
    this.requireHalted('resume');
    if (address !== undefined) await this.stageRegisters({ pc: address });
    await this.sendResume(this.info.vCont.c ? 'vCont;c' : 'c', false, options.holdRegisters, options.onSent);
  }

  async step(timeoutMs = this.timeoutMs): Promise<StopInfo> {
    this.requireHalted('step');
    await this.sendResume(this.info.vCont.s ? 'vCont;s' : 's', true);
    try {
      return await this.waitForHalt(timeoutMs);
    } finally {
      this.stepping = false;
    }
  }

  /**
   * Staged register writes and the resume go out as one burst. Should a write fail, the CPU may
   * already run with part of it: it is halted again and the write's error is raised.
   */
  private async sendResume(packet: string, step: boolean, hold?: readonly string[], onSent?: () => void): Promise<void> {
    this.raiseDeferred();
    // Memory writes started before the resume go out before it (see Target.resume).
    await this.link.queue.handedOver();
    this.requireHalted(step ? 'step' : 'resume');
    const flushed = this.regs?.flush(hold) ?? Promise.resolve();
    this.stepping = step;
    this.regs?.invalidate();
    this.stopInProgress = undefined;
    this.stopSeq++;
    this.runs++;
    this.current = 'running';
    this.events.emit({ type: 'resumed' });
    const sent = this.conn.request(packet, { expect: 'none', control: true });
    onSent?.();
    try {
      await flushed;
    } catch (error) {
      await sent.catch(() => undefined);
      await this.halt().catch(() => undefined);
      throw error;
    }
    await sent;
  }

  waitForHalt(timeoutMs: number): Promise<StopInfo> {
    if (this.current === 'disconnected') return Promise.reject(new TargetDisconnectedError('waitForHalt'));
    if (this.stopInProgress) return this.stopInProgress;
    if (this.current === 'halted') return Promise.resolve(this.lastStop);
    return new Promise<StopInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new TargetTimeoutError(`waiting for ${this.description} to halt`, timeoutMs));
      }, timeoutMs);
      const waiter = {
        resolve: (s: StopInfo) => { clearTimeout(timer); resolve(s); },
        reject: (e: Error) => { clearTimeout(timer); reject(e); },
      };
      this.waiters.add(waiter);
      this.pollForHalt();
    });
  }

  /**
   * Keep asking OpenOCD to look for the halt of the current run while someone waits for it (see
   * halt-poll.ts): until it halts, the next run starts, or no one waits any more.
   */
  private pollForHalt(): void {
    if (this.serverKind !== 'openocd' || this.options.pollForHalt === false || this.interrupting) return;
    if (this.current !== 'running' || this.polledRun === this.runs) return;
    const run = this.runs;
    this.polledRun = run;
    void pollUntilHalted({
      ask: () => {
        this.haltPolls++;
        return runMonitor(this.conn, 'poll', this.timeoutMs);
      },
      done: () => this.current !== 'running' || this.runs !== run || this.waiters.size === 0,
      onGiveUp: (reason) => this.log(`asking the server to poll for the halt failed (${reason}); waiting for its own poll`),
    }).then(() => {
      if (this.polledRun === run) this.polledRun = -1; // a later wait in this run polls again
    });
  }

  /** Handle a stop reply: mark halted at once, learn the PC, then tell waiters and listeners. */
  private acceptStop(reply: string): Promise<StopInfo> {
    const parsed = parseStopReply(reply);
    if (!parsed) return Promise.reject(new GdbProtocolError('?', `'${reply.slice(0, 20)}' is not a stop reply`));
    if (!this.info) {
      // A stop before discovery finished (QEMU stops the VM on connect and says so): `?` will tell us again.
      this.current = 'halted';
      return Promise.resolve(this.lastStop);
    }
    const wasHalted = this.current === 'halted';
    this.current = 'halted';
    this.regs?.invalidate();
    const pcReg = this.info.registers.find('pc');
    const pcRegnum = pcReg?.regnum ?? RISCV_GDB_PC_REGNUM;
    const work = (async () => {
      let pc: number | undefined;
      if (!parsed.registers.has(pcRegnum) && parsed.kind === 'signal' && pcReg) {
        pc = await this.readRegister('pc').catch(() => undefined);
      }
      const stop = toStopInfo(parsed, {
        stepping: this.stepping, interrupting: this.interrupting, pcRegnum,
        breakpointAt: (a) => this.breakpoints.get(a), ...(pc !== undefined ? { pc } : {}),
      });
      this.lastStop = stop;
      for (const w of [...this.waiters]) w.resolve(stop);
      this.waiters.clear();
      if (!wasHalted) this.events.emit({ type: 'halted', stop });
      return stop;
    })();
    const token = ++this.stopSeq;
    this.stopInProgress = work;
    void work.finally(() => {
      if (this.stopSeq === token) this.stopInProgress = undefined;
    });
    return work;
  }

  // ---- memory --------------------------------------------------------------------------------

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    this.requireMemoryAccess('readMemory');
    return readRemoteMemory(this.link, address >>> 0, length);
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    this.requireMemoryAccess('writeMemory');
    await writeRemoteMemory(this.link, address >>> 0, data);
  }

  // ---- registers -----------------------------------------------------------------------------

  async readRegisters(names?: readonly string[]): Promise<Map<string, number>> {
    this.requireHalted('readRegisters');
    this.raiseDeferred();
    return this.regs.read(names);
  }

  async readRegister(name: string): Promise<number> {
    return (await this.readRegisters([name])).get(name)!;
  }

  async writeRegister(name: string, value: number): Promise<void> {
    await this.writeRegisters({ [name]: value });
  }

  async writeRegisters(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    this.requireHalted('writeRegisters');
    this.raiseDeferred();
    await this.regs.write(values);
  }

  /**
   * Write registers lazily: reads see the new values at once; the target gets them together with
   * the next resume or step (one burst), or when the event loop next turns, whichever comes first.
   * A failure is raised by the resume, or by the next register call after a background flush.
   */
  async stageRegisters(values: ReadonlyMap<string, number> | Readonly<Record<string, number>>): Promise<void> {
    this.requireHalted('stageRegisters');
    this.raiseDeferred();
    if (!this.regs.stage(values)) {
      await this.regs.write(values);
      return;
    }
    if (this.regs.dirty && !this.autoFlushScheduled) {
      this.autoFlushScheduled = true;
      setImmediate(() => {
        this.autoFlushScheduled = false;
        if (this.current !== 'halted' || !this.regs.dirty) return;
        this.regs.flush().catch((error: unknown) => {
          this.deferredError = error instanceof Error ? error : new Error(String(error));
          this.log(`writing staged registers failed: ${this.deferredError.message}`);
        });
      });
    }
  }

  /** Send staged register writes now; with `refetch`, forget cached values so the next read asks the target. */
  async flushRegisters(options: { readonly refetch?: boolean } = {}): Promise<void> {
    this.assertConnected('flushRegisters');
    this.raiseDeferred();
    await this.regs.flush();
    if (options.refetch) this.regs.invalidate();
  }

  private raiseDeferred(): void {
    const error = this.deferredError;
    if (error) {
      this.deferredError = undefined;
      throw error;
    }
  }

  // ---- breakpoints, reset, monitor ---------------------------------------------------------

  async addBreakpoint(address: number, kind: BreakpointKind, length = 4): Promise<void> {
    await this.breakpoint('Z', address >>> 0, kind, length);
    this.breakpoints.set(address >>> 0, kind);
  }

  async removeBreakpoint(address: number, kind: BreakpointKind, length = 4): Promise<void> {
    await this.breakpoint('z', address >>> 0, kind, length);
    this.breakpoints.delete(address >>> 0);
  }

  private async breakpoint(op: 'Z' | 'z', address: number, kind: BreakpointKind, length: number): Promise<void> {
    this.requireMemoryAccess(op === 'Z' ? 'addBreakpoint' : 'removeBreakpoint');
    const request = `${op}${kind === 'software' ? 0 : 1},${address.toString(16)},${length.toString(16)}`;
    const reply = await this.conn.requestText(request, { accept: OK_OR_ERROR });
    if (reply === 'OK') return;
    if (reply === '') throw new TargetUnsupportedError(`${kind} breakpoints`, `the server gave an empty reply to '${request}'`);
    throw new GdbErrorReplyError(request, reply);
  }

  /** Watchpoints over Z2 (write), Z3 (read), Z4 (access); a server without them answers empty (TargetUnsupportedError). */
  async addWatchpoint(address: number, length: number, kind: WatchpointKind): Promise<void> {
    await this.watchpoint('Z', address >>> 0, length, kind);
  }

  async removeWatchpoint(address: number, length: number, kind: WatchpointKind): Promise<void> {
    await this.watchpoint('z', address >>> 0, length, kind);
  }

  private async watchpoint(op: 'Z' | 'z', address: number, length: number, kind: WatchpointKind): Promise<void> {
    this.requireMemoryAccess(op === 'Z' ? 'addWatchpoint' : 'removeWatchpoint');
    const request = `${op}${WATCH_PACKET_TYPE[kind]},${address.toString(16)},${length.toString(16)}`;
    const reply = await this.conn.requestText(request, { accept: OK_OR_ERROR });
    if (reply === 'OK') return;
    if (reply === '') throw new TargetUnsupportedError(`${kind} watchpoints`, `the server gave an empty reply to '${request}'`);
    throw new GdbErrorReplyError(request, reply);
  }

  async monitor(command: string): Promise<string> {
    this.requireMemoryAccess('monitor');
    if (this.current === 'halted') await this.regs.flush(); // the command may look at the registers
    return runMonitor(this.conn, command, this.options.monitorTimeoutMs ?? Math.max(this.timeoutMs, 10000));
  }

  async reset(mode: 'halt' | 'run'): Promise<void> {
    if (this.current === 'running' && !this.capabilities.memoryWhileRunning) await this.halt();
    this.regs?.invalidate(true);
    if (this.serverKind === 'qemu') {
      await this.monitor('system_reset');
    } else {
      await this.monitor(`reset ${mode}`);
    }
    this.events.emit({ type: 'reset' });
    if (mode === 'run') {
      if (this.serverKind === 'qemu') {
        this.current = 'halted';
        await this.sendResume(this.info.vCont.c ? 'vCont;c' : 'c', false);
      } else {
        this.runs++;
        this.current = 'running';
      }
      return;
    }
    this.current = 'halted';
    const pc = await this.readRegister('pc').catch(() => undefined);
    this.lastStop = { reason: 'reset', ...(pc !== undefined ? { pc } : {}) };
  }

  // ---- connection ----------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.conn.closed) return;
    if (this.current === 'halted') await this.regs?.flush().catch((error: unknown) => this.log(`writing staged registers before closing failed: ${String(error)}`));
    if (this.options.detachOnClose !== false && this.current === 'halted') {
      await this.conn.requestText('D', { timeoutMs: Math.min(this.timeoutMs, 1000) }).catch(() => undefined);
    }
    await this.conn.close();
  }

  private disconnected(error?: Error): void {
    this.current = 'disconnected';
    for (const w of [...this.waiters]) w.reject(new TargetDisconnectedError('waitForHalt', error?.message));
    this.waiters.clear();
    this.events.emit({ type: 'disconnected', ...(error ? { error } : {}) });
  }

  private assertConnected(operation: string): void {
    if (this.current === 'disconnected') throw new TargetDisconnectedError(operation);
  }

  private requireHalted(operation: string): void {
    this.assertConnected(operation);
    if (this.current !== 'halted') throw new TargetStateError(operation, this.current);
  }

  /** Memory (and breakpoints, monitor) while running only where the server serves it; QEMU would stop on any byte. */
  private requireMemoryAccess(operation: string): void {
    this.assertConnected(operation);
    if (this.current !== 'halted' && !this.capabilities.memoryWhileRunning) throw new TargetStateError(operation, this.current);
  }
}
