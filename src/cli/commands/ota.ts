/**
 * `espalgo ota`: which app the chip's bootloader starts at the next reset, read live (partition
 * table and otadata through the stub), and `--select NAME` to change it as the app's own
 * esp_ota_set_boot_partition would.
 */
import type { Command } from 'commander';
import { counted, hex32 } from '../../chips/types.js';
import { selectBootPartition, readBootState, type BootSelectChange, type BootState } from '../../flash/boot-select.js';
import { otaStateName } from '../../image/otadata.js';
import { checkFlashSizeOption, exitTwoOnUsageErrors, runGuardedAsync } from '../output/command-support.js';
import { CliInputError, EXIT_OK } from '../output/exit-codes.js';
import { withDeferredInterrupt } from '../output/interrupt.js';
import { listWords } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';
import { common, fail, tableOffsetOption, withSession, type FlashCommonOptions } from './flash.js';
import { copiesTable, copyJson, SELECTING_STATES, SKIPPED_STATES, stateOf } from './image-otadata.js';

export interface OtaOptions extends FlashCommonOptions {
  /** Label of the app partition to start at the next reset. */
  readonly select?: string;
  readonly state?: string;
}

const appName = (s: BootState) => (s.boot.entry ? `"${s.boot.entry.label}" at ${hex32(s.boot.entry.offset)}` : 'no app');

function stateJson(s: BootState): object {
  return {
    table: { offset: hex32(s.table.tableOffset), note: s.table.tableNote },
    otadata: s.otadataEntry ? { label: s.otadataEntry.label, offset: hex32(s.otadataEntry.offset), size: s.otadataEntry.size, copies: s.otadata ? s.otadata.copies.map((c) => ({ ...copyJson(c), offset: hex32(s.otadataEntry!.offset + c.offset) })) : null } : null,
    otaCount: s.otaCount,
    boots: s.boot.entry ? { label: s.boot.entry.label, offset: hex32(s.boot.entry.offset) } : null,
    reason: s.boot.reason,
  };
}

function stateText(s: BootState, io: CliIo): string {
  const st = makeStyle(io.color);
  const lines = [`table    ${hex32(s.table.tableOffset)} (${s.table.tableNote})`];
  if (!s.otadataEntry) lines.push('otadata  none in the table');
  else {
    lines.push(`otadata  "${s.otadataEntry.label}" at ${hex32(s.otadataEntry.offset)}, ${counted(s.otaCount, 'OTA app partition')}`);
    if (s.otadata) lines.push(copiesTable(s.otadata, st, s.otadataEntry.offset).replace(/\n$/, ''));
  }
  lines.push(`boots    ${appName(s)}: ${s.boot.reason}`);
  return lines.join('\n');
}

function changeText(c: BootSelectChange): string {
  switch (c.kind) {
    case 'erased':
      return `erased otadata (${c.length / 1024} KiB at ${hex32(c.offset)})`;
    case 'wrote':
      return `wrote otadata copy ${c.copy} at ${hex32(c.offset)} (ota_seq ${c.seq}, state ${otaStateName(c.state)})`;
    case 'unchanged':
      return 'nothing to write (no otadata: the factory app boots)';
  }
}

function changeJson(c: BootSelectChange): object {
  switch (c.kind) {
    case 'erased':
      return { kind: c.kind, offset: hex32(c.offset), length: c.length };
    case 'wrote':
      return { kind: c.kind, copy: c.copy, offset: hex32(c.offset), seq: c.seq, state: otaStateName(c.state) };
    case 'unchanged':
      return { kind: c.kind };
  }
}

export async function runOta(o: OtaOptions, io: CliIo): Promise<number> {
  checkFlashSizeOption(o.flashSize);
  const state = o.state === undefined ? undefined : stateOf(o.state);
  if (state !== undefined && o.select === undefined) throw new CliInputError('BAD_ARGUMENTS', '--state goes with --select NAME (it is written into otadata with the slot)');
  if (state !== undefined && SKIPPED_STATES.includes(state)) {
    throw new CliInputError('BAD_STATE', `--state ${o.state!.toLowerCase()} marks the entry as one the bootloader skips, so it would not start ${o.select}: give ${listWords(SELECTING_STATES, 'or')} (ESP-IDF's rollback writes invalid and aborted itself, for an app that failed)`);
  }
  const tableOffset = o.tableOffset !== undefined ? { tableOffset: o.tableOffset } : {};
  try {
    return await withDeferredInterrupt(io, () => withSession(o, io, async (session) => {
      if (o.select === undefined) {
        const s = await readBootState(session, tableOffset);
        return {
          code: EXIT_OK,
          print: () => io.out(o.json ? JSON.stringify({ ok: true, action: 'ota', ...stateJson(s) }) + '\n' : stateText(s, io) + '\n'),
        };
      }
      const r = await selectBootPartition(session, o.select, { ...tableOffset, ...(state !== undefined ? { state } : {}) });
      const select = o.select;
      return {
        code: EXIT_OK,
        print: () => io.out(o.json
          ? JSON.stringify({ ok: true, action: 'ota', select, change: changeJson(r.change), before: stateJson(r.before), ...stateJson(r.after) }) + '\n'
          : `${stateText(r.after, io)}\n\nselected ${select}: ${changeText(r.change)}; the bootloader starts ${appName(r.after)} at the next reset (before: ${appName(r.before)})\n`),
      };
    }));
  } catch (error) {
    return fail(error, o, io);
  }
}

const HELP = `
Reads the partition table (at 0x8000, else searched, or --table-offset) and otadata through the
flasher stub and says which app ESP-IDF's 2nd-stage bootloader starts at the next reset, and why.
The program running now is not reset: it is given back as it was.

--select NAME makes the bootloader start that app partition, writing otadata as the app's own
esp_ota_set_boot_partition does: the factory app by erasing otadata; an OTA slot by a new ota_seq
in the copy that is not active (or the active copy again, keeping its ota_seq, when it already
selects the slot). The result is read back and checked.

Examples:
  espalgo ota --flash firmware/build/demo-ota.bin
  espalgo ota --select ota_0 --target 127.0.0.1:3333 --chip esp32c3
  espalgo ota --select factory --json

Exit codes: 0 done; 1 the operation failed; 2 bad input, an unknown partition or no target; 130
Ctrl-C: what was under way was finished first (a selection written whole and checked) and the
target given back; a second Ctrl-C quits at once.`;

export function registerOta(program: Command): void {
  exitTwoOnUsageErrors(
    tableOffsetOption(common(program.command('ota').description('which app the bootloader starts at the next reset (partition table and otadata, live); --select changes it')), 'for the apps and otadata')
      .option('--select <name>', 'start this app partition at the next reset (its label: factory, ota_0, …)')
      .option('--state <state>', `with --select of an OTA slot: the ota_state written (${SELECTING_STATES.join(', ')}; default undefined, as without rollback; new starts rollback's check)`)
      .option('--persist', 'with --target sim --flash FILE: keep the change in FILE, which becomes the whole flash (padded with 0xFF to its size)')
      .addHelpText('after', HELP),
  ).action(async (_opts: unknown, cmd: Command) => {
    const o = cmd.opts() as OtaOptions;
    const io = processIo();
    process.exitCode = await runGuardedAsync(io, () => runOta(o, io), o.json === true);
  });
}
