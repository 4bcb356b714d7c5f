/** Every CLI command registers itself here: one file per command under src/cli/commands/. */
import type { Command } from 'commander';

export type CommandRegistrar = (program: Command) => void;

export const registrars: CommandRegistrar[] = [];
