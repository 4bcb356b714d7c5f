import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esp32, esp32c2, esp32c3, esp32c5, esp32c6, esp32h2, esp32p4, esp32s2, esp32s3 } from '../../src/chips/index.js';
import { classifyAddress, isFlashKind, outsideChipMemory } from '../../src/image/segment-kind.js';

test('load addresses classified per chip', () => {
  const cases: [typeof esp32, number, string][] = [
    [esp32, 0x3f400020, 'drom'], [esp32, 0x400d0020, 'irom'], [esp32, 0x3ffb0000, 'dram'], [esp32, 0x40080000, 'iram'],
    [esp32, 0x400c0000, 'rtc'], [esp32, 0x50000000, 'rtc'], [esp32, 0, 'padding'], [esp32, 0x60000000, 'unknown'],
    [esp32s2, 0x3f000020, 'drom'], [esp32s2, 0x40080020, 'irom'], [esp32s2, 0x3ffb0000, 'dram'], [esp32s2, 0x40022000, 'iram'],
    [esp32s3, 0x3c000020, 'drom'], [esp32s3, 0x42000020, 'irom'], [esp32s3, 0x3fc90000, 'dram'], [esp32s3, 0x40378000, 'iram'],
    [esp32s3, 0x600fe000, 'rtc'], [esp32s3, 0x50000000, 'rtc'],
    [esp32c3, 0x3c000020, 'drom'], [esp32c3, 0x42000020, 'irom'], [esp32c3, 0x3fc80000, 'dram'], [esp32c3, 0x40380000, 'iram'], [esp32c3, 0x50000000, 'rtc'],
    [esp32c2, 0x3c000020, 'drom'], [esp32c2, 0x42000020, 'irom'], [esp32c2, 0x3fca0000, 'dram'],
    [esp32c6, 0x42000020, 'flash'], [esp32c6, 0x42ffff00, 'flash'], [esp32c6, 0x40800000, 'dram'], [esp32c6, 0x50000000, 'rtc'],
    [esp32h2, 0x42000020, 'flash'], [esp32c5, 0x43000000, 'flash'], [esp32p4, 0x40000020, 'flash'], [esp32p4, 0x4ff00000, 'dram'],
  ];
  for (const [chip, addr, kind] of cases) {
    assert.equal(classifyAddress(chip, addr), kind, `${chip.name} 0x${addr.toString(16)}`);
  }
  assert.equal(classifyAddress(undefined, 0x42000000), 'unknown');
  assert.equal(classifyAddress(undefined, 0), 'padding');
  assert.deepEqual(['drom', 'irom', 'flash', 'dram', 'rtc', 'padding'].map((k) => isFlashKind(k as never)), [true, true, true, false, false, false]);
});

test('segments the bootloader would copy where the chip has no memory', () => {
  assert.equal(outsideChipMemory(esp32c3, 0x3fc80000, 0x100), false, 'DRAM');
  assert.equal(outsideChipMemory(esp32c3, 0x3fcdff00, 0x200), true, 'runs past the end of DRAM');
  assert.equal(outsideChipMemory(esp32c6, 0x3fc80000, 0x10), true, 'C3 DRAM on a C6');
  assert.equal(outsideChipMemory(esp32c6, 0x40800000, 0x10), false);
  assert.equal(outsideChipMemory(esp32c6, 0x42000020, 0x10), false, 'flash-mapped: not copied');
  assert.equal(outsideChipMemory(esp32c6, 0, 0x10000), false, 'padding');
  assert.equal(outsideChipMemory(esp32c6, 0x0fffff00, 0x10), false, 'below 0x10000000: never loaded');
  assert.equal(outsideChipMemory(esp32c2, 0x50000000, 0x10), true, 'the C2 has no RTC memory');
  assert.equal(outsideChipMemory(esp32p4, 0x30100000, 0x100), false, 'P4 SPM');
  assert.equal(outsideChipMemory(esp32c3, 0x3fc80000, 0), false, 'empty segment');
});
