/** What a client learns about a GDB server when it connects. */
import type { Architecture } from '../chips/types.js';
import type { RegisterInfo } from '../target/types.js';
import { defaultRiscv32Registers } from '../target/riscv-registers.js';
import { QEMU_DE212_G_BYTES, qemuDe212Registers } from '../target/xtensa-qemu-de212.js';
import { TargetUnsupportedError } from '../target/errors.js';
import type { RspConnection } from './connection.js';
import { parseSupported, hasFeature, type ServerFeatures } from './features.js';
import { loadTargetDescription, architectureFromDescription, assignGOffsets, type TargetDescription } from './target-description.js';
import { parseMemoryMapXml, type MemoryRegion } from './memory-map.js';
import { RegisterFile } from './register-file.js';
import { unescapeBinary, parseErrorReply } from './codec.js';
import { bytesToText, utf8ToHex, hexToUtf8, isHex } from './hex.js';
import { GdbErrorReplyError, GdbProtocolError } from './errors.js';

export type ServerKind = 'qemu' | 'openocd' | 'espalgo' | 'unknown';

/** Packet size assumed when a server names none (what GDB assumes too). */
export const DEFAULT_PACKET_SIZE = 400;

/** What our client announces in qSupported. */
export const CLIENT_FEATURES = 'qSupported:swbreak+;hwbreak+;vContSupported+;xmlRegisters=riscv';

export interface ServerInfo {
  readonly features: ServerFeatures;
  readonly packetSize: number;
  readonly noAck: boolean;
  readonly initialStop: string;
  readonly description?: TargetDescription;
  readonly architecture: Architecture;
  readonly registers: RegisterFile;
  readonly vCont: { readonly c: boolean; readonly s: boolean };
  readonly binaryWrite: boolean;
  readonly binaryRead: boolean;
  readonly memoryMap?: readonly MemoryRegion[];
  readonly serverKind: ServerKind;
}

/** Read a whole qXfer object. Throws TargetUnsupportedError on an empty reply, GdbErrorReplyError on `E`. */
export async function readXfer(conn: RspConnection, object: string, annex: string, packetSize: number): Promise<string> {
  const chunk = Math.max(64, Math.floor((packetSize - 5) / 2));
  let text = '';
  for (let round = 0; round < 4096; round++) {
    const request = `qXfer:${object}:read:${annex}:${text.length.toString(16)},${chunk.toString(16)}`;
    const reply = await conn.request(request);
    if (reply.length === 0) throw new TargetUnsupportedError(`qXfer:${object}`, `the server gave an empty reply to '${request}'`);
    const kind = String.fromCharCode(reply[0]!);
    if (kind === 'E') throw new GdbErrorReplyError(request, bytesToText(reply));
    if (kind !== 'l' && kind !== 'm') throw new GdbProtocolError(request, `unexpected reply '${bytesToText(reply, 0, 20)}'`);
    const data = unescapeBinary(reply, 1);
    if (!data) throw new GdbProtocolError(request, 'the reply ends in an escape byte');
    text += new TextDecoder().decode(data);
    if (kind === 'l' || data.length === 0) return text;
  }
  throw new GdbProtocolError(`qXfer:${object}:read:${annex}`, 'the object did not end after 4096 parts');
}

/** Run a monitor command; returns its output. */
export async function runMonitor(conn: RspConnection, command: string, timeoutMs: number): Promise<string> {
  let output = '';
  const request = `qRcmd,${utf8ToHex(command)}`;
  const reply = await conn.requestText(request, { timeoutMs, onOutput: (t) => (output += t) });
  if (reply === 'OK') return output;
  if (reply === '') throw new TargetUnsupportedError('monitor commands', `the server gave an empty reply to 'monitor ${command}'`);
  if (parseErrorReply(reply) !== undefined) throw new GdbErrorReplyError(`monitor ${command}`, reply + (output ? ` (${output.trim()})` : ''));
  if (isHex(reply)) return output + (hexToUtf8(reply) ?? '');
  throw new GdbProtocolError(request, `unexpected reply '${reply.slice(0, 20)}'`);
}

/** Name the server from what it said about itself. */
export function detectServerKind(features: ServerFeatures, descriptionFiles: readonly string[], helpText?: string): ServerKind {
  if (features.raw.has('espalgo')) return 'espalgo';
  if (descriptionFiles.some((f) => /^riscv-(32|64)bit-(cpu|virtual|fpu)\.xml$/.test(f))) return 'qemu';
  if (hasFeature(features, 'QStartNoAckMode') && features.raw.has('qXfer:threads:read')) return 'openocd';
  if (hasFeature(features, 'multiprocess') && !hasFeature(features, 'QStartNoAckMode')) return 'qemu';
  if (helpText !== undefined) {
    if (/openocd|reset \[run\|halt\|init\]|adapter speed/i.test(helpText)) return 'openocd';
    if (/system_reset|info mtree|qemu/i.test(helpText)) return 'qemu';
  }
  return 'unknown';
}

export interface DiscoveryOptions {
  readonly architecture?: Architecture;
  readonly log: (line: string) => void;
}

export async function discover(conn: RspConnection, options: DiscoveryOptions): Promise<ServerInfo> {
  const supported = await conn.requestText(CLIENT_FEATURES);
  // A server that will not serve us (busy with another client, say) says why in its first reply.
  if (parseErrorReply(supported) !== undefined) throw new GdbErrorReplyError(CLIENT_FEATURES, supported);
  const features = parseSupported(supported);
  const packetSize = features.packetSize ?? DEFAULT_PACKET_SIZE;
  let noAck = false;
  if (hasFeature(features, 'QStartNoAckMode')) {
    noAck = (await conn.requestText('QStartNoAckMode')) === 'OK';
    if (noAck) conn.enterNoAckMode();
  }
  const initialStop = await conn.requestText('?', { expect: 'stop' });

  let description: TargetDescription | undefined;
  if (hasFeature(features, 'qXfer:features:read')) {
    try {
      description = await loadTargetDescription((annex) => readXfer(conn, 'features', annex, packetSize));
    } catch (err) {
      options.log(`target description unreadable, using the default register file: ${(err as Error).message}`);
    }
  }
  const g = await conn.requestText('g');
  const gLength = isHex(g.replace(/x/g, '0')) ? g.length / 2 : 0;
  const described = description !== undefined && description.registers.length > 0;
  // QEMU's Xtensa gdbstub sends no description; its de212 core is known by its 640-byte g packet.
  const de212 = !described && gLength === QEMU_DE212_G_BYTES && options.architecture !== 'riscv32';
  const architecture = options.architecture ?? architectureFromDescription(description?.architecture) ?? (de212 ? 'xtensa' : 'riscv32');
  const listed: RegisterInfo[] = described && description ? description.registers : de212 ? qemuDe212Registers() : defaultRiscv32Registers();
  if (!described) options.log(`no target description: using ${de212 ? "QEMU's Xtensa de212" : 'the default RV32'} register file`);
  const registers = new RegisterFile(assignGOffsets(listed, gLength), gLength);

  const vContReply = await conn.requestText('vCont?');
  const actions = vContReply.startsWith('vCont') ? vContReply.split(';').slice(1) : [];
  const vCont = { c: actions.includes('c'), s: actions.includes('s') };

  const binaryWrite = (await conn.requestText('X0,0:')) !== '';
  const binaryRead = hasFeature(features, 'binary-upload');

  let memoryMap: MemoryRegion[] | undefined;
  if (hasFeature(features, 'qXfer:memory-map:read')) {
    try {
      memoryMap = parseMemoryMapXml(await readXfer(conn, 'memory-map', '', packetSize));
    } catch (err) {
      options.log(`memory map unreadable: ${(err as Error).message}`);
    }
  }

  let serverKind = detectServerKind(features, description?.files ?? []);
  if (serverKind === 'unknown') {
    try {
      serverKind = detectServerKind(features, [], await runMonitor(conn, 'help', conn.timeoutMs));
    } catch {
      // No monitor: the kind stays unknown.
    }
  }
  return {
    features, packetSize, noAck, initialStop, architecture, registers, vCont, binaryWrite, binaryRead, serverKind,
    ...(description ? { description } : {}), ...(memoryMap ? { memoryMap } : {}),
  };
}
