/** `espalgo demo`: build the MicroPython-like example into a temp file and show its flash map. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildExampleFlash } from '../../image/examples/index.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import { exitTwoOnUsageErrors, runGuarded } from '../output/command-support.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';
import { reportFlashMap } from './flash-map.js';

export function runDemo(io: CliIo = processIo(), dir?: string): number {
  return runGuarded(io, () => {
    const st = makeStyle(io.color);
    const flash = buildExampleFlash('micropython');
    const where = dir ?? mkdtempSync(join(tmpdir(), 'espalgo-demo-'));
    const file = join(where, 'micropython-esp32s3-32MiB.bin');
    writeFileAtomic(file, flash.bytes);
    io.out(`${st.bold('espalgo demo')}: built a MicroPython-like ESP32-S3 flash image (bootloader header says 32 MiB,\n`);
    io.out(`table at 0x8000 with a 30 MiB vfs partition) and wrote it to\n  ${file}\n\n`);
    io.out(`Now running: espalgo flash-map ${file}\n\n`);
    const code = reportFlashMap(flash.bytes, 'micropython-esp32s3-32MiB.bin', {}, io);
    io.out(`\nTry also:  espalgo flash-map ${file} --json\n           espalgo flash-map ${file} --svg layout.svg\n`);
    io.out(`           espalgo example-image --help   (more layouts: OTA, tables at 0xC000/0x10000, RAM-only app, ESP32)\n`);
    return code;
  });
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description('build an example MicroPython-like flash image in a temp folder and show its flash map')
    .addHelpText('after', '\nExample:\n  $ espalgo demo\n  $ npm start          (same thing, after npm install)\n')
    .action(() => {
      process.exitCode = runDemo();
    });
  exitTwoOnUsageErrors(cmd);
}
