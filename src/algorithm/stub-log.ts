/** The stub log buffer: a u32 byte count followed by the text the stub printed. */
import type { Target } from '../target/types.js';
import type { StubRange } from './stub-image.js';

export async function clearStubLog(target: Target, buffer: StubRange): Promise<void> {
  await target.writeMemory(buffer.address, new Uint8Array(4));
}

/** Read the log; returns '' when the stub printed nothing. The count is clamped to the buffer. */
export async function readStubLog(target: Target, buffer: StubRange): Promise<string> {
  const head = await target.readMemory(buffer.address, 4);
  const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  const capacity = Math.max(0, buffer.size - 4);
  const n = Math.min(length, capacity);
  if (n === 0) return '';
  const text = await target.readMemory(buffer.address + 4, n);
  return new TextDecoder('utf-8', { fatal: false }).decode(text);
}
