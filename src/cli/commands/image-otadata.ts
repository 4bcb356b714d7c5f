/**
 * `espalgo image otadata FILE`: both copies of an otadata partition and the OTA slot the
 * bootloader would pick; `espalgo image otadata --select ota_N -o FILE`: otadata that selects it.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { OTA_STATE, OTADATA_SIZE, buildOtadata, otaSlotOfSeq, parseOtadata, type OtaData, type OtaSelectEntry } from '../../image/index.js';
import { commandOutput, STDOUT_HELP } from '../output/command-output.js';
import { exitTwoOnUsageErrors, imageCommand, numberOption, readInputFile, runGuarded } from '../output/command-support.js';
import { CliInputError, EXIT_OK, EXIT_PROBLEM } from '../output/exit-codes.js';
import { counted, hex32 } from '../output/format.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle, type Style } from '../output/style.js';
import { renderTable } from '../output/table.js';

export interface OtadataCliOptions {
  /** Build: the slot to boot, "ota_N" or N. */
  readonly select?: string;
  readonly out?: string;
  /** OTA app partitions in the table: turns a sequence number into a slot. */
  readonly otaCount?: number;
  /** Build: the state written (default undefined, as esp_ota_set_boot_partition without rollback). */
  readonly state?: string;
  readonly json?: boolean;
}

export const STATES = Object.keys(OTA_STATE) as (keyof typeof OTA_STATE)[];

function slotOf(text: string): number {
  const m = /^(?:ota_)?(\d{1,2})$/.exec(text.trim());
  const slot = m ? Number(m[1]) : NaN;
  if (!(slot >= 0 && slot < 16)) throw new CliInputError('BAD_SLOT', `--select must be ota_0 … ota_15 (or 0 … 15), not "${text}"`);
  return slot;
}

/** States whose entry the bootloader skips (ESP-IDF's rollback writes them for an app that failed). */
export const SKIPPED_STATES: readonly number[] = [OTA_STATE.invalid, OTA_STATE.aborted];

/** The state names an entry that selects its slot can carry. */
export const SELECTING_STATES = STATES.filter((name) => !SKIPPED_STATES.includes(OTA_STATE[name]));

/** --state NAME: the ota_state value (default undefined). */
export function stateOf(text: string | undefined): number {
  if (text === undefined) return OTA_STATE.undefined;
  const name = text.toLowerCase() as keyof typeof OTA_STATE;
  if (!STATES.includes(name)) throw new CliInputError('BAD_STATE', `--state must be one of ${STATES.join(', ')}, not "${text}"`);
  return OTA_STATE[name];
}

function otaCountOf(n: number | undefined): number | undefined {
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 16)) throw new CliInputError('BAD_OTA_COUNT', `--ota-count must be 1 … 16 (the OTA app partitions in the table), not ${n}`);
  return n;
}

/** "(seq − 1) mod count = slot", or what to give to learn the slot. */
function slotSentence(active: OtaSelectEntry | undefined, count: number | undefined, built: boolean): string {
  if (!active) return 'no valid copy: the bootloader boots the factory app (or ota_0 when there is none)';
  if (count === undefined && built) return `active copy ${active.copy}, ota_seq ${active.seq}: ota_${active.seq - 1} in any table with at least ${active.seq} OTA partitions`;
  if (count === undefined) return `active copy ${active.copy}, ota_seq ${active.seq}; give --ota-count to see the slot ((ota_seq − 1) mod the number of OTA partitions)`;
  const wrap = active.seq === 0 ? ' (0 − 1 wraps to 0xffffffff: the bootloader counts unsigned)' : '';
  return `active copy ${active.copy}, ota_seq ${active.seq}: (${active.seq} − 1) mod ${count} = ota_${otaSlotOfSeq(active.seq, count)}${wrap}`;
}

export function copyJson(c: OtaSelectEntry): object {
  return { copy: c.copy, offset: hex32(c.offset), seq: c.seq, state: c.stateName, ...(c.stateName === 'unknown' ? { stateValue: hex32(c.state) } : {}), crc: hex32(c.crc), crcValid: c.crcValid, valid: c.valid, ...(c.invalidReason ? { invalidReason: c.invalidReason } : {}) };
}

function report(name: string, data: OtaData, count: number | undefined, o: OtadataCliOptions, io: CliIo, heading: string, built = false): void {
  const slot = !data.active ? null : count !== undefined ? otaSlotOfSeq(data.active.seq, count) : built ? data.active.seq - 1 : null;
  if (o.json) {
    io.out(JSON.stringify({ ok: true, action: 'otadata', file: name, copies: data.copies.map(copyJson), activeCopy: data.active?.copy ?? null, slot: slot === null ? null : `ota_${slot}` }) + '\n');
    return;
  }
  const st = makeStyle(io.color);
  io.out(`${st.bold(heading)}\n\n`);
  io.out(copiesTable(data, st));
  io.out(`\n  ${slotSentence(data.active, count, built)}\n`);
}

/** Both copies as a table: offset (within otadata, or in flash from `base`), ota_seq, state, crc, what the bootloader makes of it. */
export function copiesTable(data: OtaData, st: Style, base = 0): string {
  return renderTable(
    [{ header: 'copy' }, { header: 'offset' }, { header: 'ota_seq', align: 'right' }, { header: 'state' }, { header: 'crc' }, { header: 'bootloader' }],
    data.copies.map((c) => [String(c.copy), hex32(base + c.offset), c.seq === 0xffffffff ? 'erased' : String(c.seq), c.stateName === 'unknown' ? `unknown (${hex32(c.state)})` : c.stateName, `${hex32(c.crc)}${c.crcValid ? '' : ' (bad)'}`, c.valid ? (data.active === c ? st.green('active') : 'valid') : c.invalidReason ?? 'ignored']),
    2, st.dim,
  );
}

export function runOtadata(file: string | undefined, o: OtadataCliOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    const count = otaCountOf(o.otaCount);
    if (o.select === undefined) {
      if (file === undefined) throw new CliInputError('BAD_ARGUMENTS', 'give an otadata FILE to read, or --select ota_N -o FILE to build one');
      if (o.out !== undefined || o.state !== undefined) throw new CliInputError('BAD_ARGUMENTS', '-o and --state build otadata: give --select ota_N with them');
      const bytes = readInputFile(file);
      // Larger than the partition: a flash image or dump, whose otadata sits elsewhere in it.
      if (bytes.length > OTADATA_SIZE) {
        throw new CliInputError('NOT_OTADATA', `${file} holds ${bytes.length} bytes, more than the ${OTADATA_SIZE / 1024} KiB of an otadata partition${bytes[0] === 0xe9 ? ' (it starts like an ESP image)' : ''}: give the otadata partition's own bytes (espalgo flash read --partition otadata -o otadata.bin); for a whole flash image, espalgo flash-map FILE or espalgo ota --flash FILE say which app boots`);
      }
      const data = parseOtadata(bytes);
      report(basename(file), data, count, o, io, `espalgo image otadata ${basename(file)}`);
      // Erased otadata is normal (the factory app boots); a copy written but not valid is not.
      return data.active || data.copies.every((c) => c.seq === 0xffffffff) ? EXIT_OK : EXIT_PROBLEM;
    }
    if (file !== undefined) throw new CliInputError('BAD_ARGUMENTS', `--select builds otadata into -o FILE; it does not read ${file}`);
    if (o.out === undefined) throw new CliInputError('BAD_ARGUMENTS', '--select needs -o FILE for the otadata it builds');
    const output = commandOutput(o.out, io, { binary: true, json: o.json === true });
    const slot = slotOf(o.select);
    if (count !== undefined && slot >= count) throw new CliInputError('BAD_SLOT', `ota_${slot} does not exist in a table with ${counted(count, 'OTA partition')}`);
    // The smallest sequence number that selects the slot: (seq − 1) mod count = slot for any count > slot.
    const state = stateOf(o.state);
    const bytes = buildOtadata(slot + 1, state);
    output.write(bytes);
    // An invalid or aborted entry selects nothing: the bootloader skips it (a file for trying rollback).
    const what = SKIPPED_STATES.includes(state) ? `ota_${slot}'s entry marked ${o.state!.toLowerCase()}, which the bootloader skips` : `selects ota_${slot}`;
    report(basename(o.out), parseOtadata(bytes), count, o, output.text, `espalgo image otadata → ${output.name} (${OTADATA_SIZE / 1024} KiB, ${what})`, true);
    return EXIT_OK;
  }, o.json === true);
}

const HELP = `
otadata is the 8 KiB data partition (type data, subtype ota) that tells ESP-IDF's 2nd-stage
bootloader which OTA app to boot: two 32-byte copies, at +0 and +0x1000; of the valid ones (CRC
over ota_seq correct, ota_seq set, state not invalid or aborted) the highest ota_seq wins, and
the slot is (ota_seq − 1) mod the number of OTA app partitions. With no valid copy the factory
app boots.

Reading: both copies, why each counts or not, and the slot (with --ota-count). Exit 1 when a
copy was written but none is valid (erased otadata is normal: the factory app boots).
Building: --select ota_N writes copy 0 with ota_seq N+1 (the smallest that selects the slot
whatever the partition count), copy 1 erased; --state sets ota_state (default undefined, as
esp_ota_set_boot_partition writes without rollback).

Examples:
  $ espalgo image otadata otadata.bin --ota-count 2
  $ espalgo image otadata --select ota_1 -o otadata.bin
  $ espalgo image merge -o flash.bin 0x0 bootloader.bin 0x8000 pt.bin \\
      0xd000 otadata.bin 0x10000 a.bin 0x110000 b.bin
`;

export function registerOtadata(program: Command): void {
  const cmd = imageCommand(program)
    .command('otadata')
    .description('read an otadata partition (which OTA slot boots, and why), or build one that selects a slot')
    .argument('[file]', 'otadata file to read (e.g. read from flash at the otadata partition)')
    .option('--select <slot>', 'build otadata that boots this slot: ota_0 … ota_15')
    .option('-o, --out <file>', `with --select: the file to write (${STDOUT_HELP})`)
    .option('--state <state>', `with --select: ota_state (${STATES.join(', ')})`)
    .option('--ota-count <n>', 'OTA app partitions in the table (to name the slot)', numberOption('--ota-count', '2'))
    .option('--json', 'print the copies and the slot as JSON')
    .addHelpText('after', HELP)
    .action((file: string | undefined, opts: OtadataCliOptions) => {
      process.exitCode = runOtadata(file, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
