/**
 * The acceptance run: 4 MiB of random data written and verified on a simulated 8 MiB flash, then
 * written again — which must erase and program nothing. Stub commands are counted by a wrapper
 * around the target, not by the driver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFlashSession } from '../../src/flash/session.js';
import { writeFlash } from '../../src/flash/write.js';
import { changingCommands, demoSim, firstDifferenceOutside, random, recordingTarget } from './flash-fixture.js';

test('4 MiB of random data: written, verified by SHA-256, rewritten with nothing erased or programmed', async () => {
  const sim = demoSim({ flashSize: 0x800000 });
  const rec = recordingTarget(sim.target);
  const session = await openFlashSession(rec.target, { timeoutScale: 10 });
  try {
    assert.equal(session.flashSize, 0x800000);
    const at = 0x400000;
    const data = random(0x400000);
    const before = sim.flash.bytes.slice();
    rec.reset();
    const first = await writeFlash(session, at, data);
    assert.equal(first.verified, 'sha256');
    assert.equal(first.bytesProgrammed, 0x400000);
    assert.ok(rec.count('SHA256') > 0, 'verified on the target');
    assert.ok(Buffer.from(sim.flash.bytes.subarray(at, at + data.length)).equals(Buffer.from(data)));
    assert.equal(firstDifferenceOutside(before, sim.flash.bytes, at, at + data.length), undefined, 'nothing outside the range changed');

    rec.reset();
    const again = await writeFlash(session, at, data);
    assert.deepEqual(changingCommands(rec.commands), []);
    assert.deepEqual([again.sectorsSkipped, again.sectorsErased, again.sectorsProgrammed, again.wireBytes], [1024, 0, 0, 0]);
    assert.equal(again.verified, 'plan');
  } finally {
    await session.close();
    await sim.close();
  }
});
