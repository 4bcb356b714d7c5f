/**
 * Memory arguments: host buffers copied into temporary target areas whose addresses are patched into
 * the user argument they belong to, and copied back out after the run.
 */
import type { Target } from '../target/types.js';
import { AlgorithmArgumentError } from './errors.js';
import type { WorkArea, WorkAreaAllocator } from './work-area.js';

export interface MemoryArgument {
  /** Index of the user argument that receives the buffer's address. */
  readonly argIndex: number;
  /** Bytes copied in before the run (omit for an output-only buffer). */
  readonly input?: Uint8Array;
  /** Size of the buffer; default input's length. */
  readonly size?: number;
  /** Copy the buffer back after the run. */
  readonly output?: boolean;
  readonly align?: number;
}

export interface PlacedMemoryArgument {
  readonly spec: MemoryArgument;
  readonly area: WorkArea;
}

export async function placeMemoryArguments(
  target: Target,
  allocator: WorkAreaAllocator,
  specs: readonly MemoryArgument[],
  args: number[],
): Promise<PlacedMemoryArgument[]> {
  const placed: PlacedMemoryArgument[] = [];
  for (const spec of specs) {
    const size = spec.size ?? spec.input?.length ?? 0;
    if (size <= 0) throw new AlgorithmArgumentError(`memory argument for user argument ${spec.argIndex} has no size`);
    if (spec.input && spec.input.length > size) {
      throw new AlgorithmArgumentError(`memory argument ${spec.argIndex}: ${spec.input.length} input bytes do not fit its ${size}-byte buffer`);
    }
    if (spec.argIndex < 0 || spec.argIndex >= args.length) {
      throw new AlgorithmArgumentError(`memory argument patches user argument ${spec.argIndex}, but the call has ${args.length}`);
    }
    const area = await allocator.allocate(size, `memory argument ${spec.argIndex}`, { align: spec.align ?? 4 });
    placed.push({ spec, area });
    if (spec.input) await target.writeMemory(area.address, spec.input);
    args[spec.argIndex] = area.address;
  }
  return placed;
}

export async function collectMemoryArguments(target: Target, placed: readonly PlacedMemoryArgument[]): Promise<Map<number, Uint8Array>> {
  const outputs = placed.filter((p) => p.spec.output);
  const bytes = await Promise.all(outputs.map((p) => target.readMemory(p.area.address, p.area.size)));
  return new Map(outputs.map((p, i) => [p.spec.argIndex, bytes[i]!]));
}

export async function releaseMemoryArguments(allocator: WorkAreaAllocator, placed: readonly PlacedMemoryArgument[]): Promise<void> {
  for (const p of [...placed].reverse()) await allocator.release(p.area);
}
