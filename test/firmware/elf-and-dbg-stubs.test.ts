import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32c3, inRange } from '../../src/chips/index.js';
import { bytesEqual, parseImage, segmentData, sha256 } from '../../src/image/index.js';
import { parseElf } from '../../src/image/elf.js';
import type { EspImage, ElfFile } from '../../src/image/index.js';
import { readBuild } from './prebuilt.js';

const BUILDS = ['espalgo-demo', 'espalgo-demo-ota1'];

function symbol(elf: ElfFile, name: string): { value: number; size: number } {
  const s = elf.symbols.find((x) => x.name === name);
  assert.ok(s, `symbol ${name} present in the ELF`);
  return s;
}

/** Bytes at `address` as the image would load them (RAM segments) or map them (flash segments). */
function imageBytes(image: EspImage, bytes: Uint8Array, address: number, length: number): Uint8Array {
  const seg = image.segments.find((s) => s.kind !== 'padding' && address >= s.loadAddress && address + length <= s.loadAddress + s.length);
  assert.ok(seg, `an image segment covers 0x${address.toString(16)}`);
  return segmentData(bytes, seg).subarray(address - seg.loadAddress, address - seg.loadAddress + length);
}

function word(image: EspImage, bytes: Uint8Array, address: number): number {
  const b = imageBytes(image, bytes, address, 4);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

for (const name of BUILDS) {
  const elf = parseElf(readBuild(`${name}.elf`));
  const bytes = readBuild(`${name}.bin`);
  const image = parseImage(bytes);

  test(`${name}.elf: RISC-V executable whose entry is the image's`, () => {
    assert.equal(elf.machine, 0xf3);
    assert.equal(elf.entry, image.header.entry);
    assert.equal(symbol(elf, 'call_start_cpu0').value, elf.entry);
  });

  test(`${name}.elf: every loadable section is in the image byte for byte`, () => {
    const SHF_ALLOC = 0x2;
    const SHT_PROGBITS = 1;
    const loaded = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.type === SHT_PROGBITS && s.size > 0);
    assert.ok(loaded.length >= 4);
    const desc = symbol(elf, 'esp_app_desc').value;
    for (const s of loaded) {
      const want = elf.bytes.slice(s.offset, s.offset + s.size);
      // elf2image writes the ELF's SHA-256 into app_elf_sha256 (descriptor offset 144, 32 bytes).
      if (desc >= s.addr && desc < s.addr + s.size) want.set(sha256(elf.bytes), desc - s.addr + 144);
      assert.ok(bytesEqual(imageBytes(image, bytes, s.addr, s.size), want), `section ${s.name}`);
    }
  });

  test(`${name}: the app descriptor carries the ELF's SHA-256`, () => {
    assert.ok(bytesEqual(image.appDesc!.appElfSha256, sha256(elf.bytes)));
  });

  test(`${name}.elf: demo globals have stable names in DRAM, code where it belongs`, () => {
    const dram = esp32c3.sramAlias.kind === 'offset' ? esp32c3.sramAlias.dram : undefined;
    const iram = esp32c3.sramAlias.kind === 'offset' ? esp32c3.sramAlias.iram : undefined;
    assert.ok(dram && iram);
    for (const g of ['demo_heartbeat', 'demo_selfcheck_failures', 'demo_selfcheck_runs', 'demo_state', 'demo_trap',
      'demo_publish_dbg_stubs', 'demo_dbg_stubs_published', 'demo_dbg_stubs_publish_result', 'demo_data_magic', 's_dbg_stubs']) {
      assert.ok(inRange(dram, symbol(elf, g).value), `${g} in DRAM`);
    }
    assert.equal(symbol(elf, 'demo_state').size, 288);
    assert.equal(symbol(elf, 'demo_trap').size, 16);
    for (const f of ['demo_trap_entry', 'demo_mix_iram', 'demo_dbg_tramp']) assert.ok(inRange(iram, symbol(elf, f).value), `${f} in IRAM`);
    for (const f of ['call_start_cpu0', 'main', 'demo_mix_irom', 'demo_onboard_sum', 'demo_semihost_call']) {
      assert.ok(inRange(esp32c3.irom, symbol(elf, f).value), `${f} in IROM`);
    }
    for (const r of ['esp_app_desc', 'demo_rom_table']) assert.ok(inRange(esp32c3.drom, symbol(elf, r).value), `${r} in DROM`);
    assert.equal(word(image, bytes, symbol(elf, 'demo_data_magic').value), 0x600dda7a);
    const table = symbol(elf, 'demo_rom_table');
    assert.equal(table.size, 128);
    for (let i = 0; i < 32; i++) {
      assert.equal(word(image, bytes, table.value + 4 * i), (Math.imul(i, 0x9e3779b9) ^ 0xa5a5a5a5) >>> 0, `demo_rom_table[${i}]`);
    }
  });

  test(`${name}: s_dbg_stubs table in the image has the ESP-IDF layout`, () => {
    const stubs = symbol(elf, 's_dbg_stubs');
    assert.equal(stubs.size, 20);
    assert.equal(word(image, bytes, stubs.value), 0xfeedbeef);
    assert.equal(word(image, bytes, stubs.value + 4), 5);
    const ctl = word(image, bytes, stubs.value + 8);
    assert.equal(ctl, symbol(elf, 'demo_dbg_stubs_ctl').value);
    assert.equal(word(image, bytes, stubs.value + 12), symbol(elf, 'demo_onboard_sum').value, 'ENTRY_FIRST is demo_onboard_sum');
    assert.equal(word(image, bytes, stubs.value + 16), 0, 'no capabilities');

    const tramp = word(image, bytes, ctl);
    assert.equal(tramp, symbol(elf, 'demo_dbg_tramp').value);
    assert.equal(symbol(elf, 'demo_dbg_tramp').size, 32);
    assert.ok(inRange({ start: 0x40380000, end: 0x403e0000 }, tramp), 'trampoline buffer on the instruction bus');
    const iramText = elf.sections.find((s) => tramp >= s.addr && tramp + 32 <= s.addr + s.size);
    assert.ok(iramText && (iramText.flags & 0x4) !== 0, 'trampoline buffer lies in an executable section');

    const stack = word(image, bytes, ctl + 4);
    assert.equal(stack, symbol(elf, 'demo_dbg_min_stack').value);
    assert.equal(symbol(elf, 'demo_dbg_min_stack').size, 2048);
    assert.equal(stack % 16, 0);
    assert.equal(word(image, bytes, ctl + 8), symbol(elf, 'demo_dbg_data_alloc').value);
    assert.equal(word(image, bytes, ctl + 12), symbol(elf, 'demo_dbg_data_free').value);
  });
}
