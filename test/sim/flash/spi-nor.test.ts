import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBacking, MemoryBacking } from '../../../src/sim/flash/backing.js';
import { SpiNorFlash, SR_WEL, SR_WIP } from '../../../src/sim/flash/spi-nor.js';
import { FLASH_OP } from '../../../src/sim/flash/commands.js';
import { defaultJedecId, parseFlashSize, FlashConfigError } from '../../../src/sim/flash/jedec.js';

const none = new Uint8Array(0);
function mk(size = 0x400000, timing = {}) {
  return new SpiNorFlash({ backing: new MemoryBacking(size), timing });
}
function cmd(f: SpiNorFlash, opcode: number, address = 0, mosi: Uint8Array = none, read = 0) {
  return f.transfer({ opcode, address, mosi }, read);
}
function waitIdle(f: SpiNorFlash): number {
  for (let i = 0; i < 1000; i++) if (!(cmd(f, FLASH_OP.RDSR, 0, none, 1)[0]! & SR_WIP)) return i;
  throw new Error('flash stayed busy');
}

test('JEDEC id follows the size (EF 40 16 for 4 MiB, EF 40 18 for 16 MiB) and repeats', () => {
  assert.deepEqual([...cmd(mk(), FLASH_OP.RDID, 0, none, 6)], [0xef, 0x40, 0x16, 0xef, 0x40, 0x16]);
  assert.deepEqual([...cmd(mk(0x1000000), FLASH_OP.RDID, 0, none, 3)], [0xef, 0x40, 0x18]);
  assert.equal(defaultJedecId(0x100000), 0xef4014);
  const custom = new SpiNorFlash({ backing: new MemoryBacking(0x200000), jedecId: 0xc84015 });
  assert.deepEqual([...cmd(custom, FLASH_OP.RDID, 0, none, 3)], [0xc8, 0x40, 0x15]);
  assert.throws(() => mk(0x300000), FlashConfigError);
  assert.equal(parseFlashSize('4MB'), 0x400000);
  assert.equal(parseFlashSize('0x200000'), 0x200000);
});

test('program needs WEL, only clears bits and wraps inside the 256-byte page', () => {
  const f = mk(0x100000, { program: 0 });
  cmd(f, FLASH_OP.PP, 0x1000, new Uint8Array([0x00]));
  assert.equal(f.bytes[0x1000], 0xff, 'without WREN nothing is written');
  cmd(f, FLASH_OP.WREN);
  assert.equal(cmd(f, FLASH_OP.RDSR, 0, none, 1)[0]! & SR_WEL, SR_WEL);
  cmd(f, FLASH_OP.PP, 0x10fe, new Uint8Array([0xf0, 0x0f, 0x55, 0xaa]));
  assert.deepEqual([...f.bytes.subarray(0x10fe, 0x1100)], [0xf0, 0x0f]);
  assert.deepEqual([...f.bytes.subarray(0x1000, 0x1002)], [0x55, 0xaa], 'wrapped to the page start');
  assert.equal(f.bytes[0x1100], 0xff, 'next page untouched');
  assert.equal(cmd(f, FLASH_OP.RDSR, 0, none, 1)[0]! & SR_WEL, 0, 'WEL cleared after the program');
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.PP, 0x10fe, new Uint8Array([0x0f, 0xff]));
  assert.deepEqual([...f.bytes.subarray(0x10fe, 0x1100)], [0x00, 0x0f], '1→0 only: f0 & 0f = 00');
});

test('WIP stays set for the configured polls and other commands are ignored meanwhile', () => {
  const f = mk(0x100000, { sectorErase: 5, program: 0 });
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.PP, 0, new Uint8Array([0]));
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.SE, 0x10);
  assert.ok(f.busy);
  assert.deepEqual([...cmd(f, FLASH_OP.READ, 0, none, 2)], [0xff, 0xff], 'reads while busy return idle lines');
  assert.equal(f.bytes[0], 0, 'erase not applied yet');
  assert.equal(waitIdle(f), 5);
  assert.equal(f.bytes[0], 0xff);
  assert.equal(f.stats.ignoredWhileBusy, 1);
});

test('sector, 32K, 64K block and chip erase cover exactly their ranges', () => {
  const f = mk(0x100000, { sectorErase: 0, block32Erase: 0, block64Erase: 0, chipErase: 0 });
  const zero = (a: number) => {
    f['options'].backing.store(a, new Uint8Array([0]));
  };
  const check = (op: number, at: number, start: number, len: number) => {
    for (const a of [start - 1, start, start + len - 1, start + len]) if (a >= 0 && a < f.size) zero(a);
    cmd(f, FLASH_OP.WREN);
    cmd(f, op, at);
    if (start > 0) assert.equal(f.bytes[start - 1], 0, `byte before 0x${start.toString(16)} kept`);
    assert.equal(f.bytes[start], 0xff);
    assert.equal(f.bytes[start + len - 1], 0xff);
    if (start + len < f.size) assert.equal(f.bytes[start + len], 0, 'byte after kept');
  };
  check(FLASH_OP.SE, 0x23456, 0x23000, 0x1000);
  check(FLASH_OP.BE32, 0x4abcd, 0x48000, 0x8000);
  check(FLASH_OP.BE64, 0x5abcd, 0x50000, 0x10000);
  zero(0x12345);
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.CE2);
  assert.ok(f.bytes.every((b) => b === 0xff));
});

test('WRSR sets block protection, which blocks erase; RDSR2 and QE', () => {
  const f = mk(0x100000, { writeStatus: 1, sectorErase: 0 });
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.WRSR, 0, new Uint8Array([0x1c, 0x02]));
  waitIdle(f);
  assert.equal(cmd(f, FLASH_OP.RDSR, 0, none, 1)[0], 0x1c);
  assert.equal(cmd(f, FLASH_OP.RDSR2, 0, none, 1)[0], 0x02);
  f['options'].backing.store(0, new Uint8Array([0]));
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.SE, 0);
  assert.equal(f.bytes[0], 0);
  assert.equal(f.stats.protectedRejects, 1);
});

test('reads: 0x03 and fast read return array bytes and wrap at the chip end', () => {
  const f = mk(0x100000);
  f['options'].backing.store(0xffffe, new Uint8Array([1, 2]));
  f['options'].backing.store(0, new Uint8Array([3]));
  assert.deepEqual([...cmd(f, FLASH_OP.READ, 0xffffe, none, 3)], [1, 2, 3]);
  assert.deepEqual([...cmd(f, FLASH_OP.FAST_READ, 0xffffe, none, 3)], [1, 2, 3]);
  assert.equal(f.commandInfo(FLASH_OP.FAST_READ).dummyCycles, 8);
});

test('power cut in the middle of an erase leaves a partial result and clears busy', () => {
  const f = mk(0x100000, { sectorErase: 4, program: 0 });
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.PP, 0x2000, new Uint8Array(256).fill(0));
  for (let i = 0; i < 16; i++) {
    cmd(f, FLASH_OP.WREN);
    cmd(f, FLASH_OP.PP, 0x2000 + i * 256, new Uint8Array(256).fill(0));
  }
  cmd(f, FLASH_OP.WREN);
  cmd(f, FLASH_OP.SE, 0x2000);
  cmd(f, FLASH_OP.RDSR, 0, none, 1); // one of four polls spent
  const r = f.cutPower();
  assert.equal(r.interrupted, 'erase');
  assert.equal(r.bytesDone, 0x400);
  assert.equal(f.busy, false);
  assert.equal(f.bytes[0x2000 + 0x3ff], 0xff);
  assert.equal(f.bytes[0x2000 + 0x400], 0x00);
  assert.deepEqual(f.cutPower(), {});
});

test('file backing writes through', () => {
  const dir = mkdtempSync(join(tmpdir(), 'espalgo-flash-'));
  try {
    const path = join(dir, 'flash.bin');
    writeFileSync(path, new Uint8Array(0x1000).fill(0xff));
    const backing = new FileBacking(path, 0x100000);
    assert.equal(readFileSync(path).length, 0x1000, 'the file is not padded before a change');
    assert.equal(backing.bytes[0x80010], 0xff, 'it reads as padded with 0xFF');
    const f = new SpiNorFlash({ backing, timing: { program: 0 } });
    cmd(f, FLASH_OP.WREN);
    cmd(f, FLASH_OP.PP, 0x80010, new Uint8Array([0x12, 0x34]));
    backing.close();
    const file = readFileSync(path);
    assert.equal(file.length, 0x100000);
    assert.equal(file[0x80010], 0x12);
    assert.equal(file[0x80011], 0x34);
    assert.ok(file.subarray(0x1000, 0x80010).every((b) => b === 0xff), 'padded with 0xFF');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('programPages: WREN + PP + wait per page piece in one step, or nothing when the chip would not simply program', () => {
  const data = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
  const f = mk();
  cmd(f, FLASH_OP.WREN); // left set by the caller's earlier WREN: the finished programs clear it
  assert.equal(f.programPages(0x10f0, data, 32), 600);
  assert.deepEqual(f.bytes.slice(0x10f0, 0x10f0 + 600), data);
  assert.equal(f.status1 & (SR_WEL | SR_WIP), 0);
  assert.equal(f.stats.oneStepPrograms, 1 + 18 + 1, '16 bytes to the page end, 18 x 32, then 8');
  assert.equal(f.stats.changeCommands, f.stats.oneStepPrograms);
  assert.equal(f.programPages(0x10f0, new Uint8Array(4).fill(0x0f), 32), 4, 'programming only clears bits');
  assert.deepEqual([...f.bytes.slice(0x10f0, 0x10f4)], [...data.slice(0, 4)].map((b) => b & 0x0f));

  const busy = mk();
  busy.beginBusy(3);
  assert.equal(busy.programPages(0, data, 32), 0, 'busy');
  const asleep = mk();
  cmd(asleep, FLASH_OP.DP);
  assert.equal(asleep.programPages(0, data, 32), 0, 'powered down');
  const locked = mk(0x400000, { writeStatus: 0 });
  cmd(locked, FLASH_OP.WREN);
  cmd(locked, FLASH_OP.WRSR, 0, new Uint8Array([0x1c]));
  assert.equal(locked.programPages(0, data, 32), 0, 'block-protected');
  assert.equal(f.programPages(0x3ffffc, data.subarray(0, 8), 32), 0, 'past the end: frames wrap, so not in one step');

  const cut = mk();
  cut.armPowerCut(3, () => 0.25);
  assert.equal(cut.programPages(0, data.subarray(0, 256), 32), 64, 'stops before the program an armed cut would hit');
  cmd(cut, FLASH_OP.WREN);
  cmd(cut, FLASH_OP.PP, 64, data.subarray(64, 96));
  assert.ok(cut.powerLost);
  assert.deepEqual(cut.lastCut, { interrupted: 'program', address: 64, bytesDone: 8, bytesTotal: 32 });
  assert.deepEqual(cut.bytes.slice(64, 96), Uint8Array.from([...data.slice(64, 72), ...new Uint8Array(24).fill(0xff)]));
  assert.equal(cut.programPages(96, data.subarray(96, 128), 32), 0, 'a dead chip takes nothing');
  cmd(cut, FLASH_OP.WREN);
  cmd(cut, FLASH_OP.PP, 96, data.subarray(96, 128));
  waitIdle(cut);
  assert.deepEqual(cut.bytes.slice(96, 128), new Uint8Array(32).fill(0xff), 'program frames are ignored after the cut');
  cut.restorePower();
  assert.equal(cut.programPages(96, data.subarray(96, 128), 32), 32);
});
