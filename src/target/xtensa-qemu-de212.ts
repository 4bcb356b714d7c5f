/**
 * The register file of QEMU's `de212` Xtensa core (the default core of `-M lx60-nommu` and
 * `-M kc705-nommu`) as its gdbstub lays out the `g` packet: 137 registers, 640 bytes.
 *
 * QEMU's Xtensa gdbstub sends no target description and answers `p`/`P` with an empty reply, so a
 * client has to know this layout to read or write any register. Registers 98..120 (power, CoreSight,
 * TRAX and OCD registers) take 8 bytes each in the packet; every other one takes 4. The window view
 * a0..a15 comes last: a `G` writes it after the physical ar0..ar31, so it wins.
 *
 * The layout is per core (dc233c, for one, has LITBASE and a 484-byte packet): use this table only
 * when the `g` reply has exactly QEMU_DE212_G_BYTES bytes.
 */
import type { RegisterInfo } from './types.js';

export const QEMU_DE212_G_BYTES = 640;

const SPECIAL_32 = [
  'lbeg', 'lend', 'lcount', 'sar', 'windowbase', 'windowstart', 'configid0', 'configid1', 'ps',
  'scompare1', 'acclo', 'acchi', 'm0', 'm1', 'm2', 'm3', 'expstate', 'mmid', 'ibreakenable', 'atomctl',
  'ddr', 'ibreaka0', 'ibreaka1', 'dbreaka0', 'dbreaka1', 'dbreakc0', 'dbreakc1',
  'epc1', 'epc2', 'epc3', 'epc4', 'epc5', 'epc6', 'epc7', 'depc',
  'eps2', 'eps3', 'eps4', 'eps5', 'eps6', 'eps7',
  'excsave1', 'excsave2', 'excsave3', 'excsave4', 'excsave5', 'excsave6', 'excsave7',
  'interrupt', 'intset', 'intclear', 'intenable', 'vecbase', 'exccause', 'debugcause', 'ccount', 'prid',
  'icount', 'icountlevel', 'excvaddr', 'ccompare0', 'ccompare1', 'ccompare2', 'misc0', 'misc1',
] as const;

/** Debug-module registers that occupy 8 bytes each in the packet. */
const DEBUG_64 = [
  'pwrctl', 'pwrstat', 'eristat', 'cs_itctrl', 'cs_claimset', 'cs_claimclr', 'cs_lockaccess', 'cs_lockstatus',
  'cs_authstatus', 'trax_id', 'trax_control', 'trax_status', 'trax_data', 'trax_address', 'trax_pctrigger',
  'trax_pcmatch', 'trax_delay', 'trax_memstart', 'trax_memend', 'ocdid', 'ocd_dcrclr', 'ocd_dcrset', 'ocd_dsr',
] as const;

/** The de212 register file in `g` order, with byte offsets. */
export function qemuDe212Registers(): RegisterInfo[] {
  const out: RegisterInfo[] = [];
  let offset = 0;
  const add = (name: string, bitsize: number, group: string) => {
    out.push({ name, regnum: out.length, bitsize, offset, group, feature: 'org.gnu.gdb.xtensa.core', type: name === 'pc' ? 'code_ptr' : 'int' });
    offset += bitsize / 8;
  };
  add('pc', 32, 'general');
  for (let n = 0; n < 32; n++) add(`ar${n}`, 32, 'physical');
  for (const name of SPECIAL_32) add(name, 32, 'special');
  for (const name of DEBUG_64) add(name, 64, 'debug');
  for (let n = 0; n < 16; n++) add(`a${n}`, 32, 'general');
  return out;
}
