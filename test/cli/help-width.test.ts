import assert from 'node:assert/strict';
import test from 'node:test';
import { Command } from 'commander';
import { registrars } from '../../src/cli/commands/index.js';
import { HELP_WIDTH } from '../../src/cli/output/table.js';

/** Every command of the CLI, depth first. */
function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

test('every --help fits in the columns the help texts are written to', () => {
  const program = new Command('espalgo');
  for (const register of registrars) register(program);
  const commands = allCommands(program);
  assert.ok(commands.length > 15, `${commands.length} commands`);
  const long: string[] = [];
  for (const cmd of commands) {
    let text = '';
    cmd.configureOutput({ writeOut: (s) => void (text += s), getOutHelpWidth: () => HELP_WIDTH });
    cmd.outputHelp();
    assert.ok(text.includes('Usage:'), cmd.name());
    for (const line of text.split('\n')) if (line.length > HELP_WIDTH) long.push(`${cmd.name()}: ${line}`);
  }
  assert.deepEqual(long, []);
});
