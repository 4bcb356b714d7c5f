/** `espalgo image elf2image ELF --chip C`: an ESP app image from a linked ELF, with the image read back and shown. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { ChipDescriptor } from '../../chips/types.js';
import { CHIP_NAMES } from '../../chips/index.js';
import {
  EM_RISCV, EM_XTENSA, defaultMmuPage, describeSpiSpeed, elf2image, findSimpleBootSegments, flashSizeToCode, formatChipRevision, maxChipRevisionSet, parseChipRevision, parseElf,
  parseImage, spiSpeedCode, spiSpeedLabels, type SimpleBootLayout, type SpiModeName,
} from '../../image/index.js';
import { commandOutput, STDOUT_HELP } from '../output/command-output.js';
import { chipOption, exitTwoOnUsageErrors, imageCommand, outputBeside, numberOption, offsetOption, readInputFile, runGuarded } from '../output/command-support.js';
import { CliInputError, EXIT_OK } from '../output/exit-codes.js';
import { counted, formatSize, hex32 } from '../output/format.js';
import { renderSegmentTable, renderSimpleBootTable } from '../output/image-tables.js';
import { processIo, type CliIo } from '../output/io.js';
import { makeStyle } from '../output/style.js';

export interface Elf2ImageCliOptions {
  readonly chip?: string;
  /** Default: the ELF's name with .bin for .elf. */
  readonly out?: string;
  readonly flashMode?: string;
  readonly flashFreq?: string;
  readonly flashSize?: number;
  readonly mmuPage?: number;
  /** commander's --no-sha256: false drops the appended SHA-256. */
  readonly sha256?: boolean;
  readonly fromSections?: boolean;
  /** --elf-sha256 true (required), --no-elf-sha256 false, neither: where the app has a descriptor. */
  readonly elfSha256?: boolean;
  /** Lowest chip revision the image runs on: "v0.3", "0.3" or the full form "3". */
  readonly minRev?: string;
  /** Highest chip revision it runs on (default: no limit). */
  readonly maxRev?: string;
  /** A Simple Boot image: the header counts only the RAM segments (esptool --ram-only-header). */
  readonly ramOnlyHeader?: boolean;
  /** Pad the file with 0xFF to a multiple of this many bytes (esptool --pad-to-size). */
  readonly padToSize?: number;
  /** Secure Boot v1 padding, ESP32 only (esptool --secure-pad). */
  readonly securePad?: boolean;
  /** Secure Boot v2 padding (esptool --secure-pad-v2). */
  readonly securePadV2?: boolean;
  /** File offset for the ELF's SHA-256 instead of the app descriptor (esptool --elf-sha256-offset). */
  readonly elfSha256Offset?: number;
  readonly json?: boolean;
}

const MODES: readonly SpiModeName[] = ['qio', 'qout', 'dio', 'dout'];
const DEFAULT_FLASH_SIZE = 2 * 1024 * 1024;

function chipOf(name: string | undefined): ChipDescriptor {
  const chip = chipOption(name);
  if (!chip) throw new CliInputError('NO_CHIP', `give --chip: an image is built for one chip (${CHIP_NAMES.join(', ')})`);
  return chip;
}

/** The header's speed nibble for --flash-freq; nibble 0 (the chip's boot-safe default) when not given. */
function speedOf(label: string | undefined, chip: ChipDescriptor): number {
  if (label === undefined) return 0;
  const code = spiSpeedCode(label, chip);
  if (code === undefined) {
    throw new CliInputError('BAD_FLASH_FREQ', `--flash-freq ${label} is not a speed the ${chip.displayName} header can state; use ${spiSpeedLabels(chip).join(', ')}`);
  }
  return code;
}

function modeOf(text: string | undefined): SpiModeName {
  const mode = (text ?? 'dio').toLowerCase() as SpiModeName;
  if (!MODES.includes(mode)) throw new CliInputError('BAD_FLASH_MODE', `--flash-mode must be one of ${MODES.join(', ')}, not "${text}"`);
  return mode;
}

function sizeCodeOf(bytes: number): number {
  try {
    return flashSizeToCode(bytes);
  } catch {
    throw new CliInputError('BAD_FLASH_SIZE', `--flash-size ${bytes} bytes has no image header code; use 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB`);
  }
}

/** --min-rev and --max-rev as the header's full forms; the maximum must not be below the minimum. */
function revisionsOf(o: Elf2ImageCliOptions): { minChipRevFull?: number; maxChipRevFull?: number } {
  const one = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const full = parseChipRevision(text);
    if (full === undefined) throw new CliInputError('BAD_CHIP_REVISION', `${flag} ${text}: give a chip revision as v0.3, 1.1 or its full form 3 (major × 100 + minor)`);
    return full;
  };
  const min = one('--min-rev', o.minRev);
  const max = one('--max-rev', o.maxRev);
  if (min !== undefined && max !== undefined && maxChipRevisionSet(max) && max < min) {
    throw new CliInputError('BAD_CHIP_REVISION', `--max-rev ${formatChipRevision(max)} is below --min-rev ${formatChipRevision(min)}: no chip could run the image`);
  }
  return { ...(min !== undefined ? { minChipRevFull: min } : {}), ...(max !== undefined ? { maxChipRevFull: max } : {}) };
}

/** The largest --pad-to-size: the largest flash an image header can state. */
const MAX_PAD_TO_SIZE = 128 * 1024 * 1024;

/** --secure-pad, --secure-pad-v2, --pad-to-size and --elf-sha256-offset, checked against each other and the chip. */
function paddingOf(o: Elf2ImageCliOptions, chip: ChipDescriptor): { padToSize?: number; securePad?: 'v1' | 'v2'; elfSha256Offset?: number } {
  if (o.securePad && o.securePadV2) {
    throw new CliInputError('BAD_SECURE_PAD', '--secure-pad (Secure Boot v1) and --secure-pad-v2 (Secure Boot v2) pad differently; give the one your bootloader signs with');
  }
  const securePad = o.securePadV2 ? 'v2' : o.securePad ? 'v1' : undefined;
  const flag = securePad === 'v2' ? '--secure-pad-v2' : '--secure-pad';
  if (securePad === 'v1' && chip.name !== 'esp32') {
    throw new CliInputError('BAD_SECURE_PAD', `--secure-pad is for Secure Boot v1, which only the ESP32 has; the ${chip.displayName} signs with Secure Boot v2: use --secure-pad-v2`);
  }
  if (securePad !== undefined && o.ramOnlyHeader) {
    throw new CliInputError('BAD_SECURE_PAD', `${flag} pads an image to be signed, and a Simple Boot image (--ram-only-header) is not signed (it has no SHA-256); drop one of them`);
  }
  if (securePad !== undefined && o.sha256 === false) {
    throw new CliInputError('BAD_SECURE_PAD', `${flag} needs the SHA-256 appended (a signed image carries it, and the padding counts it); drop --no-sha256`);
  }
  const pad = o.padToSize;
  if (pad !== undefined && (!Number.isSafeInteger(pad) || pad <= 0 || pad > MAX_PAD_TO_SIZE)) {
    throw new CliInputError('BAD_PAD_TO_SIZE', `--pad-to-size ${pad}: give a size from 1 byte to 128MB, e.g. 4KB (a flash sector), 64KB or 1MB`);
  }
  const at = o.elfSha256Offset;
  if (at !== undefined) {
    if (o.elfSha256 !== undefined) {
      throw new CliInputError('BAD_ELF_SHA256_OFFSET', `--elf-sha256-offset puts the ELF's SHA-256 at a file offset instead of into the app descriptor; drop ${o.elfSha256 ? '--elf-sha256' : '--no-elf-sha256'}`);
    }
    if (o.ramOnlyHeader) {
      throw new CliInputError('BAD_ELF_SHA256_OFFSET', '--elf-sha256-offset does not go with --ram-only-header: a Simple Boot image takes the ELF\'s SHA-256 in its app descriptor only');
    }
  }
  return { ...(pad !== undefined ? { padToSize: pad } : {}), ...(securePad ? { securePad } : {}), ...(at !== undefined ? { elfSha256Offset: at } : {}) };
}

/** "chip revision v0.3 and up" for the summary line; empty when the header sets no limits. */
function revisionRange(min: number, max: number): string {
  if (min === 0 && !maxChipRevisionSet(max)) return '';
  if (!maxChipRevisionSet(max)) return `; chip revision ${formatChipRevision(min)} and up`;
  return `; chip revision ${formatChipRevision(min)} to ${formatChipRevision(max)}`;
}

/** The hidden flash segments of a Simple Boot image as JSON rows: the fields image info gives, addresses as hex strings like elf2image's segment rows. */
function hiddenSegmentsJson(layout: SimpleBootLayout | undefined): object[] {
  return (layout?.segments ?? []).map((s) => ({
    kind: s.kind, loadAddress: hex32(s.loadAddress), fileOffset: hex32(s.dataOffset), flashOffset: hex32(s.flashOffset), size: s.length, aligned: s.aligned,
  }));
}

export function defaultImagePath(elfPath: string): string {
  return outputBeside(elfPath, '.elf', '.bin');
}

export function runElf2Image(elfPath: string, o: Elf2ImageCliOptions, io: CliIo = processIo()): number {
  return runGuarded(io, () => {
    const chip = chipOf(o.chip);
    const mode = modeOf(o.flashMode);
    const speed = speedOf(o.flashFreq, chip);
    const flashSize = o.flashSize ?? DEFAULT_FLASH_SIZE;
    const sizeCode = sizeCodeOf(flashSize);
    const revisions = revisionsOf(o);
    const padding = paddingOf(o, chip);
    const output = commandOutput(o.out ?? defaultImagePath(elfPath), io, { binary: true, json: o.json === true });
    output.checkNotInput([elfPath]);
    const elf = parseElf(readInputFile(elfPath));
    const wanted = chip.architecture === 'xtensa' ? EM_XTENSA : EM_RISCV;
    if (elf.machine !== wanted) {
      const what = elf.machine === EM_XTENSA ? 'Xtensa' : elf.machine === EM_RISCV ? 'RISC-V' : `machine ${elf.machine}`;
      throw new CliInputError('ELF_WRONG_CHIP', `${basename(elfPath)} is built for ${what}, but the ${chip.displayName} is ${chip.architecture === 'xtensa' ? 'Xtensa' : 'RISC-V'}; check --chip`);
    }
    const ramOnly = o.ramOnlyHeader === true;
    const page = o.mmuPage ?? defaultMmuPage(elf, chip);
    const bytes = elf2image(elf, chip, {
      spiMode: mode,
      spiSpeed: speed,
      flashSizeCode: sizeCode,
      ...(ramOnly ? { ramOnlyHeader: true } : { appendSha256: o.sha256 !== false }),
      source: o.fromSections ? 'sections' : 'segments',
      ...(padding.elfSha256Offset === undefined ? { elfSha256InAppDesc: o.elfSha256 ?? 'auto' } : {}),
      ...revisions,
      ...padding,
      mmuPageSize: page,
    });
    // Read back what was built, as any reader of the file will, before the file exists.
    const image = parseImage(bytes, { chip, verify: 'full' });
    const hidden = ramOnly ? findSimpleBootSegments(image, bytes, chip) : undefined;
    const appDesc = image.appDesc ?? hidden?.appDesc;
    const elfSha256Written = appDesc !== undefined && appDesc.appElfSha256.some((b) => b !== 0);
    // The image proper ends after its SHA-256 (or checksum); --pad-to-size's 0xFF bytes follow.
    const imageEnd = hidden && hidden.segments.length > 0 ? hidden.end : image.length;
    output.write(bytes);
    if (o.json) {
      io.out(JSON.stringify({
        ok: true, action: 'elf2image', out: output.path, chip: chip.name, bytes: bytes.length, entry: hex32(image.header.entry),
        flash: { mode, freq: describeSpiSpeed(speed, chip), size: flashSize },
        mmuPageSize: page,
        sha256Appended: image.sha256 !== undefined,
        elfSha256InAppDesc: elfSha256Written,
        chipRevision: { minFull: image.header.minChipRevFull, maxFull: image.header.maxChipRevFull, limitsMax: maxChipRevisionSet(image.header.maxChipRevFull) },
        segments: image.segments.map((s) => ({ index: s.index, kind: s.kind === 'flash' ? s.flashRole ?? 'flash' : s.kind, loadAddress: hex32(s.loadAddress), fileOffset: hex32(s.dataOffset), size: s.length })),
        ...(ramOnly ? { ramOnlyHeader: true, simpleBootFlashSegments: hiddenSegmentsJson(hidden) } : {}),
        securePad: padding.securePad ?? null,
        padToSize: padding.padToSize ?? null,
        imageEnd,
        elfSha256Offset: padding.elfSha256Offset !== undefined ? hex32(padding.elfSha256Offset) : null,
      }) + '\n');
      return EXIT_OK;
    }
    const text = output.text;
    const st = makeStyle(text.color);
    // The Secure Boot padding segment (the last) is not one of those that align the flash segments.
    const paddingSegments = image.segments.filter((s) => s.kind === 'padding').length - (padding.securePad ? 1 : 0);
    text.out(`${st.bold('espalgo image elf2image')} ${basename(elfPath)} → ${output.name}\n\n`);
    if (ramOnly) {
      text.out(`  ${chip.displayName} Simple Boot image (RAM-only header), ${formatSize(bytes.length)}: the header counts the ${image.segments.length} RAM segments the ROM loads; ${hidden ? `${hidden.segments.length} flash segments follow the checksum, each aligned for flash offset ${hex32(hidden.flashOffset)} (write the file there), for the app to map` : 'no flash segments'}\n`);
    } else {
      text.out(`  ${chip.displayName} app image, ${formatSize(bytes.length)}, ${counted(image.segments.length, 'segment')}${paddingSegments ? ` (${paddingSegments} padding, so each flash segment sits at its address modulo the ${page / 1024} KiB MMU page${o.mmuPage === undefined && chip.mmuPageSizes.length > 1 ? ', the app descriptor\'s choice' : ''})` : ''}\n`);
    }
    text.out(`  entry ${hex32(image.header.entry)}; flash ${mode.toUpperCase()}, ${describeSpiSpeed(speed, chip)}, ${formatSize(flashSize)}; checksum${image.sha256 ? ' and SHA-256' : ''} appended${revisionRange(image.header.minChipRevFull, image.header.maxChipRevFull)}\n`);
    const at = padding.elfSha256Offset;
    const elfHashAt = at !== undefined ? `the ELF's SHA-256 at file offset ${hex32(at)}` : '';
    if (appDesc) {
      text.out(`  app descriptor ${JSON.stringify(appDesc.projectName)} ${JSON.stringify(appDesc.version)}, ${elfSha256Written ? 'with the ELF\'s SHA-256' : at !== undefined ? `ELF SHA-256 left empty; ${elfHashAt}` : 'ELF SHA-256 left empty (--no-elf-sha256)'}\n`);
    } else {
      text.out(`  no app descriptor (not an ESP-IDF app): ${at !== undefined ? elfHashAt : 'no ELF SHA-256 recorded'}\n`);
    }
    if (padding.securePad) {
      const boundary = padding.securePad === 'v2' ? imageEnd : imageEnd + 80;
      text.out(`  Secure Boot ${padding.securePad} padding: ${padding.securePad === 'v2' ? `the image ends at ${hex32(imageEnd)}, an MMU page boundary, where signing puts the signature sector` : `once signed (80 bytes: version word, signature, alignment) the image ends at ${hex32(boundary)}, a 64 KiB boundary`}\n`);
    }
    if (padding.padToSize !== undefined) {
      text.out(`  ${bytes.length > imageEnd ? `padded with 0xFF from ${hex32(imageEnd)} to ${hex32(bytes.length)}` : 'no 0xFF padding needed'}: a multiple of ${formatSize(padding.padToSize)} (--pad-to-size)\n`);
    }
    text.out('\n');
    text.out(renderSegmentTable(image, st));
    if (hidden) text.out(`\n  ${st.bold('After the checksum')} ${st.dim('(not counted by the header; each behind a zero padding segment)')}\n${renderSimpleBootTable(hidden, st)}`);
    const then = hidden
      ? `then write it where the ROM loads it, in place of a bootloader: espalgo flash write ${output.path} ${hex32(chip.bootloaderOffset)}`
      : 'or merge it with a bootloader and table: espalgo image merge --help';
    if (!output.toStdout) text.out(`\n${st.dim(`Next: espalgo image info ${output.path} --verify, ${then}`)}\n`);
    return EXIT_OK;
  }, o.json === true);
}

const HELP = `
Builds an ESP app image (magic 0xE9) from a linked ELF, the way the ESP-IDF build does: the
program headers' data as segments: flash-mapped ones in address order (the app descriptor's
first), each at a file offset matching its address modulo the MMU page, RAM pieces in address
order (a bootloader's descriptor first) filling the gaps before them (split where larger) or
padding segments, the rest of RAM after them; then the XOR checksum and the SHA-256. The image
is read back and checked before the file is written (the file appears complete or not at all;
never over the ELF itself).

Defaults: --out is the ELF's name with .bin (-o - writes the image to standard output, the summary
to stderr); --flash-mode dio; --flash-freq the header's nibble 0
(40m on esp32, -s2, -s3, -c3, -c5, -p4; 30m on -c2; 80m on -c6; 24m on -h2); --flash-size 2MB;
no chip revision limits (min v0.0, max 0xFFFF); the ELF's SHA-256 goes into the app descriptor
when the app has one (--elf-sha256 insists on it, --no-elf-sha256 leaves it empty). With the
same options the image is the one esptool elf2image writes. The ESP-IDF bootloader refuses an
app whose --min-rev is above the chip's revision, or whose --max-rev (when not 0 or 0xFFFF) is
below it; take both from the project's sdkconfig (CONFIG_ESP_REV_MIN_FULL, CONFIG_ESP_REV_MAX_FULL).

Secure Boot: an app to be signed is padded first, so that the signature covers everything the
app maps (ESP-IDF's build does it for signed apps: --secure-pad for the v1 ECDSA scheme,
--secure-pad-v2 for the RSA and ECDSA v2 schemes). --secure-pad-v2 (every chip) adds a zero
padding segment before the checksum so that the image, with its SHA-256, ends on an MMU page
boundary, where signing appends the 4 KiB signature sector. --secure-pad (Secure Boot v1, the
ESP32 only) pads so that the signed image, with the 80 bytes signing appends, ends on a 64 KiB
boundary. Both need the SHA-256 (not with --no-sha256 or --ram-only-header). Sign the file
afterwards (espsecure.py sign_data).

--pad-to-size SIZE appends 0xFF bytes (what erased flash reads) until the file is a multiple of
SIZE: 64KB, 1MB, 0x10000, 4096. The bytes lie after the SHA-256, outside the checksum and the
hash; use it to fill a partition or a flash sector. --elf-sha256-offset OFFSET writes the ELF's
SHA-256 at that file offset instead of into the app descriptor (0xB0 is where ESP-IDF's
app_elf_sha256 lies); the 32 bytes there must be zeros inside one segment, else it is refused.
esptool's --spi-connection changes nothing in the image (the header has no SPI pin field; it
configures a connected chip), so elf2image has no such option.

--ram-only-header builds a Simple Boot image, as Zephyr (CONFIG_ESP_SIMPLE_BOOT) and NuttX
(CONFIG_ESPRESSIF_SIMPLE_BOOT) do to boot without the ESP-IDF bootloader: the header counts only
the RAM segments (the ROM loads those and checks their checksum); after the checksum, uncounted
and with no SHA-256, each flash segment (highest address first) follows a zero padding segment
that puts its data at a flash offset matching its address modulo the MMU page once the file is
written at the chip's bootloader offset (0x0 on esp32c2, -c3, -s3, -c6, -h2; 0x1000 on esp32,
-s2; 0x2000 on -c5, -p4). The app maps those segments itself. Byte for byte what esptool v4.12.0
writes with --use-segments and the same options, given --no-elf-sha256; without --use-segments
esptool also writes the ELF's SHA-256 at file offset 0xB0, which in such an image lies inside the
RAM segments, where espalgo writes it into the app descriptor instead.

Exit codes: 0 written, 2 bad input (nothing written).

Examples:
  $ espalgo image elf2image build/app.elf --chip esp32c3 --flash-freq 80m --flash-size 4MB
  $ espalgo image elf2image app.elf --chip esp32s3 -o app.bin --elf-sha256 --json
  $ espalgo image elf2image zephyr.elf --chip esp32c3 --ram-only-header -o zephyr.bin
  $ espalgo image elf2image app.elf --chip esp32c6 --secure-pad-v2 -o app-unsigned.bin
  $ espalgo image elf2image app.elf --chip esp32 --secure-pad -o app-unsigned.bin
`;

export function registerElf2Image(program: Command): void {
  const cmd = imageCommand(program)
    .command('elf2image')
    .description('build an app image from an ELF (segments, MMU-page padding, checksum, SHA-256)')
    .argument('<elf>', 'linked ELF file')
    .option('--chip <chip>', `the chip the image is for (${CHIP_NAMES.join(', ')}); required`)
    .option('-o, --out <file>', `image file to write (default: the ELF name with .bin; ${STDOUT_HELP})`)
    .option('--flash-mode <mode>', `SPI mode in the header: ${MODES.join(', ')}`)
    .option('--flash-freq <freq>', 'SPI speed in the header, e.g. 40m, 80m (the chip decides which exist)')
    .option('--flash-size <size>', 'flash size in the header: 1MB … 128MB', numberOption('--flash-size'))
    .option('--mmu-page <size>', 'MMU page size for the padding: the app\'s CONFIG_MMU_PAGE_SIZE, one the chip has (default 64KB; esp32c2, c5, c6, h2, p4 also 32KB and 16KB, all but esp32c2 8KB, and there by default the app descriptor\'s choice, as esptool makes it)', numberOption('--mmu-page'))
    .option('--no-sha256', 'do not append the SHA-256 of the image')
    .option('--from-sections', 'take allocated sections instead of program headers')
    .option('--elf-sha256', 'write the ELF\'s SHA-256 into the app descriptor (app_elf_sha256) and refuse an ELF without one (default: written where the app has a descriptor)')
    .option('--no-elf-sha256', 'leave app_elf_sha256 empty')
    .option('--min-rev <rev>', 'lowest chip revision the app runs on: v0.3, 1.1, or the full form 3 (major × 100 + minor)')
    .option('--max-rev <rev>', 'highest chip revision it runs on (default: no limit)')
    .option('--pad-to-size <size>', 'pad the file with 0xFF to a multiple of SIZE (e.g. 4KB, 64KB, 1MB, 0x10000), after the SHA-256 and outside it, e.g. to fill a partition', numberOption('--pad-to-size'))
    .option('--secure-pad-v2', 'pad for Secure Boot v2 signing: a padding segment before the checksum so the image ends on an MMU page boundary, where signing puts the signature sector (all chips)')
    .option('--secure-pad', 'pad for Secure Boot v1 signing (ESP32 only): the signed image ends on a 64 KiB boundary')
    .option('--elf-sha256-offset <offset>', 'write the ELF\'s SHA-256 at this file offset (32 zero bytes inside a segment) instead of into the app descriptor', offsetOption('--elf-sha256-offset'))
    .option('--ram-only-header', 'a Simple Boot image (Zephyr/NuttX without the ESP-IDF bootloader; esptool --ram-only-header): the header counts only the RAM segments, the flash segments follow the checksum; no SHA-256; flash it at the chip\'s bootloader offset')
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', HELP)
    .action((elf: string, opts: Elf2ImageCliOptions) => {
      process.exitCode = runElf2Image(elf, opts);
    });
  exitTwoOnUsageErrors(cmd);
}
