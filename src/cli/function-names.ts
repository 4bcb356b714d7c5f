/** The name of the function at an address, for output: the application ELF's symbol, else the chip's ROM function there. */
import type { ChipDescriptor, RomFunction } from '../chips/types.js';
import type { ElfFile } from '../image/types.js';
import { romSymbolAt } from '../sim/esp32c3/rom/symbols.js';

const STT_FUNC = 2;
const STB_GLOBAL = 1;

/**
 * The symbol of `elf` at `address` (a function symbol first, global before local; the ROM
 * addresses ESP-IDF's linker scripts provide count too), else a ROM function the chip descriptor
 * knows there (and on the ESP32-C3 any ROM jump-table entry); undefined when nothing names it.
 */
export function functionNameAt(address: number, known: { readonly elf?: ElfFile; readonly chip?: ChipDescriptor }): string | undefined {
  const at = address >>> 0;
  const rank = (s: { type: number; bind: number }): number => (s.type === STT_FUNC ? 2 : 0) + (s.bind === STB_GLOBAL ? 1 : 0);
  let best: { name: string; type: number; bind: number } | undefined;
  for (const s of known.elf?.symbols ?? []) {
    if (s.name === '' || (s.value & ~1) >>> 0 !== at) continue;
    if (!best || rank(s) > rank(best)) best = s;
  }
  if (best) return best.name;
  const chip = known.chip;
  if (!chip || at < chip.rom.start || at >= chip.rom.end) return undefined;
  return romFunctionsOf(chip).find((f) => f.address === at)?.name ?? (chip.name === 'esp32c3' ? romSymbolAt(at) : undefined);
}

function romFunctionsOf(chip: ChipDescriptor): RomFunction[] {
  const rom = chip.romFlash;
  if (!rom) return [];
  return [rom.spiflashRead, ...rom.caches.flatMap((c) => [c.suspend, c.resume]), ...(rom.octalFlashQuery ? [rom.octalFlashQuery] : [])];
}
