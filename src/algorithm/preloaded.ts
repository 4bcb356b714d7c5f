/**
 * Preloaded stub images: ESP-IDF can link OpenOCD's stubs into the application. Their descriptor sits
 * at the stub IRAM origin: magic 0xFEEDFACE, stub version, IDF key 0x5C3A9F5A (stubs loaded over JTAG
 * carry key 0, so a leftover from an earlier debugger run is never mistaken for the application's copy).
 */
import type { Target } from '../target/types.js';

export const PRELOADED_STUB_MAGIC = 0xfeedface;
export const PRELOADED_STUB_IDF_KEY = 0x5c3a9f5a;

export interface PreloadedStub {
  readonly address: number;
  readonly version: number;
  readonly idfKey: number;
  /** True if the descriptor belongs to a copy the application carries (not a JTAG leftover). */
  readonly fromApplication: boolean;
}

export async function detectPreloadedStub(target: Target, iramOrigin: number): Promise<PreloadedStub | undefined> {
  const bytes = await target.readMemory(iramOrigin, 12);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== PRELOADED_STUB_MAGIC) return undefined;
  const idfKey = view.getUint32(8, true);
  return { address: iramOrigin, version: view.getUint32(4, true), idfKey, fromApplication: idfKey === PRELOADED_STUB_IDF_KEY };
}
