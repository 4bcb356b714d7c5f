/** ESP32's word-reversed IRAM alias: the pure helpers, and the loader placing code and trampoline through it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32 } from '../../src/chips/esp32.js';
import { dramToIram } from '../../src/chips/index.js';
import { loadStub, unloadStub } from '../../src/algorithm/loader.js';
import { xtensaCallingConvention } from '../../src/algorithm/arch/index.js';
import {
  placeReversed, reverseWords, reversedBlockStart, reversedDataAddress, reversedInstructionAddress,
} from '../../src/algorithm/xtensa/reversed-alias.js';
import { TargetEvents, type StopInfo, type Target, type TargetState } from '../../src/target/index.js';

const alias = esp32.sramAlias.kind === 'reversed' ? esp32.sramAlias : assert.fail('ESP32 alias is not reversed');

test('reverseWords mirrors word order, keeps bytes inside a word, pads the partial word with 0xFF', () => {
  assert.deepEqual([...reverseWords(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))], [5, 6, 7, 8, 1, 2, 3, 4]);
  assert.deepEqual([...reverseWords(Uint8Array.of(1, 2, 3, 4, 5, 6))], [5, 6, 0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual([...reverseWords(Uint8Array.of(9, 8), 2)], [0xff, 0xff, 9, 8]);
});

test('address helpers agree with the chip descriptor and with OpenOCD\'s pairs', () => {
  assert.equal(reversedInstructionAddress(alias, 0x3ffe0000), 0x400bfffc);
  assert.equal(reversedDataAddress(alias, 0x400bfffc), 0x3ffe0000);
  // ESP32 stub: iram_org 0x400BC000 pairs with DRAM 0x3FFE0000..0x3FFE3FFF
  assert.equal(reversedDataAddress(alias, 0x400bc000), 0x3ffe3ffc);
  for (const d of [0x3ffe0000, 0x3ffe0005, 0x3fff1232, 0x3ffffffc]) {
    assert.equal(reversedInstructionAddress(alias, d), dramToIram(esp32, d));
    assert.equal(reversedDataAddress(alias, reversedInstructionAddress(alias, d)), d);
  }
});

test('placeReversed: reading the placed words back through the instruction view gives the code', () => {
  const code = Uint8Array.from({ length: 23 }, (_, i) => i + 1);
  for (const iAddress of [0x400bc000, 0x400bc002]) {
    const placed = placeReversed(alias, iAddress, code);
    // Build the instruction view byte by byte from the data view.
    for (let i = 0; i < code.length; i++) {
      const d = reversedDataAddress(alias, iAddress + i);
      assert.equal(placed.bytes[d - placed.dataAddress], code[i], `byte ${i} at I ${(iAddress + i).toString(16)}`);
    }
    assert.equal(placed.dataAddress % 4, 0);
    assert.equal(reversedBlockStart(alias, placed.dataAddress, placed.bytes.length), iAddress & ~3);
  }
});

class MemoryTarget implements Target {
  readonly architecture = 'xtensa' as const;
  readonly description = 'memory';
  readonly capabilities = { memoryWhileRunning: true, haltsOnBreakInstruction: true, maxTransfer: 4096 };
  readonly registers = [];
  readonly ram = new Uint8Array(0x20000);
  private readonly events = new TargetEvents();
  constructor(readonly base: number) {
    for (let i = 0; i < this.ram.length; i++) this.ram[i] = (i * 7) & 0xff;
  }
  state(): TargetState { return 'halted'; }
  async halt(): Promise<StopInfo> { return { reason: 'interrupt' }; }
  async resume(): Promise<void> { throw new Error('not used'); }
  async step(): Promise<StopInfo> { throw new Error('not used'); }
  async waitForHalt(): Promise<StopInfo> { return { reason: 'interrupt' }; }
  async readMemory(address: number, length: number) { return this.ram.slice(address - this.base, address - this.base + length); }
  async writeMemory(address: number, data: Uint8Array) {
    assert.ok(address >= this.base && address + data.length <= this.base + this.ram.length, `write at ${address.toString(16)}`);
    this.ram.set(data, address - this.base);
  }
  async readRegisters() { return new Map<string, number>(); }
  async writeRegisters() {}
  async readRegister(): Promise<number> { return 0; }
  async writeRegister() {}
  async addBreakpoint() {}
  async removeBreakpoint() {}
  async reset() {}
  on(l: Parameters<TargetEvents['on']>[0]) { return this.events.on(l); }
  async close() {}
  /** The byte the CPU would fetch at instruction address `i`. */
  fetch(i: number): number { return this.ram[reversedDataAddress(alias, i) - this.base]!; }
}

test('loader on ESP32: code and trampoline execute at their instruction addresses; unload restores RAM', async () => {
  const target = new MemoryTarget(0x3ffe0000);
  const before = target.ram.slice();
  const code = Uint8Array.from({ length: 37 }, (_, i) => 0x80 + i);
  const data = Uint8Array.of(0xaa, 0xbb, 0xcc);
  const image = {
    name: 'rev', architecture: 'xtensa' as const, entry: 0x400bc000, stackSize: 256, symbols: {}, bss: [{ address: 0x3ffe4100, size: 8 }],
    segments: [{ address: 0x400bc000, bytes: code, executable: true }, { address: 0x3ffe4000, bytes: data, executable: false }],
  };
  const loaded = await loadStub(target, image, xtensaCallingConvention, { chip: esp32 });
  for (let i = 0; i < code.length; i++) assert.equal(target.fetch(0x400bc000 + i), code[i], `code byte ${i}`);
  assert.deepEqual([...target.ram.subarray(0x4000, 0x4003)], [0xaa, 0xbb, 0xcc], 'data at its own address');
  const tramp = xtensaCallingConvention.trampoline().bytes;
  assert.equal(loaded.trampolinePc % 4, 0);
  assert.ok(loaded.trampolinePc >= alias.iram.start && loaded.trampolinePc < alias.iram.end);
  for (let i = 0; i < tramp.length; i++) assert.equal(target.fetch(loaded.trampolinePc + i), tramp[i], `trampoline byte ${i}`);
  assert.equal(loaded.returnPc, loaded.trampolinePc + 22);
  await unloadStub(target, loaded);
  assert.deepEqual(target.ram, before);
});
