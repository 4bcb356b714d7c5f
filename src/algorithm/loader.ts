/**
 * Loading a stub image into target RAM: every segment at its link address (code through the data
 * bus, executed at its instruction-bus alias), BSS cleared right after (all but the scratch
 * buffer), a stack and the trampoline in the work area, all backed up so that unloading gives the
 * program its RAM back bit for bit. The image's on-demand range is not cleared, and with
 * `claimOnDemand` not backed up either: the caller backs up each part before writing it.
 */
import type { AddressRange, ChipDescriptor } from '../chips/types.js';
import { hex32 } from '../chips/types.js';
import type { Target } from '../target/types.js';
import { addressSpaceFor, type AddressSpace } from './address-space.js';
import type { CallingConvention } from './arch/types.js';
import { inRange } from '../chips/index.js';
import { AlgorithmLoadError, UnloadOrderError } from './errors.js';
import { imageExtent, type StubImage, type StubRange, type StubSymbols } from './stub-image.js';
import { WorkAreaAllocator } from './work-area.js';
import { silenceMonitors } from './assist-debug.js';
import { placeReversed, reversedBlockStart, reverseWords } from './xtensa/reversed-alias.js';

export interface LoadOptions {
  /** The chip: its I/D alias and default work area. Omit for a generic target. */
  readonly chip?: ChipDescriptor;
  /** RAM the loader may use; default: the chip's stub work area, or the image's extent plus scratch. */
  readonly workArea?: AddressRange;
  /** Scratch after the image when no work area is known (stack, trampoline, buffers). Default 64 KiB. */
  readonly scratchSize?: number;
  /** Stack size; default: the image's. */
  readonly stackSize?: number;
  /** Back up and restore the RAM used (default true). False is for bulk work on a halted chip. */
  readonly backup?: boolean;
  /**
   * Leave the image's on-demand range (StubSymbols.onDemand) unheld: the caller backs up each part
   * before a call writes it (`allocator.cover`), as the flash driver does (src/flash/stub-scratch.ts).
   * Default false: the loader backs it all up with the rest, for callers that cannot know what a
   * routine writes.
   */
  readonly claimOnDemand?: boolean;
}

export interface LoadedStub {
  readonly image: StubImage;
  readonly allocator: WorkAreaAllocator;
  readonly space: AddressSpace;
  /** Instruction-bus address where the PC starts. */
  readonly trampolinePc: number;
  /** Where a clean return halts. */
  readonly returnPc: number;
  /** Where an exception halts when the stub has no trap entry of its own. */
  readonly catcherPc: number | undefined;
  readonly trapVector: number | undefined;
  readonly stackTop: number;
  /** Software breakpoints the loader planted (targets that do not halt on a break instruction). */
  readonly breakpoints: readonly number[];
  /** The chip's ASSIST_DEBUG monitor register, cleared while the stub is loaded (see assist-debug.ts). */
  readonly monitors?: WorkAreaAllocator;
}

export async function loadStub(
  target: Target,
  image: StubImage,
  convention: CallingConvention,
  options: LoadOptions = {},
): Promise<LoadedStub> {
  if (image.architecture !== target.architecture) {
    throw new AlgorithmLoadError(`stub "${image.name}" is built for ${image.architecture} but the target is ${target.architecture}`);
  }
  // ESP32: code is written through the data bus with its word order mirrored (see reversed-alias.ts).
  const reversed = options.chip?.sramAlias.kind === 'reversed' ? options.chip.sramAlias : undefined;
  const space = addressSpaceFor(options.chip);
  const region = options.workArea ?? options.chip?.stub?.workArea ?? defaultRegion(image, space, options.scratchSize ?? 0x10000);
  const allocator = new WorkAreaAllocator(target, region, options.backup ?? true);
  // What a stub linked outside the work area is told to do.
  const outside = linkAdvice(region, space, options.workArea !== undefined);
  let monitors: WorkAreaAllocator | undefined;
  hold(target, allocator, image.name);
  try {
    monitors = await silenceMonitors(target, options.chip);
    for (const segment of image.segments) {
      if (segment.bytes.length === 0) continue;
      const placed = segment.executable && reversed && inRange(reversed.iram, segment.address)
        ? placeReversed(reversed, segment.address, segment.bytes)
        : { dataAddress: segment.executable ? space.toDataBus(segment.address) : segment.address, bytes: segment.bytes };
      await allocator.allocateAt(placed.dataAddress, placed.bytes.length, `${image.name} ${segment.executable ? 'code' : 'data'} @${hex32(segment.address)}`, { outside });
      await target.writeMemory(placed.dataAddress, placed.bytes);
    }
    // With claimOnDemand that range is backed up by whoever writes it, when they do (cover).
    const onDemand = options.claimOnDemand ? image.symbols.onDemand : undefined;
    if (onDemand) allocator.reserve(onDemand.address, onDemand.size);
    for (const bss of image.bss) {
      for (const part of rangeWithout(bss, onDemand)) {
        await allocator.allocateAt(part.address, part.size, `${image.name} bss @${hex32(part.address)}`, { outside });
      }
      for (const part of rangesToClear(bss, image.symbols)) await target.writeMemory(part.address, new Uint8Array(part.size));
    }
    const tramp = convention.trampoline();
    const trampBytes = reversed ? reverseWords(tramp.bytes) : tramp.bytes;
    const trampArea = await allocator.allocate(trampBytes.length, 'trampoline', { align: Math.max(4, tramp.align) });
    const trampReversed = reversed !== undefined && inRange(reversed.dram, trampArea.address);
    await target.writeMemory(trampArea.address, trampReversed ? trampBytes : tramp.bytes);
    const stackSize = options.stackSize ?? image.stackSize;
    const stack = await allocator.allocate(stackSize, 'stack', { align: 16 });

    const base = trampReversed ? reversedBlockStart(reversed!, trampArea.address, trampBytes.length) : space.toInstructionBus(trampArea.address);
    const returnPc = base + tramp.returnOffset;
    const catcherPc = tramp.trapCatcherOffset === undefined ? undefined : base + tramp.trapCatcherOffset;
    const breakpoints: number[] = [];
    if (!target.capabilities.haltsOnBreakInstruction) {
      for (const pc of [returnPc, catcherPc]) {
        if (pc === undefined) continue;
        await target.addBreakpoint(pc, 'software');
        breakpoints.push(pc);
      }
    }
    return {
      image,
      allocator,
      space,
      trampolinePc: base + tramp.entryOffset,
      returnPc,
      catcherPc,
      trapVector: image.symbols.trapEntry ?? catcherPc,
      stackTop: stack.address + stack.size,
      breakpoints,
      ...(monitors ? { monitors } : {}),
    };
  } catch (error) {
    await allocator.releaseAll().catch(() => undefined);
    await monitors?.releaseAll().catch(() => undefined);
    release(target, allocator);
    throw error;
  }
}

/**
 * Work areas held by loaded stubs, per target, in load order. Loads may nest (a stub loaded over
 * another backs the first one up with the RAM) as long as they are unloaded in reverse order: a stub
 * unloaded while one loaded later over the same RAM is still there would give the program its RAM
 * back under that one, whose own unload would then write the first stub over the program.
 */
const held = new WeakMap<Target, { readonly allocator: WorkAreaAllocator; readonly name: string }[]>();

const overlap = (a: AddressRange, b: AddressRange): boolean => a.start < b.end && b.start < a.end;

function hold(target: Target, allocator: WorkAreaAllocator, name: string): void {
  const list = held.get(target) ?? [];
  list.push({ allocator, name });
  held.set(target, list);
}

/** Refuses (UnloadOrderError, nothing changed) while a stub loaded later over the same RAM is still loaded. */
function checkUnloadOrder(target: Target, loaded: LoadedStub): void {
  const list = held.get(target) ?? [];
  const i = list.findIndex((h) => h.allocator === loaded.allocator);
  const region = loaded.allocator.region;
  const later = i < 0 ? undefined : list.slice(i + 1).find((h) => overlap(h.allocator.region, region));
  if (later) throw new UnloadOrderError(loaded.image.name, later.name, region.start);
}

function release(target: Target, allocator: WorkAreaAllocator): void {
  const list = held.get(target);
  const i = list?.findIndex((h) => h.allocator === allocator) ?? -1;
  if (i >= 0) list!.splice(i, 1);
}

/** Stubs given back by unloadStub: their RAM holds the program's bytes again, so they must not run. */
const unloaded = new WeakSet<LoadedStub>();

/** False once the stub was unloaded (its code and data are gone from the target). */
export function isLoaded(loaded: LoadedStub): boolean {
  return !unloaded.has(loaded);
}

/** Give the RAM back: remove planted breakpoints and restore every backed-up byte. */
export async function unloadStub(target: Target, loaded: LoadedStub): Promise<void> {
  if (isLoaded(loaded)) checkUnloadOrder(target, loaded);
  unloaded.add(loaded);
  for (const pc of loaded.breakpoints) await target.removeBreakpoint(pc, 'software').catch(() => undefined);
  let failure: unknown;
  await loaded.allocator.releaseAll().catch((error: unknown) => void (failure = error));
  await loaded.monitors?.releaseAll().catch((error: unknown) => void (failure ??= error));
  release(target, loaded.allocator);
  if (failure !== undefined) throw failure;
}

/**
 * The part of a BSS range the loader clears: all of it but the image's on-demand range and scratch
 * buffer, which every user writes before reading (through a slow link, 64 KiB of zeros is most of
 * a load).
 */
export function rangesToClear(bss: StubRange, symbols: Pick<StubSymbols, 'scratch' | 'onDemand'>): StubRange[] {
  return rangeWithout(bss, symbols.onDemand).flatMap((part) => rangeWithout(part, symbols.scratch));
}

/** `range` less `hole`: none, one or two ranges. */
export function rangeWithout(range: StubRange, hole: StubRange | undefined): StubRange[] {
  if (range.size <= 0) return [];
  const end = range.address + range.size;
  if (!hole || hole.size === 0) return [range];
  const from = Math.max(range.address, hole.address);
  const to = Math.min(end, hole.address + hole.size);
  if (from >= to) return [range];
  return [
    { address: range.address, size: from - range.address },
    { address: to, size: end - to },
  ].filter((r) => r.size > 0);
}

function defaultRegion(image: StubImage, space: AddressSpace, scratch: number): AddressRange {
  // No chip and no work area: place the stack and scratch right after the image, in its own RAM.
  let start = Infinity;
  let end = 0;
  for (const s of image.segments) {
    const at = s.executable ? space.toDataBus(s.address) : s.address;
    start = Math.min(start, at);
    end = Math.max(end, at + s.bytes.length);
  }
  const extent = imageExtent(image);
  start = Math.min(start, extent.start);
  end = Math.max(end, extent.end);
  end = Math.ceil(end / 16) * 16;
  return { start, end: end + scratch };
}

/**
 * What to do about a stub linked outside the work area: link it inside (naming the instruction-bus
 * addresses of the same RAM where the chip has them), or, for a work area given rather than the
 * chip's, give one that covers it.
 */
function linkAdvice(region: AddressRange, space: AddressSpace, given: boolean): string {
  const codeStart = space.toInstructionBus(region.start);
  const alias = codeStart !== region.start ? ` (code may use the same RAM's instruction-bus addresses ${hex32(codeStart)}..${hex32(space.toInstructionBus(region.end - 1) + 1)})` : '';
  return given ? `give a work area that covers the stub's link addresses, or link the stub inside this one${alias}` : `link the stub inside the chip's work area${alias}`;
}
