import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulatedEsp32c3 } from '../../../src/sim/esp32c3/create.js';
import { BootError } from '../../../src/sim/esp32c3/boot.js';
import { SIM_CHIP_REVISION } from '../../../src/sim/esp32c3/misc-blocks.js';
import { readFlashChip, readDummyLenPlus } from '../../../src/sim/esp32c3/rom/rom-data.js';
import { buildFlash, directBootFlash, simpleBootFlash, DIRECT_COUNTER_ADDR, DROM_DATA, DROM_VADDR, IROM_CODE, LOOP_CODE, DRAM_ADDR, DRAM_DATA } from './fixture.js';

test('boot maps DROM/IROM through the MMU (entry 127 too), copies RAM segments and sets pc/sp', async () => {
  const { flash } = buildFlash();
  const sim = createSimulatedEsp32c3({ flash, run: false });
  const { chip, boot } = sim;
  assert.equal(boot.partition?.label, 'factory');
  assert.equal(boot.entry, IROM_CODE);
  assert.equal(chip.hart.pc, IROM_CODE);
  assert.equal(chip.hart.x[2], boot.stackPointer);
  assert.ok(boot.stackPointer > 0x3fcdc710 && boot.stackPointer < 0x3fcde710 && boot.stackPointer % 16 === 0);
  // DROM 0x3C000020 → flash 0x10020; IROM 0x42010128 → flash 0x10128.
  assert.deepEqual(chip.bus.readBlock(DROM_VADDR, DROM_DATA.length), DROM_DATA);
  assert.equal(chip.bus.read32(IROM_CODE), LOOP_CODE[0]);
  assert.equal(chip.mmu.entries[0], 1);
  assert.equal(chip.mmu.entries[1], 1);
  assert.equal(chip.mmu.entries[127], 1, 'entry 127 maps the first DROM page');
  assert.equal(chip.mmu.entries[2], 0x100);
  assert.deepEqual(chip.bus.readBlock(DRAM_ADDR, DRAM_DATA.length), DRAM_DATA);
  // g_rom_flashchip as the bootloader leaves it.
  const rec = readFlashChip(chip.bus);
  assert.deepEqual(rec, { deviceId: 0xef4016, chipSize: 0x400000, blockSize: 0x10000, sectorSize: 0x1000, pageSize: 0x100, statusMask: 0xffff });
  assert.equal(readDummyLenPlus(chip.bus, 1), 0);
  assert.equal(chip.bus.read32(0x3fcdfff0) >= 0x3fcdf830, true);
  await sim.close();
});

test('the booted app runs from IROM and its RAM writes are visible while running', async () => {
  const { flash } = buildFlash();
  const sim = createSimulatedEsp32c3({ flash, run: true, sliceInstructions: 20000 });
  await new Promise((r) => setTimeout(r, 30));
  const a = new DataView((await sim.target.readMemory(0x3fc80000, 4)).buffer).getUint32(0, true);
  await new Promise((r) => setTimeout(r, 30));
  const b = new DataView((await sim.target.readMemory(0x3fc80000, 4)).buffer).getUint32(0, true);
  assert.equal(sim.target.state(), 'running');
  assert.ok(a > 0 && b > a, `counter advances while running (${a} → ${b})`);
  await sim.close();
});

test('otadata selects ota_1; a table at another offset is found only when given', async () => {
  const { flash, appOffset } = buildFlash({ ota: true });
  const sim = createSimulatedEsp32c3({ flash, run: false });
  assert.equal(sim.boot.partition?.label, 'ota_1');
  assert.equal(sim.chip.mmu.entries[0], appOffset >>> 16);
  await sim.close();
  const moved = buildFlash({ tableOffset: 0xc000 }).flash;
  assert.throws(() => createSimulatedEsp32c3({ flash: moved, run: false }), (e: unknown) => e instanceof BootError && /^no partition table at flash 0x00008000: the first entry is erased \(0xffff\); give the right offset with --table-offset$/.test(e.message));
  const ok = createSimulatedEsp32c3({ flash: moved, run: false, tableOffset: 0xc000 });
  assert.equal(ok.boot.tableOffset, 0xc000);
  await ok.close();
});

test('an app image at flash 0 (an app file given for a whole flash): the boot says so, not "move the table"; under a table it boots with a warning', async () => {
  const { flash, appOffset } = buildFlash();
  const app = flash.slice(appOffset, appOffset + 0x1000);
  assert.throws(() => createSimulatedEsp32c3({ flash: app, run: false }), (e: unknown) => {
    assert.ok(e instanceof BootError);
    assert.equal(e.offset, 0);
    assert.match(e.message, /^flash 0x0 holds an app image \(it maps DROM and IROM\), not a bootloader, and there is no partition table at flash 0x00008000: .* It is an app file, not a whole flash image: .*espalgo image merge -o flash\.bin 0x0 bootloader\.bin 0x8000 partition-table\.bin 0x10000 app\.bin\)$/);
    assert.doesNotMatch(e.message, /--table-offset/);
    return true;
  });
  const overBootloader = flash.slice();
  overBootloader.fill(0xff, 0, 0x8000);
  overBootloader.set(app, 0);
  const sim = createSimulatedEsp32c3({ flash: overBootloader, run: false });
  assert.equal(sim.boot.partition?.label, 'factory');
  assert.ok(sim.boot.warnings.some((w) => /^flash 0x0 holds an app image \(it maps DROM and IROM\), not a bootloader: the ROM would not start this flash/.test(w)), sim.boot.warnings.join('; '));
  await sim.close();
  const normal = createSimulatedEsp32c3({ flash, run: false });
  assert.ok(!normal.boot.warnings.some((w) => /app image/.test(w)), 'a bootloader at 0 gets no such warning');
  await normal.close();
});

test('a flash image that ends before the table offset (a bootloader given alone): the boot says the rest is erased, not "move the table"', () => {
  const { flash } = buildFlash();
  const bootloaderOnly = flash.slice(0, 0x40);
  assert.throws(() => createSimulatedEsp32c3({ flash: bootloaderOnly, run: false }), (e: unknown) => {
    assert.ok(e instanceof BootError);
    assert.equal(e.message, 'no partition table at flash 0x00008000: the first entry is erased (0xffff). The flash image has only 64 bytes, so the flash from 0x00000040 on is erased: ' +
      'boot a whole flash image, with a bootloader at 0x0, a partition table and the apps (espalgo image merge makes one from the parts)');
    return true;
  });
  // A file that reaches past the table offset may hold its table elsewhere: the usual advice.
  const moved = buildFlash({ tableOffset: 0xc000 }).flash.slice(0, 0xd000);
  assert.throws(() => createSimulatedEsp32c3({ flash: moved, run: false }), /: the first entry is erased \(0xffff\); give the right offset with --table-offset$/);
  // A --table-offset past the end of the image is the offset's fault, not the image's: it says where the table is.
  assert.throws(() => createSimulatedEsp32c3({ flash: moved, run: false, tableOffset: 0x40000 }), (e: unknown) => {
    assert.ok(e instanceof BootError);
    assert.match(e.message, /: --table-offset 0x00040000 lies past the end of the 53248-byte flash image, whose partition table is at 0x0000c000: give --table-offset 0x0000c000$/);
    return true;
  });
});

test('an invalid MMU entry faults and is recorded in EXTMEM', async () => {
  const { flash } = buildFlash();
  const sim = createSimulatedEsp32c3({ flash, run: false });
  await assert.rejects(sim.target.readMemory(0x3c020000, 4), /MMU entry 2 is invalid/);
  assert.equal(sim.chip.extmem.read32(0x080) & 0x20, 0x20);
  assert.equal(sim.chip.extmem.read32(0x0a4), 0x3c020000);
  // Mapping it through the MMU register makes flash page 3 visible.
  await sim.target.writeMemory(0x600c5008, new Uint8Array([3, 0, 0, 0]));
  assert.deepEqual(await sim.target.readMemory(0x3c020000, 2), sim.flash.bytes.slice(0x30000, 0x30002));
  await sim.close();
});

test('direct boot: flash 0 with the magic twice runs in place — 4 MiB mapped 1:1 at IROM and DROM, pc 0x42000008, no table needed', async () => {
  const sim = createSimulatedEsp32c3({ flash: directBootFlash(), run: false });
  try {
    assert.equal(sim.boot.mode, 'direct');
    assert.equal(sim.boot.partition, null);
    assert.equal(sim.boot.tableOffset, null);
    assert.match(sim.boot.reason, /direct boot: flash 0x0 starts with the magic 0xaedb041d twice/i);
    assert.equal(sim.chip.hart.pc, 0x42000008);
    assert.deepEqual(sim.boot.mappings.map((m) => [m.kind, m.vaddr, m.flashOffset, m.size, m.entries]), [
      ['drom', 0x3c000000, 0, 0x400000, 64],
      ['irom', 0x42000000, 0, 0x400000, 64],
    ]);
    assert.deepEqual(await sim.target.readMemory(0x3c001000, DROM_DATA.length), DROM_DATA, 'DROM window reads the flash 1:1');
    assert.deepEqual(await sim.target.readMemory(0x423f0000, 4), sim.flash.bytes.slice(0x3f0000, 0x3f0004), 'the last mapped page');
    await sim.target.resume();
    await new Promise((r) => setTimeout(r, 30));
    await sim.target.halt();
    const counter = new DataView((await sim.target.readMemory(DIRECT_COUNTER_ADDR, 4)).buffer).getUint32(0, true);
    assert.ok(counter > 0, `the program runs from flash (counter ${counter})`);
  } finally {
    await sim.close();
  }
  // A 2 MiB flash maps its 2 MiB.
  const small = createSimulatedEsp32c3({ flash: directBootFlash(0x200000), flashSize: 0x200000, run: false });
  assert.deepEqual(small.boot.mappings.map((m) => m.entries), [32, 32]);
  await small.close();
});

test('Simple Boot: the RAM segments of the image at 0 loaded, its flash segments mapped as the app maps them, pc = its entry; no table needed', async () => {
  const flash = simpleBootFlash();
  const sim = createSimulatedEsp32c3({ flash, run: false });
  try {
    assert.equal(sim.boot.mode, 'simple-boot');
    assert.equal(sim.boot.partition, null);
    assert.equal(sim.boot.tableOffset, null);
    assert.match(sim.boot.reason, /^Simple Boot: the image at 0x0 has a RAM-only header and 2 flash segments after its checksum/);
    assert.deepEqual(sim.boot.loaded, [{ address: 0x3fc80090, length: 40 }, { address: 0x40380000, length: 144 }]);
    assert.deepEqual(await sim.target.readMemory(0x3fc80090, 40), flash.slice(0x20, 0x48), 'the DRAM segment copied');
    assert.deepEqual(sim.boot.mappings.map((m) => [m.kind, m.vaddr, m.flashOffset, m.size, m.firstEntry, m.entries]), [
      ['drom', 0x3c010020, 0x20020, 0x180, 1, 1],
      ['irom', 0x42000020, 0x10020, 0x28c, 0, 1],
    ]);
    assert.deepEqual(await sim.target.readMemory(0x3c010020, 16), flash.slice(0x20020, 0x20030), 'DROM reads the flash segment');
    assert.deepEqual(await sim.target.readMemory(0x600c5000 + 127 * 4, 4), new Uint8Array([0, 1, 0, 0]), 'MMU entry 127 left invalid (that is the ESP-IDF bootloader\'s)');
    assert.equal(sim.chip.hart.pc, 0x42000020);
    assert.deepEqual(sim.boot.warnings, [
      'the entry point 0x42000020 lies in a flash window: the ROM jumps there right after loading the RAM segments, before the app could map its flash segments, so the app cannot start (Simple Boot start-up code, which maps the flash, runs from IRAM); link the entry into IRAM (the simulator maps the flash segments first, so here it starts)',
    ]);
  } finally {
    await sim.close();
  }
});

test('the boot refuses what the ESP-IDF bootloader refuses: another chip\'s app, a chip revision outside the image\'s limits', async () => {
  const boots = (appHeader: { chipId?: number; minChipRevFull?: number; maxChipRevFull?: number }): string => {
    try {
      const sim = createSimulatedEsp32c3({ flash: buildFlash({ appHeader }).flash, run: false });
      void sim.close();
      return 'booted';
    } catch (e) {
      assert.ok(e instanceof BootError, String(e));
      return e.message;
    }
  };
  const sim = createSimulatedEsp32c3({ flash: buildFlash().flash, run: false });
  assert.equal(sim.chip.efuse.chipRevision, SIM_CHIP_REVISION);
  assert.equal(SIM_CHIP_REVISION, 4);
  // The wafer version as firmware reads it: MINOR_LO in RD_MAC_SPI_SYS_3 [20:18].
  const sys3 = new DataView((await sim.target.readMemory(0x60008850, 4)).buffer).getUint32(0, true);
  assert.equal((sys3 >>> 18) & 7, 4);
  await sim.close();

  assert.match(boots({ chipId: 13 }), /app image at 0x00010000 is built for 0x000d \(ESP32-C6\), not the ESP32-C3 \(chip id 5\); the bootloader would refuse it/);
  assert.match(boots({ minChipRevFull: 101 }), /needs chip revision v1\.1 or later; this ESP32-C3 is v0\.4/);
  assert.match(boots({ maxChipRevFull: 3 }), /runs on chip revisions up to v0\.3; this ESP32-C3 is v0\.4/);
  for (const ok of [{ minChipRevFull: 3, maxChipRevFull: 199 }, { minChipRevFull: 4, maxChipRevFull: 4 }, { maxChipRevFull: 0 }, { maxChipRevFull: 0xffff }]) {
    assert.equal(boots(ok), 'booted', JSON.stringify(ok));
  }
});

test('the boot refuses a partition table that does not match its MD5 entry, as the ESP-IDF bootloader does', () => {
  const { flash } = buildFlash();
  const bad = flash.slice();
  bad[0x8000 + 0x0c] ^= 0x01; // a byte of the first entry's offset: the MD5 entry no longer matches
  assert.throws(() => createSimulatedEsp32c3({ flash: bad, run: false }), (e: unknown) => e instanceof BootError && /^the partition table at 0x00008000 does not match its MD5 entry: the bootloader would refuse it/.test(e.message));
});
