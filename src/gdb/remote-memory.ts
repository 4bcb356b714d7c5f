/**
 * Memory transfers over RSP: split to the largest packet the server takes, send several at once
 * where the link allows it (no-ack mode), `X` (binary) or `M` (hex) writes, `x` or `m` reads.
 * All transfers of a link share one packet queue (memory-queue.ts), so they take effect in the
 * order they were started, awaited or not.
 */
import { TargetMemoryError, TargetUnsupportedError } from '../target/errors.js';
import { FRAMING_OVERHEAD, encodePacket, escapeBinary, fitEscaped, parseErrorReply, unescapeBinary } from './codec.js';
import { hexToBytes, bytesToText } from './hex.js';
import type { RspConnection } from './connection.js';
import { GdbProtocolError } from './errors.js';
import { MemoryQueue } from './memory-queue.js';

export interface MemoryLink {
  readonly connection: RspConnection;
  /** Largest packet (payload + framing) the server accepts. */
  readonly packetSize: number;
  /** `X` works (probed at connect); cleared if a write later shows it does not. */
  binaryWrite: boolean;
  /** `x` was offered. */
  binaryRead: boolean;
  /** The link's memory packets, in call order (see newMemoryQueue). */
  readonly queue: MemoryQueue;
}

/**
 * The packet queue for a link whose pipeline takes `depth()` requests at once: one more is
 * handed over, so the next packet is already encoded and leaves the moment a reply arrives.
 */
export function newMemoryQueue(depth: () => number): MemoryQueue {
  return new MemoryQueue(() => depth() + 1);
}

/** Worst-case header `M01234567,01234567:`. */
const HEADER = 19;

/** Bytes per `M`/`X` packet for a server packet size (for `X`: the size if nothing needs escaping). */
export function writeChunkSize(packetSize: number, binary: boolean): number {
  const budget = packetSize - FRAMING_OVERHEAD - HEADER;
  return roundDown4(binary ? budget : Math.floor(budget / 2));
}

/** Bytes per `m`/`x` request: the hex reply, or the binary reply's `b` and its data, must fit. */
export function readChunkSize(packetSize: number, binary: boolean): number {
  const budget = packetSize - FRAMING_OVERHEAD;
  return roundDown4(binary ? budget - 1 : Math.floor(budget / 2));
}

function roundDown4(n: number): number {
  return n >= 8 ? n & ~3 : Math.max(1, n);
}

const hex = (n: number) => (n >>> 0).toString(16);

/** Split [address, address+length) into chunks of at most `size`, the first one ending on a 4-byte boundary. */
export function planChunks(address: number, length: number, size: number): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  let offset = 0;
  const misalign = address & 3;
  if (misalign && length > size && size > 4) {
    const first = size - misalign;
    chunks.push([0, first]);
    offset = first;
  }
  while (offset < length) {
    const n = Math.min(size, length - offset);
    chunks.push([offset, n]);
    offset += n;
  }
  return chunks;
}

export async function readRemoteMemory(link: MemoryLink, address: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  if (length === 0) return out;
  const size = readChunkSize(link.packetSize, link.binaryRead);
  const chunks = planChunks(address >>> 0, length, size);
  await link.queue.run(chunks.map(([offset, n]) => async () => {
    let done = 0;
    // A server may return fewer bytes than asked; ask again for the rest (bounded: progress every
    // round). Such a follow-up goes out behind what was queued meanwhile.
    while (done < n) {
      const got = await readOnce(link, (address + offset + done) >>> 0, n - done);
      out.set(got, offset + done);
      done += got.length;
    }
  }));
  return out;
}

async function readOnce(link: MemoryLink, address: number, length: number): Promise<Uint8Array> {
  const binary = link.binaryRead;
  const request = `${binary ? 'x' : 'm'}${hex(address)},${hex(length)}`;
  const reply = await link.connection.request(request, {
    accept: (r) => r.length === 0 || (binary ? r[0] === 'b' || r[0] === 'E' : /^[0-9a-fA-F]/.test(r)),
  });
  const text = bytesToText(reply, 0, Math.min(reply.length, 8));
  const errno = parseErrorReply(reply.length <= 8 ? text : '');
  if (errno !== undefined) {
    throw new TargetMemoryError(address, length, 'read', `the server replied ${text} to '${request}'`);
  }
  let data: Uint8Array | undefined;
  if (binary) {
    if (reply.length === 0) {
      link.binaryRead = false; // offered but not served: use m from now on
      return readOnce(link, address, length);
    }
    data = reply[0] === 0x62 ? unescapeBinary(reply, 1) : undefined;
  } else {
    data = hexToBytes(bytesToText(reply));
  }
  if (!data) throw new GdbProtocolError(request, `the reply is not memory data: '${bytesToText(reply, 0, Math.min(reply.length, 20))}'`);
  if (data.length === 0) throw new TargetMemoryError(address, length, 'read', `the server returned no data for '${request}'`);
  return data.length > length ? data.subarray(0, length) : data;
}

export async function writeRemoteMemory(link: MemoryLink, address: number, data: Uint8Array): Promise<void> {
  if (data.length === 0) return;
  const chunks = link.binaryWrite ? planBinaryChunks(address >>> 0, data, link.packetSize) : planChunks(address >>> 0, data.length, writeChunkSize(link.packetSize, false));
  await link.queue.run(chunks.map(([offset, n]) => () => writeOnce(link, (address + offset) >>> 0, data, offset, n)));
}

function planBinaryChunks(address: number, data: Uint8Array, packetSize: number): Array<[number, number]> {
  const budget = packetSize - FRAMING_OVERHEAD - HEADER;
  const chunks: Array<[number, number]> = [];
  let offset = 0;
  while (offset < data.length) {
    let end = fitEscaped(data, offset, data.length, budget);
    // Keep chunks ending on 4-byte boundaries when there is room to.
    const aligned = end - ((address + end) & 3);
    if (end < data.length && aligned > offset + 4) end = aligned;
    chunks.push([offset, end - offset]);
    offset = end;
  }
  return chunks;
}

const OK_OR_ERROR = (r: string) => r === 'OK' || r === '' || r[0] === 'E';
/**
 * A write packet this small (a flag, a control block) is a control request (RequestOptions.control):
 * it and the register writes and resume that follow it can go out as one burst.
 */
const CONTROL_WRITE_FRAME = 96;

async function writeOnce(link: MemoryLink, address: number, data: Uint8Array, offset: number, n: number): Promise<void> {
  const binary = link.binaryWrite;
  const header = `${binary ? 'X' : 'M'}${hex(address)},${hex(n)}:`;
  const frame = binary ? encodePacket(concatHeader(header, escapeBinary(data, offset, offset + n))) : hexFrame(header, data, offset, offset + n);
  const reply = bytesToText(await link.connection.requestFramed(frame, header, { accept: OK_OR_ERROR, control: frame.length <= CONTROL_WRITE_FRAME }));
  if (reply === 'OK') return;
  if (reply === '') {
    if (binary) {
      link.binaryWrite = false;
      return writeRemoteMemoryRange(link, address, data.subarray(offset, offset + n));
    }
    throw new TargetUnsupportedError('memory writes', `the server gave an empty reply to '${header}'`);
  }
  throw new TargetMemoryError(address, n, 'write', `the server replied ${reply} to '${header}'`);
}

function writeRemoteMemoryRange(link: MemoryLink, address: number, data: Uint8Array): Promise<void> {
  return writeRemoteMemory(link, address, data);
}

function concatHeader(header: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + body.length);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  out.set(body, header.length);
  return out;
}

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** `$` header hex(data[start..end)) `#` checksum: an M packet built in one buffer. */
export function hexFrame(header: string, data: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(1 + header.length + (end - start) * 2 + 3);
  out[0] = 0x24;
  let o = 1;
  let sum = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header.charCodeAt(i);
    out[o++] = c;
    sum += c;
  }
  for (let i = start; i < end; i++) {
    const b = data[i]!;
    const hi = HEX[b >> 4]!;
    const lo = HEX[b & 15]!;
    out[o++] = hi;
    out[o++] = lo;
    sum += hi + lo;
  }
  out[o++] = 0x23;
  out[o++] = HEX[(sum >> 4) & 15]!;
  out[o] = HEX[sum & 15]!;
  return out;
}

/** `header` followed by data[start..end) as hex, built straight into bytes. */
export function hexPayload(header: string, data: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(header.length + (end - start) * 2);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  let o = header.length;
  for (let i = start; i < end; i++) {
    const b = data[i]!;
    out[o++] = HEX[b >> 4]!;
    out[o++] = HEX[b & 15]!;
  }
  return out;
}
