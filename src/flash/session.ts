/**
 * A flash session: the flasher stub loaded on a halted target, ready for read/write/erase/verify,
 * and the promise to give the target back as it was found.
 *
 *   const session = await openFlashSession(target, { chip: esp32c3 });
 *   try { await writeFlash(session, 0x10000, data); } finally { await session.close(); }
 *
 * Backup: by default every byte of work-area RAM the stub uses is backed up and written back on
 * close, and a target that was running is resumed, so the application never notices. With
 * `backup: false` (faster, for bulk programming like OpenOCD's program_esp) the RAM is clobbered:
 * the session then leaves the target halted on close (`resumed: false`) — reset it afterwards.
 */
import type { ChipDescriptor } from '../chips/types.js';
import { esp32c3 } from '../chips/esp32c3.js';
import type { LoadedStub } from '../algorithm/loader.js';
import { AlgorithmRunner } from '../algorithm/runner.js';
import { UnloadOrderError } from '../algorithm/errors.js';
import { checkFlashOverrides } from './overrides.js';
import type { StubImage } from '../algorithm/stub-image.js';
import type { Target } from '../target/types.js';
import { FlashError } from './errors.js';
import { StubClient, StubError, compiledFlasherStub } from './stub-client.js';
import { SECTOR_SIZE, STUB_ADDRESS_LIMIT, type FlashInfo } from './stub-protocol.js';

export interface FlashSessionOptions {
  /** The chip; default ESP32-C3 (the only chip with a flasher stub today). */
  readonly chip?: ChipDescriptor;
  /** Back up and restore the work-area RAM and resume a running target (default true). */
  readonly backup?: boolean;
  /** Stub stack size in bytes; default the image's. */
  readonly stackSize?: number;
  /** Flash size to use when detection fails or to override it (bytes). */
  readonly flashSize?: number;
  /** Multiplies every stub timeout (slow links, simulators). Default 1. */
  readonly timeoutScale?: number;
  /** Largest READ/WRITE per stub call; default 32 KiB. */
  readonly maxChunk?: number;
  /** Another stub image (tests). */
  readonly image?: StubImage;
  /**
   * Back up the stub's scratch buffer and decoder state only where a call is about to write them
   * (default true; stub-scratch.ts). False backs up the whole image at load, as a generic call does.
   */
  readonly claimOnDemand?: boolean;
}

export interface FlashSessionCloseResult {
  /** True when the target was resumed (it was running and the RAM was preserved). */
  readonly resumed: boolean;
  /** True when the work-area RAM was restored byte for byte. */
  readonly ramRestored: boolean;
}

export interface FlashSession {
  readonly target: Target;
  readonly chip: ChipDescriptor;
  readonly runner: AlgorithmRunner;
  readonly loaded: LoadedStub;
  readonly stub: StubClient;
  /** The target was running when the session opened (it is halted now). */
  readonly wasRunning: boolean;
  /** Work-area RAM is backed up and restored. */
  readonly backup: boolean;
  /** Detected (or given) flash size in bytes. */
  readonly flashSize: number;
  /** Erase unit in bytes (4 KiB). */
  readonly sectorSize: number;
  /** What FLASH_INFO reported (undefined when detection failed and a size was given). */
  readonly info: FlashInfo | undefined;
  /** The highest flash offset the stub can reach (exclusive). */
  readonly addressLimit: number;
  /** Multiplier applied to stub timeouts. */
  readonly timeoutScale: number;
  readonly closed: boolean;
  /** Unload the stub (restoring RAM when backed up) and resume the target if it was running. Idempotent. */
  close(): Promise<FlashSessionCloseResult>;
}

export async function openFlashSession(target: Target, options: FlashSessionOptions = {}): Promise<FlashSession> {
  const chip = options.chip ?? esp32c3;
  checkFlashOverrides({ ...(options.flashSize !== undefined ? { flashSize: options.flashSize } : {}) }, chip);
  const image = options.image ?? compiledFlasherStub(chip);
  if (!image) {
    throw new FlashError('FLASH_UNSUPPORTED_CHIP', `there is no flasher stub for ${chip.displayName} yet`, {
      action: 'Use an ESP32-C3 (or pass --chip esp32c3 if the chip was misidentified)',
    });
  }
  const backup = options.backup ?? true;
  const wasRunning = target.state() === 'running';
  if (target.state() !== 'halted') await target.halt();

  const runner = new AlgorithmRunner(target, { chip, backup });
  let loaded: LoadedStub | undefined;
  const giveBack = async (): Promise<FlashSessionCloseResult> => {
    if (loaded) await runner.unload(loaded);
    const resume = wasRunning && backup;
    if (resume) await target.resume();
    return { resumed: resume, ramRestored: backup };
  };
  try {
    const loadStarted = performance.now();
    loaded = await runner.load(image, { claimOnDemand: options.claimOnDemand ?? true, ...(options.stackSize !== undefined ? { stackSize: options.stackSize } : {}) });
    const linkBytesPerMs = target.capabilities.inProcess ? Infinity : bytesMovedByLoad(loaded) / Math.max(0.001, performance.now() - loadStarted);
    const stub = new StubClient(runner, loaded, {
      ...(options.timeoutScale !== undefined ? { timeoutScale: options.timeoutScale } : {}),
      ...(options.maxChunk !== undefined ? { maxChunk: options.maxChunk } : {}),
      linkBytesPerMs,
    });
    await stub.ping();
    let info: FlashInfo | undefined;
    try {
      info = await stub.flashInfo();
    } catch (error) {
      if (!(error instanceof StubError) || options.flashSize === undefined) throw error;
    }
    const flashSize = options.flashSize ?? info?.size ?? 0;
    if (!flashSize) {
      throw new FlashError('FLASH_SIZE_UNKNOWN', 'the flash size could not be detected', {
        action: 'Give the size (--flash-size), and report the JEDEC id FLASH_INFO returned',
      });
    }
    let closed: Promise<FlashSessionCloseResult> | undefined;
    const l = loaded;
    return {
      target,
      chip,
      runner,
      loaded: l,
      stub,
      wasRunning,
      backup,
      flashSize,
      sectorSize: chip.flashSectorSize || SECTOR_SIZE,
      info,
      addressLimit: Math.min(flashSize, STUB_ADDRESS_LIMIT),
      timeoutScale: options.timeoutScale ?? 1,
      get closed() {
        return closed !== undefined;
      },
      close() {
        closed ??= giveBack().catch((error: unknown) => {
          // Refused before anything changed (a session opened later over the same RAM is still
          // open): this one stays open, to be closed after that one.
          if (error instanceof UnloadOrderError) closed = undefined;
          throw error;
        });
        return closed;
      },
    };
  } catch (error) {
    await giveBack().catch(() => undefined);
    throw error;
  }
}

/**
 * What loading the stub moved across the link: the RAM it backed up and the image it wrote. Timed,
 * it tells how fast the link is (a GDB server on this machine moves tens of MB/s, OpenOCD's JTAG
 * tens of KB/s), which sizes the stream ring (StubClientOptions.linkBytesPerMs).
 */
function bytesMovedByLoad(loaded: LoadedStub): number {
  return loaded.allocator.backedUpBytes + loaded.image.segments.reduce((n, s) => n + s.bytes.length, 0);
}

/** Run `body` in a session and always close it. */
export async function withFlashSession<T>(target: Target, options: FlashSessionOptions, body: (session: FlashSession) => Promise<T>): Promise<T> {
  const session = await openFlashSession(target, options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
