/** PhaseProgress's FLASH_INTERRUPTED: what it says of the bytes done, part way and at the end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlashError } from '../../src/flash/errors.js';
import { PhaseProgress } from '../../src/flash/progress.js';

function stopped(f: () => void): FlashError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof FlashError && e.code === 'FLASH_INTERRUPTED', String(e));
    return e;
  }
  assert.fail('not interrupted');
}

test('an interrupted phase says how far it got; at its end it says all bytes were done, not "N of N"', () => {
  const abort = new AbortController();
  const write = new PhaseProgress({ signal: abort.signal }, 'write', 0x2000, { address: 0x10000 });
  write.advance(0x1000);
  abort.abort();
  const part = stopped(() => write.advance(0x800));
  // The range is named by its start, not as if the phase stopped there ("(at 0x00010000)").
  assert.match(part.message, /^interrupted during the write from 0x00010000, 6144 of 8192 bytes done\. The flash holds part of the change/);
  const late = new AbortController();
  const ending = new PhaseProgress({ signal: late.signal }, 'verify', 0x1000);
  ending.advance(0x800);
  late.abort();
  const end = stopped(() => ending.advance(0x800));
  assert.match(end.message, /^interrupted at the end of verify \(all 4096 bytes done\)\. Run the command again$/);
  assert.doesNotMatch(end.message, /4096 of 4096/);
});

test('withAction keeps the code, address and detail and replaces what the user is told to do', () => {
  const e = new FlashError('FLASH_INTERRUPTED', 'interrupted during erase, 0 of 4096 bytes done', { address: 0x3000, action: 'The flash holds part of the change' });
  const other = e.withAction('Nothing of it was kept');
  assert.equal(other.code, 'FLASH_INTERRUPTED');
  assert.equal(other.address, 0x3000);
  assert.equal(other.message, 'interrupted during erase, 0 of 4096 bytes done (at 0x00003000). Nothing of it was kept');
});
