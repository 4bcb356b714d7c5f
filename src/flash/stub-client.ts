/**
 * A thin typed wrapper around espalgo's ESP32-C3 flasher stub: one method per command. Each builds
 * the arguments (stub-protocol.ts), runs the loaded stub through the algorithm runner, decodes the
 * result, and throws a StubError carrying the decoded code when the stub reports one.
 *
 *   const runner = new AlgorithmRunner(target, { chip: esp32c3 });
 *   const loaded = await runner.load(loadEsp32c3FlasherImage());
 *   const stub = new StubClient(runner, loaded);
 *   const info = await stub.flashInfo();
 *   await runner.unload(loaded);
 */
import { readFileSync } from 'node:fs';
import { hex32, type ChipDescriptor, type ChipName } from '../chips/types.js';
import type { Coroutine } from '../algorithm/coroutine.js';
import type { LoadedStub } from '../algorithm/loader.js';
import type { RunResult } from '../algorithm/run.js';
import type { AlgorithmRunner } from '../algorithm/runner.js';
import { stubImageFromJson, type StubImage } from '../algorithm/stub-image.js';
import { describeStubError, type StubErrorInfo } from './stub-errors.js';
import { planStreamRing, ringLimitForLink, type StreamRing } from './stream-ring.js';
import { claimBuffer, claimForCommand } from './stub-scratch.js';
import { fixedSource, type StreamSource } from './stream-source.js';
import {
  STREAM_CONTROL_OFFSETS,
  STREAM_CONTROL_SIZE,
  STREAM_HOST_ABORT,
  INFLATE_WINDOW_MAX,
  initialStreamControl,
  STUB_PING_REPLY,
  decodeFlashInfo,
  decodeMapResult,
  decodeStreamControl,
  encodeCall,
  encodeU32,
  sha256DigestCount,
  type FlashInfo,
  type StreamControl,
  type StubCall,
  type StubCommandName,
  type StubFlashMap,
  type StubInflater,
} from './stub-protocol.js';

/** The committed prebuilt ESP32-C3 flasher stub (stub/build/esp32c3-flasher.json). */
export function loadEsp32c3FlasherImage(): StubImage {
  const url = new URL('../../stub/build/esp32c3-flasher.json', import.meta.url);
  return stubImageFromJson(JSON.parse(readFileSync(url, 'utf8')));
}

/** The chips espalgo has a compiled flasher stub for, and how to load it. */
const COMPILED_FLASHER_STUBS: Partial<Record<ChipName, () => StubImage>> = { esp32c3: loadEsp32c3FlasherImage };

/** True if espalgo has a compiled flasher stub for this chip (elsewhere: the ROM-call probe). */
export function hasCompiledFlasherStub(chip: ChipDescriptor): boolean {
  return COMPILED_FLASHER_STUBS[chip.name] !== undefined;
}

/** The compiled flasher stub for a chip; undefined where there is none. */
export function compiledFlasherStub(chip: ChipDescriptor): StubImage | undefined {
  return COMPILED_FLASHER_STUBS[chip.name]?.();
}

export class StubError extends Error {
  /** Stable code, e.g. STUB_FLASH_ID. */
  readonly code: string;
  readonly info: StubErrorInfo;
  constructor(
    readonly command: StubCommandName,
    /** The signed value the stub returned. */
    readonly value: number,
    readonly address: number | undefined,
    readonly log: string,
    /** What the command reported before failing (FLASH_INFO and MAP_GET fill their result anyway). */
    readonly details?: { readonly flashInfo?: FlashInfo; readonly flashMap?: StubFlashMap },
  ) {
    const info = describeStubError(value);
    super(`${command}${address !== undefined ? ` at ${hex32(address)}` : ''} failed: ${info.message} (stub error ${value}, ${info.name}). ${info.action}`);
    this.name = 'StubError';
    this.code = `STUB_${info.name}`;
    this.info = info;
  }
}

export interface StubClientOptions {
  /** Largest READ/WRITE per call (bytes; must fit the work area). Default 32 KiB. */
  readonly maxChunk?: number;
  /** Multiplies every timeout (for slow targets such as a simulator). Default 1. */
  readonly timeoutScale?: number;
  /**
   * How fast the link moves memory (bytes per ms; default Infinity): a stream's ring is no larger
   * than it fills in RING_FILL_MS (stream-ring.ts).
   */
  readonly linkBytesPerMs?: number;
}

export interface EraseCheckResult {
  readonly blank: boolean;
  /** Flash address of the first byte that is not 0xFF. */
  readonly firstNonBlank?: number;
}

export interface StreamWriteOptions {
  /**
   * Ring buffer size (multiple of 4), at most the stub's scratch buffer less the control block.
   * Default: two pieces of as many whole link transfers as fit in that (all 65,504 bytes where a
   * transfer is larger), else 16 KiB of borrowed RAM; no more than the stream's bytes when they are
   * all known at the start, nor than a slow link fills in RING_FILL_MS (StubClientOptions.linkBytesPerMs).
   */
  readonly ringSize?: number;
  /** Idle polls before the stub gives up (0 = stub default). */
  readonly pollLimit?: number;
  /** Host pause in ms between polls once the ring stayed full over STALLED_POLLS_BEFORE_PAUSE polls. Default 1. */
  readonly pollMs?: number;
  /** Overall timeout in ms. Default 10 s + 1 s per 16 KiB, scaled. */
  readonly timeoutMs?: number;
  /**
   * The data is a raw DEFLATE stream that inflates to this many flash bytes (STREAM_WRITE_DEFLATED,
   * inflated by the ROM's tinfl_decompress; the ring then starts after the inflate window).
   */
  readonly deflatedTo?: number;
  /** A deflated stream's inflate window in bytes, at least its compressor's (default the largest, 32 KiB). */
  readonly window?: number;
}

/** Bytes at the end of the stub's scratch buffer kept for the stream control block (the rest is the ring). */
const STREAM_CONTROL_RESERVE = 32;
/** Ring size in borrowed work-area RAM (an image without a scratch buffer), unless given. */
const DEFAULT_BORROWED_RING = 0x4000;
/** Pieces ahead of a full ring at which the host starts reading the stub's progress. */
const PROBE_AHEAD_PIECES = 1;
/** Polls of a full ring without progress before the host pauses pollMs between polls. */
const STALLED_POLLS_BEFORE_PAUSE = 8;

const MS_PER_KIB = { read: 5, write: 20, erase: 40, hash: 5 } as const;

export class StubClient {
  private readonly maxChunk: number;
  private readonly scale: number;
  /** The largest stream ring worth borrowing on this link (stream-ring.ts ringLimitForLink). */
  private readonly ringLimit: number;
  /** How fast the link moves memory, bytes per ms (Infinity: in process or not known). */
  readonly linkBytesPerMs: number;

  /**
   * The operation in progress (settled): operations run one at a time, in call order. They share
   * the target's one CPU and the stub's scratch buffer (a read's two halves, a stream's ring), so two
   * started together, a read beside a write, say, would otherwise take each other's bytes.
   */
  private turn: Promise<unknown> = Promise.resolve();

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.turn.then(operation);
    this.turn = result.catch(() => undefined);
    return result;
  }

  constructor(readonly runner: AlgorithmRunner, readonly loaded: LoadedStub, options: StubClientOptions = {}) {
    this.maxChunk = Math.max(4, (options.maxChunk ?? 0x8000) & ~3);
    this.scale = options.timeoutScale ?? 1;
    this.linkBytesPerMs = options.linkBytesPerMs ?? Infinity;
    this.ringLimit = ringLimitForLink(this.linkBytesPerMs);
  }

  /** PING: checks that the loaded image speaks this protocol. */
  ping(): Promise<number> {
    return this.exclusive(async () => {
      const r = await this.run(encodeCall.ping(), 3000);
      if (r.value !== STUB_PING_REPLY) throw new StubError('PING', r.signedValue < 0 ? r.signedValue : -1, undefined, r.log);
      return r.value;
    });
  }

  flashInfo(): Promise<FlashInfo> {
    return this.exclusive(async () => {
      const r = await this.run(encodeCall.flashInfo(), 3000);
      const flashInfo = decodeFlashInfo(r.outputs.get(1)!);
      if (r.signedValue < 0) throw new StubError('FLASH_INFO', r.signedValue, undefined, r.log, { flashInfo });
      return flashInfo;
    });
  }

  /**
   * READ. Where the image has a scratch buffer, the stub reads into its two halves in turn and the
   * host copies each half out while the stub fills the other: no RAM of the running program is
   * backed up and restored per call, and each copy travels once.
   */
  read(address: number, length: number): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const scratch = this.loaded.image.symbols.scratch;
      const half = this.scratchHalf();
      if (!scratch || half < 4) return this.readThroughArguments(address, length);
      const out = new Uint8Array(length);
      const copies: Promise<void>[] = [];
      let failure: unknown;
      try {
        for (let done = 0, turn = 0; done < length; turn++) {
          const n = Math.min(half, length - done);
          const buffer = scratch.address + (turn & 1) * half;
          await claimBuffer(this.loaded, buffer, n);
          const r = await this.run(encodeCall.read(address + done, n, buffer), 3000 + (n / 1024) * MS_PER_KIB.read);
          this.check('READ', r, address + done);
          const at = done;
          copies.push(this.runner.target.readMemory(buffer, n).then((bytes) => out.set(bytes, at)));
          done += n;
        }
      } catch (error) {
        failure = error;
      }
      // Every copy settles before this returns or throws (none is left running behind the caller).
      for (const c of await Promise.allSettled(copies)) if (c.status === 'rejected') failure ??= c.reason;
      if (failure !== undefined) throw failure;
      return out;
    });
  }

  /**
   * READ_STRIDED: `count` pieces of `piece` bytes, `stride` apart from `address`, back to back in
   * the result (piece i at i × piece) — a search over every sector boundary in one call instead of
   * one per piece. As many pieces per call as fit half the scratch buffer (or maxChunk, through a
   * memory argument, in an image without one). All 4-aligned; stride at least the piece.
   */
  readStrided(address: number, piece: number, stride: number, count: number): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const into = this.loaded.image.symbols.scratch?.address;
      const room = into === undefined ? this.maxChunk : this.scratchHalf();
      if (piece > room) throw new RangeError(`READ_STRIDED pieces of ${piece} bytes: at most ${room} per piece`);
      const perCall = Math.floor(room / piece);
      const out = new Uint8Array(piece * count);
      for (let done = 0; done < count; ) {
        const n = Math.min(perCall, count - done);
        const at = address + done * stride;
        if (into !== undefined) await claimBuffer(this.loaded, into, n * piece);
        const r = await this.run(encodeCall.readStrided(at, piece, stride, n, into), 3000 + ((n * piece) / 1024) * MS_PER_KIB.read + n);
        this.check('READ_STRIDED', r, at);
        out.set(into === undefined ? r.outputs.get(3)!.subarray(0, n * piece) : await this.runner.target.readMemory(into, n * piece), done * piece);
        done += n;
      }
      return out;
    });
  }

  /** Half the stub's scratch buffer, no more than maxChunk (4-aligned): what one READ fills while the host copies the other half. */
  private scratchHalf(): number {
    const scratch = this.loaded.image.symbols.scratch;
    return scratch ? Math.min(this.maxChunk, Math.floor(scratch.size / 2) & ~3) : 0;
  }

  private async readThroughArguments(address: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const n = Math.min(this.maxChunk, length - done);
      const r = await this.run(encodeCall.read(address + done, n), 3000 + (n / 1024) * MS_PER_KIB.read);
      this.check('READ', r, address + done);
      out.set(r.outputs.get(3)!.subarray(0, n), done);
      done += n;
    }
    return out;
  }

  /** Program data (the range must be erased). */
  write(address: number, data: Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      for (let done = 0; done < data.length; ) {
        const n = Math.min(this.maxChunk, data.length - done);
        const r = await this.run(encodeCall.write(address + done, data.subarray(done, done + n)), 3000 + (n / 1024) * MS_PER_KIB.write);
        this.check('WRITE', r, address + done);
        done += n;
      }
    });
  }

  /**
   * Program raw-DEFLATE data; the stub inflates it and programs every 4 KiB. The compressed bytes
   * travel as one memory argument, so keep each call's stream well under the free work area
   * (about 80 KiB on the ESP32-C3); split large images into independent streams per range.
   */
  writeDeflated(address: number, compressed: Uint8Array, uncompressedLength: number, options: { inflater?: StubInflater; window?: number } = {}): Promise<void> {
    return this.exclusive(async () => {
      const r = await this.run(encodeCall.writeDeflated(address, compressed, uncompressedLength, options), 5000 + (uncompressedLength / 1024) * MS_PER_KIB.write * 2);
      this.check('WRITE_DEFLATED', r, address);
    });
  }

  erase(address: number, length: number): Promise<void> {
    return this.exclusive(async () => {
      const r = await this.run(encodeCall.erase(address, length), 5000 + (length / 1024) * MS_PER_KIB.erase);
      this.check('ERASE', r, address);
    });
  }

  eraseCheck(address: number, length: number): Promise<EraseCheckResult> {
    return this.exclusive(async () => {
      const r = await this.run(encodeCall.eraseCheck(address, length), 3000 + (length / 1024) * MS_PER_KIB.read);
      this.check('ERASE_CHECK', r, address);
      return r.value === 0 ? { blank: true } : { blank: false, firstNonBlank: (address + r.value - 1) >>> 0 };
    });
  }

  mapGet(options: { tableOffset?: number; appOffset?: number } = {}): Promise<StubFlashMap> {
    return this.exclusive(async () => {
      const r = await this.run(encodeCall.mapGet(options.tableOffset ?? 0, options.appOffset ?? 0), 10000);
      const flashMap = decodeMapResult(r.outputs.get(3)!);
      if (r.signedValue < 0) throw new StubError('MAP_GET', r.signedValue, flashMap.problemOffset, r.log, { flashMap });
      return flashMap;
    });
  }

  async sha256(address: number, length: number): Promise<Uint8Array> {
    return (await this.sha256Pieces(address, length, 0))[0]!;
  }

  /** One SHA-256 per `piece` bytes of the range (the last piece shorter), the flash read once. */
  sha256Pieces(address: number, length: number, piece: number): Promise<Uint8Array[]> {
    return this.exclusive(async () => {
      if (piece % 4 !== 0 || piece < 0) throw new RangeError(`sha256 pieces of ${piece} bytes: a multiple of 4 is needed`);
      const r = await this.run(encodeCall.sha256(address, length, piece), 3000 + (length / 1024) * MS_PER_KIB.hash);
      this.check('SHA256', r, address);
      const out = r.outputs.get(3)!;
      return Array.from({ length: sha256DigestCount(length, piece) }, (_, i) => out.slice(i * 32, i * 32 + 32));
    });
  }

  /**
   * Program data while the stub runs: the host fills a ring buffer in target RAM and the stub
   * programs what arrives (the range must be erased). Needs memory access while the CPU runs.
   * Ring and control block are the stub's own scratch buffer when the image has one (the control
   * block in its last STREAM_CONTROL_RESERVE bytes; no RAM of the program's to back up), else
   * borrowed work-area RAM. Each ring piece is written and then announced (host_written) back to
   * back without waiting — memory operations take effect in the order started; one write where the
   * piece ends at host_written — with a read of the control block behind it; the host waits only
   * when the ring is full. The final control block is read with the run's result.
   */
  streamWrite(address: number, data: Uint8Array | StreamSource, options: StreamWriteOptions = {}): Promise<StreamControl> {
    return this.exclusive(async () => {
      const source = data instanceof Uint8Array ? fixedSource(data) : data;
      const deflated = options.deflatedTo !== undefined;
      const window = deflated ? (options.window ?? INFLATE_WINDOW_MAX) : undefined;
      if (!deflated && !source.ended) throw new RangeError('stream write: a plain stream needs all its bytes up front');
      const flashLength = options.deflatedTo ?? source.length;
      if (flashLength % 4 !== 0) throw new RangeError(`stream write of ${flashLength} bytes: the length must be a multiple of 4`);
      const target = this.runner.target;
      const { plan, controlAt } = this.planRing(window, source.ended ? source.length : undefined, options.ringSize);
      const ringSize = plan.size;
      if (ringSize < 8) throw new RangeError(`stream write: a ring of ${ringSize} bytes is too small`);
      const layout = controlAt === undefined ? undefined : { ring: plan.address, control: controlAt };
      const call = encodeCall.streamWrite(address, flashLength, ringSize, options.pollLimit ?? 0, layout, window);
      await claimForCommand(this.loaded, call);
      if (layout) await claimBuffer(this.loaded, layout.ring, layout.control + STREAM_CONTROL_SIZE - layout.ring);
      // The scratch control block is written here, not as a memory argument: queued before the run's
      // resume, it reaches the target first (Target.resume) without a round trip of its own.
      const zeroed = layout ? target.writeMemory(layout.control, initialStreamControl(window)) : Promise.resolve();
      zeroed.catch(() => undefined); // awaited by the co-routine; never unhandled if the run fails first
      const piece = plan.piece;
      const pollMs = options.pollMs ?? 1;
      const timeoutMs = options.timeoutMs ?? (10000 + (flashLength / 16384) * 1000) * this.scale;
      let final: Uint8Array | undefined;
      const coroutine: Coroutine = {
        run: async (ctx) => {
          const ring = layout ? layout.ring : ctx.memoryArguments.get(3)!;
          const control = layout ? layout.control : ctx.memoryArguments.get(5)!;
          let issued = 0; // bytes whose ring write has been started
          let consumed = 0; // the newest stub_consumed seen
          let finished = false; // the stub stopped (done or an error)
          let stalled = 0; // polls in a row that saw no progress
          let failure: unknown;
          const inFlight: Promise<void>[] = [];
          const note = (p: Promise<void>): void => void inFlight.push(p.catch((error: unknown) => void (failure ??= error)));
          note(zeroed); // started before the run: the ring writes below follow it
          let probe: Promise<void> | undefined;
          const refresh = (): Promise<void> =>
            (probe ??= target
              .readMemory(control, STREAM_CONTROL_SIZE)
              .then((bytes) => {
                const state = decodeStreamControl(bytes);
                consumed = Math.max(consumed, state.stubConsumed);
                if (state.stubStatus < 0 || state.stubStatus === 2) finished = true;
              })
              .finally(() => (probe = undefined)));
          const deadline = performance.now() + timeoutMs;
          const allIssued = (): boolean => source.ended && issued >= source.length;
          while (!ctx.signal.aborted && !finished && failure === undefined && !allIssued() && performance.now() < deadline) {
            if (issued >= source.length) {
              // The producer (a compressor) has not got this far yet. Should it fail, the stub is told
              // to stop below, and the failure raised.
              await source.next().catch((error: unknown) => void (failure ??= error));
              continue;
            }
            const at = issued % ringSize;
            const n = Math.min(piece, source.length - issued, ringSize - at);
            if (issued + n - consumed > ringSize) {
              const before = consumed;
              await refresh();
              stalled = consumed === before ? stalled + 1 : 0;
              if (stalled >= STALLED_POLLS_BEFORE_PAUSE) await new Promise((resolve) => setTimeout(resolve, pollMs));
              continue;
            }
            const end = issued + n;
            if (ring + at + n === control + STREAM_CONTROL_OFFSETS.hostWritten) {
              // The piece ends where host_written lies (the scratch layout): one write for both.
              const both = new Uint8Array(n + 4);
              both.set(source.bytes(issued, end));
              both.set(encodeU32(end), n);
              note(target.writeMemory(ring + at, both));
            } else {
              note(target.writeMemory(ring + at, source.bytes(issued, end)));
              note(target.writeMemory(control + STREAM_CONTROL_OFFSETS.hostWritten, encodeU32(end)));
            }
            issued = end;
            // Ask how far the stub is once the ring could fill within the next pieces (not after the
            // last: the run's own result tells how it ended).
            if (!allIssued() && issued + PROBE_AHEAD_PIECES * piece - consumed > ringSize) note(refresh());
          }
          await Promise.all(inFlight);
          if (probe) await probe.catch(() => undefined);
          if (!allIssued() && !ctx.signal.aborted && !finished) {
            const abort = target.writeMemory(control + STREAM_CONTROL_OFFSETS.hostCommand, encodeU32(STREAM_HOST_ABORT));
            // After a failure the abort is a courtesy (the link may be what failed): that failure is the one raised.
            await (failure === undefined ? abort : abort.catch(() => undefined));
          }
          if (failure !== undefined) throw failure;
        },
        // The control block as the stub left it, read with the run's result.
        done: async (ctx) => {
          final = await target.readMemory(layout ? layout.control : ctx.memoryArguments.get(5)!, STREAM_CONTROL_SIZE);
        },
      };
      const r = await this.runner.run(this.loaded, { args: call.args, memoryArguments: call.memoryArguments, timeoutMs: timeoutMs + 2000, coroutine });
      this.check(call.command, r, address);
      return decodeStreamControl(final!);
    });
  }

  /**
   * Bytes of ring a stream of `streamBytes` (unknown: undefined) would borrow: plain, or deflated
   * through an inflate window of `deflateWindow` bytes.
   */
  streamRingSize(deflateWindow: number | undefined, streamBytes?: number): number {
    return this.planRing(deflateWindow, streamBytes).plan.size;
  }

  /**
   * A stream's ring: in the stub's scratch buffer after a deflated stream's inflate window, ending
   * at the control block (`controlAt`), or (an image without scratch) in borrowed RAM placed later.
   * No larger than the stream nor than the link fills in RING_FILL_MS.
   */
  private planRing(deflateWindow: number | undefined, streamBytes: number | undefined, ringSize?: number): { plan: StreamRing; controlAt?: number } {
    const scratch = this.loaded.image.symbols.scratch;
    const { maxTransfer } = this.runner.target.capabilities;
    const atMost = Math.min(streamBytes ?? Infinity, this.ringLimit);
    if (scratch === undefined || scratch.size < STREAM_CONTROL_RESERVE + 8) {
      return { plan: planStreamRing(0, ringSize ?? DEFAULT_BORROWED_RING, maxTransfer, ringSize, atMost) };
    }
    const controlAt = scratch.address + scratch.size - STREAM_CONTROL_RESERVE;
    return { plan: planStreamRing(scratch.address + (deflateWindow ?? 0), controlAt, maxTransfer, ringSize, atMost), controlAt };
  }

  private async run(call: StubCall, timeoutMs: number): Promise<RunResult> {
    await claimForCommand(this.loaded, call);
    return this.runner.run(this.loaded, {
      args: call.args,
      memoryArguments: call.memoryArguments,
      timeoutMs: Math.ceil(timeoutMs * this.scale),
    });
  }

  private check(command: StubCommandName, r: RunResult, address: number): void {
    if (r.signedValue < 0) throw new StubError(command, r.signedValue, address, r.log);
  }
}
