import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERA_A_STUB_ERRORS, ERA_B_STUB_ERRORS, ERA_C_MAP_RESULTS, ERA_C_STUB_ERRORS, OPENOCD_RETURN_CODES,
  decodeOpenOcdCode, decodeStubCode, erasKnowing, formatOpenOcdCode, formatStubCode, isUnsignedNegative, toSigned32,
} from '../../src/flash/openocd-errors.js';

test('-9 is FLASH_SIZE in era B and unknown in eras A and C', () => {
  const b = decodeStubCode(-9, 'B');
  assert.equal(b.info?.name, 'FLASH_SIZE');
  assert.equal(formatStubCode(b), '-9 (era B: FLASH_SIZE)');
  assert.equal(decodeStubCode(-9, 'A').info, undefined);
  assert.equal(formatStubCode(decodeStubCode(-9, 'A')), '-9 (era A: not a known code)');
  assert.equal(decodeStubCode(-9, 'C').info, undefined);
  assert.deepEqual(erasKnowing(-9), ['B']);
  assert.deepEqual(erasKnowing(-6), ['A', 'B']);
});

test("OpenOCD's ERROR_FAIL -4 is not the stub's -4", () => {
  assert.equal(decodeOpenOcdCode(-4)?.name, 'ERROR_FAIL');
  assert.equal(formatOpenOcdCode(-4), '-4 (OpenOCD ERROR_FAIL, not a stub code)');
  assert.equal(decodeStubCode(-4, 'B').info?.name, 'NOT_ENOUGH_DATA');
  assert.equal(decodeOpenOcdCode(-308)?.name, 'ERROR_TARGET_RESOURCE_NOT_AVAILABLE');
  assert.equal(decodeOpenOcdCode(-9999), undefined);
  assert.match(formatOpenOcdCode(-9999), /^-9999 \(OpenOCD return code, not a stub code\)$/);
});

test('unsigned printing: 4294967290 is -6', () => {
  assert.equal(toSigned32(4294967290), -6);
  assert.equal(toSigned32(0xffffffff), -1);
  assert.equal(toSigned32(0x7fffffff), 0x7fffffff);
  assert.equal(toSigned32(-6), -6);
  assert.equal(isUnsignedNegative(4294967290), true);
  assert.equal(isUnsignedNegative(6), false);
  const d = decodeStubCode(4294967290, 'A');
  assert.equal(d.value, -6);
  assert.equal(d.info?.name, 'INVALID_IMAGE');
  assert.equal(formatStubCode(d), '-6 (era A: INVALID_IMAGE)');
});

test('era C: positive hex stub errors and a separate map-result enum', () => {
  assert.equal(formatStubCode(decodeStubCode(0x100, 'C')), '0x100 (era C: FLASH_ID)');
  assert.equal(decodeStubCode(0x104, 'C').info?.name, 'FLASH_WRITE');
  assert.equal(formatStubCode(decodeStubCode(1, 'C', 'map-result')), '0x1 (era C map result: INVALID_FLASH_SIZE)');
  assert.equal(decodeStubCode(4, 'C', 'map-result').info?.name, 'UNKNOWN_PARTITION_MAGIC');
  assert.equal(decodeStubCode(4, 'C').info?.name, 'NOT_ENOUGH_DATA', 'the same number in the stub table means something else');
  assert.equal(decodeStubCode(-6, 'C').info, undefined, 'era C has no negative stub codes');
});

test('tables: unique values, every entry explained, the eras agree where they overlap', () => {
  for (const [name, table] of Object.entries({ ERA_A_STUB_ERRORS, ERA_B_STUB_ERRORS, ERA_C_STUB_ERRORS, ERA_C_MAP_RESULTS, OPENOCD_RETURN_CODES })) {
    assert.equal(new Set(table.map((e) => e.value)).size, table.length, `${name} values unique`);
    for (const e of table) {
      assert.match(e.name, /^[A-Z][A-Z0-9_]+$/, `${name} ${e.value}`);
      assert.ok(e.meaning.length > 20 && e.action.length > 10, `${name} ${e.value} has words`);
    }
  }
  assert.deepEqual(ERA_B_STUB_ERRORS.map((e) => e.value), [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12]);
  assert.deepEqual(ERA_A_STUB_ERRORS.map((e) => e.value), [-1, -2, -3, -4, -5, -6, -7, -8]);
  for (const a of ERA_A_STUB_ERRORS) assert.equal(ERA_B_STUB_ERRORS.find((b) => b.value === a.value)?.name, a.name);
  assert.deepEqual(ERA_C_MAP_RESULTS.map((e) => e.value), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  assert.ok(ERA_C_STUB_ERRORS.every((e) => e.value > 0));
});
