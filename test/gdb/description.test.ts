import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTargetDescription, parseTargetDescription, generateTargetXml, assignGOffsets, architectureFromDescription } from '../../src/gdb/target-description.js';
import { generateMemoryMapXml, parseMemoryMapXml } from '../../src/gdb/memory-map.js';
import { RegisterFile } from '../../src/gdb/register-file.js';
import { detectServerKind } from '../../src/gdb/remote-discovery.js';
import { parseSupported } from '../../src/gdb/features.js';
import { defaultRiscv32Registers } from '../../src/target/index.js';

const FILES: Record<string, string> = {
  'target.xml': `<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd">
    <target><architecture>riscv:rv32</architecture>
    <xi:include href="cpu.xml"/><xi:include href="virtual.xml"/><xi:include href="csr.xml"/></target>`,
  'cpu.xml': `<?xml version="1.0"?><feature name="org.gnu.gdb.riscv.cpu">
    <reg name="zero" bitsize="32" type="int" regnum="0"/><reg name="ra" bitsize="32" type="code_ptr"/>
    <reg name="sp" bitsize="32" type="data_ptr"/><!-- implicit numbers continue --></feature>`,
  'virtual.xml': `<feature name="org.gnu.gdb.riscv.virtual"><reg name="priv" bitsize="32"/></feature>`,
  'csr.xml': `<feature name="org.gnu.gdb.riscv.csr"><reg name="mstatus" bitsize="32" regnum="802" group="csr"/>
    <reg name="misa" bitsize="32"/></feature>`,
};

test('target description: includes, explicit and implicit register numbers, architecture', async () => {
  const d = await loadTargetDescription(async (annex) => {
    const f = FILES[annex];
    if (!f) throw new Error(`no ${annex}`);
    return f;
  });
  assert.deepEqual(d.files, ['target.xml', 'cpu.xml', 'virtual.xml', 'csr.xml']);
  assert.equal(d.architecture, 'riscv:rv32');
  assert.equal(architectureFromDescription(d.architecture), 'riscv32');
  assert.deepEqual(d.registers.map((r) => [r.name, r.regnum]), [['zero', 0], ['ra', 1], ['sp', 2], ['priv', 3], ['mstatus', 802], ['misa', 803]]);
  assert.equal(d.registers[0]!.group, 'general');
  assert.equal(d.registers[4]!.feature, 'org.gnu.gdb.riscv.csr');
});

test('g offsets: registers by number, as far as the g reply reaches', () => {
  const regs = assignGOffsets(parseTargetDescription(`<target><feature name="x"><reg name="a" bitsize="32" regnum="1"/><reg name="b" bitsize="32" regnum="0"/><reg name="c" bitsize="64" regnum="5"/><reg name="d" bitsize="32" regnum="900"/></feature></target>`).registers, 16);
  assert.deepEqual(regs.map((r) => [r.name, r.offset]), [['a', 4], ['b', 0], ['c', 8], ['d', undefined]]);
  const file = new RegisterFile(regs, 16);
  const values = file.decodeG('0100000002000000efcdab8967452301');
  assert.equal(values.get(file.get('a')), 2);
  assert.equal(values.get(file.get('c')), 0x456789abcdef, 'a 64-bit register keeps its low 48 bits');
  assert.equal(file.inG(file.get('d')), false);
  assert.equal(file.encodeG('00'.repeat(16), new Map([[file.get('b'), 0x11223344]])).slice(0, 8), '44332211');
});

test('register names: ABI names, xN and s0/fp aliases all find the same register', () => {
  const file = new RegisterFile(defaultRiscv32Registers(), 132);
  assert.equal(file.get('x8'), file.get('s0'));
  assert.equal(file.get('fp'), file.get('s0'));
  assert.equal(file.get('X10').name, 'a0');
  assert.equal(file.get('pc').regnum, 32);
  assert.throws(() => file.get('q7'), /no such register/);
});

test('generated target.xml parses back to the same registers', () => {
  const regs = defaultRiscv32Registers();
  const xml = generateTargetXml('riscv32', regs);
  assert.match(xml, /<architecture>riscv:rv32<\/architecture>/);
  assert.match(xml, /<feature name="org.gnu.gdb.riscv.cpu">/);
  assert.match(xml, /<feature name="org.gnu.gdb.riscv.csr">/);
  const back = parseTargetDescription(xml).registers;
  assert.deepEqual(back.map((r) => [r.name, r.regnum, r.bitsize]), [...regs].sort((a, b) => a.regnum - b.regnum).map((r) => [r.name, r.regnum, r.bitsize]));
  assert.equal(back.find((r) => r.name === 'mepc')!.regnum, 65 + 0x341);
});

test('memory map: generate and parse', () => {
  const regions = [
    { type: 'rom' as const, start: 0x40000000, length: 0x60000 },
    { type: 'ram' as const, start: 0x3fc80000, length: 0x60000 },
    { type: 'flash' as const, start: 0x42000000, length: 0x800000, blockSize: 0x10000 },
  ];
  const xml = generateMemoryMapXml(regions);
  assert.deepEqual(parseMemoryMapXml(xml), regions);
  assert.throws(() => parseMemoryMapXml('<target/>'), /memory-map/);
});

test('server kind from what the server says', () => {
  assert.equal(detectServerKind(parseSupported('PacketSize=4000;espalgo+'), []), 'espalgo');
  assert.equal(detectServerKind(parseSupported('PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+'), ['target.xml']), 'qemu');
  assert.equal(detectServerKind(parseSupported('PacketSize=1000'), ['target.xml', 'riscv-32bit-cpu.xml']), 'qemu');
  assert.equal(detectServerKind(parseSupported('PacketSize=4000;qXfer:memory-map:read-;qXfer:features:read+;qXfer:threads:read+;QStartNoAckMode+;vContSupported+'), ['target.xml']), 'openocd');
  assert.equal(detectServerKind(parseSupported('PacketSize=800'), [], 'reset [run|halt|init]\n'), 'openocd');
  assert.equal(detectServerKind(parseSupported('PacketSize=800'), []), 'unknown');
});
