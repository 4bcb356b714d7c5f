// The simulated ROM as an ELF symbol file (sim --rom-elf): read back with espalgo's own ELF reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { simulatedRomElf } from '../../../src/sim/esp32c3/rom-elf.js';
import { ROM_BASE, ROM_SIZE } from '../../../src/sim/esp32c3/chip.js';
import { ROM_ALIASES, ROM_SERVICES, ROM_SYMBOLS } from '../../../src/sim/esp32c3/rom/index.js';
import { EF_RISCV_RVC, EM_RISCV, SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS, STB_GLOBAL, STT_FUNC, elfSectionData, findSection, parseElf, symbolMap } from '../../../src/image/index.js';
import { buildFlash } from './fixture.js';

test('the ROM ELF holds the ROM the simulator serves as .text at 0x40000000 and a function symbol, with its size, for every ROM function it serves or names', async () => {
  const sim = createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
  try {
    const elf = parseElf(simulatedRomElf(sim.chip));
    assert.equal(elf.machine, EM_RISCV);
    assert.equal(elf.flags & EF_RISCV_RVC, EF_RISCV_RVC, 'the ROM code uses compressed instructions');
    assert.equal(elf.entry, ROM_BASE, 'the reset vector');
    const text = findSection(elf, '.text');
    assert.ok(text, 'a .text section');
    assert.equal(text.type, SHT_PROGBITS);
    assert.equal(text.flags, SHF_ALLOC | SHF_EXECINSTR);
    assert.equal(text.addr, ROM_BASE);
    assert.equal(text.size, ROM_SIZE);
    assert.deepEqual(elfSectionData(elf, text), sim.chip.rom, 'the bytes the simulator serves');

    const symbols = symbolMap(elf);
    for (const s of elf.symbols) {
      assert.equal(s.type, STT_FUNC, s.name);
      assert.equal(s.bind, STB_GLOBAL, s.name);
      assert.equal(s.sectionIndex, text.index, s.name);
    }
    const expect = (name: string, address: number, size: number): void => {
      const s = symbols.get(name);
      assert.ok(s, `symbol ${name}`);
      assert.deepEqual([s.value, s.size], [address, size], name);
    };
    // The reset vector (jal to the start-up and bootloader, mv sp, a1, jr a0) and the boot it calls.
    expect('_start', ROM_BASE, 8);
    expect('sim_rom_boot', ROM_BASE + 8, 2);
    // Every modelled function reads as c.jr ra (0x8082): 2 bytes.
    for (const s of ROM_SERVICES) {
      const address = ROM_SYMBOLS[s.name]!;
      expect(s.name, address, 2);
      assert.equal(sim.chip.rom[address - ROM_BASE]! | (sim.chip.rom[address - ROM_BASE + 1]! << 8), 0x8082, s.name);
    }
    // A function named but not modelled: its 4-byte jump-table slot (esp_rom_spiflash_write_encrypted is one).
    const modelled = new Set(ROM_SERVICES.map((s) => s.name));
    assert.ok(!modelled.has('esp_rom_spiflash_write_encrypted'));
    for (const [name, address] of Object.entries(ROM_SYMBOLS)) if (!modelled.has(name)) expect(name, address, 4);
    // IDF's other names for them: size 0, so that a debugger names the function by its own name.
    for (const [alias, name] of Object.entries(ROM_ALIASES)) expect(alias, ROM_SYMBOLS[name]!, 0);
    assert.equal(elf.symbols.length, 2 + Object.keys(ROM_SYMBOLS).length + Object.keys(ROM_ALIASES).length);
  } finally {
    await sim.close();
  }
});
