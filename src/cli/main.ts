#!/usr/bin/env node
import { Command } from 'commander';
import { registrars } from './commands/index.js';
import { exitTwoOnUsageErrors, helpWordsAsOption } from './output/command-support.js';
import { checkStdout } from './output/io.js';

const program = new Command();
program
  .name('espalgo')
  .description('Run code on ESP32-family chips through a debugger without disturbing them; flash driver, image toolkit, simulated ESP32-C3.')
  .version('0.1.0');
for (const register of registrars) register(program);
exitTwoOnUsageErrors(program);
await program.parseAsync(helpWordsAsOption(program, process.argv.slice(2)), { from: 'user' });
await checkStdout();
