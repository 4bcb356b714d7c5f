import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flashRegions } from '../../src/cli/output/flash-regions.js';
import { analyzeFlashMap } from '../../src/image/flash-map/index.js';

function directBootProgram(): Uint8Array {
  const program = new Uint8Array(0x3000).fill(0x13);
  new DataView(program.buffer).setUint32(0, 0xaedb041d, true);
  new DataView(program.buffer).setUint32(4, 0xaedb041d, true);
  return program;
}

test('a direct-boot program is drawn as the window the ROM maps, not as a guessed 64 KiB app', () => {
  const regions = flashRegions(analyzeFlashMap(directBootProgram()));
  assert.deepEqual(regions.map((r) => [r.label, r.offset, r.size, r.booting]), [['(direct boot)', 0, 0x400000, true]]);
  const small = flashRegions(analyzeFlashMap(directBootProgram(), { flashSize: 0x200000 }));
  assert.equal(small[0]?.size, 0x200000, 'a 2 MiB flash: the ROM maps 2 MiB');
});
